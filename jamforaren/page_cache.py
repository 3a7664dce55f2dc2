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
  never served from or stored in the cache.

A hit answers ``If-None-Match``/``If-Modified-Since`` with 304 as the view would have. Hits say
``X-Cache: HIT`` (misses ``MISS``). ``PAGE_CACHE_MB`` bounds the pages kept for the current data (0 turns
the cache off); the oldest go first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from jamforaren.compression import MIN_BYTES, accepts_gzip, deflate_part, gzip_joined
from jamforaren.data_version import data_version
from jamforaren.i18n import current_language
from jamforaren.page_store import FilePageStore, Page

EXTENSION = "jamforaren.page_cache"
HEADER = "X-Cache"
CSRF_KEY = "csrf_token"  # Flask-WTF's name for the token, in the session (raw) and in g (signed)
# What no page shows: the CSRF token, and Flask-Login's bookkeeping, which it keeps up itself on every request.
IGNORED_SESSION_KEYS = frozenset({CSRF_KEY, "_remember", "_remember_seconds", "_id", "_fresh"})
CACHED_TYPES = frozenset({"text/html", "application/json", "text/csv"})
# Preconditions that are not about freshness are left to the view (a hit answers If-None-Match and
# If-Modified-Since itself).
UNCACHEABLE_HEADERS = ("If-Match", "If-Unmodified-Since", "If-Range", "Range")
UNCACHEABLE_SESSION_KEYS = frozenset({"_user_id", "_flashes"})  # a signed-in user; a message to show once
_MISSING = object()


def _session_state() -> dict[str, Any]:
    return {k: v for k, v in session.items() if k not in IGNORED_SESSION_KEYS}


def _usable() -> bool:
    return (request.method in ("GET", "HEAD") and EXTENSION in current_app.extensions
            and not any(h in request.headers for h in UNCACHEABLE_HEADERS)
            and not UNCACHEABLE_SESSION_KEYS & session.keys())


def cached_page(vary: Callable[[], Hashable] | None = None) -> Callable:
    """Serve a public GET view from the cache. ``vary`` adds what else the page depends on (the search
    index's generation for search results)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _usable():
                return view(*args, **kwargs)
            store: FilePageStore = current_app.extensions[EXTENSION]
            before = _session_state()
            key = (request.scheme, request.host, request.full_path, current_language(), date.today().isoformat(),
                   json.dumps(before, sort_keys=True, default=str), vary() if vary else None)
            version = data_version()
            page = store.get(version, key)
            if page is not None:
                return _replay(page)
            response = current_app.make_response(view(*args, **kwargs))
            page = _capture(response, before)
            if page is not None:
                store.put(version, key, page)
            response.headers[HEADER] = "MISS"
            return response

        return wrapper

    return decorator


def _capture(response: Response, before: dict[str, Any]) -> Page | None:
    if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
            or "Set-Cookie" in response.headers or response.mimetype not in CACHED_TYPES):
        return None
    after = _session_state()
    if UNCACHEABLE_SESSION_KEYS & after.keys():
        return None
    body = response.get_data()
    token = g.get(CSRF_KEY)
    parts = tuple(body.split(token.encode())) if token else (body,)
    changed = tuple((k, v) for k, v in after.items() if before.get(k, _MISSING) != v)  # pickled when stored
    removed = tuple(k for k in before if k not in after)
    headers = tuple((k, v) for k, v in response.headers.items() if k not in ("Content-Length", HEADER))
    return Page(parts, tuple(map(deflate_part, parts)), headers, changed, removed)


def _replay(page: Page) -> Response:
    for name, value in page.session_set:
        session[name] = value  # a fresh copy: every hit reads the page from its file
    for name in page.session_removed:
        session.pop(name, None)
    token = generate_csrf().encode() if len(page.parts) > 1 else b""
    response = Response(page.body(token), headers=list(page.headers))
    response.headers[HEADER] = "HIT"
    if "ETag" in response.headers or "Last-Modified" in response.headers:
        response.make_conditional(request)
        if response.status_code == 304:
            response.set_data(b"")
            for header in ("Content-Type", "Content-Length", "Content-Disposition"):
                response.headers.pop(header, None)
            return response
    response.vary.add("Accept-Encoding")
    if accepts_gzip() and response.content_length and response.content_length >= MIN_BYTES:
        response.set_data(gzip_joined(page.parts, page.deflated, token))
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    megabytes = app.config.get("PAGE_CACHE_MB", 64)
    if megabytes:
        root = Path(app.instance_path) / "page-cache"
        app.extensions[EXTENSION] = FilePageStore(root, int(megabytes * 1024 * 1024))
