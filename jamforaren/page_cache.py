"""A cache of rendered public pages and open-data answers, so a page read a thousand times in the week
school choice opens is rendered once per change of the data (the pages are kept in files that every worker
of the host shares: jamforaren/page_store.py).

What a public page shows depends on: its URL (path and query), the host, the reader's language, today's
date (a rulebook comes into force, a follow-up falls due), the data, and the resident's session (the
compare basket, flash messages). So an entry is found by all of those, and:

- **the data** is ``data_version()``: the newest audit event. When it changes, every entry is dropped at
  once: a published follow-up, an approved profile or an import shows on the very next request, in every
  worker.
- **the session** is part of the key (its CSRF token and Flask-Login's bookkeeping apart). What the page
  did to the session while it was rendered (the compare page keeps the units it shows in the basket) is
  stored with the page and done again on every hit, so a hit leaves the session exactly as rendering would
  have.
- **CSRF tokens** are per session: the page is stored in parts split where the token was, and each hit
  gets the reader's own token. Each part is also kept compressed on its own, so a hit is sent gzipped
  without compressing the page again (``compression.gzip_joined``).
- Signed-in users, sessions with flash messages, answers other than 200 and answers that set cookies are
  never served from or stored in the cache. Nor are pages a before-request hook would refuse: those answer
  400, and only 200s are stored.
- **A hit is served first**: before the before-request hooks, the view and the after-request hooks (the
  stored headers are the finished ones: security headers, CORS, Vary, Content-Language), so it costs
  about as much as the request context, the version query and the file read. A miss runs as usual and
  its page is stored just before compression.

A hit answers ``If-None-Match``/``If-Modified-Since`` with 304 as the view would have. Hits say
``X-Cache: HIT`` (misses ``MISS``). ``PAGE_CACHE_MB`` bounds the pages kept on disk for the current data
(0 turns the cache off; the oldest go first), ``PAGE_CACHE_MEMORY_MB`` those each worker also keeps in
memory (the ones it served last).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, current_app, g, request, session
from flask.sessions import SessionMixin

from jamforaren.compression import COMPRESSIBLE, MIN_BYTES, accepts_gzip, deflate_part, gzip_joined
from jamforaren.data_version import data_version
from jamforaren.i18n import current_language
from jamforaren.page_store import FilePageStore, Page
from jamforaren.signing import CSRF_FIELD, csrf_token

EXTENSION = "jamforaren.page_cache"
DEFAULT_MB = 256  # on disk, per host
DEFAULT_MEMORY_MB = 16  # the most recently served pages, in each worker's memory as well
HEADER = "X-Cache"
# What no page shows: the CSRF token, and Flask-Login's bookkeeping, which it keeps up itself on every request.
IGNORED_SESSION_KEYS = frozenset({CSRF_FIELD, "_remember", "_remember_seconds", "_id", "_fresh"})
CACHED_TYPES = frozenset({"text/html", "application/json", "text/csv"})
# Preconditions that are not about freshness are left to the view (a hit answers If-None-Match and
# If-Modified-Since itself).
UNCACHEABLE_HEADERS = ("If-Match", "If-Unmodified-Since", "If-Range", "Range")
UNCACHEABLE_SESSION_KEYS = frozenset({"_user_id", "_flashes"})  # a signed-in user; a message to show once
_MISSING = object()


# The functions below take the request's own objects (``_current()``): a hit is a few hundred microseconds,
# and each use of Flask's request, session, g and current_app proxies costs a lookup of its own.

def _current() -> tuple[Flask, Request, SessionMixin]:
    return (current_app._get_current_object(), request._get_current_object(),  # type: ignore[attr-defined]
            session._get_current_object())  # type: ignore[attr-defined]


def _session_state(reader: SessionMixin) -> dict[str, Any]:
    return {k: v for k, v in reader.items() if k not in IGNORED_SESSION_KEYS}


def _usable(app: Flask, asked: Request, reader: SessionMixin) -> bool:
    return (asked.method in ("GET", "HEAD") and EXTENSION in app.extensions
            and not any(h in asked.headers for h in UNCACHEABLE_HEADERS)
            and not UNCACHEABLE_SESSION_KEYS & reader.keys())


SessionPart = Callable[[SessionMixin], Any]


@dataclass(frozen=True)
class Policy:
    vary: Callable[[], Hashable] | None
    shown: SessionPart | None  # what of the session the page shows (None: nothing)

    def key(self, asked: Request, reader: SessionMixin) -> tuple:
        shown = self.shown(reader) if self.shown else None
        return (asked.scheme, asked.host, asked.full_path, current_language(), date.today().isoformat(),
                json.dumps(shown, sort_keys=True, default=str) if shown else "",
                self.vary() if self.vary else None)


def cached_page(vary: Callable[[], Hashable] | None = None,
                shown: SessionPart | None = _session_state) -> Callable:
    """Mark a public GET view as cached: a hit is served before the view and every other hook runs
    (:func:`serve_hit`); a miss runs the view as usual, and the finished answer is stored
    (:func:`_store_rendered`). ``vary`` adds what else the page depends on (the search index's
    generation for search results); ``shown`` says what of the resident's session the page shows (by
    default all of it; ``None`` for pages that show none of it, which every resident then shares)."""
    policy = Policy(vary, shown)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            app, asked, reader = _current()
            if _usable(app, asked, reader):
                g.page_cache_entry = (data_version(), policy.key(asked, reader), _session_state(reader),
                                      policy.shown is _session_state)
            return view(*args, **kwargs)

        wrapper.page_cache = policy  # type: ignore[attr-defined]
        return wrapper

    return decorator


def serve_hit() -> Response | None:
    """The cached answer to this request, if there is one: run first in ``full_dispatch_request``, so a hit
    costs a lookup (no before/after-request hooks, no view). ``None`` lets the request go on as usual."""
    app, asked, reader = _current()
    rule = asked.url_rule
    if rule is None or asked.routing_exception is not None:
        return None
    policy = getattr(app.view_functions.get(rule.endpoint), "page_cache", None)
    if policy is None or not _usable(app, asked, reader):
        return None
    store: FilePageStore = app.extensions[EXTENSION]
    page = store.get(data_version(), policy.key(asked, reader))
    if page is None:
        return None
    response = _replay(page, asked, reader)
    if not app.session_interface.is_null_session(reader):
        app.session_interface.save_session(app, reader, response)
    return response


def _store_rendered(response: Response) -> Response:
    """After every other after-request hook but compression: keep the finished page of a miss."""
    entry = g.pop("page_cache_entry", None)
    if entry is not None:
        version, key, before, keyed_by_whole_session = entry
        page = _capture(response, before, keyed_by_whole_session)
        if page is not None:
            current_app.extensions[EXTENSION].put(version, key, page)
        response.headers[HEADER] = "MISS"
    return response


def _capture(response: Response, before: dict[str, Any], keyed_by_whole_session: bool) -> Page | None:
    if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
            or "Set-Cookie" in response.headers or response.mimetype not in CACHED_TYPES
            or "Content-Encoding" in response.headers):
        return None
    after = _session_state(session._get_current_object())  # type: ignore[attr-defined]
    if UNCACHEABLE_SESSION_KEYS & after.keys():
        return None
    body = response.get_data()
    token = g.get(CSRF_FIELD)
    parts = tuple(body.split(token.encode())) if token else (body,)
    changed = tuple((k, v) for k, v in after.items() if before.get(k, _MISSING) != v)  # pickled when stored
    removed = tuple(k for k in before if k not in after)
    if (changed or removed) and not keyed_by_whole_session:
        return None  # what rendering did to this session is only right for sessions just like it
    if response.mimetype in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")  # as compression will say; stored so that a hit need not
    headers = tuple((k, v) for k, v in response.headers.items() if k not in ("Content-Length", HEADER))
    return Page(parts, tuple(map(deflate_part, parts)), headers, changed, removed)


def _replay(page: Page, asked: Request, reader: SessionMixin) -> Response:
    """The stored answer (its headers are the finished ones, security headers and all), with the reader's
    own CSRF token and session, compressed when the reader accepts gzip, or 304 when it is unchanged."""
    for name, value in page.session_set:
        reader[name] = copy.deepcopy(value)  # the page may be kept in memory: never share its values
    for name in page.session_removed:
        reader.pop(name, None)
    token = csrf_token().encode() if len(page.parts) > 1 else b""
    response = Response(headers=list(page.headers))
    response.headers[HEADER] = "HIT"
    if "ETag" in response.headers or "Last-Modified" in response.headers:
        response.make_conditional(asked)
        if response.status_code == 304:
            for header in ("Content-Type", "Content-Length", "Content-Disposition"):
                response.headers.pop(header, None)
            return response
    if response.mimetype in COMPRESSIBLE and accepts_gzip(asked) and page.length(token) >= MIN_BYTES:
        response.set_data(gzip_joined(page.parts, page.deflated, token))
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)
    else:
        response.set_data(page.body(token))
    return response


def init_app(app: Flask) -> None:
    """After ``compression.init_app`` (so pages are stored just before they are compressed) and before
    ``db_faults.init_app`` (so a lost connection while looking for a hit is handled like any other)."""
    megabytes = app.config.get("PAGE_CACHE_MB", DEFAULT_MB)
    if not megabytes:
        return
    root = Path(app.instance_path) / "page-cache"
    memory = app.config.get("PAGE_CACHE_MEMORY_MB", DEFAULT_MEMORY_MB)
    app.extensions[EXTENSION] = FilePageStore(root, int(megabytes * 1024 * 1024), int(memory * 1024 * 1024))
    app.after_request(_store_rendered)
    dispatch = app.full_dispatch_request

    def full_dispatch_request() -> Response:
        hit = serve_hit()
        return hit if hit is not None else dispatch()

    app.full_dispatch_request = full_dispatch_request  # type: ignore[method-assign]
