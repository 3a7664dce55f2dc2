"""Which units' search documents a database change touches — for after-commit hooks.

Call :func:`affected_unit_ids` from a session's ``after_flush`` event (objects have their ids then, and
``new``/``dirty``/``deleted`` still describe what the flush wrote); keep the ids in ``session.info``; in
``after_commit`` hand them to :meth:`SearchIndex.sync <jamforaren.search.index.SearchIndex.sync>` (reading
the database in a new session — the committing session cannot emit SQL in that hook); forget them in
``after_rollback``. So a rolled-back transaction never reaches the index.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session

from jamforaren.models import Area, Authorisation, Provider, Unit, UnitAttribute, UnitLanguage

PENDING_KEY = "search_pending_unit_ids"


def affected_unit_ids(session: Session) -> set[int]:
    """Ids of the units whose search document may differ after the pending flush: units, their
    attributes, languages and authorisations, their providers (name) and areas (names, attribute labels)
    that are new, changed or deleted in ``session``."""
    ids: set[int] = set()
    provider_ids: set[int] = set()
    area_ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=True):
            continue
        if isinstance(obj, Unit):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, (UnitAttribute, UnitLanguage, Authorisation)):
            unit_id = obj.unit_id if obj.unit_id is not None else getattr(obj.unit, "id", None)
            if unit_id is not None:
                ids.add(unit_id)
        elif isinstance(obj, Provider) and obj.id is not None:
            provider_ids.add(obj.id)
        elif isinstance(obj, Area) and obj.id is not None:
            area_ids.add(obj.id)
    if provider_ids or area_ids:
        with session.no_autoflush:
            if provider_ids:
                ids.update(session.scalars(select(Unit.id).where(Unit.provider_id.in_(provider_ids))))
            if area_ids:
                ids.update(session.scalars(select(Authorisation.unit_id).where(Authorisation.area_id.in_(area_ids))))
    return ids


def remember(session: Session) -> None:
    """``after_flush`` helper: add the flush's affected unit ids to ``session.info``."""
    session.info.setdefault(PENDING_KEY, set()).update(affected_unit_ids(session))


def take(session: Session) -> set[int]:
    """``after_commit`` helper: the ids remembered since the last commit or rollback, now forgotten."""
    return session.info.pop(PENDING_KEY, set())


def forget(session: Session) -> None:
    """``after_rollback`` helper."""
    session.info.pop(PENDING_KEY, None)
