"""Security headers on every kind of response: every route of the url_map (pages, forms, CSV, the API, static
files, also HEAD and OPTIONS), and every kind of error (400, 403, 404, 405, 413, 429, 500, 503)."""

from __future__ import annotations

import pytest

from tests.conftest import dispose, make_app
from tests.security_support import Clients, add_future_version, find_demo, private_app, route_keys, token
from tests.test_route_access import TABLE

PATHS = ["/", "/kundval/forskola", "/sok?q=skola", "/logga-in", "/finns-inte", "/api/v1/areas",
         "/api/v1/units.csv", "/api/v1/openapi.json", "/oppna-data", "/static/site.css", "/admin/"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_the_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    response.close()  # (a static file is sent from an open file)
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "script-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_behind_https(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/", base_url="https://kundval.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_is_http_only_and_same_site_lax(client) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import OFFICER_EDUCATION, sign_in
    sign_in(client, OFFICER_EDUCATION)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


# --- every route of the url_map, and every kind of error ---------------------------------------------------------

def _check(response, what: str) -> None:  # type: ignore[no-untyped-def]
    response.close()
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    problems = []
    if "frame-ancestors 'none'" not in policy or "script-src 'none'" not in policy or "unsafe-" in policy:
        problems.append(f"Content-Security-Policy: {policy!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if headers.get("Referrer-Policy") != "strict-origin-when-cross-origin":
        problems.append("Referrer-Policy")
    assert not problems, f"{what} answered {response.status_code} without {problems}"


@pytest.fixture(scope="module")
def portal(backend, demo_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    with private_app(backend, demo_template, tmp_path_factory.mktemp("headers"), IMPORT_MAX_BYTES=64 * 1024) as app:
        clients = Clients(app)
        yield app, clients, find_demo(app), add_future_version(app, clients("admin"))


ROUTES = route_keys()


@pytest.mark.parametrize(("method", "rule", "endpoint"), ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_every_route_answers_with_the_security_headers(portal, method: str, rule: str, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    """Each route of the url_map, as a visitor (refused: to sign in, without a CSRF token) and as whoever the access
    table lets use it (the page itself, or the form's answer), also for HEAD and OPTIONS."""
    app, clients, demo, future = portal
    access = TABLE[f"{method} {rule}"]  # (test_route_access.py fails for a route without a rule)
    path = access.path(demo, future)
    allowed = next((role for role in ("admin", "officer_area", "editor_own")
                    if access.expect[role] not in ("login", 403, 404)), "anonymous")
    client = clients.fresh(allowed) if access.ends_sessions else clients(allowed)
    data = {**access.data(demo), **({"csrf_token": token(client)} if method != "GET" else {})}
    _check(client.open(path, method=method, data=data if method != "GET" else None), f"{method} {path} ({allowed})")
    _check(app.test_client().open(path, method=method), f"{method} {path} (anonymous, no token)")
    if method == "GET":
        _check(clients(allowed).head(path), f"HEAD {path}")
        _check(clients(allowed).options(path), f"OPTIONS {path}")


def test_errors_answer_with_the_security_headers(portal) -> None:  # type: ignore[no-untyped-def]
    app, clients, demo, future = portal
    anonymous, editor = app.test_client(), clients("editor_own")
    officer = clients("officer_area")
    cases = {
        "404 page": (lambda: anonymous.get("/finns-inte"), 404),
        "404 unit": (lambda: anonymous.get("/enheter/finns-inte"), 404),
        "404 API": (lambda: anonymous.get("/api/v1/units/finns-inte"), 404),
        "405 page": (lambda: anonymous.get("/logga-ut"), 405),
        "405 API": (lambda: anonymous.delete("/api/v1/areas"), 405),
        "400 no CSRF token": (lambda: anonymous.post("/logga-in", data={"epost": "a@b.se", "losenord": "x"}), 400),
        "400 NUL": (lambda: anonymous.get("/kundval/forskola?kommundel=%00"), 400),
        "400 API parameter": (lambda: anonymous.get("/api/v1/units?page=-1"), 400),
        "403": (lambda: editor.get("/admin/"), 403),
        "302 to sign in": (lambda: anonymous.get("/admin/"), 302),
        "413": (lambda: officer.post("/admin/kundval/forskola", data={
            "csrf_token": token(officer), "beskrivning_sv": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}), 413),
        "CSV": (lambda: anonymous.get(f"/kundval/{demo.area_slug}/jamfor.csv?enhet={demo.unit_slug}"
                                      f"&enhet={demo.other_unit_slug}"), 200),
        "static": (lambda: anonymous.get("/static/site.css"), 200),
        "static 404": (lambda: anonymous.get("/static/finns-inte.css"), 404),
    }
    for what, (request, status) in cases.items():
        response = request()
        _check(response, what)
        assert response.status_code == status, (what, response.status_code)


def test_a_server_error_and_a_lock_out_answer_with_the_security_headers(backend, demo_template, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with private_app(backend, demo_template, tmp_path, SIGN_IN_MAX_FAILURES_PER_ADDRESS=1) as app:
        app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the exception

        def broken() -> str:
            raise RuntimeError("a bug")

        app.view_functions["public.about"] = broken
        client = app.test_client()
        response = client.get("/om-jamforelserna")
        assert response.status_code == 500 and "RuntimeError" not in response.get_data(as_text=True)
        _check(response, "500")
        for _attempt in range(2):
            response = client.post("/logga-in", data={"csrf_token": token(client), "epost": "x@demo.invalid",
                                                      "losenord": "fel lösenord"})
        assert response.status_code == 429
        _check(response, "429")


def test_the_database_being_away_answers_with_the_security_headers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(f"sqlite:///{tmp_path}/finns-inte/jamforaren.sqlite3", tmp_path / "instance")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        for path in ("/", "/api/v1/areas"):
            response = app.test_client().get(path)
            assert response.status_code == 503
            _check(response, f"503 {path}")
    finally:
        dispose(app)
