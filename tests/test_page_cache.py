"""The cache of rendered public pages and gzip: a page is rendered once per change of the data, every reader
still gets their own CSRF token, language and compare basket, signed-in users never see a cached page,
and a change shows on the very next request."""

from __future__ import annotations

import gzip
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from jamforaren.compression import deflate_part, gzip_joined
from jamforaren.extensions import db
from jamforaren.models import AuditEvent, Unit
from jamforaren.page_store import FilePageStore, Page
from tests.conftest import OFFICER_EDUCATION, csrf_token, dispose, make_app, sign_in
from tests.test_admin_providers import only_in, unit_form_data
from tests.test_compare import listed_slugs

SIGN_IN = "Logga in (handläggare och anordnare)"  # the footer's link, for residents only
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@contextmanager
def counted(app: Flask, engine_event: str) -> Iterator[list[tuple]]:
    """The engine's ``engine_event``s while the block runs: "before_cursor_execute" for the statements that
    go through SQLAlchemy, "checkout" for each connection the pool lends (the data version is read
    straight through the driver, so it is not among the statements)."""
    seen: list[tuple] = []

    def count(*args):  # type: ignore[no-untyped-def]
        seen.append(args)

    with app.app_context():
        engine = db.engine
    event.listen(engine, engine_event, count)
    try:
        yield seen
    finally:
        event.remove(engine, engine_event, count)


def without_tokens(html: str) -> str:
    return TOKEN.sub('name="csrf_token" value=""', html)


def preschool(app: Flask) -> tuple[int, str, str]:
    with app.app_context():
        unit = only_in("forskola")
        return unit.id, unit.slug, unit.name


def test_a_page_is_rendered_once_and_then_served_with_one_connection(fresh_app: Flask):
    first, second = fresh_app.test_client(), fresh_app.test_client()
    miss = first.get("/kundval/forskola?sortera=nojdhet")
    with counted(fresh_app, "before_cursor_execute") as queries, counted(fresh_app, "checkout") as checkouts:
        hit = second.get("/kundval/forskola?sortera=nojdhet")
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("MISS", "HIT")
    assert (len(queries), len(checkouts)) == (0, 1)  # one connection, for the version of the data
    assert without_tokens(hit.get_data(as_text=True)) == without_tokens(miss.get_data(as_text=True))
    assert first.get("/kundval/forskola?sortera=namn").headers["X-Cache"] == "MISS"  # another query string


def test_every_reader_gets_a_token_of_their_own_that_works(fresh_app: Flask):
    _, slug, _ = preschool(fresh_app)
    readers = [fresh_app.test_client() for _ in range(2)]
    pages = [reader.get(f"/enheter/{slug}") for reader in readers]
    assert [p.headers["X-Cache"] for p in pages] == ["MISS", "HIT"]
    tokens = [TOKEN.search(p.get_data(as_text=True)).group(1) for p in pages]
    assert tokens[0] != tokens[1]
    for reader, token in zip(readers, tokens):
        answer = reader.post("/sidfeedback", data={"csrf_token": token, "sida": f"/enheter/{slug}", "svar": "ja"})
        assert answer.status_code == 303
    refused = readers[1].post("/sidfeedback", data={"csrf_token": tokens[0], "sida": "/", "svar": "ja"})
    assert refused.status_code == 400  # the first reader's token is no good in the second one's session


def test_a_change_shows_on_the_next_request(fresh_app: Flask):
    unit_id, slug, name = preschool(fresh_app)
    resident = fresh_app.test_client()
    resident.get(f"/enheter/{slug}")
    assert resident.get(f"/enheter/{slug}").headers["X-Cache"] == "HIT"
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    path = f"/admin/enheter/{unit_id}"
    data = {**unit_form_data(officer, unit_id), "csrf_token": csrf_token(officer, path), "namn": "Förskolan Ekorren"}
    assert officer.post(path, data=data).status_code == 303
    page = resident.get(f"/enheter/{slug}")
    assert page.headers["X-Cache"] == "MISS"
    assert "Förskolan Ekorren" in page.get_data(as_text=True) and name not in page.get_data(as_text=True)


def rename(app: Flask, slug: str, name: str) -> None:
    with app.app_context():
        db.session.scalars(select(Unit).where(Unit.slug == slug)).one().name = name
        db.session.commit()


def test_feedback_comments_and_sign_ins_leave_the_cached_pages_alone(fresh_app: Flask):
    _, slug, _ = preschool(fresh_app)
    with fresh_app.app_context():
        before = db.session.scalar(select(func.max(AuditEvent.id)))
    resident = fresh_app.test_client()
    page = resident.get(f"/enheter/{slug}")
    assert page.headers["X-Cache"] == "MISS"
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    assert resident.post("/sidfeedback", data={"csrf_token": token, "sida": "/", "svar": "ja"}).status_code == 303
    assert resident.post(f"/enheter/{slug}/synpunkt", data={
        "csrf_token": token, "synpunkt": "Bra förskola, men kön är lång.", "epost": ""}).status_code == 303
    sign_in(fresh_app.test_client(), OFFICER_EDUCATION)
    with fresh_app.app_context():
        written = db.session.execute(select(AuditEvent.entity_type, AuditEvent.public)
                                     .where(AuditEvent.id > before)).all()
    assert {"page_feedback", "comment", "user"} <= {kind for kind, _ in written}  # "user": the sign-in
    assert not any(public for _, public in written)
    assert fresh_app.test_client().get(f"/enheter/{slug}").headers["X-Cache"] == "HIT"
    rename(fresh_app, slug, "Förskolan Nyckelpigan")
    renamed = fresh_app.test_client().get(f"/enheter/{slug}")
    assert renamed.headers["X-Cache"] == "MISS" and "Förskolan Nyckelpigan" in renamed.get_data(as_text=True)


def test_signed_in_users_never_get_or_leave_a_cached_page(fresh_app: Flask):
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    own = officer.get("/kundval/forskola")
    assert "X-Cache" not in own.headers and SIGN_IN not in own.get_data(as_text=True)
    resident = fresh_app.test_client().get("/kundval/forskola")
    assert resident.headers["X-Cache"] == "MISS" and SIGN_IN in resident.get_data(as_text=True)


def test_language_and_basket_are_each_readers_own(fresh_app: Flask):
    swedish, english = fresh_app.test_client(), fresh_app.test_client()
    swedish.get("/")
    english.get("/sprak/en")
    assert '<html lang="en"' in english.get("/").get_data(as_text=True)
    assert '<html lang="sv"' in swedish.get("/").get_data(as_text=True)

    slugs = listed_slugs(fresh_app, "hemtjanst")[:3]
    compare = "/kundval/hemtjanst/jamfor?" + "&".join(f"enhet={s}" for s in slugs)
    first, second = fresh_app.test_client(), fresh_app.test_client()
    assert first.get(compare).headers["X-Cache"] == "MISS"
    assert second.get(compare).headers["X-Cache"] == "HIT"
    for reader in (first, second):  # a hit keeps the compared units in the basket, as rendering does
        area = reader.get("/kundval/hemtjanst").get_data(as_text=True)
        assert all(re.search(rf'value="{s}"[^>]*checked', area) for s in slugs)
    untouched = fresh_app.test_client().get("/kundval/hemtjanst").get_data(as_text=True)
    assert not any(re.search(rf'value="{s}"[^>]*checked', untouched) for s in slugs)


def test_a_basket_only_sets_apart_the_pages_that_show_it(fresh_app: Flask):
    slugs = listed_slugs(fresh_app, "hemtjanst")[:2]
    shared = ["/", "/sok?q=f%C3%B6rskola", "/kundval/forskola", "/kundval/forskola/villkor", "/api/v1/units",
              "/oppna-data"]
    for path in [*shared, "/kundval/hemtjanst"]:
        assert fresh_app.test_client().get(path).headers["X-Cache"] == "MISS", path
    comparing = fresh_app.test_client()
    comparing.get("/kundval/hemtjanst/jamfor?" + "&".join(f"enhet={s}" for s in slugs))  # fills the basket
    for path in shared:  # pages that show no basket, or another area's: the same for every resident
        assert comparing.get(path).headers["X-Cache"] == "HIT", path
    own = comparing.get("/kundval/hemtjanst")
    assert own.headers["X-Cache"] == "MISS"  # the area's list shows the basket: rendered for it
    assert all(re.search(rf'value="{s}"[^>]*checked', own.get_data(as_text=True)) for s in slugs)
    assert fresh_app.test_client().get("/kundval/hemtjanst").headers["X-Cache"] == "HIT"  # without a basket

    _, preschool_slug, _ = preschool(fresh_app)  # a unit page shows the baskets of the unit's own areas
    assert fresh_app.test_client().get(f"/enheter/{preschool_slug}").headers["X-Cache"] == "MISS"
    assert comparing.get(f"/enheter/{preschool_slug}").headers["X-Cache"] == "HIT"  # a basket of another area
    in_basket = comparing.get(f"/enheter/{slugs[0]}")
    assert in_basket.headers["X-Cache"] == "MISS"  # rendered for this basket: the unit is in it
    assert in_basket.get_data(as_text=True).count('name="atgard" value="ta-bort"') == 1
    assert 'value="ta-bort"' not in fresh_app.test_client().get(f"/enheter/{slugs[0]}").get_data(as_text=True)


def test_a_flash_message_is_shown_once_and_not_cached(fresh_app: Flask):
    _, slug, _ = preschool(fresh_app)
    reader: FlaskClient = fresh_app.test_client()
    token = TOKEN.search(reader.get(f"/enheter/{slug}").get_data(as_text=True)).group(1)
    reader.post("/sidfeedback", data={"csrf_token": token, "sida": f"/enheter/{slug}", "svar": "ja"})
    thanked = reader.get(f"/enheter/{slug}")
    assert "Tack för ditt svar." in thanked.get_data(as_text=True) and "X-Cache" not in thanked.headers
    again = reader.get(f"/enheter/{slug}")
    assert "Tack för ditt svar." not in again.get_data(as_text=True)
    assert "Tack för ditt svar." not in fresh_app.test_client().get(f"/enheter/{slug}").get_data(as_text=True)


def test_pages_and_json_are_compressed_for_clients_that_accept_gzip(client: FlaskClient):
    path = "/kundval/forskola?sida=4"
    plain = client.get(path)
    for _ in range(2):  # rendered and compressed (a miss, unless another test asked first), then from the cache
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
        html = gzip.decompress(packed.get_data()).decode()
        assert without_tokens(html) == without_tokens(plain.get_data(as_text=True))
        assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert packed.headers["X-Cache"] == "HIT"
    answer = client.post("/sidfeedback", data={"csrf_token": TOKEN.search(html).group(1), "sida": path,
                                               "svar": "nej"})
    assert answer.status_code == 303  # the token in the compressed page from the cache is the reader's own

    client = client.application.test_client()  # without the thank-you message waiting in the session
    api = client.get("/api/v1/units", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip" and api.headers["ETag"].startswith('W/"')
    again = client.get("/api/v1/units", headers={"Accept-Encoding": "gzip", "If-None-Match": api.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["X-Cache"] == "HIT"


def test_every_page_type_weighs_under_100_kb_compressed_and_loads_nothing_from_elsewhere(client: FlaskClient):
    hemtjanst = listed_slugs(client.application, "hemtjanst")
    pages = ["/", "/kundval/forskola?sida=2", f"/enheter/{hemtjanst[0]}", "/sok?q=f%C3%B6rskola",
             "/kundval/hemtjanst/jamfor?" + "&".join(f"enhet={s}" for s in hemtjanst[:4]), "/oppna-data"]
    for path in pages:
        page = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200, path
        html = gzip.decompress(page.get_data()).decode()
        tags = re.findall(r'<(?:link|script|img|iframe|source)\b[^>]*>', html)
        loaded = [re.search(r'(?:href|src)="([^"]+)"', tag).group(1) for tag in tags
                  if not re.search(r'rel="(?:canonical|alternate)"', tag)]  # links, not loaded
        assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded), (path, loaded)
        weight = len(page.get_data())
        for url in set(loaded):
            asset = client.get(url, headers={"Accept-Encoding": "gzip"})
            weight += len(gzip.compress(asset.get_data())) if "Content-Encoding" not in asset.headers \
                else len(asset.get_data())
            asset.close()
        assert weight < 100_000, (path, weight)


def test_the_workers_of_a_host_share_the_pages_and_old_versions_are_removed(fresh_app: Flask):
    other_worker = make_app(fresh_app.config["SQLALCHEMY_DATABASE_URI"], Path(fresh_app.instance_path))
    try:
        _, slug, _ = preschool(fresh_app)
        assert fresh_app.test_client().get(f"/enheter/{slug}").headers["X-Cache"] == "MISS"
        assert other_worker.test_client().get(f"/enheter/{slug}").headers["X-Cache"] == "HIT"
        folders = list((Path(fresh_app.instance_path) / "page-cache").iterdir())
        assert len(folders) == 1
        rename(fresh_app, slug, "Förskolan Nyckelpigan")  # a public change: a new version of the data
        assert other_worker.test_client().get(f"/enheter/{slug}").headers["X-Cache"] == "MISS"
        assert [f.name for f in (Path(fresh_app.instance_path) / "page-cache").iterdir()] != [folders[0].name]
        assert len(list((Path(fresh_app.instance_path) / "page-cache").iterdir())) == 1
    finally:
        dispose(other_worker)


def test_the_pages_of_one_version_stay_within_the_configured_size(tmp_path: Path):
    store = FilePageStore(tmp_path / "page-cache", max_bytes=400_000)
    for number in range(200):
        body = (f"<p>{number}</p>".encode() * 1000)[:10_000]
        store.put((1, "now"), f"/page/{number}", Page((body,), (deflate_part(body),), (), (), ()))
        assert sum(f.stat().st_size for f in (tmp_path / "page-cache").rglob("*")) <= 400_000 + 30_000
    assert store.get((1, "now"), "/page/199") is not None and store.get((1, "now"), "/page/0") is None
    assert store.get((2, "later"), "/page/199") is None  # another version of the data: nothing from before


def test_a_worker_keeps_the_pages_it_served_last_in_memory_within_its_bound(tmp_path: Path):
    store = FilePageStore(tmp_path / "page-cache", max_bytes=10_000_000, memory_bytes=100_000)
    pages = [Page((body,), (deflate_part(body),), (), (), ()) for body in
             ((f"<p>{number}</p>".encode() * 1000)[:10_000] for number in range(30))]
    for number, page in enumerate(pages):
        store.put((1, "now"), f"/page/{number}", page)
    for file in (tmp_path / "page-cache").glob("*/*"):
        file.unlink()  # only the memory is left
    kept = [number for number in range(30) if store.get((1, "now"), f"/page/{number}") == pages[number]]
    assert kept and kept == list(range(30 - len(kept), 30))  # the newest, as many as fit
    assert sum(pages[n].size for n in kept) <= 100_000
    assert store.get((2, "later"), "/page/29") is None  # another version of the data: nothing from before
    assert store.get((1, "now"), "/page/29") is None  # and the older version's pages are forgotten


@pytest.mark.parametrize("token", [b"", b"IjBhZGQ.aw-x_Y", bytes(range(256)) * 300])  # the last: over 64 KB
def test_a_page_joined_from_parts_compressed_beforehand_is_valid_gzip(token: bytes, tmp_path: Path):
    parts = (b"<!doctype html><p>" + "Förskolan Ekorren ".encode() * 2000, b'" name="csrf_token"><p>', b"</p>")
    packed = gzip_joined(parts, tuple(map(deflate_part, parts)), token)
    assert gzip.decompress(packed) == token.join(parts)
    (tmp_path / "page.gz").write_bytes(packed)  # and GNU gzip agrees, checksum and length included
    unpacked = subprocess.run(["gzip", "-d", "-c", str(tmp_path / "page.gz")], capture_output=True, check=True)
    assert unpacked.stdout == token.join(parts)
