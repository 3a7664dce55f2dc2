"""The text of each comparison cell, shared by the HTML table and its CSV download, so the download
holds exactly what the page shows."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from jamforaren.formatting import figure, long_date, number, percent
from jamforaren.i18n import current_language, local, local_label
from jamforaren.labels import language_name
from jamforaren.models import KeyFigure, SurveyQuestion
from jamforaren.services.compare import Cell, Row


def row_label(row: Row) -> str:
    if isinstance(row.label, SurveyQuestion):
        return str(local(row.label, "text"))
    if isinstance(row.label, KeyFigure):
        return str(local(row.label, "name"))
    if isinstance(row.label, dict):
        return str(local_label(row.label))
    return str(row.label)


def _attribute_text(definition: dict[str, Any], values: list[str]) -> str:
    if definition["type"] in ("choice", "multichoice"):
        labels = {o["key"]: str(local_label(o["label"])) for o in definition.get("options", [])}
        return ", ".join(labels.get(v, v) for v in values)
    if definition["type"] == "boolean":
        return _("Yes") if values[0] == "true" else _("No")
    return ", ".join(values)


def cell_text(row: Row, cell: Cell) -> str:
    if cell.point is not None:
        if cell.point.suppressed:
            return _("too few answers")
        if cell.point.value is None:
            return _("missing")
        if row.kind == "share":
            return percent(cell.point.value)
        if row.kind == "figure" and row.figure is not None:
            return figure(cell.point.value, row.figure.unit, row.figure.decimals)
        return number(cell.point.value)
    if row.kind == "date":
        return long_date(cell.on) if cell.on else _("missing")
    if row.kind == "languages":
        return ", ".join(language_name(code, current_language()) for code in cell.values or []) or _("None stated")
    if row.kind == "attribute":
        return _attribute_text(row.note, cell.values) if cell.values else _("not stated")
    return str(cell.text) if cell.text not in (None, "") else _("missing")
