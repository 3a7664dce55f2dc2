"""Language choice, compiled message catalogues and text in two languages."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup, escape

LANGUAGE_COOKIE = "lang"


def select_locale() -> Locale:
    """The cookie set by the language switch wins; otherwise Accept-Language; otherwise Swedish (also on the
    command line, where there is no request)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return _locale(chosen)
    return _locale(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(language)  # parsed once per language, not on every request


def current_language() -> str:
    return str(get_locale() or "sv").split("_")[0]


def compile_catalogues(source: Path, target: Path) -> Path:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` under ``source`` into ``target`` when stale.

    Each .mo is written to a temporary file and renamed into place, so processes starting together
    never read a half-written catalogue.
    """
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        handle, tmp_name = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(tmp_name, mo_path)
    return target


@dataclass(frozen=True)
class LocalText:
    """A content text in the reader's language, or in Swedish when no translation exists."""

    text: str
    lang: str
    fallback: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> Markup:
        if self.fallback:
            return Markup('<span lang="{}">{}</span>').format(self.lang, self.text)
        return escape(self.text)

    def __bool__(self) -> bool:
        return bool(self.text)


def local(obj: Any, field: str) -> LocalText:
    """``local(area, "name")`` reads ``area.name_en`` for English readers, else ``area.name_sv``."""
    language = current_language()
    swedish = getattr(obj, f"{field}_sv") or ""
    if language != "sv":
        translated = getattr(obj, f"{field}_{language}", None)
        if translated:
            return LocalText(translated, language, False)
        return LocalText(swedish, "sv", bool(swedish))
    return LocalText(swedish, "sv", False)


def local_label(label: dict[str, str] | None) -> LocalText:
    """The same for a ``{sv: …, en: …}`` mapping from the catalogue (attribute labels, options)."""
    label = label or {}
    language = current_language()
    if language != "sv" and label.get(language):
        return LocalText(label[language], language, False)
    swedish = label.get("sv", "")
    return LocalText(swedish, "sv", language != "sv" and bool(swedish))
