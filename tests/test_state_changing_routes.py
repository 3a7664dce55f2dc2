"""Every route that accepts POST, PUT, PATCH or DELETE (read from ``app.url_map``, so a new one is covered):

- a GET to its address is refused with 405, or is answered by a page that changes nothing;
- a valid submission without its CSRF token is refused with 400 and writes nothing (every table counted, and the
  audit log), nor changes the session or the staged files;
- the same submission with the token takes effect, so the refusal above is the token's doing.

Each route gets a private copy of the demo portal. The submissions are in tests/form_submissions.py; a route
without one fails here.
"""

from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.form_submissions import FORMS, Context, send
from tests.security_support import STATE_CHANGING, changed, private_app, route_keys, state

ROUTES = [(method, rule) for method, rule, _endpoint in route_keys() if method in STATE_CHANGING]


def test_the_routes_are_read_from_the_url_map() -> None:
    assert ("POST", "/admin/uppfoljningar") in ROUTES and ("DELETE", "/api/<path:rest>") in ROUTES
    stale = [key for key in FORMS if tuple(key.split(" ", 1)) not in ROUTES]
    assert not stale, f"submissions for routes that do not exist: {stale}"


def _get_is_routed(app, path: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except MethodNotAllowed:
        return False
    except NotFound:  # (nothing at all there: a GET is 404, which is a refusal too)
        return False
    return True


@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_refuses_get_and_a_missing_csrf_token(backend, demo_template, tmp_path, method: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    form = FORMS.get(f"{method} {rule}")
    assert form is not None, f"{method} {rule} has no submission in tests/form_submissions.py: add one"
    with private_app(backend, demo_template, tmp_path) as app:
        ctx = Context(app)
        client = ctx.clients(form.role)
        data = form.data(ctx, client)  # (this may make what the form needs first)
        path = form.action(ctx)

        def seen():  # type: ignore[no-untyped-def]
            return state(app), form.observe(ctx, client) if form.observe else None

        before = seen()
        response = client.get(path)
        response.close()
        if _get_is_routed(app, path):
            assert response.status_code < 500 and response.status_code != 405, (path, response.status_code)
        else:
            assert response.status_code in (404, 405), (path, response.status_code)
        assert seen() == before, f"GET {path} changed {changed(before[0], seen()[0])}"

        response = send(ctx, form, client, form.data(ctx, client), csrf=False, method=method)
        refused = (404 if path == "/api/" else 405) if form.read_only else 400  # (the API has no CSRF: it is read-only)
        assert response.status_code == refused, (path, response.status_code)
        after = seen()
        assert after == before, f"{method} {path} without a CSRF token changed {changed(before[0], after[0])}"

        response = send(ctx, form, client, form.data(ctx, client), method=method)
        after = seen()
        if form.read_only:
            assert response.status_code in (404, 405) and after == before
            return
        assert response.status_code < 400, (path, response.status_code, response.get_data(as_text=True)[:2000])
        if form.writes:
            assert after[0] != before[0], f"{method} {path} with its token wrote nothing: the submission is not valid"
        if form.observe:
            assert after[1] != before[1], f"{method} {path} with its token had no effect"
