"""Load the catalogue and, on request, the demo data: each in one transaction, all or nothing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

from jamforaren import audit
from jamforaren.catalogue import load_catalogue
from jamforaren.extensions import db
from jamforaren.services.catalogue_sync import SyncReport, sync_catalogue
from jamforaren.services.demo_data import DemoReport, generate_demo, load_vocabulary


def seed_catalogue(catalogue_dir: str | Path, survey_year: int | None = None) -> SyncReport:
    catalogue = load_catalogue(catalogue_dir)  # validates everything before anything is written
    try:
        with audit.bulk_load("seed"):
            report = sync_catalogue(catalogue, [survey_year or date.today().year])
        audit.record(db.session, "seed", "catalogue", None, asdict(report))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def seed_demo(catalogue_dir: str | Path, vocabulary_path: str | Path, *, seed: int, year: int,
              municipality: str) -> tuple[SyncReport, DemoReport]:
    catalogue = load_catalogue(catalogue_dir)
    vocabulary = load_vocabulary(vocabulary_path)
    try:
        with audit.bulk_load("seed --demo"):
            sync_report = sync_catalogue(catalogue, [year])
            demo_report = generate_demo(catalogue, vocabulary, seed=seed, year=year, municipality=municipality)
        summary = {k: v for k, v in asdict(demo_report).items() if k != "accounts"}
        audit.record(db.session, "seed", "demo_data", None, {"seed": seed, "year": year, **summary})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return sync_report, demo_report
