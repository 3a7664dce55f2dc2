"""What residents see: areas by process, an area's authorised units, a unit's profile."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Process, Unit

T = TypeVar("T")

LISTED_STATUSES = (AuthorisationStatus.AUTHORISED,)


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)


def count_and_clamp(query: Select, page: int, per_page: int) -> tuple[int, int]:
    """The number of rows ``query`` gives, and ``page`` moved into the range of existing pages."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, max(1, min(page, max(1, math.ceil(total / per_page))))


def paginate(query: Select, page: int, per_page: int) -> Page:
    total, page = count_and_clamp(query, page, per_page)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def processes_with_areas() -> list[Process]:
    return list(db.session.scalars(
        select(Process).options(selectinload(Process.areas)).order_by(Process.position)
    ))


def all_areas() -> list[Area]:
    return list(db.session.scalars(select(Area).join(Process).order_by(Process.position, Area.position)))


def listed_unit_counts() -> dict[int, int]:
    """Number of units listed (authorised) per area id."""
    rows = db.session.execute(
        select(Authorisation.area_id, func.count())
        .where(Authorisation.status.in_(LISTED_STATUSES))
        .group_by(Authorisation.area_id)
    )
    return {area_id: count for area_id, count in rows}


def area_by_slug(slug: str) -> Area | None:
    return db.session.scalar(select(Area).where(Area.slug == slug))


def listed_units(area: Area, page: int, per_page: int) -> Page[Unit]:
    query = (
        select(Unit)
        .join(Authorisation, Authorisation.unit_id == Unit.id)
        .where(Authorisation.area_id == area.id, Authorisation.status.in_(LISTED_STATUSES))
        .options(selectinload(Unit.provider), selectinload(Unit.languages))
        .order_by(func.lower(Unit.name), Unit.id)
    )
    return paginate(query, page, per_page)


def unit_by_slug(slug: str) -> Unit | None:
    """A unit as residents may see it: only while it is or has been listed in some area."""
    unit = db.session.scalar(
        select(Unit).where(Unit.slug == slug).options(
            selectinload(Unit.provider), selectinload(Unit.languages), selectinload(Unit.attributes),
            selectinload(Unit.authorisations).selectinload(Authorisation.area).selectinload(Area.process),
        )
    )
    if unit is None or not any(a.status is not AuthorisationStatus.APPLIED for a in unit.authorisations):
        return None
    return unit


def public_authorisations(unit: Unit) -> list[Authorisation]:
    """The unit's authorisations that residents see (not pending applications), in catalogue order."""
    shown = [a for a in unit.authorisations if a.status is not AuthorisationStatus.APPLIED]
    return sorted(shown, key=lambda a: (a.area.process.position, a.area.position))


def is_listed(area: Area, unit_slug: str) -> bool:
    return db.session.scalar(
        select(Unit.id).join(Authorisation)
        .where(Unit.slug == unit_slug, Authorisation.area_id == area.id, Authorisation.status.in_(LISTED_STATUSES))
    ) is not None
