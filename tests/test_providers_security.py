"""Security of the providers' portal: provider A asking for or posting to provider B's unit, change or action
(by changing ids in URLs or form fields) gets 404 and nothing changes; editors cannot reach the officers'
pages; officers and strangers cannot use the portal; signing out ends the session; every form needs CSRF."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import Action, ActionStatus, AuditEvent, FollowUp, FollowUpStatus, ProfileRevision, RevisionStatus, Unit
from tests.conftest import ADMIN, EDITOR, OFFICER_EDUCATION, csrf_token, sign_in
from tests.test_providers_portal import (
    EDITOR_CARE, form_data, profile_path, propose, provider_of, revisions_of, unit_snapshot, unit_without_pending,
)


def everything(app) -> tuple[int, list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    """What the database holds that these tests could change: audit events, revisions and actions."""
    with app.app_context():
        db.session.expire_all()
        events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type != "user"))
        revisions = [(r.id, r.status, str(r.changes), r.review_reason) for r in
                     db.session.scalars(select(ProfileRevision).order_by(ProfileRevision.id))]
        actions = [(a.id, a.status, a.response, a.responded_on, a.review_comment) for a in
                   db.session.scalars(select(Action).order_by(Action.id))]
        return events, revisions, actions


@pytest.fixture()
def b_objects(fresh_app):  # type: ignore[no-untyped-def]
    """Provider B's (the home-care editor's) unit, pending change and open action, made for the test."""
    client = fresh_app.test_client()
    sign_in(client, EDITOR_CARE)
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR_CARE).id
    assert propose(client, unit_id, telefon="08-555 800 00").status_code == 303
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
        action = db.session.scalar(
            select(Action).join(FollowUp).join(Unit, Unit.id == FollowUp.unit_id)
            .where(Unit.provider_id == provider_of(EDITOR_CARE).id, FollowUp.status == FollowUpStatus.PUBLISHED,
                   FollowUp.superseded_at.is_(None), Action.status == ActionStatus.OPEN).order_by(Action.id))
        return {"unit": unit_id, "revision": revision.id, "action": action.id}


def test_provider_a_gets_404_for_provider_b_and_nothing_changes(fresh_app, b_objects):
    a = fresh_app.test_client()
    sign_in(a, EDITOR)
    with fresh_app.app_context():
        a_unit = unit_without_pending(EDITOR).id
        b_unit_before = unit_snapshot(b_objects["unit"])
    token = csrf_token(a, "/anordnare-portal/")
    own_form = form_data(a, profile_path(a_unit))
    before = everything(fresh_app)
    unit, revision, action = b_objects["unit"], b_objects["revision"], b_objects["action"]
    for path in (f"/anordnare-portal/enheter/{unit}", profile_path(unit), f"/anordnare-portal/andringar/{revision}",
                 f"/anordnare-portal/atgarder/{action}"):
        assert a.get(path).status_code == 404, path
    # A's own, valid form sent to B's URLs
    assert a.post(profile_path(unit), data={**own_form, "beskrivning_sv": "Kapad text."}).status_code == 404
    assert a.post(f"/anordnare-portal/andringar/{revision}/aterta", data={"csrf_token": token}).status_code == 404
    assert a.post(f"/anordnare-portal/atgarder/{action}", data={
        "csrf_token": token, "vad_gjordes": "Kapat svar.", "datum": date.today().isoformat()}).status_code == 404
    # ids that do not exist look the same
    assert a.get("/anordnare-portal/enheter/999999").status_code == 404
    assert a.get("/anordnare-portal/andringar/999999").status_code == 404
    assert a.get("/anordnare-portal/atgarder/999999").status_code == 404
    assert everything(fresh_app) == before
    with fresh_app.app_context():
        assert unit_snapshot(unit) == b_unit_before


def test_ids_in_form_fields_do_not_reach_another_providers_objects(fresh_app, b_objects):
    a = fresh_app.test_client()
    sign_in(a, EDITOR)
    with fresh_app.app_context():
        a_unit = unit_without_pending(EDITOR).id
    data = {**form_data(a, profile_path(a_unit)), "telefon": "08-555 800 01",
            "unit_id": str(b_objects["unit"]), "enhet": str(b_objects["unit"]), "revision_id": str(b_objects["revision"]),
            "profil-hemtjanst-natt": "true", "profil-ledsagning-sena-kvallar": "true"}
    before_b = everything(fresh_app)[1]
    assert a.post(profile_path(a_unit), data=data).status_code == 303
    with fresh_app.app_context():
        [mine] = revisions_of(a_unit)
        assert mine.changes == {"phone": {"old": mine.changes["phone"]["old"], "new": "08-555 800 01"}}
        assert [r for r in everything(fresh_app)[1] if r[0] != mine.id] == before_b


def test_an_editor_cannot_reach_the_officers_pages(fresh_app, b_objects):
    editor = fresh_app.test_client()
    sign_in(editor, EDITOR_CARE)
    before = everything(fresh_app)
    for path in ("/admin/", "/admin/profilandringar", f"/admin/profilandringar/{b_objects['revision']}",
                 "/admin/atgardssvar", f"/admin/atgardssvar/{b_objects['action']}"):
        assert editor.get(path).status_code == 403, path
    token = csrf_token(editor, "/anordnare-portal/")
    assert editor.post(f"/admin/profilandringar/{b_objects['revision']}", data={
        "csrf_token": token, "beslut": "godkann", "version": ""}).status_code == 403
    assert editor.post(f"/admin/atgardssvar/{b_objects['action']}", data={
        "csrf_token": token, "beslut": "godkann"}).status_code == 403
    assert everything(fresh_app) == before
    with fresh_app.app_context():
        revision = db.session.get(ProfileRevision, b_objects["revision"])
        assert revision.status is RevisionStatus.PENDING


@pytest.mark.parametrize("email", [OFFICER_EDUCATION, ADMIN])
def test_officers_are_not_editors(demo_app, email):
    client = demo_app.test_client()
    sign_in(client, email)
    assert client.get("/anordnare-portal/").status_code == 403


def test_the_portal_asks_strangers_to_sign_in(client):
    response = client.get("/anordnare-portal/enheter/1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in?next=")


def test_signing_out_ends_the_session(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    assert client.get("/anordnare-portal/").status_code == 200
    response = client.post("/logga-ut", data={"csrf_token": csrf_token(client, "/anordnare-portal/")})
    assert response.status_code == 303
    response = client.get("/anordnare-portal/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR).id
    assert client.post(profile_path(unit_id), data={"beskrivning_sv": "Efter utloggning."}).status_code in (302, 400)
    with fresh_app.app_context():
        assert revisions_of(unit_id) == []


def test_every_form_needs_its_csrf_token(fresh_app, b_objects):
    editor = fresh_app.test_client()
    sign_in(editor, EDITOR_CARE)
    data = {k: v for k, v in form_data(editor, profile_path(b_objects["unit"])).items() if k != "csrf_token"}
    before = everything(fresh_app)
    assert editor.post(profile_path(b_objects["unit"]), data={**data, "telefon": "08-555 800 09"}).status_code == 400
    assert editor.post(f"/anordnare-portal/andringar/{b_objects['revision']}/aterta").status_code == 400
    assert editor.post(f"/anordnare-portal/atgarder/{b_objects['action']}", data={
        "vad_gjordes": "Klart.", "datum": date.today().isoformat()}).status_code == 400
    officer = fresh_app.test_client()
    sign_in(officer, "handlaggare.omsorg@demo.invalid")
    assert officer.post(f"/admin/profilandringar/{b_objects['revision']}", data={"beslut": "godkann"}).status_code == 400
    assert officer.post(f"/admin/atgardssvar/{b_objects['action']}", data={"beslut": "godkann"}).status_code == 400
    assert everything(fresh_app) == before
