"""Database faults: a connection cut mid-request, a database that restarts or cannot be reached.

- **Health.** On PostgreSQL the pool checks each connection before handing it out (``pool_pre_ping``) and
  replaces connections after half an hour (``config.engine_options``). When a connection turns out to be
  dead, SQLAlchemy invalidates the whole pool, so once the database is back the next request simply
  connects again: the portal recovers by itself, without a restart.
- **Retry of reads.** A GET, HEAD or OPTIONS request that fails because the database went away, and that
  had not written anything, is run once more on a fresh session after a short pause: a connection cut
  during a restart, a failover or ``pg_terminate_backend`` costs the reader nothing. A request that wrote
  (POST, or anything that executed more than SELECT) is never run again: its write may have committed.
- **503.** What still fails answers 503 with ``Retry-After``: a translated page that needs no database (the
  page is rendered as for a visitor who is not signed in), or ``application/problem+json`` under ``/api/``.
  Never a stack trace, never a hang beyond the connect timeout.

The hook is one wrapper around ``app.full_dispatch_request`` (before-request hooks, the view, error pages
and after-request hooks), so no view needs to know about any of this.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_login import AnonymousUserMixin
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from jamforaren.extensions import db

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_STATEMENTS = frozenset({"SELECT", "SHOW"})
RETRY_PAUSE_SECONDS = 0.5  # DB_RETRY_PAUSE: the pause before a read is run again
RETRY_AFTER_SECONDS = 10  # DB_RETRY_AFTER: what the 503 answer's Retry-After says
WROTE = "db_faults_wrote"  # set in g when this request executed anything but a read
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database file",
                      "disk i/o error")


def is_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) says the database cannot be used just now: it cannot be
    reached, it dropped the connection, it is shutting down or starting up, it stayed locked (SQLite) or the
    pool has no connection to spare. Not for mistakes such as a missing table: those stay errors (500)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_unavailable(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _says_unavailable(error: BaseException) -> bool:
    if isinstance(error, (DisconnectionError, PoolTimeout)):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):  # SQLite calls its syntax errors and missing tables operational too
        return isinstance(error, OperationalError) and any(
            words in str(error.orig).lower() for words in SQLITE_UNAVAILABLE)
    return isinstance(error, (OperationalError, InterfaceError))  # PostgreSQL: connection and server state


def _note_write(connection: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
    """Remember that this request executed something other than a read (an INSERT, an UPDATE, a SAVEPOINT…)."""
    if has_request_context() and WROTE not in g:
        words = statement.lstrip().split(None, 1)
        if not words or words[0].upper() not in READ_STATEMENTS:
            g.setdefault(WROTE, True)


def _may_retry(error: BaseException, retried: bool) -> bool:
    return (not retried and request.method in IDEMPOTENT_METHODS and not g.get(WROTE)
            and not isinstance(error, PoolTimeout))  # a busy pool would only make the reader wait twice


def _discard_attempt(app: Flask, error: BaseException) -> None:
    """Forget a failed attempt as the end of a request would: its teardown (e.g. the audit log's actor), what
    it kept in ``g`` (e.g. the signed-in user, loaded through the lost connection) and its session."""
    try:
        app.do_teardown_request(error)
    finally:
        for name in list(g):
            g.pop(name, None)
        try:
            _remove_session()
        except Exception:  # the connection is gone; the pool has invalidated it already
            log.debug("discarding the session after a database fault failed", exc_info=True)


def _remove_session() -> None:
    """End the request's session. When its connection is gone, closing fails once (after letting the
    connection go, invalidated); a second close then forgets the session."""
    try:
        db.session.remove()
    except Exception as error:
        if not is_unavailable(error):
            raise
        db.session.remove()


def _end_session(error: BaseException | None) -> None:
    """At the end of every request, before Flask-SQLAlchemy's own teardown: a connection that died after the
    answer was made (terminated, or the server went down) must not turn that answer into a 500."""
    try:
        _remove_session()
    except Exception as problem:
        if not is_unavailable(problem):
            raise
        log.warning("could not end the session of %s %s: %s", request.method, request.path, _summary(problem))


def unavailable_response(demo_data: bool = False) -> Response:
    """503 with Retry-After: problem+json for the API, otherwise the translated page. Rendered without the
    template context processors that read the database (the signed-in user, the demo banner)."""
    retry_after = str(current_app.config.get("DB_RETRY_AFTER", RETRY_AFTER_SECONDS))
    if request.path == "/api" or request.path.startswith("/api/"):
        from jamforaren.api.problems import problem_response
        return problem_response(503, headers={"Retry-After": retry_after})
    page = current_app.jinja_env.get_template("errors/503.html").render(
        current_user=AnonymousUserMixin(), demo_data=demo_data)
    response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if not event.contains(engine, "before_cursor_execute", _note_write):
                event.listen(engine, "before_cursor_execute", _note_write)

    app.teardown_request(_end_session)
    dispatch = app.full_dispatch_request

    def full_dispatch_request() -> Response:
        retried = False
        while True:
            try:
                return dispatch()
            except Exception as error:
                if not is_unavailable(error):
                    raise
                retry = _may_retry(error, retried)
                demo_data = bool(g.get("demo_data", False))
                _discard_attempt(app, error)
                if retry:
                    log.info("database fault on %s %s, running it again: %s", request.method, request.path,
                             _summary(error))
                    retried = True
                    time.sleep(float(app.config.get("DB_RETRY_PAUSE", RETRY_PAUSE_SECONDS)))
                    continue
                log.warning("database unavailable, answering 503 to %s %s: %s", request.method, request.path,
                            _summary(error))
                return app.finalize_request(unavailable_response(demo_data), from_error_handler=True)

    app.full_dispatch_request = full_dispatch_request  # type: ignore[method-assign]


def _summary(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
