"""What the file importers share: the columns, the area and year of a row, permissions, chunking."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from jamforaren.imports.columns import Column, ColumnMap, map_columns
from jamforaren.imports.lookups import MUNICIPALITY_WORDS, Areas, AuthorisedYears, Units, key
from jamforaren.imports.plan import ImportPlan
from jamforaren.imports.reading import Table
from jamforaren.imports.values import BadValue, integer, text
from jamforaren.models import Area, User
from jamforaren.services import permissions

T = TypeVar("T")
FIRST_YEAR = 2000


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def columns(plan: ImportPlan, table: Table, layout: tuple[Column, ...]) -> ColumnMap | None:
    found = map_columns(table.header, layout)
    plan.ignored_columns = found.ignored
    expected = ", ".join(column.name for column in layout)
    for name in found.missing:
        plan.problem(1, name, _l("The column is missing. Row 1 must name the columns: %(columns)s.", columns=expected))
    if not table.rows:
        plan.problem(None, None, _l("The file has no rows below the column names."))
    return None if found.missing or not table.rows else found


MUNICIPALITY = None  # the unit of a row about the whole municipality


def _find_unit(value: str, units: Units, authorised: AuthorisedYears, area: Area | None) -> tuple[Any, Any]:
    if not value:
        return False, _l("The unit is missing; write Kommunen for the whole municipality.")
    if key(value) in MUNICIPALITY_WORDS:
        return MUNICIPALITY, None
    found = units.find(value, authorised.units_in(area.id) if area else None)
    if len(found) == 1:
        return found[0], None
    return False, (_l("Several units are named “%(unit)s”; use the unit's code.", unit=value) if found
                   else _l("No unit has the code or name “%(unit)s”.", unit=value))


class Rows:
    """Reads a row's cells by column, and its area and year, noting every problem in the plan."""

    def __init__(self, plan: ImportPlan, table: Table, columns: ColumnMap, user: User | None) -> None:
        self.plan = plan
        self.table = table
        self.columns = columns
        self.areas = Areas()
        self.allowed = None if user is None else permissions.officer_area_ids(user)
        self.last_year = date.today().year
        self._areas: dict[str, tuple[Area | None, Any]] = {}
        self.unit_cache: dict[tuple[str, int | None], tuple[Any, Any]] = {}
        self._years: dict[Any, tuple[int | None, Any]] = {}

    def cell(self, cells: list[Any], name: str) -> str:
        position = self.columns.index.get(name)
        if position is None or position >= len(cells):
            return ""
        value = cells[position]
        if value.__class__ is str and " " not in value and value.isprintable():
            return value  # the common case, already clean
        return text(value)

    def raw(self, cells: list[Any], name: str) -> Any:
        position = self.columns.index.get(name)
        return None if position is None or position >= len(cells) else cells[position]

    def unit(self, number: int, cells: list[Any], units: Units, authorised: AuthorisedYears,
             area: Area | None) -> int | None | bool:
        """The row's unit id; MUNICIPALITY (None) for the whole municipality; False (noted in the plan) when
        it is not found. A unit is on many rows (one per question): it is looked up once."""
        value = self.cell(cells, "Enhet")
        cache_key = (value, area.id if area else None)
        if cache_key not in self.unit_cache:
            self.unit_cache[cache_key] = _find_unit(value, units, authorised, area)
        unit_id, problem = self.unit_cache[cache_key]
        if problem is not None:
            self.plan.problem(number, self.columns.labels["Enhet"], problem)
        return unit_id

    def area_ids(self) -> set[int]:
        """The areas the file names (to load only what they need)."""
        position = self.columns.index["Område"]
        names = {cells[position] for _, cells in self.table.rows if position < len(cells)}
        return {area.id for area in (self.areas.find(text(name)) for name in names) if area is not None}

    def area(self, number: int, cells: list[Any]) -> Area | None:
        value = self.cell(cells, "Område")
        if value not in self._areas:
            self._areas[value] = self._area(value)
        area, problem = self._areas[value]
        if problem is not None:
            self.plan.problem(number, self.columns.labels["Område"], problem)
        return area

    def _area(self, value: str) -> tuple[Area | None, Any]:
        area = self.areas.find(value) if value else None
        if area is None:
            return None, (_l("No area is called “%(area)s”.", area=value) if value else _l("The area is missing."))
        if self.allowed is not None and area.id not in self.allowed:
            return None, _l("You do not manage %(area)s.", area=area.name_sv)
        return area, None

    def year(self, number: int, cells: list[Any]) -> int | None:
        raw = self.raw(cells, "År")
        hashable = raw if isinstance(raw, str | int | float | None) else str(raw)
        if hashable not in self._years:
            self._years[hashable] = self._year(raw)
        year, problem = self._years[hashable]
        if problem is not None:
            self.plan.problem(number, self.columns.labels["År"], problem)
        return year

    def _year(self, raw: Any) -> tuple[int | None, Any]:
        try:
            year = integer(raw)
        except (BadValue, ValueError):
            return None, _l("The year must be a year such as %(year)s.", year=self.last_year)
        if not FIRST_YEAR <= year <= self.last_year:
            return None, _l("The year must be from %(first)s to %(last)s.", first=FIRST_YEAR, last=self.last_year)
        return year, None
