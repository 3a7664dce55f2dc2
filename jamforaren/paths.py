"""Where the project's top-level folders are (templates, translations, seed)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
SEED_DIR = PROJECT_ROOT / "seed"
CATALOGUE_DIR = SEED_DIR / "catalogue"
DEMO_VOCABULARY = SEED_DIR / "demo.yaml"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
