"""Every write to the database leaves an audit event, recorded in the same transaction.

A ``before_flush`` listener looks at what the session is about to insert, change or delete and adds
an ``AuditEvent`` per object with the changed fields. The actor is whoever ``actor()`` names: the
signed-in user in a request, or what the CLI set with ``acting_as``.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from jamforaren.models import AuditEvent, Base

_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar(
    "audit_actor", default=(None, "system")
)
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_suspended", default=False)

SKIPPED_FIELDS = {"password_hash"}
# Tables whose rows are not events: sign-in attempts are counters of the rate limit (written on every failed
# sign-in), and the newest audit event is the version of the public data (page cache, ETags), so they must not
# move it. What matters about them, a lock-out, is recorded as a named event ("locked").
UNAUDITED_TABLES = {"sign_in_attempt"}


# Tables that no public page and no open data show: their events are not public (AuditEvent.public), so a
# resident's page feedback or comment, or an officer's sign-in, leaves every cached page as it is.
PRIVATE_TABLES = frozenset({"page_feedback", "comment", "user", "membership", "profile_revision"})


def _audited(obj: object) -> bool:
    return isinstance(obj, Base) and not isinstance(obj, AuditEvent) and obj.__tablename__ not in UNAUDITED_TABLES


def begin(label: str, user_id: int | None = None) -> contextvars.Token:
    """Name the actor for what follows (a request); hand the token to :func:`end`."""
    return _actor.set((user_id, label))


def end(token: contextvars.Token) -> None:
    _actor.reset(token)


@contextlib.contextmanager
def acting_as(label: str, user_id: int | None = None) -> Iterator[None]:
    token = _actor.set((user_id, label))
    try:
        yield
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def bulk_load(label: str) -> Iterator[None]:
    """For loading a catalogue or demo data: one summary event instead of one per row."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def _changes(obj: Base, only_modified: bool) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_FIELDS:
            continue
        history = state.attrs[attr.key].history
        if only_modified:
            if history.has_changes():
                old = history.deleted[0] if history.deleted else None
                new = history.added[0] if history.added else None
                if old != new:
                    changes[attr.key] = {"old": _plain(old), "new": _plain(new)}
        else:
            changes[attr.key] = _plain(getattr(obj, attr.key))
    return changes


def _primary_key(obj: Base) -> int | None:
    identity = inspect(obj).identity
    if identity and len(identity) == 1 and isinstance(identity[0], int):
        return identity[0]
    return None


def record(session: Session, action: str, entity_type: str, entity_id: int | None,
           changes: dict[str, Any]) -> None:
    user_id, label = _actor.get()
    session.add(AuditEvent(user_id=user_id, actor=label, action=action, entity_type=entity_type,
                           entity_id=entity_id, changes=changes, public=entity_type not in PRIVATE_TABLES))


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if _suspended.get():
        return
    for obj in list(session.dirty):
        if not _audited(obj) or not session.is_modified(obj):
            continue
        changes = _changes(obj, only_modified=True)
        if changes:
            record(session, "update", obj.__tablename__, _primary_key(obj), changes)
    # Deleted rows are recorded by _after_delete (which also sees rows removed by delete-orphan cascades);
    # new rows get their ids at flush. Both are recorded afterwards, still in the same transaction.
    session.info.setdefault("audit_new", []).extend(
        obj for obj in session.new if _audited(obj)
    )


def _after_delete(mapper: Any, connection: Any, target: Base) -> None:
    """Every row the flush deletes, whether deleted explicitly or as an orphan of a collection."""
    if _suspended.get() or not _audited(target):
        return
    session = object_session(target)
    if session is not None:
        session.info.setdefault("audit_deleted", []).append(
            (target.__tablename__, _primary_key(target), _changes(target, False)))


def _after_flush_postexec(session: Session, flush_context: Any) -> None:
    for entity_type, entity_id, changes in session.info.pop("audit_deleted", []):
        record(session, "delete", entity_type, entity_id, changes)
    new = session.info.pop("audit_new", [])
    for obj in new:
        record(session, "insert", obj.__tablename__, _primary_key(obj), _changes(obj, False))


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop("audit_new", None)  # a failed flush must not leave rows to record later
    session.info.pop("audit_deleted", None)


def install(session_class: type[Session] | Any) -> None:
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush_postexec", _after_flush_postexec)
        event.listen(session_class, "after_soft_rollback", _after_soft_rollback)
    if not event.contains(Base, "after_delete", _after_delete):
        event.listen(Base, "after_delete", _after_delete, propagate=True)
