"""Side-by-side comparison of 2–4 units of one area, with the best value of each row marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, FollowUp, KeyFigure, Rating, Unit
from jamforaren.services.listing import LISTED_STATUSES
from jamforaren.services.measures import Point, figure_rows, survey_blocks
from jamforaren.services.unit_profile import attribute_facts, latest_published_follow_ups

MIN_UNITS, MAX_UNITS = 2, 4


class CompareError(ValueError):
    """The selection cannot be compared; the message is for the resident."""


@dataclass
class Cell:
    """One unit's entry in a row. ``point`` for figures; ``text``/``values`` for facts."""

    point: Point | None = None
    text: Any = None
    values: list[Any] | None = None
    on: date | None = None
    best: bool = False

    @property
    def missing(self) -> bool:
        if self.point is not None:
            return self.point.missing
        return self.text in (None, "") and not self.values and self.on is None


@dataclass
class Row:
    label: Any
    kind: str  # text | list | date | number | share | figure | follow_up
    cells: list[Cell]
    figure: KeyFigure | None = None
    note: Any = None
    source: Any = None
    year: int | None = None


@dataclass
class Group:
    heading: Any
    rows: list[Row] = field(default_factory=list)
    source: Any = None
    year: int | None = None


@dataclass
class Comparison:
    area: Area
    units: list[Unit]
    groups: list[Group]


def selected_units(area: Area, slugs: list[str]) -> list[Unit]:
    """The units to compare, in the order given; refuses what cannot be compared."""
    unique = list(dict.fromkeys(s for s in slugs if s))
    if len(unique) < MIN_UNITS:
        raise CompareError(_l("Choose at least two units to compare."))
    if len(unique) > MAX_UNITS:
        raise CompareError(_l("You can compare at most four units at a time."))
    units = {u.slug: u for u in db.session.scalars(
        select(Unit).join(Authorisation)
        .where(Unit.slug.in_(unique), Authorisation.area_id == area.id, Authorisation.status.in_(LISTED_STATUSES))
        .options(selectinload(Unit.provider), selectinload(Unit.languages), selectinload(Unit.attributes),
                 selectinload(Unit.authorisations))
    )}
    if len(units) != len(unique):
        raise CompareError(_l("Some of the chosen units are not authorised in this customer choice."))
    return [units[s] for s in unique]


def mark_best(cells: list[Cell], higher_is_better: bool | None) -> None:
    """Mark every cell holding the best value (ties share it); nothing when the figure has no direction
    or fewer than two units have a value."""
    known = [c for c in cells if c.point is not None and c.point.value is not None]
    if higher_is_better is None or len(known) < 2:
        return
    values = [c.point.value for c in known if c.point and c.point.value is not None]
    best = max(values) if higher_is_better else min(values)
    if all(v == best for v in values):
        return  # nothing to tell apart
    for cell in known:
        cell.best = cell.point is not None and cell.point.value == best


def _profile_group(area: Area, units: list[Unit]) -> Group:
    from jamforaren.labels import OWNERSHIP
    authorisations = [next(a for a in u.authorisations if a.area_id == area.id) for u in units]
    rows = [
        Row(_l("Provider"), "text", [Cell(text=u.provider.name) for u in units]),
        Row(_l("Ownership"), "text", [Cell(text=OWNERSHIP[u.provider.ownership]) for u in units]),
        Row(_l("District"), "text", [Cell(text=u.district) for u in units]),
        Row(_l("Address"), "text", [Cell(text=f"{u.street_address}, {u.postal_code} {u.city}"
                                         if u.street_address else None) for u in units]),
        Row(_l("Languages besides Swedish"), "languages", [Cell(values=[lang.language for lang in u.languages])
                                                            for u in units]),
        Row(_l("Places"), "number", [Cell(point=Point(0, Decimal(u.capacity) if u.capacity is not None else None))
                                     for u in units]),
        Row(_l("Free places"), "number", [Cell(point=Point(0, Decimal(u.free_places)
                                                           if u.free_places is not None else None))
                                          for u in units]),
        Row(_l("Authorised since"), "date", [Cell(on=a.authorised_since) for a in authorisations]),
    ]
    facts = [{f.definition["key"]: f for f in attribute_facts(u, area)} for u in units]
    for definition in area.attribute_definitions:
        cells = []
        for unit_facts in facts:
            fact = unit_facts.get(definition["key"])
            cells.append(Cell(values=fact.values if fact else None))
        rows.append(Row(definition["label"], "attribute", cells, note=definition))
    return Group(_l("Profile"), rows)


def _survey_groups(area: Area, units: list[Unit]) -> list[Group]:
    blocks = survey_blocks(area, [u.id for u in units])
    groups = []
    for index, block in enumerate(blocks[units[0].id]):
        group = Group(block.survey, source=block.survey, year=block.survey.year)
        for row_index, row in enumerate(block.rows):
            cells = [Cell(point=blocks[u.id][index].rows[row_index].latest) for u in units]
            mark_best(cells, higher_is_better=True)
            group.rows.append(Row(row.question, "share", cells, note=row.municipal, year=block.survey.year))
        groups.append(group)
    return groups


def _figure_group(area: Area, units: list[Unit]) -> Group | None:
    rows_by_unit = figure_rows(area, [u.id for u in units])
    first = rows_by_unit[units[0].id]
    if not first:
        return None
    group = Group(_l("Key figures"))
    for index, row in enumerate(first):
        cells = [Cell(point=rows_by_unit[u.id][index].latest) for u in units]
        if row.figure.scope.value == "unit":
            mark_best(cells, row.figure.higher_is_better)
        group.rows.append(Row(row.figure, "figure", cells, figure=row.figure, note=row.municipal,
                              year=row.latest.year or None))
    return group


def _follow_up_group(area: Area, units: list[Unit]) -> Group:
    follow_ups: dict[int, FollowUp] = latest_published_follow_ups(area, [u.id for u in units])
    chosen = [follow_ups.get(u.id) for u in units]

    def count(follow_up: FollowUp | None, rating: Rating) -> Cell:
        if follow_up is None:
            return Cell(point=Point(0, None))
        return Cell(point=Point(follow_up.year, Decimal(follow_up.rating_counts()[rating])))

    rows = [
        Row(_l("Latest follow-up"), "date", [Cell(on=f.conducted_on if f else None) for f in chosen]),
        Row(_l("Requirements met"), "number", [count(f, Rating.MET) for f in chosen]),
        Row(_l("Partly met"), "number", [count(f, Rating.PARTLY_MET) for f in chosen]),
        Row(_l("Not met"), "number", [count(f, Rating.NOT_MET) for f in chosen]),
    ]
    return Group(_l("Quality follow-up"), rows)


def build_comparison(area: Area, slugs: list[str]) -> Comparison:
    units = selected_units(area, slugs)
    groups = [_profile_group(area, units), *_survey_groups(area, units)]
    figures = _figure_group(area, units)
    if figures:
        groups.append(figures)
    groups.append(_follow_up_group(area, units))
    return Comparison(area=area, units=units, groups=groups)
