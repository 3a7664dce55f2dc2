"""The numbers behind the trend charts, laid out as tables (years across, one row per measure)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from jamforaren.formatting import figure_formatter, percent
from jamforaren.i18n import LocalText, local
from jamforaren.services.measures import FigureRow, Point, SurveyBlock

Row = tuple[LocalText, list[Point], Callable[[Decimal | None], str]]


def survey_trend_table(block: SurveyBlock) -> tuple[list[int], list[Row]]:
    years = [p.year for p in block.rows[0].trend] if block.rows else []
    return years, [(local(row.question, "text"), row.trend, percent) for row in block.rows]


def figure_trend_table(rows: list[FigureRow]) -> tuple[list[int], list[Row]]:
    """Figures may end in different years; the table spans them all and marks the gaps as missing."""
    years = sorted({p.year for row in rows for p in row.trend})
    table = []
    for row in rows:
        by_year = {p.year: p for p in row.trend}
        table.append((local(row.figure, "name"), [by_year.get(y, Point(y, None)) for y in years],
                      figure_formatter(row.figure)))
    return years, table
