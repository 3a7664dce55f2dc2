"""CSV versions of the API's lists, written by the portal's CSV writer (``public.csv_export.rows_to_csv``):
UTF-8 with a byte-order mark; in Swedish semicolons between fields and a decimal comma (as Swedish
Excel expects), in English commas and a decimal point. Column names are fixed and the same in both
languages. Numbers have no thousands separators, booleans are ``true``/``false``, an empty field is a
missing value, and a list of codes is one field with the codes separated by spaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from jamforaren.i18n import current_language
from jamforaren.public.csv_export import rows_to_csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    get: Callable[[dict[str, Any]], Any]


def at(*keys: str, name: str | None = None) -> Column:
    """The value at ``item[k1][k2]…``, empty when any step is missing."""
    def get(item: dict[str, Any]) -> Any:
        value: Any = item
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value
    return Column(name or "_".join(keys), get)


def both(*keys: str) -> tuple[Column, Column]:
    """A text in two languages as two columns, ``…_sv`` and ``…_en``."""
    return at(*keys, "sv", name="_".join(keys) + "_sv"), at(*keys, "en", name="_".join(keys) + "_en")


def cell(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, (list, tuple)):
        return " ".join(cell(v, decimal_comma) for v in value)
    text = str(value)
    # A text that a spreadsheet would take for a formula is kept as text.
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(columns: Sequence[Column], items: Iterable[dict[str, Any]], filename: str) -> Response:
    decimal_comma = current_language() == "sv"
    rows = [[c.name for c in columns]]
    rows.extend([cell(c.get(item), decimal_comma) for c in columns] for item in items)
    return rows_to_csv(rows, filename)
