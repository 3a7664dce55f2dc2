"""Key figures (nyckeltal) from a file: one row per unit (or the municipality), key figure and year."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jamforaren import formatting
from jamforaren.extensions import db
from jamforaren.imports import bulk, common
from jamforaren.imports.columns import KEY_FIGURE_COLUMNS
from jamforaren.imports.lookups import AuthorisedYears, Units
from jamforaren.imports.plan import Change, ImportKind, ImportPlan
from jamforaren.imports.reading import Table
from jamforaren.imports.values import BadValue, decimal
from jamforaren.models import FigureScope, FigureUnit, KeyFigure, KeyFigureValue, User

THOUSANDTH = Decimal("0.001")
LARGEST = Decimal("99999999999")  # what numeric(14, 3) holds


@dataclass(frozen=True)
class FigureValue:
    row: int | None
    figure: KeyFigure
    unit_id: int | None  # None: the municipality as a whole
    year: int
    value: Decimal


def checked_value(figure: KeyFigure, raw: object) -> Decimal:
    """The value as stored, or ValueError with a message that says why not."""
    try:
        value = decimal(raw)
    except BadValue:
        raise ValueError(_l("The value must be a number, e.g. 12,5.")) from None
    if abs(value) > LARGEST:
        raise ValueError(_l("The value is too large."))
    if value < 0 and figure.unit is not FigureUnit.KRONOR:
        raise ValueError(_l("The value of %(figure)s cannot be negative.", figure=figure.name_sv))
    if figure.unit is FigureUnit.PERCENT and value > Decimal(100):
        raise ValueError(_l("%(figure)s is a percentage: the value must be from 0 to 100.", figure=figure.name_sv))
    return value.quantize(THOUSANDTH, ROUND_HALF_EVEN)


class Figures:
    """Key figures by area, found by their code or their Kolada id."""

    def __init__(self) -> None:
        self.all = list(db.session.scalars(select(KeyFigure)))
        self.by_area: dict[int, dict[str, KeyFigure]] = {}
        for figure in self.all:
            codes = self.by_area.setdefault(figure.area_id, {})
            codes[figure.code.casefold()] = figure
            if figure.kolada_kpi:
                codes.setdefault(figure.kolada_kpi.casefold(), figure)

    def find(self, area_id: int, value: str) -> KeyFigure | None:
        return self.by_area.get(area_id, {}).get(value.casefold())


def plan_key_figures(table: Table, filename: str, sha256: str, user: User | None = None) -> ImportPlan:
    plan = ImportPlan(ImportKind.KEY_FIGURES, filename, sha256, rows_read=len(table.rows))
    columns = common.columns(plan, table, KEY_FIGURE_COLUMNS)
    if columns is None:
        return plan
    rows = common.Rows(plan, table, columns, user)
    authorised = AuthorisedYears(rows.area_ids())
    units = Units()
    figures = Figures()
    label = columns.labels.get
    values: list[FigureValue] = []
    seen: dict[tuple[int, int | None, int], int] = {}
    for number, cells in table.rows:
        area = rows.area(number, cells)
        year = rows.year(number, cells)
        code = rows.cell(cells, "Nyckeltal")
        figure = figures.find(area.id, code) if area and code else None
        if area is not None and figure is None:
            plan.problem(number, label("Nyckeltal"), _l("%(area)s has no key figure “%(code)s”.",
                                                        area=area.name_sv, code=code))
        value = None
        if figure is not None:
            try:
                value = checked_value(figure, rows.raw(cells, "Värde"))
            except ValueError as error:
                plan.problem(number, label("Värde"), error.args[0])
        unit_id = rows.unit(number, cells, units, authorised, area)
        if unit_id is False:
            continue
        if area is None or year is None or figure is None:
            continue
        if unit_id is not None and figure.scope is FigureScope.MUNICIPALITY:
            plan.problem(number, label("Enhet"), _l("%(figure)s is a figure for the whole municipality; write Kommunen "
                                                    "as the unit.", figure=figure.name_sv))
            continue
        if unit_id is not None and not authorised.authorised(unit_id, area.id, year):
            plan.problem(number, label("Enhet"), _l("%(unit)s was not authorised in %(area)s in %(year)s.",
                                                    unit=units.names[unit_id], area=area.name_sv, year=year))
            continue
        duplicate = (figure.id, unit_id, year)
        if duplicate in seen:
            plan.problem(number, None, _l("The same unit, key figure and year as row %(row)s.", row=seen[duplicate]))
            continue
        seen[duplicate] = number
        if value is not None:
            values.append(FigureValue(number, figure, unit_id, year, value))
            plan.per_area_year[(area.name_sv, year)] += 1
    if plan.ok:
        compare_values(plan, values, units)
    return plan


def compare_values(plan: ImportPlan, values: Iterable[FigureValue], units: Units) -> None:
    values = list(values)
    figure_ids = sorted({v.figure.id for v in values})
    existing: dict[tuple[int, int | None, int], tuple[int, Decimal]] = {}
    for chunk in common.chunks(figure_ids):
        for value_id, figure_id, unit_id, year, value in db.session.execute(
                select(KeyFigureValue.id, KeyFigureValue.key_figure_id, KeyFigureValue.unit_id, KeyFigureValue.year,
                       KeyFigureValue.value).where(KeyFigureValue.key_figure_id.in_(chunk))):
            existing[(figure_id, unit_id, year)] = (value_id, Decimal(value).quantize(THOUSANDTH))
    municipality = str(_l("The municipality"))
    for item in values:
        before = existing.get((item.figure.id, item.unit_id, item.year))
        if before is None:
            plan.added += 1
            plan.value_inserts.append({"key_figure_id": item.figure.id, "unit_id": item.unit_id,
                                       "year": item.year, "value": item.value})
        elif before[1] != item.value:
            who = municipality if item.unit_id is None else units.names[item.unit_id]
            plan.changes.append(Change(item.row, f"{who} · {item.figure.code} · {item.year}",
                                       _shown(item.figure, before[1]), _shown(item.figure, item.value)))
            plan.value_updates.append({"id": before[0], "value": item.value})
        else:
            plan.unchanged += 1


def _shown(figure: KeyFigure, value: Decimal) -> str:
    decimals = max(figure.decimals, -value.normalize().as_tuple().exponent)
    return formatting.figure(value, figure.unit, decimals)


def apply_key_figures(plan: ImportPlan) -> None:
    bulk.insert_rows(KeyFigureValue.__table__, ("key_figure_id", "unit_id", "year", "value"), plan.value_inserts)
    bulk.update_rows(KeyFigureValue.__table__, ("value",), plan.value_updates)
