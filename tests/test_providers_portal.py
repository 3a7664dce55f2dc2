"""The providers' portal through HTTP, checked in the database: an editor sees only its own provider's units,
proposes profile changes as pending revisions (only what changed, one for the shared facts and one per area),
and the public page does not change until an officer approves. Helpers here are shared by the other
test_providers_* files."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Area, Authorisation, AuthorisationStatus, FollowUp, FollowUpStatus, ProfileRevision, Provider, RevisionStatus, Role, Unit, User,
)
from tests.conftest import EDITOR, csrf_token, sign_in

EDITOR_CARE = "anordnare.omsorg@demo.invalid"  # editor of a home-care provider with units in two areas


def swedish(app: Flask, message: str, **variables: object) -> str:
    """``message`` as the Swedish interface shows it (its translation once the catalogue has it)."""
    with app.test_request_context(), force_locale("sv"):
        return gettext(message, **variables)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def notices(client: FlaskClient, path: str) -> list[str]:
    page = client.get(path).get_data(as_text=True)
    return [html.unescape(n).strip() for n in re.findall(r'<div class="notice[^"]*"[^>]*>(.*?)</div>', page, re.S)]


def provider_of(email: str) -> Provider:
    user = db.session.scalar(select(User).where(User.email == email))
    return next(m.provider for m in user.memberships if m.role is Role.EDITOR)


def units_of(email: str) -> list[Unit]:
    return sorted(provider_of(email).units, key=lambda u: u.id)


def unit_in(email: str, area_slug: str, also: str | None = None) -> Unit:
    """A unit of the editor's provider in the area (and, with ``also``, in that area too)."""
    for unit in units_of(email):
        slugs = {a.area.slug for a in unit.authorisations}
        if area_slug in slugs and (also is None or also in slugs):
            return unit
    raise AssertionError(f"no unit of {email} in {area_slug}")


def unit_without_pending(email: str, area_slug: str | None = None) -> Unit:
    """A unit of the editor's provider (in the area, if given) with no change waiting for review."""
    for unit in units_of(email):
        pending = db.session.scalar(select(func.count()).select_from(ProfileRevision).where(
            ProfileRevision.unit_id == unit.id, ProfileRevision.status == RevisionStatus.PENDING))
        if not pending and (area_slug is None or area_slug in {a.area.slug for a in unit.authorisations}):
            return unit
    raise AssertionError(f"every unit of {email} in {area_slug} has a pending change")


def area_id(slug: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.slug == slug))


def revisions_of(unit_id: int) -> list[ProfileRevision]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProfileRevision).where(ProfileRevision.unit_id == unit_id)
                                   .order_by(ProfileRevision.id)))


def unit_snapshot(unit_id: int) -> dict[str, Any]:
    db.session.expire_all()
    unit = db.session.get(Unit, unit_id)
    columns = {c.key: getattr(unit, c.key) for c in Unit.__table__.columns if c.key != "updated_at"}
    return {**columns, "languages": sorted(lang.language for lang in unit.languages),
            "attributes": sorted((a.area_id, a.key, a.value) for a in unit.attributes)}


def form_data(client: FlaskClient, path: str) -> dict[str, Any]:
    """What the form on ``path`` would send unchanged: every field as the page shows it."""
    page = client.get(path).get_data(as_text=True)
    form = page.split(f'action="{path}"')[1].split("</form>")[0]
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        kind, name = attributes.get("type", "text"), attributes.get("name")
        if not name:
            continue
        if kind in ("checkbox", "radio"):
            if " checked" in tag:
                if kind == "checkbox":
                    data.setdefault(name, []).append(html.unescape(attributes["value"]))
                else:
                    data[name] = html.unescape(attributes["value"])
        else:
            data[name] = html.unescape(attributes.get("value", ""))
    for name, content in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = html.unescape(content).removeprefix("\r\n").removeprefix("\n")
    return data


def profile_path(unit_id: int) -> str:
    return f"/anordnare-portal/enheter/{unit_id}/profil"


def propose(client: FlaskClient, unit_id: int, **changes: Any):  # type: ignore[no-untyped-def]
    """Posts the unit's profile form with ``changes`` on top of what it shows."""
    data = {**form_data(client, profile_path(unit_id)), **changes}
    return client.post(profile_path(unit_id), data=data)


# --- what an editor sees ------------------------------------------------------------------------------------


def test_an_editor_lands_on_the_portal_and_sees_only_its_own_units(client, demo_app):
    response = client.post("/logga-in", data={"csrf_token": csrf_token(client, "/logga-in"), "epost": EDITOR,
                                              "losenord": "demo-jamforaren"})
    assert response.status_code == 303 and response.headers["Location"] == "/anordnare-portal/"
    page = text(client.get("/anordnare-portal/"))
    assert f"<h1>{swedish(demo_app, 'Your units')}</h1>" in page
    with demo_app.app_context():
        own = {u.id: u.name for u in units_of(EDITOR)}
        others = [u for u in db.session.scalars(select(Unit)) if u.id not in own]
    listed = {int(i) for i in re.findall(r'href="/anordnare-portal/enheter/(\d+)"', page)}
    assert listed == set(own)
    assert all(name in page for name in own.values())
    assert not any(f">{u.name}<" in page for u in others[:200])


def test_a_unit_page_shows_the_published_profile_pending_changes_and_follow_ups(client, demo_app):
    sign_in(client, EDITOR)
    with demo_app.app_context():
        revision = db.session.scalar(select(ProfileRevision).join(Unit).where(
            Unit.provider_id == provider_of(EDITOR).id, ProfileRevision.status == RevisionStatus.PENDING)
            .order_by(ProfileRevision.id))
        unit = revision.unit
        new_text = revision.changes["description_sv"]["new"]
        published = unit.description_sv
        follow_up = db.session.scalar(select(FollowUp).where(
            FollowUp.unit_id == unit.id, FollowUp.status == FollowUpStatus.PUBLISHED,
            FollowUp.superseded_at.is_(None)).order_by(FollowUp.year.desc()))
        unit_id, area_name = unit.id, follow_up.area.name_sv if follow_up else None
        action_ids = [a.id for a in follow_up.actions] if follow_up else []
    page = text(client.get(f"/anordnare-portal/enheter/{unit_id}"))
    assert published in page and new_text.removeprefix(published).strip() in page
    assert swedish(demo_app, "Waiting for review") in page
    assert f'href="/anordnare-portal/andringar/{revision.id}"' in page
    if follow_up is not None:
        assert f"{area_name} {follow_up.year}" in page
        assert all(f'href="/anordnare-portal/atgarder/{i}"' in page for i in action_ids)


# --- proposing ----------------------------------------------------------------------------------------------


def test_editing_the_description_creates_a_pending_revision_and_the_public_page_is_unchanged(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    with fresh_app.app_context():
        unit = unit_without_pending(EDITOR)
        unit_id, slug, before = unit.id, unit.slug, unit_snapshot(unit.id)
    data = form_data(client, profile_path(unit_id))
    new_text = data["beskrivning_sv"] + " Varje fredag har vi knytkalas i skogsgläntan."
    response = client.post(profile_path(unit_id), data={**data, "beskrivning_sv": new_text})
    assert response.status_code == 303 and response.headers["Location"] == f"/anordnare-portal/enheter/{unit_id}"
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
        assert revision.status is RevisionStatus.PENDING and revision.area_id is None
        assert set(revision.changes) == {"description_sv"}  # only what changed
        assert revision.changes["description_sv"] == {"old": before["description_sv"], "new": new_text}
        assert revision.proposed_by.email == EDITOR
        assert unit_snapshot(unit_id) == before  # nothing published
    assert swedish(fresh_app, "Your changes have been sent to the municipality for review. The public page shows "
                              "the published profile until they are approved.") in notices(client, f"/anordnare-portal/enheter/{unit_id}")
    public = text(client.get(f"/enheter/{slug}"))
    assert before["description_sv"] in public and "knytkalas" not in public


def test_no_change_gives_a_message_and_no_revision(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR).id
    response = propose(client, unit_id)
    assert response.status_code == 303
    assert swedish(fresh_app, "Nothing was changed: the profile is the same as the published one and your changes "
                              "waiting for review. No change was sent.") in notices(client, response.headers["Location"])
    with fresh_app.app_context():
        assert revisions_of(unit_id) == []


def test_shared_facts_make_one_revision_and_each_area_its_own(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR_CARE)
    with fresh_app.app_context():
        unit = unit_in(EDITOR_CARE, "hemtjanst", also="ledsagning")
        unit_id, before = unit.id, unit_snapshot(unit.id)
        home_care, escort = area_id("hemtjanst"), area_id("ledsagning")
        night = unit.attribute_values(home_care).get("natt", [])
        late = unit.attribute_values(escort).get("sena-kvallar", [])
    page = text(client.get(profile_path(unit_id)))
    assert page.count(swedish(fresh_app, "Description in Swedish")) == 1  # the shared facts once
    assert 'id="profil-hemtjanst"' in page and 'id="profil-ledsagning"' in page  # the attributes per area
    response = propose(client, unit_id, telefon="08-555 123 45",
                       **{"profil-hemtjanst-natt": "false" if night == ["true"] else "true",
                          "profil-ledsagning-sena-kvallar": "false" if late == ["true"] else "true"})
    assert response.status_code == 303
    with fresh_app.app_context():
        revisions = {r.area_id: r for r in revisions_of(unit_id)}
        assert set(revisions) == {None, home_care, escort}
        assert revisions[None].changes == {"phone": {"old": before["phone"], "new": "08-555 123 45"}}
        assert set(revisions[home_care].changes) == {"attribute:natt"}
        assert revisions[home_care].changes["attribute:natt"]["old"] == night
        assert set(revisions[escort].changes) == {"attribute:sena-kvallar"}
        assert all(r.status is RevisionStatus.PENDING for r in revisions.values())
        assert unit_snapshot(unit_id) == before


def test_proposing_again_updates_the_pending_revision_and_going_back_withdraws_it(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    with fresh_app.app_context():
        unit = unit_without_pending(EDITOR)
        unit_id, original = unit.id, unit.opening_hours_sv
    assert propose(client, unit_id, oppettider_sv="Måndag–fredag 6.30–18.00").status_code == 303
    assert form_data(client, profile_path(unit_id))["oppettider_sv"] == "Måndag–fredag 6.30–18.00"  # pending shown
    assert propose(client, unit_id, oppettider_sv="Måndag–fredag 6.00–18.30", telefon="08-555 000 11").status_code == 303
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)  # still one
        assert revision.changes["opening_hours_sv"] == {"old": original, "new": "Måndag–fredag 6.00–18.30"}
        assert set(revision.changes) == {"opening_hours_sv", "phone"}
        phone = db.session.get(Unit, unit_id).phone
    response = propose(client, unit_id, oppettider_sv=original or "", telefon=phone or "")
    assert swedish(fresh_app, "The profile is now the same as the published one, so your change waiting for review "
                              "has been withdrawn.") in notices(client, response.headers["Location"])
    with fresh_app.app_context():
        assert revisions_of(unit_id) == []


def test_a_pending_change_can_be_withdrawn_and_a_decided_one_cannot(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR).id
    propose(client, unit_id, telefon="08-555 777 88")
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
    page = text(client.get(f"/anordnare-portal/andringar/{revision.id}"))
    assert swedish(fresh_app, "Phone") in page and "08-555 777 88" in page
    path = f"/anordnare-portal/andringar/{revision.id}/aterta"
    token = csrf_token(client, f"/anordnare-portal/andringar/{revision.id}")
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    with fresh_app.app_context():
        assert revisions_of(unit_id) == []
        decided = db.session.scalar(select(ProfileRevision).join(Unit).where(
            Unit.provider_id == provider_of(EDITOR).id).order_by(ProfileRevision.id))
        decided.status = RevisionStatus.REJECTED
        decided.review_reason = "Texten innehåller ett pris."
        db.session.commit()
        decided_id = decided.id
    page = text(client.get(f"/anordnare-portal/andringar/{decided_id}"))
    assert "Texten innehåller ett pris." in page and swedish(fresh_app, "Rejected") in page
    assert f'action="/anordnare-portal/andringar/{decided_id}/aterta"' not in page
    response = client.post(f"/anordnare-portal/andringar/{decided_id}/aterta", data={"csrf_token": token})
    assert swedish(fresh_app, "Only a change waiting for review can be withdrawn.") in notices(
        client, response.headers["Location"])
    with fresh_app.app_context():
        assert db.session.get(ProfileRevision, decided_id).status is RevisionStatus.REJECTED


def test_the_profile_of_an_area_the_unit_has_left_is_not_offered(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR_CARE)
    with fresh_app.app_context():
        unit = unit_in(EDITOR_CARE, "hemtjanst")
        authorisation = next(a for a in unit.authorisations if a.area.slug == "hemtjanst")
        authorisation.status = AuthorisationStatus.REVOKED
        db.session.commit()
        unit_id = unit.id
    page = text(client.get(profile_path(unit_id)))
    assert 'id="profil-hemtjanst"' not in page
    response = client.post(profile_path(unit_id), data={**form_data(client, profile_path(unit_id)),
                                                         "profil-hemtjanst-natt": "true"})
    assert response.status_code == 303  # a field of an area the unit has left is not read
    with fresh_app.app_context():
        assert all(r.area_id != area_id("hemtjanst") for r in revisions_of(unit_id))


def test_the_demo_editors_are_editors_of_one_provider_each(demo_app):
    with demo_app.app_context():
        assert provider_of(EDITOR).id != provider_of(EDITOR_CARE).id
        assert db.session.scalar(select(func.count()).select_from(Authorisation).join(Unit).where(
            Unit.provider_id == provider_of(EDITOR_CARE).id)) >= 2
