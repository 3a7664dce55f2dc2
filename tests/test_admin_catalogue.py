"""Catalogue upkeep in the back office: area texts, rulebook versions, norms; read-only rules; roles; CSRF."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, Norm, Rulebook, RulebookChapter
from tests.conftest import ADMIN, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in

SLUG = "forskola"
FUTURE = date.today() + timedelta(days=400)


def signed_in(app: Flask, email: str, language: str | None = None) -> FlaskClient:
    client = app.test_client()
    if language:
        client.set_cookie("lang", language)
    sign_in(client, email)
    return client


def token(client: FlaskClient) -> str:
    return csrf_token(client, "/admin/kundval")


def area_texts(app: Flask, slug: str = SLUG) -> dict[str, str | None]:
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == slug))
        return {f"{f}_{lang}": getattr(area, f"{f}_{lang}") for f in ("name", "target_group", "description",
                                                                     "legal_basis") for lang in ("sv", "en")}


def rulebook_snapshot(app: Flask, version: int, slug: str = SLUG) -> dict | None:
    """Everything of a version that a write could change: its fields, chapters and norms."""
    with app.app_context():
        rulebook = db.session.scalar(select(Rulebook).join(Area).where(Area.slug == slug,
                                                                       Rulebook.version == version))
        if rulebook is None:
            return None
        return {
            "fields": (rulebook.valid_from, rulebook.decision_reference, rulebook.title_sv, rulebook.title_en),
            "chapters": [(c.id, c.number, c.title_sv, c.title_en) for c in rulebook.chapters],
            "norms": [(n.id, n.key, n.code, n.position, n.chapter_id, n.title_sv, n.title_en, n.requirement_sv,
                       n.requirement_en, n.guidance_sv, n.guidance_en) for n in rulebook.norms],
        }


def rulebook_count(app: Flask, slug: str = SLUG) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Rulebook).join(Area).where(Area.slug == slug))


def new_version(client: FlaskClient, valid_from: date = FUTURE, slug: str = SLUG):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/kundval/{slug}/villkor/ny", data={
        "csrf_token": token(client), "giltig_fran": valid_from.isoformat(), "diarienummer": "UBN 2026/0999",
        "rubrik_sv": "Auktorisationsvillkor för förskola 2028", "rubrik_en": ""})


def norm_form(**overrides: str) -> dict[str, str]:
    data = {"rubrik_sv": "Språkutveckling", "rubrik_en": "Language development",
            "krav_sv": "Förskolan ska arbeta med barnens språkutveckling.", "krav_en": "",
            "anvisning_sv": "Anordnaren beskriver arbetet.", "anvisning_en": ""}
    data.update(overrides)
    return data


AREA_FORM = {
    "namn_sv": "Förskola och öppen förskola", "namn_en": "Preschool and open preschool",
    "malgrupp_sv": "Barn från ett år.", "malgrupp_en": "Children from the age of one.",
    "beskrivning_sv": "En ny beskrivning av förskolan i kommunen.", "beskrivning_en": "",
    "lagstod_sv": "Skollagen (2010:800).", "lagstod_en": "The Education Act (2010:800).",
}


# --- Area texts ------------------------------------------------------------------------------------------

def test_edited_area_texts_are_on_the_public_page_at_once_and_in_english_when_given(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    response = client.post(f"/admin/kundval/{SLUG}", data={"csrf_token": token(client), **AREA_FORM})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/kundval/{SLUG}"
    texts = area_texts(fresh_app)
    assert texts["name_sv"] == "Förskola och öppen förskola"
    assert texts["description_en"] is None  # empty English falls back to Swedish

    public = fresh_app.test_client()
    swedish = public.get(f"/kundval/{SLUG}").get_data(as_text=True)
    assert "<h1>Förskola och öppen förskola</h1>" in swedish
    assert "En ny beskrivning av förskolan i kommunen." in swedish
    assert "Skollagen (2010:800)." in swedish

    public.set_cookie("lang", "en")
    english = public.get(f"/kundval/{SLUG}").get_data(as_text=True)
    assert "Preschool and open preschool" in english
    assert "Children from the age of one." in english
    assert "The Education Act (2010:800)." in english
    # No English description: the Swedish one is shown, marked as Swedish.
    assert '<span lang="sv">En ny beskrivning av förskolan i kommunen.</span>' in english


def test_missing_swedish_text_is_an_error_and_what_was_typed_is_kept(fresh_app):
    before = area_texts(fresh_app)
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    typed = {**AREA_FORM, "namn_sv": "   ", "beskrivning_en": "Typed English description"}
    response = client.post(f"/admin/kundval/{SLUG}", data={"csrf_token": token(client), **typed})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Fel: " in html
    assert 'class="error-summary"' in html and 'href="#namn_sv"' in html
    assert 'value="Preschool and open preschool"' in html
    assert "Typed English description</textarea>" in html
    assert "Barn från ett år.</textarea>" in html
    assert area_texts(fresh_app) == before


def test_the_error_message_is_clear_in_english(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION, language="en")
    response = client.post(f"/admin/kundval/{SLUG}", data={"csrf_token": token(client),
                                                           **{**AREA_FORM, "lagstod_sv": ""}})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert "Enter the legal basis in Swedish." in html


# --- Versions ----------------------------------------------------------------------------------------------

def test_a_new_version_must_apply_later_than_the_newest_one(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION, language="en")
    with fresh_app.app_context():
        newest = db.session.scalar(select(Rulebook.valid_from).join(Area).where(Area.slug == SLUG))
    for refused in (newest - timedelta(days=30), newest):
        response = new_version(client, refused)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "The new version must apply from a date later than" in html
        assert 'value="UBN 2026/0999"' in html  # what was typed is kept
    assert rulebook_count(fresh_app) == 1


def test_a_new_version_is_a_copy_of_the_newest_one(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    first = rulebook_snapshot(fresh_app, 1)
    response = new_version(client)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/kundval/{SLUG}/villkor/2"
    second = rulebook_snapshot(fresh_app, 2)
    assert second["fields"] == (FUTURE, "UBN 2026/0999", "Auktorisationsvillkor för förskola 2028", None)
    assert [c[1:] for c in second["chapters"]] == [c[1:] for c in first["chapters"]]
    copied = [n[1:4] + n[5:] for n in second["norms"]]
    assert copied == [n[1:4] + n[5:] for n in first["norms"]] and len(copied) > 5
    assert {n[0] for n in second["norms"]}.isdisjoint(n[0] for n in first["norms"])  # new rows
    assert rulebook_snapshot(fresh_app, 1) == first
    page = client.get(f"/admin/kundval/{SLUG}/villkor")
    assert page.status_code == 200
    assert f'href="/admin/kundval/{SLUG}/villkor/2"' in page.get_data(as_text=True)


def test_a_future_version_norms_can_be_changed_added_and_retired(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    assert new_version(client).status_code == 303
    first = rulebook_snapshot(fresh_app, 1)
    base = f"/admin/kundval/{SLUG}/villkor/2"
    with fresh_app.app_context():
        rulebook = db.session.scalar(select(Rulebook).join(Area).where(Area.slug == SLUG, Rulebook.version == 2))
        changed_id, retired_id = rulebook.norms[0].id, rulebook.norms[-1].id
        retired_key = rulebook.norms[-1].key
        chapter_two = next(c for c in rulebook.chapters if c.number == 2)
        chapter_two_codes = [n.code for n in chapter_two.norms]
        area_keys = set(db.session.scalars(select(Norm.key).join(Rulebook).where(Rulebook.area_id == rulebook.area_id)))
        chapters_before = len(rulebook.chapters)

    # Change a norm's texts.
    edit_page = client.get(f"{base}/normer/{changed_id}")
    assert edit_page.status_code == 200
    response = client.post(f"{base}/normer/{changed_id}", data={"csrf_token": token(client), **norm_form(
        rubrik_sv="Ändrad rubrik", krav_sv="Ändrat krav.", anvisning_en="Changed guidance.")})
    assert response.status_code == 303
    # Add two norms with the same title to chapter 2: codes follow on, keys are unique in the area.
    added = []
    for _ in range(2):
        response = client.post(f"{base}/kapitel/2/ny-norm", data={"csrf_token": token(client), **norm_form()})
        assert response.status_code == 303
        added.append(int(re.search(r"#norm-(\d+)$", response.headers["Location"]).group(1)))
    # Retire a norm.
    assert client.get(f"{base}/normer/{retired_id}/ta-bort").status_code == 200
    response = client.post(f"{base}/normer/{retired_id}/ta-bort", data={"csrf_token": token(client)})
    assert response.status_code == 303
    # Add a chapter.
    response = client.post(f"{base}/kapitel/nytt", data={"csrf_token": token(client), "rubrik_sv": "Digitalisering",
                                                         "rubrik_en": ""})
    assert response.status_code == 303

    with fresh_app.app_context():
        rulebook = db.session.scalar(select(Rulebook).join(Area).where(Area.slug == SLUG, Rulebook.version == 2))
        changed = db.session.get(Norm, changed_id)
        assert (changed.title_sv, changed.requirement_sv, changed.guidance_en) == (
            "Ändrad rubrik", "Ändrat krav.", "Changed guidance.")
        assert changed.title_en == "Language development"
        new_norms = [db.session.get(Norm, i) for i in added]
        last = max(int(c.split(".")[1]) for c in chapter_two_codes)
        assert [n.code for n in new_norms] == [f"2.{last + 1}", f"2.{last + 2}"]
        keys = [n.key for n in new_norms]
        assert keys[0] != keys[1] and not (set(keys) & area_keys)
        assert all(n.rulebook_id == rulebook.id and n.chapter.number == 2 for n in new_norms)
        ordered = [(n.chapter.number, n.code) for n in rulebook.norms]
        assert ordered == sorted(ordered, key=lambda pair: (pair[0], int(pair[1].split(".")[1])))
        assert db.session.get(Norm, retired_id) is None
        assert retired_key not in {n.key for n in rulebook.norms}
        assert len(rulebook.chapters) == chapters_before + 1
        assert rulebook.chapters[-1].number == chapters_before + 1
        assert rulebook.chapters[-1].title_sv == "Digitalisering"
    assert rulebook_snapshot(fresh_app, 1) == first  # the version in force is untouched
    page = client.get(base).get_data(as_text=True)
    assert "Ändrad rubrik" in page and "Digitalisering" in page


def test_a_version_in_force_is_read_only(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION, language="en")
    before = rulebook_snapshot(fresh_app, 1)
    base = f"/admin/kundval/{SLUG}/villkor/1"
    norm_id = before["norms"][0][0]
    page = client.get(base).get_data(as_text=True)
    assert "so it can no longer be changed" in page
    assert f"{base}/normer/{norm_id}\"" not in page  # no edit links
    posts = {
        f"{base}/normer/{norm_id}": norm_form(rubrik_sv="Får inte ändras"),
        f"{base}/kapitel/1/ny-norm": norm_form(),
        f"{base}/normer/{norm_id}/ta-bort": {},
        f"{base}/kapitel/nytt": {"rubrik_sv": "Nytt kapitel"},
        f"{base}/uppgifter": {"giltig_fran": FUTURE.isoformat(), "diarienummer": "X", "rubrik_sv": "X"},
    }
    for path, data in posts.items():
        response = client.post(path, data={"csrf_token": token(client), **data})
        assert response.status_code == 409, path
        html = response.get_data(as_text=True)
        assert "The change was not made" in html and "so it can no longer be changed" in html, path
        assert "<title>Error: " in html
    assert rulebook_snapshot(fresh_app, 1) == before


def test_a_future_version_in_use_is_read_only(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION, language="en")
    assert new_version(client).status_code == 303
    with fresh_app.app_context():
        rulebook = db.session.scalar(select(Rulebook).join(Area).where(Area.slug == SLUG, Rulebook.version == 2))
        authorisation = db.session.scalar(select(Authorisation).where(Authorisation.area_id == rulebook.area_id)
                                          .limit(1))
        authorisation.rulebook_id = rulebook.id
        db.session.commit()
    before = rulebook_snapshot(fresh_app, 2)
    response = client.post(f"/admin/kundval/{SLUG}/villkor/2/kapitel/nytt",
                           data={"csrf_token": token(client), "rubrik_sv": "Nytt kapitel"})
    assert response.status_code == 409
    assert "is already used by authorisations or follow-ups" in response.get_data(as_text=True)
    assert rulebook_snapshot(fresh_app, 2) == before


def test_the_old_version_stays_readable(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    first = rulebook_snapshot(fresh_app, 1)
    old_title = first["norms"][0][5]
    assert new_version(client).status_code == 303
    with fresh_app.app_context():
        norm_id = db.session.scalar(select(Norm.id).join(Rulebook).join(Area).where(
            Area.slug == SLUG, Rulebook.version == 2).order_by(Norm.position).limit(1))
    response = client.post(f"/admin/kundval/{SLUG}/villkor/2/normer/{norm_id}",
                           data={"csrf_token": token(client), **norm_form(rubrik_sv="Helt ny rubrik")})
    assert response.status_code == 303
    public = fresh_app.test_client()
    old = public.get(f"/kundval/{SLUG}/villkor?version=1")
    assert old.status_code == 200
    assert old_title in old.get_data(as_text=True) and "Helt ny rubrik" not in old.get_data(as_text=True)
    new = public.get(f"/kundval/{SLUG}/villkor?version=2").get_data(as_text=True)
    assert "Helt ny rubrik" in new
    back_office = client.get(f"/admin/kundval/{SLUG}/villkor/1")
    assert back_office.status_code == 200 and old_title in back_office.get_data(as_text=True)
    assert rulebook_snapshot(fresh_app, 1) == first


def test_the_date_of_a_future_version_can_be_moved_but_not_before_the_previous_one(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    assert new_version(client).status_code == 303
    path = f"/admin/kundval/{SLUG}/villkor/2/uppgifter"
    data = {"csrf_token": token(client), "diarienummer": "UBN 2026/1000", "rubrik_sv": "Nya villkor", "rubrik_en": ""}
    assert client.post(path, data={**data, "giltig_fran": "2020-01-01"}).status_code == 400
    assert rulebook_snapshot(fresh_app, 2)["fields"][0] == FUTURE
    later = FUTURE + timedelta(days=31)
    assert client.post(path, data={**data, "giltig_fran": later.isoformat()}).status_code == 303
    assert rulebook_snapshot(fresh_app, 2)["fields"] == (later, "UBN 2026/1000", "Nya villkor", None)


# --- Who may do what -----------------------------------------------------------------------------------------

def test_an_officer_of_another_area_gets_403_on_every_read_and_write_and_nothing_changes(fresh_app):
    owner = signed_in(fresh_app, OFFICER_EDUCATION)
    assert new_version(owner).status_code == 303
    texts, first, second = area_texts(fresh_app), rulebook_snapshot(fresh_app, 1), rulebook_snapshot(fresh_app, 2)
    norm_id = second["norms"][0][0]
    base = f"/admin/kundval/{SLUG}"

    other = signed_in(fresh_app, OFFICER_CARE)
    csrf = csrf_token(other, "/admin/kundval")
    writes = {
        base: AREA_FORM,
        f"{base}/villkor/ny": {"giltig_fran": (FUTURE + timedelta(days=400)).isoformat(), "diarienummer": "X",
                               "rubrik_sv": "X"},
        f"{base}/villkor/2/uppgifter": {"giltig_fran": (FUTURE + timedelta(days=5)).isoformat(),
                                        "diarienummer": "X", "rubrik_sv": "X"},
        f"{base}/villkor/2/normer/{norm_id}": norm_form(rubrik_sv="Kapad"),
        f"{base}/villkor/2/kapitel/1/ny-norm": norm_form(),
        f"{base}/villkor/2/normer/{norm_id}/ta-bort": {},
        f"{base}/villkor/2/kapitel/nytt": {"rubrik_sv": "Kapat kapitel"},
    }
    for path, data in writes.items():
        assert other.post(path, data={"csrf_token": csrf, **data}).status_code == 403, path
        assert other.get(path).status_code == 403, path
    for path in (f"{base}/villkor", f"{base}/villkor/1", f"{base}/villkor/2"):
        assert other.get(path).status_code == 403, path
    assert area_texts(fresh_app) == texts
    assert rulebook_snapshot(fresh_app, 1) == first and rulebook_snapshot(fresh_app, 2) == second
    assert rulebook_count(fresh_app) == 2
    # The area list shows only the officer's own areas.
    listing = other.get("/admin/kundval").get_data(as_text=True)
    assert 'href="/admin/kundval/hemtjanst"' in listing and f'href="{base}"' not in listing


def test_an_administrator_manages_every_area(fresh_app):
    client = signed_in(fresh_app, ADMIN)
    listing = client.get("/admin/kundval").get_data(as_text=True)
    assert listing.count('<th scope="row"><a href="/admin/kundval/') == 25
    response = client.post("/admin/kundval/hemtjanst", data={"csrf_token": token(client), **{
        **AREA_FORM, "namn_sv": "Hemtjänst i hemmet"}})
    assert response.status_code == 303
    assert area_texts(fresh_app, "hemtjanst")["name_sv"] == "Hemtjänst i hemmet"


def test_a_post_without_csrf_token_is_refused(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    texts = area_texts(fresh_app)
    assert client.post(f"/admin/kundval/{SLUG}", data=AREA_FORM).status_code == 400
    assert client.post(f"/admin/kundval/{SLUG}", data={**AREA_FORM, "csrf_token": "forged"}).status_code == 400
    assert new_version_without_token(client).status_code == 400
    assert area_texts(fresh_app) == texts
    assert rulebook_count(fresh_app) == 1


def new_version_without_token(client: FlaskClient):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/kundval/{SLUG}/villkor/ny", data={
        "giltig_fran": FUTURE.isoformat(), "diarienummer": "X", "rubrik_sv": "X"})


def test_unknown_areas_versions_norms_and_chapters_are_404(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    assert new_version(client).status_code == 303
    with fresh_app.app_context():
        norm_of_version_one = db.session.scalar(select(Norm.id).join(Rulebook).join(Area).where(
            Area.slug == SLUG, Rulebook.version == 1).limit(1))
        chapters = db.session.scalar(select(func.count()).select_from(RulebookChapter).join(Rulebook).join(Area)
                                     .where(Area.slug == SLUG, Rulebook.version == 2))
    for path in ("/admin/kundval/finns-inte", f"/admin/kundval/{SLUG}/villkor/9",
                 f"/admin/kundval/{SLUG}/villkor/2/normer/{norm_of_version_one}",
                 f"/admin/kundval/{SLUG}/villkor/2/kapitel/{chapters + 1}/ny-norm"):
        assert client.get(path).status_code == 404, path


def test_the_back_office_pages_render_for_the_officer(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    assert new_version(client).status_code == 303
    for path in ("/admin/kundval", f"/admin/kundval/{SLUG}", f"/admin/kundval/{SLUG}/villkor",
                 f"/admin/kundval/{SLUG}/villkor/ny", f"/admin/kundval/{SLUG}/villkor/1",
                 f"/admin/kundval/{SLUG}/villkor/2", f"/admin/kundval/{SLUG}/villkor/2/uppgifter",
                 f"/admin/kundval/{SLUG}/villkor/2/kapitel/nytt", f"/admin/kundval/{SLUG}/villkor/2/kapitel/1/ny-norm"):
        assert client.get(path).status_code == 200, path  # and the HTML checks pass
