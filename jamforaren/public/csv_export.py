"""CSV downloads: UTF-8 with a byte-order mark so Swedish Excel opens them right; semicolons in Swedish
(where the comma is the decimal sign), commas in English."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response
from flask_babel import gettext as _

from jamforaren.i18n import current_language, local
from jamforaren.models import Survey
from jamforaren.public.compare_text import cell_text, row_label
from jamforaren.services.compare import Comparison


def rows_to_csv(rows: Iterable[list[str]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if current_language() == "sv" else ",", lineterminator="\r\n")
    writer.writerows(rows)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def comparison_rows(comparison: Comparison) -> list[list[str]]:
    best = _("best")
    rows = [[_("Group"), _("Row"), *[u.name for u in comparison.units]]]
    for group in comparison.groups:
        heading = str(local(group.heading, "title")) if isinstance(group.heading, Survey) else str(group.heading)
        if group.year:
            heading = f"{heading} ({group.year})"
        for row in group.rows:
            cells = []
            for cell in row.cells:
                text = cell_text(row, cell)
                cells.append(f"{text} ({best})" if cell.best else text)
            rows.append([heading, row_label(row), *cells])
    return rows


def csv_response(comparison: Comparison, filename: str) -> Response:
    return rows_to_csv(comparison_rows(comparison), filename)
