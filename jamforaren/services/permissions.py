"""Who may do what: the one place where roles are checked. Views call these; templates never decide.

- An administrator may do everything.
- An officer (handläggare) of an area manages that area: its texts and rules, authorisations,
  follow-ups, and the units and providers authorised or applying there.
- An editor of a provider edits that provider's units' profiles (through the providers' portal).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import abort
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Provider, Role, Unit, User

if TYPE_CHECKING:
    from jamforaren.models import Action, ProfileRevision


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


# --- the providers' portal (issue 7) -------------------------------------------------------------------


def is_editor(user: User) -> bool:
    """An editor of at least one provider: may use the providers' portal."""
    return bool(editor_provider_ids(user))


def can_edit_unit_profile(user: User, unit: Unit) -> bool:
    """Only the unit's provider's editors propose changes to its profile (officers edit it directly)."""
    return unit.provider_id in editor_provider_ids(user)


def can_review_revision(user: User, revision: ProfileRevision) -> bool:
    """A profile change of an area's attributes is reviewed by that area's officers; a change of the shared
    facts by an officer of any of the unit's areas (as they may edit those facts directly)."""
    if revision.area_id is not None:
        return can_manage_area(user, revision.area_id)
    return can_manage_unit(user, revision.unit)


def can_answer_action(user: User, action: Action) -> bool:
    return can_edit_unit_profile(user, action.follow_up.unit)


def can_review_action(user: User, action: Action) -> bool:
    return can_manage_area(user, action.follow_up.area_id)
