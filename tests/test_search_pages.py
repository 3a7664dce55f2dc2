"""Search as residents use it: the page, the header box, facets, and an index that follows every commit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.indexing import search_index
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Unit
from tests.conftest import dispose, make_app

HIT = re.compile(r'<li class="unit-card">\s*<h3><a href="/enheter/([^"]+)">')


def hits(client, query: str, **params: str) -> list[str]:
    html = client.get("/sok", query_string={"q": query, **params}).get_data(as_text=True)
    return HIT.findall(html)


def test_every_page_has_a_search_box(client):
    for path in ("/", "/kundval/forskola", "/om-jamforelserna", "/finns-inte"):
        html = client.get(path).get_data(as_text=True)
        assert 'role="search"' in html and 'action="/sok"' in html and 'name="q"' in html


def test_search_finds_units_by_area_and_district_and_highlights_words(client, demo_app):
    with demo_app.app_context():
        expected = set(db.session.scalars(
            select(Unit.slug).join(Authorisation).join(Area)
            .where(Area.slug == "forskola", Unit.district == "Boo",
                   Authorisation.status == AuthorisationStatus.AUTHORISED)))
    html = client.get("/sok", query_string={"q": "förskolor i Boo"}).get_data(as_text=True)
    found = set(HIT.findall(html))
    assert expected and expected <= found | set(hits(client, "förskolor i Boo", sida="2"))
    assert "<mark>" in html


def test_facet_counts_equal_the_database(client, demo_app):
    html = client.get("/sok", query_string={"q": "hemtjänst"}).get_data(as_text=True)
    facets = dict(re.findall(r'href="/sok\?q=hemtj%C3%A4nst&amp;kundval=([a-z-]+)">[^<(]*\((\d+)\)', html))
    with demo_app.app_context():
        listed = db.session.scalar(
            select(func.count()).select_from(Authorisation).join(Area)
            .where(Area.slug == "hemtjanst", Authorisation.status == AuthorisationStatus.AUTHORISED))
    assert int(facets["hemtjanst"]) == listed
    narrowed = client.get("/sok", query_string={"q": "hemtjänst", "kundval": "hemtjanst"}).get_data(as_text=True)
    assert f"{listed} enheter hittades." in narrowed


@pytest.mark.parametrize("query", ['"', "förskola*", "AND OR NOT", "x" * 5000, "😀 förskola", "\x00\x07ab",
                                   "' OR 1=1 --", "<script>alert(1)</script>", "och i på"])
def test_any_input_gives_a_page(client, query):
    response = client.get("/sok", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_a_misspelling_gets_a_suggestion(client):
    html = client.get("/sok", query_string={"q": "hemtjänts"}).get_data(as_text=True)
    assert "Menade du" in html or HIT.findall(html)


def test_an_empty_search_explains_itself(client):
    html = client.get("/sok").get_data(as_text=True)
    assert "<h1>Sök</h1>" in html
    nothing = client.get("/sok", query_string={"q": "qwxzzy"}).get_data(as_text=True)
    assert "Ingen enhet matchade din sökning." in nothing and "Tips" in nothing


def word_found(app, word: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(hits(app.test_client(), word))


def test_published_changes_are_searchable_at_once_and_withdrawals_disappear(fresh_app):
    client = fresh_app.test_client()
    assert client.get("/sok", query_string={"q": "förskola"}).status_code == 200  # builds the index
    with fresh_app.app_context():
        unit = db.session.scalar(select(Unit).join(Authorisation).where(
            Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id))
        slug = unit.slug
        unit.description_sv += " Vi har en egen xylofonorkester."
        db.session.commit()
    assert slug in hits(client, "xylofonorkester")

    with fresh_app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
        unit.description_sv += " Och en kazoogrupp."
        db.session.flush()
        db.session.rollback()
    assert hits(client, "kazoogrupp") == []

    with fresh_app.app_context():
        for authorisation in db.session.scalar(select(Unit).where(Unit.slug == slug)).authorisations:
            authorisation.status = AuthorisationStatus.REVOKED
            authorisation.status_since = date.today()
        db.session.commit()
    assert slug not in hits(client, "xylofonorkester")


def test_a_missing_index_is_built_on_first_request_and_search_says_so_meanwhile(backend, demo_template, tmp_path):
    app = make_app(backend.clone(demo_template, "search_build"), tmp_path / "instance")
    app.extensions["search_index.started"].set()  # as if a build were under way in the background
    waiting = app.test_client().get("/sok", query_string={"q": "förskola"})
    assert waiting.status_code == 503 and waiting.headers["Retry-After"]
    assert "sökindexet byggs" in waiting.get_data(as_text=True)

    app.extensions["search_index.started"].clear()
    ready = app.test_client().get("/sok", query_string={"q": "förskola"})
    assert ready.status_code == 200 and HIT.findall(ready.get_data(as_text=True))
    with app.app_context():
        assert search_index().document_count() > 250
    dispose(app)


def test_cli_reindex_rebuilds_the_index(run_cli, backend, demo_template, tmp_path):
    url = backend.clone(demo_template, "search_cli")
    result = run_cli("reindex", database_url=url, env={"SEARCH_INDEX_DIR": str(tmp_path / "cli-index")})
    assert result.returncode == 0, result.stderr
    count = int(re.search(r"rebuilt: (\d+) published units", result.stdout).group(1))
    app = make_app(url, tmp_path / "check")
    with app.app_context():
        listed = db.session.scalar(select(func.count(func.distinct(Authorisation.unit_id)))
                                   .where(Authorisation.status == AuthorisationStatus.AUTHORISED))
    dispose(app)
    assert count == listed


def test_a_commit_during_a_long_rebuild_is_written_once_the_lock_is_free(fresh_app):
    """A rebuild holds the write lock; a request's commit must neither hang nor lose its update."""
    import threading
    import time

    client = fresh_app.test_client()
    client.get("/sok", query_string={"q": "förskola"})
    fresh_app.config["SEARCH_WRITE_TIMEOUT"] = 0.2
    index = search_index(fresh_app)
    index.write_timeout = 0.2
    held, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with index._lock("WRITELOCK"):  # the lock Whoosh's writers take
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(5)
    try:
        with fresh_app.app_context():
            unit = db.session.scalar(select(Unit).join(Authorisation).where(
                Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id))
            slug = unit.slug
            unit.description_sv += " Vi spelar theremin varje fredag."
            started = time.monotonic()
            db.session.commit()
            assert time.monotonic() - started < 3
    finally:
        release.set()
        holder.join()
    deadline = time.monotonic() + 20
    while slug not in hits(client, "theremin"):
        assert time.monotonic() < deadline, "the update was lost"
        time.sleep(0.2)
