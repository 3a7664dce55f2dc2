"""An area's authorised units, filtered and sorted as a resident asks, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, null, select
from sqlalchemy.orm import selectinload

from jamforaren.data_version import remembered
from jamforaren.extensions import db
from jamforaren.models import (
    Area, Authorisation, FigureScope, KeyFigure, Ownership, Provider, Unit, UnitAttribute, UnitLanguage,
)
from jamforaren.services.listing import LISTED_STATUSES, Page, count_and_clamp
from jamforaren.services.measures import figure_value_column, overall_share_column

SORT_NAME = "namn"
SORT_SURVEY = "nojdhet"
FIGURE_SORT_PREFIX = "nyckeltal-"


@dataclass
class ListingQuery:
    """What a resident asked for; parsed from GET parameters by the area filter form."""

    districts: list[str] = field(default_factory=list)
    ownerships: list[Ownership] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    free_places: bool = False
    sort: str = SORT_NAME
    page: int = 1

    @property
    def filtered(self) -> bool:
        return bool(self.districts or self.ownerships or self.languages or self.free_places
                    or any(self.attributes.values()))


@dataclass
class ListedUnit:
    unit: Unit
    sort_value: Decimal | None  # the overall survey result or the chosen key figure; None when missing


@dataclass
class Listing:
    page: Page[ListedUnit]
    sort: str
    sort_year: int | None
    sort_figure: KeyFigure | None


@dataclass
class Facets:
    """The filter choices worth offering: only values that some listed unit has."""

    districts: list[str]
    ownerships: list[Ownership]
    languages: list[str]
    attributes: list[dict[str, Any]]
    figures: list[KeyFigure]


def _listed(area: Area):  # type: ignore[no-untyped-def]
    return and_(Authorisation.unit_id == Unit.id, Authorisation.area_id == area.id,
                Authorisation.status.in_(LISTED_STATUSES))


def sortable_figures(area: Area) -> list[KeyFigure]:
    return list(db.session.scalars(
        select(KeyFigure).where(KeyFigure.area_id == area.id, KeyFigure.scope == FigureScope.UNIT)
        .order_by(KeyFigure.position)
    ))


def facets(area: Area) -> Facets:
    districts, ownerships, languages = remembered(("facets", area.id), lambda: _facet_values(area))
    return Facets(
        districts=districts,
        ownerships=[o for o in Ownership if o in ownerships],
        languages=languages,
        attributes=[d for d in area.attribute_definitions if d.get("filter") and d["type"] in
                    ("choice", "multichoice", "boolean")],
        figures=sortable_figures(area),
    )


def _facet_values(area: Area) -> tuple[list[str], set[Ownership], list[str]]:
    """The districts, ownership forms and languages of the area's listed units (three scans of the area:
    remembered until the data change)."""
    listed = select(Unit.id).join(Authorisation, _listed(area))
    districts = db.session.scalars(
        select(func.distinct(Unit.district)).where(Unit.id.in_(listed), Unit.district.is_not(None))
    ).all()
    ownerships = set(db.session.scalars(
        select(func.distinct(Provider.ownership)).join(Unit, Unit.provider_id == Provider.id)
        .where(Unit.id.in_(listed))
    ))
    languages = db.session.scalars(
        select(func.distinct(UnitLanguage.language)).where(UnitLanguage.unit_id.in_(listed))
    ).all()
    return sorted(districts, key=str.lower), ownerships, sorted(languages)


def list_units(area: Area, query: ListingQuery, per_page: int) -> Listing:
    statement = select(Unit).join(Authorisation, _listed(area))
    if query.districts:
        statement = statement.where(Unit.district.in_(query.districts))
    if query.ownerships:
        statement = statement.where(Unit.provider.has(Provider.ownership.in_(query.ownerships)))
    for language in query.languages:  # every chosen language must be offered
        statement = statement.where(exists().where(UnitLanguage.unit_id == Unit.id,
                                                   UnitLanguage.language == language))
    for key, values in query.attributes.items():
        if values:  # any of the chosen values of one attribute; all attributes must match
            statement = statement.where(exists().where(
                UnitAttribute.unit_id == Unit.id, UnitAttribute.area_id == area.id,
                UnitAttribute.key == key, UnitAttribute.value.in_(values)))
    if query.free_places:
        statement = statement.where(Unit.free_places > 0)

    sort_year = None
    sort_figure = None
    value_column = None
    descending = True
    if query.sort == SORT_SURVEY:
        value_column, sort_year = overall_share_column(area)
    elif query.sort.startswith(FIGURE_SORT_PREFIX):
        code = query.sort[len(FIGURE_SORT_PREFIX):]
        sort_figure = next((f for f in sortable_figures(area) if f.code == code), None)
        if sort_figure is not None:
            value_column, sort_year = figure_value_column(sort_figure)
            descending = sort_figure.higher_is_better is not False

    name_order = (func.lower(Unit.name), Unit.id)
    if value_column is None:
        statement = statement.add_columns(null()).order_by(*name_order)
        sort = SORT_NAME
    else:
        ordered = value_column.desc() if descending else value_column.asc()
        # Units that lack the figure sort last, whatever the direction.
        statement = statement.add_columns(value_column).order_by(
            (value_column.is_(None)).asc(), ordered, *name_order)
        sort = query.sort
    statement = statement.options(selectinload(Unit.provider), selectinload(Unit.languages),
                                  selectinload(Unit.attributes))
    page = paginate_rows(statement, query.page, per_page)
    return Listing(page=page, sort=sort, sort_year=sort_year, sort_figure=sort_figure)


def paginate_rows(statement, page: int, per_page: int) -> Page[ListedUnit]:  # type: ignore[no-untyped-def]
    total, page = count_and_clamp(statement.with_only_columns(Unit.id), page, per_page)
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[ListedUnit(unit=row[0], sort_value=row[1]) for row in rows], total=total,
                page=page, per_page=per_page)
