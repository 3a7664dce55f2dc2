"""Officers review providers' profile changes in the back office: the readable diff, approve (published at
once, searchable, audited) or reject with a reason, conflicts with what was published meanwhile, and only
the officers of the unit's areas."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import AuditEvent, ProfileRevision, RevisionStatus, Unit, User
from tests.conftest import EDITOR, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in
from tests.test_providers_portal import (
    EDITOR_CARE, area_id, form_data, notices, profile_path, propose, provider_of, revisions_of, swedish, text,
    unit_in, unit_snapshot, unit_without_pending,
)


def review_page(client: FlaskClient, revision_id: int) -> tuple[str, str, str]:
    """The review page's HTML, its CSRF token and the proposal's version."""
    page = client.get(f"/admin/profilandringar/{revision_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', page)
    return page, token.group(1) if token else "", version.group(1) if version else ""


def review(client: FlaskClient, revision_id: int, decision: str, reason: str = "", version: str | None = None):  # type: ignore[no-untyped-def]
    _, token, shown_version = review_page(client, revision_id)
    return client.post(f"/admin/profilandringar/{revision_id}", data={
        "csrf_token": token, "version": shown_version if version is None else version, "beslut": decision,
        "motivering": reason})


def _proposed(fresh_app, email: str = EDITOR, **changes: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """An editor proposes ``changes`` to a unit without pending changes: (unit id, revision id)."""
    client = fresh_app.test_client()
    sign_in(client, email)
    with fresh_app.app_context():
        unit_id = unit_without_pending(email).id
    assert propose(client, unit_id, **changes).status_code == 303
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
        return unit_id, revision.id


def test_officers_see_the_pending_changes_of_their_own_areas(fresh_app):
    care_unit, care_revision = _proposed(fresh_app, EDITOR_CARE, telefon="08-555 300 00")
    with fresh_app.app_context():
        school = [r.id for r in db.session.scalars(select(ProfileRevision).join(Unit).where(
            Unit.provider_id == provider_of(EDITOR).id, ProfileRevision.status == RevisionStatus.PENDING))]
    education = fresh_app.test_client()
    sign_in(education, OFFICER_EDUCATION)
    page = text(education.get("/admin/profilandringar"))
    listed = {int(i) for i in re.findall(r'href="/admin/profilandringar/(\d+)"', page)}
    assert set(school) <= listed and care_revision not in listed
    care = fresh_app.test_client()
    sign_in(care, OFFICER_CARE)
    listed = {int(i) for i in re.findall(r'href="/admin/profilandringar/(\d+)"', text(care.get("/admin/profilandringar")))}
    assert care_revision in listed and not set(school) & listed
    # the menu leads there
    assert 'href="/admin/profilandringar"' in text(care.get("/admin/"))


def test_the_review_page_shows_a_readable_diff(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 123 99", lediga_platser="2")
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    page, _, version = review_page(client, revision_id)
    page = re.sub(r"\s+", " ", page)
    with fresh_app.app_context():
        unit = db.session.get(Unit, unit_id)
        old_phone = unit.phone
    assert f'<th scope="row">{swedish(fresh_app, "Phone")}</th>' in page
    assert f'<th scope="row">{swedish(fresh_app, "Free places")}</th>' in page
    assert old_phone in page and "08-555 123 99" in page
    assert f'<th scope="row">{swedish(fresh_app, "E-mail")}</th>' not in page  # only what changed
    assert version


def test_approving_publishes_the_change_searchably_and_is_audited(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    with fresh_app.app_context():
        unit = unit_without_pending(EDITOR)
        unit_id, slug, old_text = unit.id, unit.slug, unit.description_sv
        officer_id = db.session.scalar(select(User.id).where(User.email == OFFICER_EDUCATION))
    assert 'href="/enheter/' + slug not in text(client.get("/sok?q=tipspromenaden"))
    new_text = old_text + " Varje höst ordnar vi tipspromenaden runt sjön för hela familjen."
    propose(client, unit_id, beskrivning_sv=new_text)
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    page, _, _ = review_page(officer, revision.id)
    assert "<ins>" in page and "tipspromenaden" in page  # the added words are marked
    response = review(officer, revision.id, "godkann")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/profilandringar"
    assert swedish(fresh_app, "The change is approved and published on the unit's page.") in notices(
        officer, "/admin/profilandringar")
    with fresh_app.app_context():
        assert unit_snapshot(unit_id)["description_sv"] == new_text
        revision = db.session.get(ProfileRevision, revision.id)
        assert revision.status is RevisionStatus.APPROVED and revision.reviewed_by_id == officer_id
        assert revision.reviewed_at is not None
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.actor == OFFICER_EDUCATION)))
        unit_event = next(e for e in events if e.entity_type == "unit" and e.entity_id == unit_id)
        assert unit_event.changes["description_sv"] == {"old": old_text, "new": new_text}
        revision_event = next(e for e in events if e.entity_type == "profile_revision" and e.entity_id == revision.id)
        assert revision_event.changes["status"] == {"old": "pending", "new": "approved"}
    assert "tipspromenaden runt sjön" in text(client.get(f"/enheter/{slug}"))
    assert f'href="/enheter/{slug}"' in text(client.get("/sok?q=tipspromenaden"))
    assert swedish(fresh_app, "Approved and published") in text(client.get(f"/anordnare-portal/enheter/{unit_id}"))


def test_rejecting_needs_a_reason_and_the_provider_sees_it(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 444 55")
    with fresh_app.app_context():
        before = unit_snapshot(unit_id)
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    response = review(officer, revision_id, "avsla", reason="  ")
    assert response.status_code == 400
    page = text(response)
    assert "<title>Fel: " in page
    assert swedish(fresh_app, "Say why the change is rejected; the provider will see it.") in page
    with fresh_app.app_context():
        assert db.session.get(ProfileRevision, revision_id).status is RevisionStatus.PENDING
    response = review(officer, revision_id, "avsla", reason="Numret går till en privatperson.")
    assert response.status_code == 303
    with fresh_app.app_context():
        revision = db.session.get(ProfileRevision, revision_id)
        assert revision.status is RevisionStatus.REJECTED
        assert revision.review_reason == "Numret går till en privatperson."
        assert unit_snapshot(unit_id) == before
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    page = text(provider.get(f"/anordnare-portal/enheter/{unit_id}"))
    assert swedish(fresh_app, "Rejected") in page and "Numret går till en privatperson." in page


def test_a_field_changed_since_the_proposal_is_not_overwritten(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 600 00", oppettider_sv="Måndag–fredag 7–17")
    with fresh_app.app_context():
        unit = db.session.get(Unit, unit_id)
        unit.phone = "08-555 999 99"  # an officer changed the number in the back office meanwhile
        db.session.commit()
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    page = text(officer.get(f"/admin/profilandringar/{revision_id}"))
    assert swedish(fresh_app, "Changed since it was proposed. Published now:") in page and "08-555 999 99" in page
    response = review(officer, revision_id, "godkann")
    assert response.status_code == 303
    assert any(swedish(fresh_app, "Phone") in n for n in notices(officer, "/admin/profilandringar"))
    with fresh_app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.phone == "08-555 999 99" and unit.opening_hours_sv == "Måndag–fredag 7–17"
        revision = db.session.get(ProfileRevision, revision_id)
        assert revision.status is RevisionStatus.APPROVED
        assert revision.changes["phone"]["not_applied"] is True and "not_applied" not in revision.changes["opening_hours_sv"]
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    assert swedish(fresh_app, "Not published: the published value had been changed before the review, to:") in text(
        provider.get(f"/anordnare-portal/andringar/{revision_id}"))


def test_a_change_whose_every_field_conflicts_cannot_be_approved(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 600 01")
    with fresh_app.app_context():
        db.session.get(Unit, unit_id).phone = "08-555 999 98"
        db.session.commit()
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    response = review(officer, revision_id, "godkann")
    assert response.status_code == 409
    assert swedish(fresh_app, "Every field of this change has been changed since the provider proposed it, so none "
                              "can be approved. Reject it with a reason; the provider can propose again from the "
                              "published profile.") in text(response)
    with fresh_app.app_context():
        assert db.session.get(ProfileRevision, revision_id).status is RevisionStatus.PENDING
        assert db.session.get(Unit, unit_id).phone == "08-555 999 98"


def test_a_proposal_changed_after_the_officer_opened_it_is_not_approved_unseen(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 600 02")
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    _, token, version = review_page(officer, revision_id)
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    propose(provider, unit_id, telefon="08-555 600 03")
    with fresh_app.app_context():
        before = unit_snapshot(unit_id)
    response = officer.post(f"/admin/profilandringar/{revision_id}", data={
        "csrf_token": token, "version": version, "beslut": "godkann"})
    assert response.status_code == 409
    assert swedish(fresh_app, "The provider changed the proposal after you opened it. Review it again.") in text(response)
    with fresh_app.app_context():
        assert unit_snapshot(unit_id) == before
        assert db.session.get(ProfileRevision, revision_id).status is RevisionStatus.PENDING
    assert review(officer, revision_id, "godkann").status_code == 303  # reviewed again, as shown now
    with fresh_app.app_context():
        assert db.session.get(Unit, unit_id).phone == "08-555 600 03"


def test_a_reviewed_change_cannot_be_reviewed_again(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 600 04")
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    _, token, version = review_page(officer, revision_id)
    data = {"csrf_token": token, "version": version, "beslut": "godkann"}
    assert officer.post(f"/admin/profilandringar/{revision_id}", data=data).status_code == 303
    response = officer.post(f"/admin/profilandringar/{revision_id}", data={**data, "beslut": "avsla",
                                                                          "motivering": "Fel."})
    assert response.status_code == 409
    assert swedish(fresh_app, "This change has already been reviewed.") in text(response)
    with fresh_app.app_context():
        assert db.session.get(ProfileRevision, revision_id).status is RevisionStatus.APPROVED


def test_officers_of_other_areas_get_403_and_nothing_changes(fresh_app):
    unit_id, revision_id = _proposed(fresh_app, telefon="08-555 600 05")
    with fresh_app.app_context():
        before = unit_snapshot(unit_id)
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_CARE)
    assert officer.get(f"/admin/profilandringar/{revision_id}").status_code == 403
    token = csrf_token(officer, "/admin/")
    assert officer.post(f"/admin/profilandringar/{revision_id}", data={
        "csrf_token": token, "beslut": "godkann", "version": ""}).status_code == 403
    assert officer.get("/admin/profilandringar/999999").status_code == 404
    with fresh_app.app_context():
        assert db.session.get(ProfileRevision, revision_id).status is RevisionStatus.PENDING
        assert unit_snapshot(unit_id) == before


def test_an_area_change_is_applied_to_that_area_only(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR_CARE)
    with fresh_app.app_context():
        unit = unit_in(EDITOR_CARE, "hemtjanst", also="ledsagning")
        unit_id, home_care = unit.id, area_id("hemtjanst")
        before = unit_snapshot(unit_id)
        night = unit.attribute_values(home_care).get("natt", [])
    wanted = "false" if night == ["true"] else "true"
    propose(client, unit_id, **{"profil-hemtjanst-natt": wanted})
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
        assert revision.area_id == home_care
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_CARE)
    assert review(officer, revision.id, "godkann").status_code == 303
    with fresh_app.app_context():
        after = unit_snapshot(unit_id)
        changed = set(after["attributes"]) ^ set(before["attributes"])
        assert {key for _, key, _ in changed} == {"natt"}
        assert (home_care, "natt", wanted) in after["attributes"]
        assert {k: v for k, v in after.items() if k != "attributes"} == {k: v for k, v in before.items()
                                                                         if k != "attributes"}
    assert form_data(client, profile_path(unit_id))["profil-hemtjanst-natt"] == wanted
