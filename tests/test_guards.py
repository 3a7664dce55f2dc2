"""A NUL character in an address, a query or a form never reaches the database (PostgreSQL refuses it)."""

from __future__ import annotations

from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import Comment
from tests.conftest import csrf_token


def test_nul_in_an_address_is_not_found_and_in_a_query_is_a_bad_request(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/enheter/%00", "/kundval/%00", "/kundval/forskola/%00/regler"):
        assert client.get(path).status_code == 404, path
    for path in ("/kundval/forskola?kommundel=%00", "/kundval/forskola?sortera=a%00b", "/enheter/x?%00=1"):
        assert client.get(path).status_code == 400, path
    assert client.get("/sok?q=%00skola").status_code == 200  # the search page makes a page of any input
    assert client.get("/api/v1/units?district=%00").headers["Content-Type"].startswith("application/problem+json")


def test_nul_in_a_form_changes_nothing(fresh_app) -> None:  # type: ignore[no-untyped-def]
    client = fresh_app.test_client()
    page = client.get("/kundval/forskola")
    slug = page.get_data(as_text=True).split('href="/enheter/', 1)[1].split('"', 1)[0]
    with fresh_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Comment))
    response = client.post(f"/enheter/{slug}/synpunkt", data={
        "csrf_token": csrf_token(client, f"/enheter/{slug}"), "synpunkt": "Bra\x00 förskola", "namn": ""})
    assert response.status_code == 400
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == before
