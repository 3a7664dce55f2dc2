"""The version of the data, and small results remembered per version.

Every commit writes audit events (imports, seeding and restores too), so the newest public audit event's
id and time change whenever anything a resident or an integrator can see changes (page feedback, comments
and accounts are not public: ``audit.PRIVATE_TABLES``). What depends only on the data — the pages in the
page cache, an area's filter choices, each key figure's latest year — can be kept until the version
changes, in every worker, and is then thrown away at once: nothing stale is ever shown after a commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event

from jamforaren.extensions import db
from jamforaren.models import AuditEvent

EXTENSION = "jamforaren.remembered"
VERSION_QUERY = (f"SELECT id, occurred_at FROM {AuditEvent.__tablename__} WHERE public "
                 "ORDER BY id DESC LIMIT 1")  # one lookup in the partial index ix_audit_event_public_id
T = TypeVar("T")


def data_version() -> tuple[int, str]:
    """The newest public audit event's id and time (the time tells a restore from a backup, which brings
    older ids back). Read once per request."""
    if has_request_context() and "data_version" in g:
        return g.data_version  # type: ignore[no-any-return]
    newest, when = _newest_event()
    version = (newest or 0, str(when))
    if has_request_context():
        g.data_version = version
    return version


def _newest_event() -> tuple[Any, Any]:
    """Straight through the driver: this runs on every request, and a SQLAlchemy connection costs five
    times as much. When the driver fails, the query runs again through SQLAlchemy, which tells a lost
    connection in its own terms (jamforaren/db_faults.py) or succeeds on a fresh one."""
    connection = None
    try:
        connection = db.engine.raw_connection()
        cursor = connection.cursor()
        cursor.execute(VERSION_QUERY)
        row = cursor.fetchone()
        cursor.close()
        connection.close()
        return tuple(row) if row else (None, None)
    except db.engine.dialect.loaded_dbapi.Error:
        if connection is not None:
            connection.invalidate()
    with db.engine.connect() as again:
        row = again.exec_driver_sql(VERSION_QUERY).first()
    return tuple(row) if row else (None, None)


class Remembered:
    """Results for one version of the data, at most ``max_entries`` (the least recently used go first);
    thread-safe; emptied when the version changes."""

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._version: Hashable = None
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if version != self._version:
                self._values, self._version = OrderedDict(), version
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if version == self._version:
                self._values[key] = value
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
        return value


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its result from earlier with the same data. Only for values that hold no ORM
    objects bound to a session (ids, numbers, strings, tuples of them)."""
    store: Remembered = current_app.extensions[EXTENSION]
    return store.get(data_version(), key, compute)


def _forget_after_commit(session: Any) -> None:
    if has_request_context():
        g.pop("data_version", None)  # this request changed the data: read the version again


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Remembered()
    if not event.contains(db.session, "after_commit", _forget_after_commit):
        event.listen(db.session, "after_commit", _forget_after_commit)
