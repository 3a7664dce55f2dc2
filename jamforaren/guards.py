"""Requests refused before any view runs: a NUL character in the address, a query or a form is never a real
value (PostgreSQL cannot even compare with it), so it gets a 404 or 400 instead of reaching the database.
The open-data API checks its own parameters (and answers with problem documents), and the search page turns
any input into a page, so their queries are left to them.

Numbers the same way: an id larger than an INTEGER column holds (PostgreSQL's int4) is never a real one, and
PostgreSQL refuses the query. ``<int:…>`` in an address matches only numbers up to that (larger: 404), and
views read ids and years from forms and queries with :func:`whole_number`."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map

MAX_INTEGER = 2**31 - 1  # the largest value of an INTEGER column (PostgreSQL's int4)


def _at_most(limit: int) -> str:
    """A pattern for the numbers 0…``limit`` (2147483647: ``\\d{1,9}|[1-1]\\d{9}|…|214748364[0-7]``)."""
    digits = str(limit)
    alternatives = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(map(int, digits)):
        lowest = 1 if i == 0 and len(digits) > 1 else 0
        rest = len(digits) - 1 - i
        if rest == 0:
            alternatives.append(f"{digits[:i]}[{lowest}-{digit}]")
        elif digit > lowest:
            alternatives.append(f"{digits[:i]}[{lowest}-{digit - 1}]" + rf"\d{{{rest}}}")
    return "(?:" + "|".join(alternatives) + ")"


class BoundedInteger(IntegerConverter):
    """``<int:…>`` in an address: a number larger than an INTEGER column holds matches no route (404). It is
    left out by the pattern, not refused after matching, so that other routes still get their turn (the API's
    catch-all answers with its own problem document)."""

    regex = _at_most(MAX_INTEGER)

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INTEGER,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(value: Any) -> int | None:
    """``value`` (an id or a year from a form or a query) as a number an INTEGER column holds; None when it is
    not written with the digits 0–9 only, or is larger."""
    text = value.strip() if isinstance(value, str) else ""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_INTEGER else None


def _has_nul(fields: MultiDict) -> bool:
    """In any name or any value: a field sent twice has a second value (``values()`` gives only the first)."""
    return any("\x00" in name or "\x00" in value for name, value in fields.items(multi=True))


SELF_CHECKING = {"public.search_page"}


def refuse_nul_characters() -> None:
    if request.path.startswith("/api/"):
        return
    if "\x00" in request.path:
        abort(404)  # nothing is ever found at such an address
    if request.endpoint not in SELF_CHECKING and _has_nul(request.args):
        abort(400)
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _has_nul(request.form):
            abort(400)


def init_app(app: Flask) -> None:
    """(Before the blueprints are registered: their routes take the ``int`` converter in place then.)"""
    app.url_map.converters["int"] = BoundedInteger
    app.before_request(refuse_nul_characters)
