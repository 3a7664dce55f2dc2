"""Security headers on every kind of response: pages, errors, CSV, the API, static files."""

from __future__ import annotations

import pytest

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
