"""The annual quality follow-up in the back office, through HTTP as an officer's browser would post it: from
draft to published and on the unit page; publishing refused with every reason; 403 and nothing changed
outside the officer's areas; CSRF; corrections as new versions; the audit trail of every write."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Action, Area, Assessment, AuditEvent, Authorisation, AuthorisationStatus, FollowUp, FollowUpStatus, Rating,
    Rulebook, Unit,
)
from jamforaren.services import followups as service
from tests.conftest import OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in

TODAY = date.today()
YEAR = TODAY.year


# -- helpers ---------------------------------------------------------------------------------------------

def t(app: Flask, text: str, **values: Any) -> str:
    """An interface text as a Swedish reader sees it (the English msgid until its translation is merged)."""
    with app.test_request_context():
        return gettext(text, **values)


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


class _FormFields(HTMLParser):
    """The fields a browser would submit from the form whose action is ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[2:] if text.startswith("\r\n") else text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def form_fields(client: FlaskClient, path: str, action: str | None = None) -> dict[str, list[str]]:
    """The form on ``path`` (posting to ``action``, by default ``path``) as a browser would submit it."""
    response = client.get(path)
    assert response.status_code == 200, path
    parser = _FormFields(action or path)
    parser.feed(response.get_data(as_text=True))
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    assert fields, f"no form posting to {action or path} on {path}"
    return fields


def norms_of(app: Flask, follow_up_id: int) -> list[tuple[int, str, str]]:
    with app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        return [(n.id, n.code, n.title_sv) for n in follow_up.rulebook.norms]


def unit_to_follow_up(app: Flask, area_slug: str = "forskola") -> tuple[int, int, str]:
    """An authorised unit of the area without a follow-up this year: (area id, unit id, unit slug)."""
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == area_slug))
        done = select(FollowUp.unit_id).where(FollowUp.area_id == area.id, FollowUp.year == YEAR)
        unit = db.session.scalar(
            select(Unit).join(Authorisation).where(Authorisation.area_id == area.id,
                                                   Authorisation.status == AuthorisationStatus.AUTHORISED,
                                                   Unit.id.not_in(done)).order_by(Unit.id))
        assert unit is not None
        return area.id, unit.id, unit.slug


def create_draft(client: FlaskClient, area_id: int, unit_id: int) -> int:
    response = client.post("/admin/uppfoljningar", data={
        "csrf_token": csrf_token(client, "/admin/uppfoljningar"), "enhet": f"{area_id}:{unit_id}", "artal": YEAR})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/admin/uppfoljningar/(\d+)", response.headers["Location"])
    assert match
    return int(match.group(1))


def snapshot(app: Flask) -> dict[str, Any]:
    """Everything a follow-up write could change."""
    with app.app_context():
        return {
            "follow_ups": db.session.execute(select(
                FollowUp.id, FollowUp.status, FollowUp.version, FollowUp.methods, FollowUp.conducted_on,
                FollowUp.findings_sv, FollowUp.summary_sv, FollowUp.summary_en, FollowUp.published_at,
                FollowUp.superseded_at, FollowUp.correction_reason, FollowUp.rulebook_id).order_by(FollowUp.id)).all(),
            "assessments": db.session.execute(select(Assessment.id, Assessment.norm_id, Assessment.rating,
                                                     Assessment.comment).order_by(Assessment.id)).all(),
            "actions": db.session.execute(select(Action.id, Action.norm_id, Action.description, Action.due_on,
                                                 Action.status).order_by(Action.id)).all(),
            "audit_events": db.session.scalar(select(func.count()).select_from(AuditEvent)),
        }


# -- from draft to published --------------------------------------------------------------------------------

def test_a_follow_up_from_draft_to_published_shows_on_the_unit_page(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    area_id, unit_id, slug = unit_to_follow_up(fresh_app)
    follow_up_id = create_draft(client, area_id, unit_id)
    path = f"/admin/uppfoljningar/{follow_up_id}"

    with fresh_app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.status is FollowUpStatus.DRAFT and follow_up.version == 1 and follow_up.year == YEAR
        assert follow_up.methods == ["dokumentgranskning", "besok"]  # the sensible defaults
        assert follow_up.conducted_on == TODAY
        area = db.session.get(Area, area_id)
        assert follow_up.rulebook_id == service.rulebook_in_force(area, YEAR, TODAY).id

    norms = norms_of(fresh_app, follow_up_id)
    not_met, partly, *met = norms
    fields = form_fields(client, path)
    assert fields["metoder"] == ["dokumentgranskning", "besok"] and fields["datum"] == [TODAY.isoformat()]
    fields.update({
        "metoder": ["dokumentgranskning", "besok", "intervju"],
        f"bedomning_{not_met[0]}": ["ej_uppfyllt"], f"kommentar_{not_met[0]}": ["Rutin saknas helt."],
        f"bedomning_{partly[0]}": ["delvis_uppfyllt"], f"kommentar_{partly[0]}": ["Rutinen följs delvis."],
        **{f"bedomning_{n[0]}": ["uppfyllt"] for n in met},
        "iakttagelser": ["Besök på enheten och intervju med rektor."],
        "sammanfattning": ["Förskolan uppfyller nästan alla krav; en rutin för klagomål saknas."],
        "sammanfattning_en": ["The preschool meets almost every requirement."],
    })
    response = client.post(path, data=fields)
    assert response.status_code == 303 and response.headers["Location"] == path

    response = client.post(f"{path}/atgarder", data={
        "csrf_token": csrf_token(client, path), "ny_beskrivning": "Ta fram en rutin för klagomål.",
        "ny_sista_dag": (TODAY + timedelta(days=60)).isoformat(), "ny_norm": str(not_met[0])})
    assert response.status_code == 303 and response.headers["Location"] == f"{path}#atgarder"

    assert "Förskolan uppfyller nästan alla krav" not in page_text(client.get(f"/enheter/{slug}"))  # a draft

    response = client.post(f"{path}/publicera", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303, page_text(response)[:3000]

    with fresh_app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.status is FollowUpStatus.PUBLISHED and follow_up.published_at is not None
        assert follow_up.methods == ["dokumentgranskning", "besok", "intervju"]
        assert len(follow_up.assessments) == len(norms)
        assert [(a.norm_id, a.due_on) for a in follow_up.actions] == [(not_met[0], TODAY + timedelta(days=60))]

    unit_page = page_text(client.get(f"/enheter/{slug}"))
    assert "Förskolan uppfyller nästan alla krav; en rutin för klagomål saknas." in unit_page
    counts = t(fresh_app, "%(met)d met, %(partly)d partly met, %(not_met)d not met, %(not_assessed)d not assessed",
               met=len(met), partly=1, not_met=1, not_assessed=0)
    assert counts in unit_page
    assert "Ta fram en rutin för klagomål." in unit_page  # the open action

    published = client.get(path)  # now read-only, with the form to correct it
    assert published.status_code == 200
    assert 'name="bedomning_' not in published.get_data(as_text=True)
    assert f'action="{path}/rattelse"' in published.get_data(as_text=True)


def test_publishing_is_refused_with_every_reason_and_nothing_is_published(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    area_id, unit_id, slug = unit_to_follow_up(fresh_app)
    follow_up_id = create_draft(client, area_id, unit_id)
    path = f"/admin/uppfoljningar/{follow_up_id}"
    norms = norms_of(fresh_app, follow_up_id)
    not_met, met, *unassessed = norms

    fields = form_fields(client, path)
    fields.update({f"bedomning_{not_met[0]}": ["ej_uppfyllt"], f"bedomning_{met[0]}": ["uppfyllt"],
                   "sammanfattning": ["Sammanfattning som inte får synas än."]})
    response = client.post(f"{path}/publicera", data=fields)  # the Publish button posts the whole form
    assert response.status_code == 400
    text = page_text(response)
    assert "<title>" + t(fresh_app, "Error:") + " " in text
    summary = text.split('class="error-summary"')[1].split("</div>")[0]
    for norm_id, code, title in unassessed:
        assert t(fresh_app, "%(norm)s has not been assessed.", norm=f"{code} {title}") in summary
        assert f'href="#bedomning_{norm_id}"' in summary
    assert t(fresh_app, "%(norm)s is not fulfilled but has no action: add an action for it.",
             norm=f"{not_met[1]} {not_met[2]}") in summary
    assert t(fresh_app, "%(norm)s has not been assessed.", norm=f"{met[1]} {met[2]}") not in summary

    with fresh_app.app_context():
        follow_up = db.session.get(FollowUp, follow_up_id)
        assert follow_up.status is FollowUpStatus.DRAFT and follow_up.published_at is None
        assert len(follow_up.assessments) == 2  # what was typed is saved in the draft
    assert "Sammanfattning som inte får synas än." not in page_text(client.get(f"/enheter/{slug}"))

    # Without methods, date and summary each is named too.
    fields = form_fields(client, path)
    fields.update({"metoder": [], "datum": [""], "sammanfattning": [""]})
    response = client.post(f"{path}/publicera", data=fields)
    assert response.status_code == 400
    summary = page_text(response).split('class="error-summary"')[1].split("</div>")[0]
    for message in ("Choose at least one method.", "Enter the date of the follow-up.",
                    "Write the public summary in Swedish."):
        assert t(fresh_app, message) in summary
    with fresh_app.app_context():
        assert db.session.get(FollowUp, follow_up_id).status is FollowUpStatus.DRAFT


def test_invalid_input_is_refused_with_what_was_typed_kept(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    area_id, unit_id, _slug = unit_to_follow_up(fresh_app)
    follow_up_id = create_draft(client, area_id, unit_id)
    path = f"/admin/uppfoljningar/{follow_up_id}"
    norm_id = norms_of(fresh_app, follow_up_id)[0][0]
    before = snapshot(fresh_app)

    fields = form_fields(client, path)
    fields.update({"datum": [f"{YEAR - 1}-06-01"], "sammanfattning": ["Ett utkast som inte sparas."],
                   f"kommentar_{norm_id}": ["En kommentar utan bedömning."],
                   "ny_beskrivning": ["En åtgärd utan datum."], "ny_sista_dag": [""]})
    response = client.post(path, data=fields)
    assert response.status_code == 400
    text = page_text(response)
    assert t(fresh_app, "The follow-up is for %(year)d: enter a date in %(year)d.", year=YEAR) in text
    assert t(fresh_app, "Enter the date by which the action must be done.") in text
    assert "Ett utkast som inte sparas." in text and "En kommentar utan bedömning." in text
    assert snapshot(fresh_app) == before  # nothing written

    response = client.post(f"{path}/atgarder", data={
        "csrf_token": csrf_token(client, path), "ny_beskrivning": "För tidigt", "ny_sista_dag": TODAY.isoformat()})
    assert response.status_code == 400
    assert t(fresh_app, "The due date must be after the follow-up's date, %(date)s.", date=TODAY.isoformat()) \
        in page_text(response)
    assert snapshot(fresh_app) == before


def test_a_second_follow_up_of_the_same_unit_and_year_is_refused(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    area_id, unit_id, _slug = unit_to_follow_up(fresh_app)
    create_draft(client, area_id, unit_id)
    before = snapshot(fresh_app)
    response = client.post("/admin/uppfoljningar", data={
        "csrf_token": csrf_token(client, "/admin/uppfoljningar"), "enhet": f"{area_id}:{unit_id}", "artal": YEAR})
    assert response.status_code == 400
    with fresh_app.app_context():
        unit, area = db.session.get(Unit, unit_id), db.session.get(Area, area_id)
        message = t(fresh_app, "%(unit)s already has a follow-up in %(area)s for %(year)d. Open it from the list "
                    "instead.", unit=unit.name, area=area.name_sv, year=YEAR)
    assert message in page_text(response)
    assert snapshot(fresh_app) == before


def test_the_list_filters_by_area_year_and_status(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        drafts = db.session.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.area_id == area.id, FollowUp.year == YEAR, FollowUp.status == FollowUpStatus.DRAFT))
    response = client.get("/admin/uppfoljningar?kundval=forskola&status=utkast")
    assert response.status_code == 200
    text = page_text(response)
    assert drafts > 0
    assert text.count('href="/admin/uppfoljningar/') - text.count('href="/admin/uppfoljningar/?') == drafts
    assert t(fresh_app, "Published") not in text.split("<tbody>")[1]

    care = fresh_app.test_client()
    sign_in(care, OFFICER_CARE)
    text = page_text(care.get("/admin/uppfoljningar?ar=&kundval=forskola"))  # not theirs: the filter is ignored
    rows = text.split("<tbody>")[1]
    assert "<td>" in rows and "<td>Förskola</td>" not in rows


# -- permissions and CSRF -----------------------------------------------------------------------------------

def test_an_officer_of_another_area_gets_403_everywhere_and_nothing_changes(fresh_app):
    with fresh_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        draft = db.session.scalar(select(FollowUp).join(Action).where(
            FollowUp.area_id == area.id, FollowUp.status == FollowUpStatus.DRAFT).order_by(FollowUp.id))
        if draft is None:  # a draft without actions will do for every endpoint but the action ones
            draft = db.session.scalar(select(FollowUp).where(
                FollowUp.area_id == area.id, FollowUp.status == FollowUpStatus.DRAFT).order_by(FollowUp.id))
        published = db.session.scalar(select(FollowUp).where(
            FollowUp.area_id == area.id, FollowUp.status == FollowUpStatus.PUBLISHED,
            FollowUp.superseded_at.is_(None)).order_by(FollowUp.id))
        action_id = draft.actions[0].id if draft.actions else db.session.scalar(select(Action.id).where(
            Action.follow_up_id == published.id))
        draft_id, published_id, norm_id = draft.id, published.id, draft.rulebook.norms[0].id
    area_id, unit_id, _slug = unit_to_follow_up(fresh_app)

    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    token = csrf_token(client, "/admin/uppfoljningar")
    before = snapshot(fresh_app)
    everything = {"csrf_token": token, "utkast": "1", "metoder": ["observation"], "datum": TODAY.isoformat(),
                  "sammanfattning": "Ändrad av fel handläggare", f"bedomning_{norm_id}": "ej_uppfyllt",
                  "ny_beskrivning": "Otillåten åtgärd", "ny_sista_dag": (TODAY + timedelta(days=30)).isoformat(),
                  "orsak": "Otillåten rättelse"}
    for path in (f"/admin/uppfoljningar/{draft_id}", f"/admin/uppfoljningar/{published_id}"):
        assert client.get(path).status_code == 403, path
    for follow_up_id in (draft_id, published_id):
        base = f"/admin/uppfoljningar/{follow_up_id}"
        for path in (base, f"{base}/publicera", f"{base}/atgarder", f"{base}/atgarder/{action_id}",
                     f"{base}/atgarder/{action_id}/ta-bort", f"{base}/rattelse"):
            assert client.post(path, data=everything).status_code == 403, path
            assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    response = client.post("/admin/uppfoljningar", data={"csrf_token": token, "enhet": f"{area_id}:{unit_id}",
                                                         "artal": YEAR})
    assert response.status_code == 403
    assert snapshot(fresh_app) == before


def test_a_post_without_csrf_token_is_refused(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    area_id, unit_id, _slug = unit_to_follow_up(fresh_app)
    follow_up_id = create_draft(client, area_id, unit_id)
    path = f"/admin/uppfoljningar/{follow_up_id}"
    fields = form_fields(client, path)
    fields.pop("csrf_token")
    fields["sammanfattning"] = ["Utan token"]
    before = snapshot(fresh_app)
    assert client.post(path, data=fields).status_code == 400
    assert client.post(f"{path}/publicera", data={}).status_code == 400
    area_id2, unit_id2, _ = unit_to_follow_up(fresh_app)
    assert client.post("/admin/uppfoljningar", data={"enhet": f"{area_id2}:{unit_id2}", "artal": YEAR}).status_code == 400
    assert snapshot(fresh_app) == before


# -- corrections -----------------------------------------------------------------------------------------

def test_a_correction_is_a_new_version_and_replaces_the_old_one_when_published(fresh_app):
    with fresh_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        old = db.session.scalar(select(FollowUp).join(Authorisation, (Authorisation.unit_id == FollowUp.unit_id) & (
            Authorisation.area_id == FollowUp.area_id)).where(
            FollowUp.area_id == area.id, FollowUp.year == YEAR, FollowUp.status == FollowUpStatus.PUBLISHED,
            Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(FollowUp.id))
        old_id, old_summary, slug = old.id, old.summary_sv, old.unit.slug
        old_assessments = sorted((a.norm_id, a.rating, a.comment) for a in old.assessments)
        old_actions = sorted((a.norm_id, a.description, a.due_on) for a in old.actions)
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    old_path = f"/admin/uppfoljningar/{old_id}"
    assert old_summary in page_text(client.get(f"/enheter/{slug}"))

    before = snapshot(fresh_app)
    response = client.post(f"{old_path}/rattelse", data={"csrf_token": csrf_token(client, old_path), "orsak": " "})
    assert response.status_code == 400
    assert t(fresh_app, "Say why the follow-up is corrected.") in page_text(response)
    assert snapshot(fresh_app) == before

    response = client.post(f"{old_path}/rattelse", data={"csrf_token": csrf_token(client, old_path),
                                                          "orsak": "Fel bedömning av en norm."})
    assert response.status_code == 303
    new_path = response.headers["Location"]
    new_id = int(new_path.rsplit("/", 1)[1])
    with fresh_app.app_context():
        new = db.session.get(FollowUp, new_id)
        assert (new.version, new.status, new.correction_reason) == (2, FollowUpStatus.DRAFT, "Fel bedömning av en norm.")
        assert sorted((a.norm_id, a.rating, a.comment) for a in new.assessments) == old_assessments
        assert sorted((a.norm_id, a.description, a.due_on) for a in new.actions) == old_actions
        assert (new.summary_sv, new.conducted_on) == (old_summary, db.session.get(FollowUp, old_id).conducted_on)
        assert db.session.get(FollowUp, old_id).superseded_at is None  # still in force

    # Only one correction at a time.
    response = client.post(f"{old_path}/rattelse", data={"csrf_token": csrf_token(client, old_path),
                                                          "orsak": "En till"})
    assert response.status_code == 400
    assert t(fresh_app, "A correction of this follow-up is already in progress (version %(version)d).",
             version=2) in page_text(response)

    fields = form_fields(client, new_path)
    assert fields["rattelseorsak"] == ["Fel bedömning av en norm."]
    fields["sammanfattning"] = ["Rättad sammanfattning: alla krav är uppfyllda."]
    for name in [n for n in fields if n.startswith("bedomning_")]:
        fields[name] = ["uppfyllt"]
    assert client.post(new_path, data=fields).status_code == 303
    assert old_summary in page_text(client.get(f"/enheter/{slug}"))  # the draft is not public
    response = client.post(f"{new_path}/publicera", data={"csrf_token": csrf_token(client, new_path)})
    assert response.status_code == 303, page_text(response)[:3000]

    with fresh_app.app_context():
        old, new = db.session.get(FollowUp, old_id), db.session.get(FollowUp, new_id)
        assert old.superseded_at is not None and old.status is FollowUpStatus.PUBLISHED and old.summary_sv == old_summary
        assert new.superseded_at is None and new.status is FollowUpStatus.PUBLISHED
    unit_page = page_text(client.get(f"/enheter/{slug}"))
    assert "Rättad sammanfattning: alla krav är uppfyllda." in unit_page
    assert old_summary not in unit_page
    old_page = client.get(old_path)  # the old version stays readable, and says it was replaced
    assert old_page.status_code == 200 and old_summary in page_text(old_page)
    assert f'href="{new_path}"' in old_page.get_data(as_text=True)


def test_a_published_follow_up_cannot_be_changed(fresh_app):
    with fresh_app.app_context():
        published = db.session.scalar(select(FollowUp).join(Area).where(
            Area.slug == "forskola", FollowUp.status == FollowUpStatus.PUBLISHED).order_by(FollowUp.id))
        path, norm_id = f"/admin/uppfoljningar/{published.id}", published.rulebook.norms[0].id
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    token = csrf_token(client, path)
    before = snapshot(fresh_app)
    for target in (path, f"{path}/publicera", f"{path}/atgarder"):
        response = client.post(target, data={"csrf_token": token, "utkast": "1", "sammanfattning": "Ändrad",
                                             f"bedomning_{norm_id}": "ej_uppfyllt", "ny_beskrivning": "Ny",
                                             "ny_sista_dag": (TODAY + timedelta(days=30)).isoformat()})
        assert response.status_code == 409, target
    assert snapshot(fresh_app) == before


# -- the audit trail -------------------------------------------------------------------------------------

def test_every_write_leaves_audit_events_with_before_and_after(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    area_id, unit_id, _slug = unit_to_follow_up(fresh_app)
    with fresh_app.app_context():
        first_event = db.session.scalar(select(func.max(AuditEvent.id)))
    follow_up_id = create_draft(client, area_id, unit_id)
    path = f"/admin/uppfoljningar/{follow_up_id}"
    norms = norms_of(fresh_app, follow_up_id)
    due = TODAY + timedelta(days=45)

    fields = form_fields(client, path)
    fields.update({f"bedomning_{n[0]}": ["uppfyllt"] for n in norms})
    fields.update({f"bedomning_{norms[0][0]}": ["ej_uppfyllt"], "sammanfattning": ["Första sammanfattningen."],
                   "ny_beskrivning": ["Åtgärda rutinen."], "ny_sista_dag": [due.isoformat()],
                   "ny_norm": [str(norms[0][0])]})
    assert client.post(path, data=fields).status_code == 303  # saving also adds the typed action
    fields = form_fields(client, path)
    action_id = int(next(n for n in fields if n.startswith("atgard_")).split("_")[1])
    fields.update({f"bedomning_{norms[1][0]}": ["delvis_uppfyllt"], "sammanfattning": ["Andra sammanfattningen."],
                   f"atgard_{action_id}_sista_dag": [(due + timedelta(days=10)).isoformat()]})
    assert client.post(path, data=fields).status_code == 303
    response = client.post(f"{path}/atgarder", data={"csrf_token": csrf_token(client, path),
                                                     "ny_beskrivning": "Extra åtgärd",
                                                     "ny_sista_dag": due.isoformat()})
    assert response.status_code == 303
    with fresh_app.app_context():
        extra_id = db.session.scalar(select(Action.id).where(Action.follow_up_id == follow_up_id,
                                                             Action.description == "Extra åtgärd"))
    response = client.post(f"{path}/atgarder/{extra_id}/ta-bort", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303
    assert client.post(f"{path}/publicera", data={"csrf_token": csrf_token(client, path)}).status_code == 303

    with fresh_app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > first_event).order_by(AuditEvent.id)).all()
    assert events and all(e.actor == OFFICER_EDUCATION for e in events if e.entity_type != "user")

    def changes(entity: str, action: str, entity_id: int | None = None) -> list[dict]:
        return [e.changes for e in events if e.entity_type == entity and e.action == action
                and (entity_id is None or e.entity_id == entity_id)]

    created = changes("follow_up", "insert", follow_up_id)
    assert created and created[0]["status"] == "utkast" and created[0]["unit_id"] == unit_id
    updates = changes("follow_up", "update", follow_up_id)
    assert {"old": "", "new": "Första sammanfattningen."} in [u.get("summary_sv") for u in updates]
    assert {"old": "Första sammanfattningen.", "new": "Andra sammanfattningen."} in [u.get("summary_sv") for u in updates]
    assert {"old": "utkast", "new": "publicerad"} in [u.get("status") for u in updates]
    assert any(u.get("published_at", {}).get("old") is None and u["published_at"]["new"] for u in updates
               if "published_at" in u)
    assert len(changes("assessment", "insert")) == len(norms)
    assert {"old": "uppfyllt", "new": "delvis_uppfyllt"} in [u.get("rating") for u in changes("assessment", "update")]
    assert changes("action", "insert", action_id)[0]["description"] == "Åtgärda rutinen."
    assert {"old": due.isoformat(), "new": (due + timedelta(days=10)).isoformat()} in [
        u.get("due_on") for u in changes("action", "update", action_id)]
    removed = changes("action", "delete", extra_id)
    assert removed and removed[0]["description"] == "Extra åtgärd"


# -- the rules on their own --------------------------------------------------------------------------------

def test_the_rulebook_in_force_is_the_newest_valid_on_the_date():
    area = Area(slug="x", name_sv="X")
    old = Rulebook(version=1, valid_from=date(2024, 1, 1), title_sv="Villkor 2024")
    new = Rulebook(version=2, valid_from=date(2026, 7, 1), title_sv="Villkor 2026")
    area.rulebooks = [old, new]
    assert service.rulebook_in_force(area, 2026, date(2026, 3, 1)) is old
    assert service.rulebook_in_force(area, 2026, date(2026, 7, 1)) is new
    assert service.rulebook_in_force(area, 2026) is new          # no date yet: as at 31 December
    assert service.rulebook_in_force(area, 2025) is old
    assert service.rulebook_in_force(area, 2020) is old          # before every rulebook: the oldest
    assert service.rulebook_in_force(Area(slug="y", name_sv="Y"), 2026) is None


@pytest.mark.parametrize("rating", [r.value for r in Rating])
def test_every_rating_has_a_label(demo_app, rating):
    from jamforaren.admin.followups import RATING_LABELS
    with demo_app.test_request_context():
        assert str(RATING_LABELS[Rating(rating)])


def test_a_new_date_moves_the_draft_to_the_rulebook_then_in_force(fresh_app):
    from jamforaren.models import Norm, RulebookChapter, User
    with fresh_app.app_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER_EDUCATION))
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        old = area.rulebooks[-1]
        # A new version from 1 June, without the old version's last norm.
        with db.session.no_autoflush:
            new = Rulebook(area=area, version=old.version + 1, valid_from=date(YEAR, 6, 1), title_sv="Nya villkor")
            db.session.add(new)
            for chapter in old.chapters:
                copy = RulebookChapter(rulebook=new, number=chapter.number, title_sv=chapter.title_sv)
                db.session.add(copy)
                for norm in chapter.norms:
                    if norm is not old.norms[-1]:
                        db.session.add(Norm(rulebook=new, chapter=copy, key=norm.key, code=norm.code,
                                            position=norm.position, title_sv=norm.title_sv,
                                            requirement_sv=norm.requirement_sv))
        db.session.commit()
        _area_id, unit_id, _slug = unit_to_follow_up(fresh_app)
        follow_up = service.create(officer, db.session.get(Unit, unit_id), area, YEAR, today=date(YEAR, 3, 1))
        assert follow_up.rulebook_id == old.id and follow_up.conducted_on == date(YEAR, 3, 1)
        first, last = old.norms[0], old.norms[-1]
        service.assess(officer, follow_up, first, Rating.NOT_MET, "Saknas.")
        service.assess(officer, follow_up, last, Rating.MET)
        service.add_action(officer, follow_up, "Åtgärda.", date(YEAR, 12, 1), first)

        result = service.update_draft(officer, follow_up, conducted_on=date(YEAR, 9, 1))
        assert result.rulebook_changed and follow_up.rulebook_id == new.id
        assert [(a.norm.key, a.norm.rulebook_id, a.rating) for a in follow_up.assessments] == [
            (first.key, new.id, Rating.NOT_MET)]  # the retired norm's assessment is gone
        assert [(a.norm.key, a.norm.rulebook_id) for a in follow_up.actions] == [(first.key, new.id)]
        deleted = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "assessment",
                                                              AuditEvent.action == "delete")).all()
        assert [e.changes["rating"] for e in deleted] == ["uppfyllt"]

        with pytest.raises(service.FollowUpError) as refused:
            service.update_draft(officer, follow_up, conducted_on=date(YEAR + 1, 1, 1))
        assert refused.value.problems[0].target == "conducted_on"
