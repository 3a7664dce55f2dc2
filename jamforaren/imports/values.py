"""Numbers and codes as people type them in Swedish spreadsheets: decimal comma, spaces between
thousands, percent signs, a typographic minus; header names in any case and spelling."""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class BadValue(ValueError):
    pass


@functools.lru_cache(maxsize=65536)
def normalise_header(name: str) -> str:
    """'Andel_positiva (%)' → 'andel positiva'; 'ÅR' → 'år'."""
    name = unicodedata.normalize("NFC", name).casefold()
    name = re.sub(r"\(.*?\)|%", " ", name)
    name = re.sub(r"[_\-./:]+", " ", name)
    return _SPACES.sub(" ", name).strip()


def text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())  # every kind of space, also no-break spaces, as one


def decimal(cell: Any) -> Decimal:
    """A number from a cell: 93,5 · 93.5 · 93,5 % · 1 234,5 · −2 (raises BadValue)."""
    if isinstance(cell, bool):
        raise BadValue
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    if isinstance(cell, float):
        return Decimal(repr(cell))
    raw = str(cell or "")
    if _digits(raw):
        return Decimal(raw)
    simple = raw.replace(",", ".", 1)
    if _digits(simple.replace(".", "", 1)):  # 93,5 or 93.5: the common case
        return Decimal(simple)
    raw = "".join(raw.split()).replace("\u2212", "-").rstrip("%")
    if not raw:
        raise BadValue
    if "," in raw:
        if "." in raw:  # 1.234,5 (thousands dots) — the comma is the decimal sign
            raw = raw.replace(".", "")
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadValue from None
    if not value.is_finite():
        raise BadValue
    return value


def _digits(raw: str) -> bool:
    """Only the digits 0–9 (str.isdigit also takes ² and other digits no number is written with)."""
    return raw.isascii() and raw.isdigit()


def integer(cell: Any) -> int:
    if isinstance(cell, str) and _digits(cell):
        return int(cell)
    value = decimal(cell)
    if value != value.to_integral_value():
        raise BadValue
    return int(value)
