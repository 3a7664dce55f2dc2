"""Every field of the providers' forms with bad input: the page comes back (400, "Fel:" in the title) with a
translated message linked from the error summary, keeps what was typed, and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import Action, ActionStatus, AuditEvent, FollowUp, FollowUpStatus, ProfileRevision, Unit
from tests.conftest import EDITOR, OFFICER_EDUCATION, csrf_token, sign_in
from tests.test_providers_portal import (
    EDITOR_CARE, form_data, profile_path, propose, provider_of, revisions_of, swedish, text, unit_without_pending,
)

MARKER = "Vi har fått nya cyklar till utflykterna."

SHARED_CASES = [  # (field, what is typed, message, its variables)
    ("beskrivning_sv", "", "Write a description of the unit in Swedish.", {}),
    ("beskrivning_sv", "Lång text. " * 400, "At most %(max)d characters.", {"max": 4000}),
    ("beskrivning_en", "Long text. " * 400, "At most %(max)d characters.", {"max": 4000}),
    ("oppettider_sv", "Måndag–fredag " * 25, "At most %(max)d characters.", {"max": 300}),
    ("oppettider_en", "Monday–Friday " * 25, "At most %(max)d characters.", {"max": 300}),
    ("epost", "inte-en-adress", "Enter an e-mail address like namn@exempel.se.", {}),
    ("telefon", "ring mig", "Enter a phone number with digits, such as 08-123 456 78.", {}),
    ("webbplats", "inte en webbplats", "Enter a web address such as https://www.exempel.se.", {}),
    ("lediga_platser", "många", "Enter a whole number, 0 or more.", {}),
    ("lediga_platser", "-2", "Enter a whole number, 0 or more.", {}),
    ("lediga_platser", "100000", "Free places cannot be more than the number of places.", {}),
    ("sprak", ["xx"], "Choose only among the languages in the list.", {}),
]

ATTRIBUTE_CASES = [  # (editor, area, field, what is sent, message)
    (EDITOR, "pedagogisk-omsorg", "profil-pedagogisk-omsorg-form", "slott", "Choose one of the options."),
    (EDITOR, "pedagogisk-omsorg", "profil-pedagogisk-omsorg-aldrar", ["vuxna"], "Choose only among the options."),
    (EDITOR, "pedagogisk-omsorg", "profil-pedagogisk-omsorg-utokade-oppettider", "kanske", "Choose yes or no."),
    (EDITOR_CARE, "daglig-verksamhet-lss", "profil-daglig-verksamhet-lss-antal-platser", "många",
     "Enter a whole number, 0 or more."),
]


def written(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(ProfileRevision)),
                db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type != "user")))


def _refused(app, client, path: str, data: dict[str, Any], field: str, message: str) -> str:  # type: ignore[no-untyped-def]
    before = written(app)
    response = client.post(path, data=data)
    assert response.status_code == 400, (field, response.status_code)
    page = text(response)
    assert page.count("<title>Fel: ") == 1
    assert f'<a href="#{field}">{message}</a>' in page, (field, message)  # in the summary, linked to the field
    assert written(app) == before
    return page


@pytest.mark.parametrize(("field", "typed", "message", "variables"), SHARED_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SHARED_CASES)])
def test_a_shared_field_with_bad_input(fresh_app, field, typed, message, variables):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR, "pedagogisk-omsorg").id
    data = form_data(client, profile_path(unit_id))
    if field != "beskrivning_sv":
        data["beskrivning_sv"] = data["beskrivning_sv"] + " " + MARKER
    data[field] = typed
    page = _refused(fresh_app, client, profile_path(unit_id), data, field, swedish(fresh_app, message, **variables))
    if field != "beskrivning_sv":
        assert MARKER in page  # the rest of what was typed is kept
    if isinstance(typed, str) and typed:  # the bad input itself is kept too
        assert f'value="{typed}"' in page or f"{typed}</textarea>" in page
    with fresh_app.app_context():
        assert revisions_of(unit_id) == []


@pytest.mark.parametrize(("email", "area", "field", "sent", "message"), ATTRIBUTE_CASES,
                         ids=[c[2] for c in ATTRIBUTE_CASES])
def test_a_profile_attribute_with_bad_input(fresh_app, email, area, field, sent, message):
    client = fresh_app.test_client()
    sign_in(client, email)
    with fresh_app.app_context():
        unit_id = unit_without_pending(email, area).id
    assert f'name="{field}"' in client.get(profile_path(unit_id)).get_data(as_text=True)
    data = form_data(client, profile_path(unit_id))
    data["beskrivning_sv"] = data["beskrivning_sv"] + " " + MARKER
    data[field] = sent
    page = _refused(fresh_app, client, profile_path(unit_id), data, field, swedish(fresh_app, message))
    assert MARKER in page
    if isinstance(sent, str) and field.endswith("antal-platser"):
        assert f'value="{sent}"' in page
    with fresh_app.app_context():
        assert revisions_of(unit_id) == []


def test_every_problem_shows_at_once_in_english_too(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    client.set_cookie("lang", "en")
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR, "pedagogisk-omsorg").id
    response = propose(client, unit_id, beskrivning_sv="", epost="x@", lediga_platser="sju",
                       **{"profil-pedagogisk-omsorg-form": "slott"})
    assert response.status_code == 400
    page = text(response)
    assert "<title>Error: " in page
    for message in ("Write a description of the unit in Swedish.", "Enter an e-mail address like namn@exempel.se.",
                    "Enter a whole number, 0 or more.", "Choose one of the options."):
        assert message in page
    assert 'value="sju"' in page and 'value="x@"' in page


# --- answering an action -----------------------------------------------------------------------------------


def _open_action(app) -> tuple[int, date]:  # type: ignore[no-untyped-def]
    with app.app_context():
        action = db.session.scalar(
            select(Action).join(FollowUp).join(Unit, Unit.id == FollowUp.unit_id)
            .where(Unit.provider_id == provider_of(EDITOR).id, FollowUp.status == FollowUpStatus.PUBLISHED,
                   FollowUp.superseded_at.is_(None), FollowUp.conducted_on.is_not(None),
                   Action.status == ActionStatus.OPEN).order_by(Action.id))
        return action.id, action.follow_up.conducted_on


def _answer_cases(conducted: date) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    today = date.today()
    return [  # (field, response typed, date typed, message, variables)
        ("vad_gjordes", "", today.isoformat(), "Describe what was done.", {}),
        ("vad_gjordes", "Mycket. " * 600, today.isoformat(), "At most %(max)d characters.", {"max": 4000}),
        ("datum", "Rutinen är klar.", "", "Enter the date it was done.", {}),
        ("datum", "Rutinen är klar.", "igår", "Enter the date as year-month-day, such as 2026-03-15.", {}),
        ("datum", "Rutinen är klar.", (today + timedelta(days=1)).isoformat(), "The date cannot be in the future.", {}),
        ("datum", "Rutinen är klar.", (conducted - timedelta(days=1)).isoformat(),
         "The date cannot be before the follow-up, %(date)s.", {"date": conducted.isoformat()}),
    ]


def test_every_answer_field_with_bad_input(fresh_app):
    action_id, conducted = _open_action(fresh_app)
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    path = f"/anordnare-portal/atgarder/{action_id}"
    for field, response_text, typed_date, message, variables in _answer_cases(conducted):
        data = {"csrf_token": csrf_token(client, path), "vad_gjordes": response_text, "datum": typed_date}
        page = _refused(fresh_app, client, path, data, field, swedish(fresh_app, message, **variables))
        if response_text:
            assert response_text.strip() in page  # kept
        if typed_date:
            assert f'value="{typed_date}"' in page
    with fresh_app.app_context():
        action = db.session.get(Action, action_id)
        assert action.status is ActionStatus.OPEN and action.response is None


# --- the officer's forms -----------------------------------------------------------------------------------


def test_the_officers_reasons_are_checked_and_kept(fresh_app):
    provider = fresh_app.test_client()
    sign_in(provider, EDITOR)
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR).id
    propose(provider, unit_id, telefon="08-555 900 00")
    with fresh_app.app_context():
        [revision] = revisions_of(unit_id)
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    path = f"/admin/profilandringar/{revision.id}"
    page = officer.get(path).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    long_reason = "Motivering. " * 200
    page = _refused(fresh_app, officer, path, {"csrf_token": csrf_token(officer, path), "version": version,
                                               "beslut": "avsla", "motivering": long_reason}, "motivering",
                    swedish(fresh_app, "At most %(max)d characters.", max=2000))
    assert long_reason.strip() in page
    action_id, _ = _open_action(fresh_app)
    answer_path = f"/anordnare-portal/atgarder/{action_id}"
    provider.post(answer_path, data={"csrf_token": csrf_token(provider, answer_path), "vad_gjordes": "Klart.",
                                     "datum": date.today().isoformat()})
    path = f"/admin/atgardssvar/{action_id}"
    page = _refused(fresh_app, officer, path, {"csrf_token": csrf_token(officer, path), "beslut": "aterforvisa",
                                               "kommentar": "Kommentar. " * 200}, "kommentar",
                    swedish(fresh_app, "At most %(max)d characters.", max=2000))
    assert ("Kommentar. " * 200).strip() in page
