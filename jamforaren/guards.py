"""Requests refused before any view runs: a NUL character in the address, a query or a form is never a real
value (PostgreSQL cannot even compare with it), so it gets a 404 or 400 instead of reaching the database.
The open-data API checks its own parameters (and answers with problem documents), and the search page turns
any input into a page, so their queries are left to them."""

from __future__ import annotations

from flask import Flask, abort, request


def _has_nul(values: object) -> bool:
    return any("\x00" in value for value in values)  # type: ignore[attr-defined]


SELF_CHECKING = {"public.search_page"}


def refuse_nul_characters() -> None:
    if request.path.startswith("/api/"):
        return
    if "\x00" in request.path:
        abort(404)  # nothing is ever found at such an address
    if request.endpoint not in SELF_CHECKING and (_has_nul(request.args.keys()) or _has_nul(request.args.values())):
        abort(400)
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _has_nul(request.form.keys()) or _has_nul(request.form.values()):
            abort(400)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
