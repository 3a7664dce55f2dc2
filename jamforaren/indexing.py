"""Keeps this host's search index in step with the database.

- After every commit that touched units (their texts, attributes, languages, authorisations, provider or
  area names), the touched units are written to the index: published ones replaced, withdrawn ones
  removed. Only after commit, never at flush, so a rollback leaves the index as it was.
- A missing or outdated index (another schema version) is built from the database when the first request
  arrives: in a background thread by default, so the portal serves pages meanwhile and search says the
  index is being built instead of failing. ``jamforaren reindex`` rebuilds it on demand.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jamforaren import search
from jamforaren.extensions import db
from jamforaren.search import changes

log = logging.getLogger(__name__)
EXTENSION = "search_index"


# A request that commits waits this long for the index's write lock (a rebuild may hold it for a while);
# after that the update is handed to a background retry, so no request hangs and no update is lost.
REQUEST_WRITE_TIMEOUT = 5.0
RETRY_WRITE_TIMEOUT = 600.0


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = search.SearchIndex.open_or_create(
        app.config["SEARCH_INDEX_DIR"], write_timeout=app.config.get("SEARCH_WRITE_TIMEOUT", REQUEST_WRITE_TIMEOUT))
    app.extensions[EXTENSION + ".started"] = threading.Event()
    _install_session_hooks()
    app.before_request(_build_if_needed)


def search_index(app: Flask | None = None) -> search.SearchIndex:
    return (app or current_app).extensions[EXTENSION]


def _install_session_hooks() -> None:
    session = db.session
    if not event.contains(session, "after_flush", _after_flush):
        event.listen(session, "after_flush", _after_flush)
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


def _after_flush(session: Session, flush_context: Any) -> None:
    changes.remember(session)


def _after_rollback(session: Session) -> None:
    changes.forget(session)


def _after_commit(session: Session) -> None:
    unit_ids = changes.take(session)
    if not unit_ids or not has_app_context() or EXTENSION not in current_app.extensions:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        search.sync_units(search_index(app), unit_ids)
    except search.IndexBusy:
        threading.Thread(target=_retry_sync, args=(app, unit_ids), name="search-index-retry", daemon=True).start()
    except Exception:  # the commit has happened; `jamforaren reindex` or the next rebuild repairs the index
        log.exception("could not update the search index for %d units", len(unit_ids))


def _retry_sync(app: Flask, unit_ids: set[int]) -> None:
    """Waits (in the background) for the write lock a long rebuild holds, then writes the units."""
    patient = search.SearchIndex(app.config["SEARCH_INDEX_DIR"], write_timeout=RETRY_WRITE_TIMEOUT)
    with app.app_context():
        try:
            search.sync_units(patient, unit_ids)
        except Exception:
            log.exception("gave up updating the search index for %d units; run jamforaren reindex", len(unit_ids))


def build(app: Flask) -> bool:
    """Build the index if it is missing or outdated; True if it was built. Needs the schema in place."""
    with app.app_context():
        try:
            return search.ensure_current(search_index(app))
        except SQLAlchemyError:
            log.warning("search index not built: the database is not ready (run jamforaren db upgrade)")
            return False


def _build_if_needed() -> None:
    """Once per process, on the first request: start building the index if it is not ready."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    started: threading.Event = app.extensions[EXTENSION + ".started"]
    if started.is_set():
        return
    started.set()
    if search_index(app).status() is search.IndexStatus.READY:
        return
    if app.config.get("SEARCH_BUILD_IN_BACKGROUND", True):
        threading.Thread(target=build, args=(app,), name="search-index-build", daemon=True).start()
    else:
        build(app)
