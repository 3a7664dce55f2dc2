"""The audit log in the back office: every write through the catalogue pages is logged with before/after and
the actor; the global log (administrators only) is newest first, paginated and filterable; entity histories
with access by area; and no route changes or deletes an event."""

from __future__ import annotations

import html as html_module
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Action, Area, Assessment, AuditEvent, Authorisation, FollowUp, Norm, Provider, Rulebook, Unit, User,
)
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
    return csrf_token(client, "/admin/")


def event_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def events(app: Flask, entity_type: str, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.entity_type == entity_type).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def cells(html: str) -> list[tuple[str, str, str]]:
    """The (field, before, after) rows of the change tables on a page, as text ("" where a value is empty)."""
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>', html, re.S)

    def plain(text: str) -> str:
        text = re.sub(r'<span class="missing">.*?</span>', "", text)
        return html_module.unescape(re.sub(r"<[^>]+>", "", text)).strip()

    return [(plain(a), plain(b), plain(c)) for a, b, c in rows]


def heading_count(html: str) -> int:
    """The number of events the log says it found."""
    return int(re.search(r"<h2>(\d+) (?:händelser|händelse|events|event)</h2>", html).group(1))


def make_catalogue_changes(app: Flask) -> dict[str, int]:
    """Through the pages, as the education officer: area texts, a new version, a changed, an added and a
    retired norm, a new chapter and the version's details."""
    client = signed_in(app, OFFICER_EDUCATION)
    csrf = token(client)
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == SLUG))
        form = {"namn_sv": "Förskolan i kommunen", "namn_en": area.name_en, "malgrupp_sv": area.target_group_sv,
                "malgrupp_en": area.target_group_en, "beskrivning_sv": area.description_sv,
                "beskrivning_en": area.description_en, "lagstod_sv": area.legal_basis_sv,
                "lagstod_en": area.legal_basis_en}
        area_id = area.id
    assert client.post(f"/admin/kundval/{SLUG}", data={"csrf_token": csrf, **form}).status_code == 303
    assert client.post(f"/admin/kundval/{SLUG}/villkor/ny", data={
        "csrf_token": csrf, "giltig_fran": FUTURE.isoformat(), "diarienummer": "UBN 2026/0500",
        "rubrik_sv": "Villkor 2028"}).status_code == 303
    with app.app_context():
        rulebook = db.session.scalar(select(Rulebook).where(Rulebook.area_id == area_id, Rulebook.version == 2))
        changed, retired = rulebook.norms[0], rulebook.norms[1]
        ids = {"area": area_id, "rulebook": rulebook.id, "changed": changed.id, "retired": retired.id}
        norm_data = {"rubrik_sv": "Ny rubrik på normen", "rubrik_en": changed.title_en,
                     "krav_sv": changed.requirement_sv, "krav_en": changed.requirement_en,
                     "anvisning_sv": changed.guidance_sv, "anvisning_en": changed.guidance_en}
    base = f"/admin/kundval/{SLUG}/villkor/2"
    assert client.post(f"{base}/normer/{ids['changed']}", data={"csrf_token": csrf, **norm_data}).status_code == 303
    added = client.post(f"{base}/kapitel/1/ny-norm", data={
        "csrf_token": csrf, "rubrik_sv": "Tillagd norm", "krav_sv": "Ett nytt krav.", "anvisning_sv": "Så här."})
    assert added.status_code == 303
    ids["added"] = int(added.headers["Location"].rsplit("#norm-", 1)[1])
    assert client.post(f"{base}/normer/{ids['retired']}/ta-bort", data={"csrf_token": csrf}).status_code == 303
    assert client.post(f"{base}/kapitel/nytt", data={"csrf_token": csrf, "rubrik_sv": "Nytt kapitel"}).status_code == 303
    assert client.post(f"{base}/uppgifter", data={
        "csrf_token": csrf, "giltig_fran": FUTURE.isoformat(), "diarienummer": "UBN 2026/0501",
        "rubrik_sv": "Villkor 2028"}).status_code == 303
    return ids


def test_every_catalogue_write_is_logged_with_before_after_and_the_actor(fresh_app):
    ids = make_catalogue_changes(fresh_app)
    officer = user_id(fresh_app, OFFICER_EDUCATION)

    def only(found: list[AuditEvent]) -> AuditEvent:
        assert len(found) == 1, found
        assert found[0].actor == OFFICER_EDUCATION and found[0].user_id == officer
        return found[0]

    area = only([e for e in events(fresh_app, "area", "update") if e.entity_id == ids["area"]])
    assert area.changes == {"name_sv": {"old": "Förskola", "new": "Förskolan i kommunen"}}
    rulebook = only([e for e in events(fresh_app, "rulebook", "insert") if e.entity_id == ids["rulebook"]])
    assert rulebook.changes["version"] == 2 and rulebook.changes["decision_reference"] == "UBN 2026/0500"
    details = only([e for e in events(fresh_app, "rulebook", "update") if e.entity_id == ids["rulebook"]])
    assert details.changes == {"decision_reference": {"old": "UBN 2026/0500", "new": "UBN 2026/0501"}}
    norm_updates = [e for e in events(fresh_app, "norm", "update") if e.entity_id == ids["changed"]]
    assert any(e.changes.get("title_sv", {}).get("new") == "Ny rubrik på normen" for e in norm_updates)
    assert all(e.actor == OFFICER_EDUCATION for e in norm_updates)
    added = only([e for e in events(fresh_app, "norm", "insert") if e.entity_id == ids["added"]])
    assert added.changes["title_sv"] == "Tillagd norm" and added.changes["code"].startswith("1.")
    retired = only([e for e in events(fresh_app, "norm", "delete") if e.entity_id == ids["retired"]])
    assert retired.changes["rulebook_id"] == ids["rulebook"] and retired.changes["title_sv"]
    chapter = only([e for e in events(fresh_app, "rulebook_chapter", "insert")
                    if e.changes.get("title_sv") == "Nytt kapitel"])
    assert chapter.changes["rulebook_id"] == ids["rulebook"]

    # The administrator's log shows the actor and the values before and after in a table.
    admin = signed_in(fresh_app, ADMIN)
    page = admin.get("/admin/handelser?typ=area").get_data(as_text=True)
    assert any(b == "Förskola" and a == "Förskolan i kommunen" for _, b, a in cells(page))
    assert OFFICER_EDUCATION in page
    assert f'href="/admin/handelser/area/{ids["area"]}"' in page
    page = admin.get(f"/admin/handelser?typ=norm&vem={OFFICER_EDUCATION}").get_data(as_text=True)
    rows = cells(page)
    assert any(a == "Ny rubrik på normen" and b for _, b, a in rows)
    assert any(a == "Tillagd norm" and b == "" for _, b, a in rows)  # created: nothing before
    assert any(b and a == "" for _, b, a in rows)                   # retired: nothing after


def test_the_log_is_newest_first_paginated_and_filterable(fresh_app):
    make_catalogue_changes(fresh_app)
    admin = signed_in(fresh_app, ADMIN)
    with fresh_app.app_context():
        newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        newest_link = f'href="/admin/handelser/{newest.entity_type}/{newest.entity_id}"'
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
        norm_events = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                        .where(AuditEvent.entity_type == "norm"))
    assert total > fresh_app.config["PAGE_SIZE"]
    first = admin.get("/admin/handelser").get_data(as_text=True)
    links = re.findall(r'href="(/admin/handelser/[a-z_]+/\d+)"', first)
    assert newest_link == f'href="{links[0]}"'
    assert heading_count(first) == total
    second = admin.get("/admin/handelser?sida=2").get_data(as_text=True)
    assert 'aria-current="page"' in second and re.findall(r'href="(/admin/handelser/[a-z_]+/\d+)"', second)

    only_norms = admin.get("/admin/handelser?typ=norm").get_data(as_text=True)
    assert heading_count(only_norms) == norm_events
    assert {link.split("/")[3] for link in re.findall(r'href="(/admin/handelser/[a-z_]+/\d+)"', only_norms)} == {"norm"}

    by_admin = admin.get("/admin/handelser?vem=admin%40demo").get_data(as_text=True)
    assert OFFICER_EDUCATION not in by_admin.split("<h2>", 1)[1]

    today = datetime.now(ZoneInfo(fresh_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    todays = admin.get(f"/admin/handelser?typ=norm&fran={today}&till={today}").get_data(as_text=True)
    assert heading_count(todays) == norm_events
    yesterday = today - timedelta(days=1)
    none = admin.get(f"/admin/handelser?typ=norm&till={yesterday}").get_data(as_text=True)
    assert "/admin/handelser/norm/" not in none

    wrong = admin.get(f"/admin/handelser?fran={today}&till={yesterday}")
    assert wrong.status_code == 400 and 'class="error-summary"' in wrong.get_data(as_text=True)
    assert admin.get("/admin/handelser?fran=31-12-2026").status_code == 400


def test_officers_get_403_on_the_global_log(fresh_app):
    for email in (OFFICER_EDUCATION, OFFICER_CARE):
        assert signed_in(fresh_app, email).get("/admin/handelser").status_code == 403
    assert signed_in(fresh_app, ADMIN).get("/admin/handelser").status_code == 200
    assert fresh_app.test_client().get("/admin/handelser").status_code == 302  # sign in first


def test_entity_histories_and_who_may_see_them(fresh_app):
    ids = make_catalogue_changes(fresh_app)
    education = signed_in(fresh_app, OFFICER_EDUCATION)
    care = signed_in(fresh_app, OFFICER_CARE)
    admin = signed_in(fresh_app, ADMIN)

    area_history = education.get(f"/admin/handelser/area/{ids['area']}")
    assert area_history.status_code == 200
    assert ("Förskola", "Förskolan i kommunen") in [(b, a) for _, b, a in cells(area_history.get_data(as_text=True))]
    retired = education.get(f"/admin/handelser/norm/{ids['retired']}")  # gone, but its history stays
    assert retired.status_code == 200
    assert any(field and before and after == "" for field, before, after in cells(retired.get_data(as_text=True)))
    for path in (f"/admin/handelser/area/{ids['area']}", f"/admin/handelser/rulebook/{ids['rulebook']}",
                 f"/admin/handelser/norm/{ids['changed']}", f"/admin/handelser/norm/{ids['retired']}"):
        assert education.get(path).status_code == 200, path
        assert admin.get(path).status_code == 200, path
        assert care.get(path).status_code == 403, path

    with fresh_app.app_context():
        area_id = ids["area"]
        education_areas = set(db.session.scalars(select(Area.id).where(Area.slug.in_((
            "forskola", "pedagogisk-omsorg", "fritidshem", "forskoleklass", "grundskola", "anpassad-grundskola",
            "gymnasieskola", "anpassad-gymnasieskola")))))
        care_areas = set(db.session.scalars(select(Area.id).where(Area.slug.in_((
            "hemtjanst", "ledsagning", "avlosning", "sarskilt-boende-for-aldre", "dagverksamhet-for-aldre",
            "boendestod", "oppenvardsinsatser-vid-missbruk", "daglig-verksamhet-lss", "korttidsvistelse-lss",
            "bostad-med-sarskild-service-for-vuxna-lss")))))

        def provider_areas(provider: Provider) -> set[int]:
            return {a.area_id for u in provider.units for a in u.authorisations}

        unit = next(u for u in db.session.scalars(select(Unit).join(Authorisation).where(
            Authorisation.area_id == area_id).order_by(Unit.id)) if provider_areas(u.provider) <= education_areas)
        authorisation = next(a for a in unit.authorisations if a.area_id == area_id)
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.area_id == area_id).limit(1))
        assessment = db.session.scalar(select(Assessment).where(Assessment.follow_up_id == follow_up.id).limit(1))
        action = db.session.scalar(select(Action).join(FollowUp).where(FollowUp.area_id == area_id).limit(1))
        care_provider = next(p for p in db.session.scalars(select(Provider).order_by(Provider.id))
                             if provider_areas(p) and provider_areas(p) <= care_areas)
        entities = {"unit": unit.id, "provider": unit.provider_id, "authorisation": authorisation.id,
                    "follow_up": follow_up.id, "assessment": assessment.id, "action": action.id}
        care_entities = {"provider": care_provider.id, "area": db.session.scalar(
            select(Area.id).where(Area.slug == "hemtjanst"))}
        admin_id = db.session.scalar(select(User.id).where(User.email == ADMIN))
    for entity_type, entity_id in entities.items():
        path = f"/admin/handelser/{entity_type}/{entity_id}"
        assert education.get(path).status_code == 200, path
        assert care.get(path).status_code == 403, path
        assert admin.get(path).status_code == 200, path
    for entity_type, entity_id in care_entities.items():
        path = f"/admin/handelser/{entity_type}/{entity_id}"
        assert care.get(path).status_code == 200, path
        assert education.get(path).status_code == 403, path
    # Anything else is for administrators only.
    assert education.get(f"/admin/handelser/user/{admin_id}").status_code == 403
    admin_history = admin.get(f"/admin/handelser/user/{admin_id}")
    assert admin_history.status_code == 200 and "last_login_at" in admin_history.get_data(as_text=True)
    assert admin.get("/admin/handelser/norm/999999").status_code == 404
    assert admin.get("/admin/handelser/Not-a-table/1").status_code == 404


def test_the_history_is_shown_on_the_area_and_rulebook_pages(fresh_app):
    ids = make_catalogue_changes(fresh_app)
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    area_page = client.get(f"/admin/kundval/{SLUG}").get_data(as_text=True)
    assert 'class="history"' in area_page
    assert ("Förskola", "Förskolan i kommunen") in [(b, a) for _, b, a in cells(area_page)]
    assert OFFICER_EDUCATION in area_page.split('class="history"', 1)[1]
    rulebook_page = client.get(f"/admin/kundval/{SLUG}/villkor/2").get_data(as_text=True)
    history = rulebook_page.split('class="history"', 1)[1]
    rows = cells(history)
    assert any(a == "Ny rubrik på normen" for _, _, a in rows)
    assert any(a == "Tillagd norm" for _, _, a in rows)
    assert any(b == "UBN 2026/0500" and a == "UBN 2026/0501" for _, b, a in rows)
    assert f'href="/admin/handelser/norm/{ids["retired"]}"' in history  # the retired norm's history too


def test_no_route_changes_or_deletes_audit_events(fresh_app):
    ids = make_catalogue_changes(fresh_app)
    admin = signed_in(fresh_app, ADMIN)
    csrf = token(admin)
    with fresh_app.app_context():
        first_event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id).limit(1))
        kept = (first_event.id, first_event.actor, first_event.action, first_event.changes)
    before = event_count(fresh_app)
    paths = ["/admin/handelser", f"/admin/handelser/area/{ids['area']}", f"/admin/handelser/audit_event/{kept[0]}",
             f"/admin/handelser/{kept[0]}"]
    for path in paths:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = admin.open(path, method=method, data={"csrf_token": csrf, "actor": "someone else"})
            assert response.status_code in (404, 405), (method, path, response.status_code)
    assert event_count(fresh_app) == before
    with fresh_app.app_context():
        event = db.session.get(AuditEvent, kept[0])
        assert (event.id, event.actor, event.action, event.changes) == kept
    # No route under /admin/handelser accepts anything but reading.
    for rule in fresh_app.url_map.iter_rules():
        if rule.rule.startswith("/admin/handelser"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_a_new_norm_has_only_its_own_history_even_where_the_database_reuses_ids(fresh_app):
    client = signed_in(fresh_app, OFFICER_EDUCATION)
    csrf = token(client)
    assert client.post(f"/admin/kundval/{SLUG}/villkor/ny", data={
        "csrf_token": csrf, "giltig_fran": FUTURE.isoformat(), "diarienummer": "UBN 2026/0502",
        "rubrik_sv": "Villkor"}).status_code == 303
    with fresh_app.app_context():
        last = db.session.scalar(select(Norm).join(Rulebook).join(Area).where(Area.slug == SLUG, Rulebook.version == 2)
                                 .order_by(Norm.id.desc()).limit(1))
        last_id, chapter = last.id, last.chapter.number
    base = f"/admin/kundval/{SLUG}/villkor/2"
    assert client.post(f"{base}/normer/{last_id}/ta-bort", data={"csrf_token": csrf}).status_code == 303
    added = client.post(f"{base}/kapitel/{chapter}/ny-norm", data={
        "csrf_token": csrf, "rubrik_sv": "Ersättare", "krav_sv": "Krav.", "anvisning_sv": "Anvisning."})
    new_id = int(added.headers["Location"].rsplit("#norm-", 1)[1])
    page = client.get(f"/admin/handelser/norm/{new_id}").get_data(as_text=True)
    assert page.count('<li class="audit-event">') == 1
    assert ("Rubrik (svenska)" in page or "Title (Swedish)" in page) and "Ersättare" in page
