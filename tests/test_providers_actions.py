"""Required actions of published follow-ups: the provider answers (what was done, when), the officer accepts
or returns with a comment, the provider sees the comment and answers again."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import Action, ActionStatus, AuditEvent, FollowUp, FollowUpStatus, Unit
from tests.conftest import EDITOR, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in
from tests.test_providers_portal import EDITOR_CARE, notices, provider_of, swedish, text


def open_action(email: str, status: FollowUpStatus = FollowUpStatus.PUBLISHED) -> Action:
    """An open action of a current follow-up (published by default) of one of the editor's units."""
    return db.session.scalar(
        select(Action).join(FollowUp).join(Unit, Unit.id == FollowUp.unit_id)
        .where(Unit.provider_id == provider_of(email).id, FollowUp.status == status,
               FollowUp.superseded_at.is_(None), Action.status == ActionStatus.OPEN)
        .order_by(Action.id))


def answer(client: FlaskClient, action_id: int, response: str, done_on: str):  # type: ignore[no-untyped-def]
    path = f"/anordnare-portal/atgarder/{action_id}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "vad_gjordes": response, "datum": done_on})


def decide(client: FlaskClient, action_id: int, decision: str, comment: str = ""):  # type: ignore[no-untyped-def]
    path = f"/admin/atgardssvar/{action_id}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "beslut": decision, "kommentar": comment})


def state(action_id: int) -> tuple[ActionStatus, str | None, date | None, str | None]:
    db.session.expire_all()
    action = db.session.get(Action, action_id)
    return action.status, action.response, action.responded_on, action.review_comment


def test_answer_return_answer_again_and_accept(fresh_app):
    today = date.today()
    with fresh_app.app_context():
        action = open_action(EDITOR)
        action_id, unit_id, description = action.id, action.follow_up.unit_id, action.description
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    start = text(provider.get("/anordnare-portal/"))
    assert f'href="/anordnare-portal/atgarder/{action_id}"' in start  # on the to-do list
    page = text(provider.get(f"/anordnare-portal/atgarder/{action_id}"))
    assert description in page and 'name="vad_gjordes"' in page

    response = answer(provider, action_id, "Rutinen för klagomål är framtagen och skickad till alla familjer.",
                      today.isoformat())
    assert response.status_code == 303 and response.headers["Location"] == f"/anordnare-portal/enheter/{unit_id}#uppfoljningar"
    with fresh_app.app_context():
        assert state(action_id) == (ActionStatus.ANSWERED, "Rutinen för klagomål är framtagen och skickad till alla "
                                                           "familjer.", today, None)
    assert 'name="vad_gjordes"' not in text(provider.get(f"/anordnare-portal/atgarder/{action_id}"))  # locked

    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    listed = text(officer.get("/admin/atgardssvar"))
    assert f'href="/admin/atgardssvar/{action_id}"' in listed
    assert "Rutinen för klagomål är framtagen" in text(officer.get(f"/admin/atgardssvar/{action_id}"))
    response = decide(officer, action_id, "aterforvisa", "")
    assert response.status_code == 400
    assert swedish(fresh_app, "Say what is missing; the provider will see the comment.") in text(response)
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.ANSWERED
    assert decide(officer, action_id, "aterforvisa", "Bifoga rutinen och visa hur den har spridits.").status_code == 303
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.RETURNED
        assert state(action_id)[3] == "Bifoga rutinen och visa hur den har spridits."

    page = text(provider.get(f"/anordnare-portal/enheter/{unit_id}"))
    assert "Bifoga rutinen och visa hur den har spridits." in page
    page = text(provider.get(f"/anordnare-portal/atgarder/{action_id}"))
    assert swedish(fresh_app, "Answer again") in page and "Bifoga rutinen" in page
    assert answer(provider, action_id, "Rutinen finns på vår webbplats och delades ut på föräldramötet.",
                  today.isoformat()).status_code == 303
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.ANSWERED

    assert decide(officer, action_id, "godkann").status_code == 303
    assert swedish(fresh_app, "The action is accepted as done.") in notices(officer, "/admin/atgardssvar")
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.ACCEPTED
        actors = {e.actor for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity_type == "action", AuditEvent.entity_id == action_id))}
        assert actors == {EDITOR, OFFICER_EDUCATION}
    # done: no form, and a posted answer changes nothing
    assert 'name="vad_gjordes"' not in text(provider.get(f"/anordnare-portal/atgarder/{action_id}"))
    response = answer(provider, action_id, "Ett nytt svar.", today.isoformat())
    assert response.status_code == 409
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.ACCEPTED and state(action_id)[1] != "Ett nytt svar."


def test_only_an_answered_action_can_be_accepted(fresh_app):
    with fresh_app.app_context():
        action_id = open_action(EDITOR).id
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    response = decide(officer, action_id, "godkann")
    assert response.status_code == 409
    assert swedish(fresh_app, "Only an answered action can be accepted or returned.") in text(response)
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.OPEN


def test_officers_of_other_areas_cannot_review_an_answer(fresh_app):
    with fresh_app.app_context():
        action_id = open_action(EDITOR).id
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    answer(provider, action_id, "Klart.", date.today().isoformat())
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_CARE)
    assert f'/admin/atgardssvar/{action_id}"' not in text(officer.get("/admin/atgardssvar"))
    assert officer.get(f"/admin/atgardssvar/{action_id}").status_code == 403
    token = csrf_token(officer, "/admin/")
    assert officer.post(f"/admin/atgardssvar/{action_id}", data={"csrf_token": token, "beslut": "godkann"}).status_code == 403
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.ANSWERED


def test_an_action_of_a_draft_follow_up_is_not_found(fresh_app):
    with fresh_app.app_context():
        action = open_action(EDITOR_CARE, FollowUpStatus.DRAFT)
        assert action is not None
        action_id = action.id
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR_CARE)
    assert provider.get(f"/anordnare-portal/atgarder/{action_id}").status_code == 404
    assert f"/atgarder/{action_id}\"" not in text(provider.get("/anordnare-portal/"))
    token = csrf_token(provider, "/anordnare-portal/")
    assert provider.post(f"/anordnare-portal/atgarder/{action_id}", data={
        "csrf_token": token, "vad_gjordes": "Klart.", "datum": date.today().isoformat()}).status_code == 404
    with fresh_app.app_context():
        assert state(action_id)[0] is ActionStatus.OPEN


def test_the_public_unit_page_shows_the_actions_status(fresh_app):
    with fresh_app.app_context():
        action = open_action(EDITOR)
        action_id, slug = action.id, action.follow_up.unit.slug
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    answer(provider, action_id, "Klart.", (date.today() - timedelta(days=1)).isoformat())
    page = text(provider.get(f"/enheter/{slug}"))
    assert re.search(swedish(fresh_app, "answered, awaiting review"), page)


def test_an_answer_given_while_a_correction_is_drafted_survives_its_publication(fresh_app):
    today = date.today()
    with fresh_app.app_context():
        action = open_action(EDITOR)
        action_id, follow_up_id = action.id, action.follow_up_id
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    old_path = f"/admin/uppfoljningar/{follow_up_id}"
    response = officer.post(f"{old_path}/rattelse", data={"csrf_token": csrf_token(officer, old_path),
                                                           "orsak": "Rättning av en bedömning."})
    assert response.status_code == 303
    new_path = response.headers["Location"]
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    assert answer(provider, action_id, "Åtgärden är genomförd under rättelsen.", today.isoformat()).status_code == 303
    response = officer.post(f"{new_path}/publicera", data={"csrf_token": csrf_token(officer, new_path)})
    assert response.status_code == 303
    with fresh_app.app_context():
        new_id = int(new_path.rsplit("/", 1)[1])
        current = db.session.get(FollowUp, new_id)
        assert current.superseded_at is None
        carried = [(a.status, a.response, a.responded_on) for a in current.actions
                   if a.response == "Åtgärden är genomförd under rättelsen."]
        assert carried == [(ActionStatus.ANSWERED, "Åtgärden är genomförd under rättelsen.", today)]
