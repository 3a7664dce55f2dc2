"""Who may do what: the one place where roles are checked. Views call these; templates never decide.

- An administrator may do everything.
- An officer (handläggare) of an area manages that area: its texts and rules, authorisations,
  follow-ups, and the units and providers authorised or applying there.
- An editor of a provider edits that provider's units' profiles (through the providers' portal).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Provider, Role, Unit, User


def officer_area_ids(user: User) -> set[int] | None:
    """The ids of the areas the user manages; None means every area (an administrator)."""
    if user.is_admin:
        return None
    return {m.area_id for m in user.memberships if m.role is Role.OFFICER and m.area_id is not None}


def editor_provider_ids(user: User) -> set[int]:
    return {m.provider_id for m in user.memberships if m.role is Role.EDITOR and m.provider_id is not None}


def is_officer(user: User) -> bool:
    areas = officer_area_ids(user)
    return areas is None or bool(areas)


def can_manage_area(user: User, area_id: int) -> bool:
    areas = officer_area_ids(user)
    return areas is None or area_id in areas


def managed_areas(user: User) -> list[Area]:
    areas = officer_area_ids(user)
    query = select(Area).order_by(Area.process_id, Area.position)
    if areas is not None:
        query = query.where(Area.id.in_(areas or [-1]))
    return list(db.session.scalars(query))


def can_manage_unit(user: User, unit: Unit) -> bool:
    """An officer manages a unit that is (or applies to be) authorised in one of their areas."""
    areas = officer_area_ids(user)
    return areas is None or any(a.area_id in areas for a in unit.authorisations)


# The statuses in which a unit makes its provider one of an area's providers, for editing rights.
ACTIVE_STATUSES = (AuthorisationStatus.APPLIED, AuthorisationStatus.AUTHORISED, AuthorisationStatus.SUSPENDED)


def can_edit_provider(user: User, provider: Provider) -> bool:
    """An administrator, or an officer of an area where the provider has a unit authorised, suspended or
    applying."""
    areas = officer_area_ids(user)
    if areas is None:
        return True
    return any(a.area_id in areas and a.status in ACTIVE_STATUSES
               for unit in provider.units for a in unit.authorisations)


def require(allowed: bool) -> None:
    """Refuse with 403 Forbidden, before anything is written."""
    if not allowed:
        abort(403)


def require_area(user: User, area_id: int) -> None:
    require(can_manage_area(user, area_id))


def require_unit(user: User, unit: Unit) -> None:
    require(can_manage_unit(user, unit))


def units_in_areas(area_ids: Iterable[int]) -> list[int]:
    return list(db.session.scalars(select(Authorisation.unit_id).where(Authorisation.area_id.in_(list(area_ids)))))
