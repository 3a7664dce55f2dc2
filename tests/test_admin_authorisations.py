"""Back office: authorisation decisions, their history and what residents see, through HTTP."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import Area, AuditEvent, Authorisation, AuthorisationEvent, AuthorisationStatus, Unit, User
from tests.conftest import OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in

S = AuthorisationStatus


def swedish(app: Flask, message: str, **variables: object) -> str:
    """``message`` as the Swedish interface shows it (its translation once the catalogue has one)."""
    with app.test_request_context(), force_locale("sv"):
        return gettext(message, **variables)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def listed_slugs(client, area_slug: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Every unit the public area page lists, over all its pages."""
    slugs: set[str] = set()
    page = 1
    while True:
        response = client.get(f"/kundval/{area_slug}", query_string={"sida": page})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        slugs.update(re.findall(r'href="/enheter/([a-z0-9-]+)"', body))
        if 'rel="next"' not in body:
            return slugs
        page += 1


def pick(app: Flask, area_slug: str, status: S) -> tuple[int, str, str, int]:
    """A unit with an authorisation of ``status`` in the area, only in that area, whose last decision
    lies in the past: (unit id, slug, name, authorisation id)."""
    with app.app_context():
        area_id = db.session.scalar(select(Area.id).where(Area.slug == area_slug))
        for authorisation in db.session.scalars(select(Authorisation).where(
                Authorisation.area_id == area_id, Authorisation.status == status).order_by(Authorisation.id)):
            unit = authorisation.unit
            names = db.session.scalar(select(func.count()).select_from(Unit).where(Unit.name == unit.name))
            if (len(unit.authorisations) == 1 and names == 1 and authorisation.events
                    and max(e.decided_on for e in authorisation.events) < date.today()):
                return unit.id, unit.slug, unit.name, authorisation.id
    raise AssertionError(f"no unit {status} in {area_slug}")


def state(app: Flask, authorisation_id: int) -> tuple:
    with app.app_context():
        a = db.session.get(Authorisation, authorisation_id)
        return (a.status, a.status_since, a.authorised_since, a.decision_reference, a.rulebook_id,
                [(e.status, e.decided_on, e.decision_reference, e.reason, e.decided_by_id) for e in a.events])


def decide(client, unit_id: int, area_slug: str, **fields: str):  # type: ignore[no-untyped-def]
    path = f"/admin/enheter/{unit_id}/kundval/{area_slug}"
    data = {"beslutsdatum": date.today().isoformat(), "diarienummer": "", "motivering": "Skäl till beslutet.",
            **fields, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


def test_revoked_today_the_unit_leaves_the_public_list_and_search_and_keeps_its_history(fresh_app):
    client = fresh_app.test_client()
    unit_id, slug, name, authorisation_id = pick(fresh_app, "forskola", S.AUTHORISED)
    assert slug in listed_slugs(client, "forskola")
    assert f'href="/enheter/{slug}"' in client.get("/sok", query_string={"q": name}).get_data(as_text=True)
    history_before = state(fresh_app, authorisation_id)[-1]

    sign_in(client, OFFICER_EDUCATION)
    response = decide(client, unit_id, "forskola", beslut="aterkallad", diarienummer="UBN 2026/0777",
                      motivering="Allvarliga brister i tillsynen har inte åtgärdats.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/enheter/{unit_id}/kundval/forskola"
    page = text(client.get(response.headers["Location"]))
    assert swedish(fresh_app, "The decision is recorded. The status is now: %(status)s.", status="Återkallad") in page

    today = date.today()
    status, since, authorised_since, reference, _, events = state(fresh_app, authorisation_id)
    assert (status, since, reference) == (S.REVOKED, today, "UBN 2026/0777")
    assert authorised_since is not None  # the authorisation's start stays on record
    assert events[:-1] == history_before  # nothing of the history is lost
    with fresh_app.app_context():
        officer = db.session.scalar(select(User.id).where(User.email == OFFICER_EDUCATION))
        audited = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "authorisation",
                                                             AuditEvent.entity_id == authorisation_id))
        assert audited.changes["status"] == {"old": "auktoriserad", "new": "aterkallad"}
    assert events[-1] == (S.REVOKED, today, "UBN 2026/0777", "Allvarliga brister i tillsynen har inte åtgärdats.",
                          officer)

    assert slug not in listed_slugs(client, "forskola")  # today, at once
    assert f'href="/enheter/{slug}"' not in client.get("/sok", query_string={"q": name}).get_data(as_text=True)
    unit_page = client.get(f"/enheter/{slug}")
    assert unit_page.status_code == 200 and "Återkallad" in text(unit_page)  # the unit page still exists

    page = text(client.get(f"/admin/enheter/{unit_id}/kundval/forskola"))
    rows = page.split("<tbody>")[-1].split("</tbody>")[0].count("<tr>")
    assert rows == len(events)
    for _, decided_on, event_reference, reason, _ in events:
        assert reason in page and (event_reference is None or event_reference in page)
    with fresh_app.app_context():
        officer_name = db.session.get(User, officer).name
    assert officer_name in page


def test_every_valid_decision_moves_the_status_and_the_public_list_follows(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    unit_id, slug, _, authorisation_id = pick(fresh_app, "forskola", S.APPLIED)
    last = max(e[1] for e in state(fresh_app, authorisation_id)[-1])
    assert slug not in listed_slugs(client, "forskola")

    day = last + (date.today() - last) // 2 if last < date.today() else date.today()
    assert decide(client, unit_id, "forskola", beslut="auktoriserad", diarienummer="UBN 2026/0100",
                  beslutsdatum=day.isoformat()).status_code == 303
    status, since, authorised_since, _, rulebook_id, _ = state(fresh_app, authorisation_id)
    assert (status, since, authorised_since) == (S.AUTHORISED, day, day) and rulebook_id is not None
    assert slug in listed_slugs(client, "forskola")

    assert decide(client, unit_id, "forskola", beslut="vilande", diarienummer="UBN 2026/0101").status_code == 303
    assert slug not in listed_slugs(client, "forskola")
    assert decide(client, unit_id, "forskola", beslut="auktoriserad", diarienummer="UBN 2026/0102").status_code == 303
    status, _, authorised_since, _, _, _ = state(fresh_app, authorisation_id)
    assert status is S.AUTHORISED and authorised_since == day  # resumed: the authorisation's start stays
    assert slug in listed_slugs(client, "forskola")

    assert decide(client, unit_id, "forskola", beslut="avslutad").status_code == 303  # no reference needed
    assert decide(client, unit_id, "forskola", beslut="ansokt").status_code == 303  # a new application
    status, _, authorised_since, reference, _, events = state(fresh_app, authorisation_id)
    assert (status, authorised_since, reference) == (S.APPLIED, None, None)
    assert [e[0] for e in events][-5:] == [S.AUTHORISED, S.SUSPENDED, S.AUTHORISED, S.ENDED, S.APPLIED]
    assert slug not in listed_slugs(client, "forskola")


def test_invalid_transitions_are_refused_with_a_message(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    unit_id, _, _, authorisation_id = pick(fresh_app, "forskola", S.AUTHORISED)
    assert decide(client, unit_id, "forskola", beslut="aterkallad", diarienummer="UBN 2026/0200").status_code == 303
    before = state(fresh_app, authorisation_id)
    for refused in ("vilande", "auktoriserad", "avslutad"):
        response = decide(client, unit_id, "forskola", beslut=refused, diarienummer="UBN 2026/0201")
        assert response.status_code == 400
        page = text(response)
        assert page.count("<title>Fel: ") == 1
        message = swedish(fresh_app, "The authorisation's status is %(current)s, which is final. Only a new "
                                     "application can follow.", current="återkallad")
        assert f'<a href="#beslut">{message}</a>' in page
    assert state(fresh_app, authorisation_id) == before

    applied_unit, _, _, applied_id = pick(fresh_app, "forskola", S.APPLIED)
    before = state(fresh_app, applied_id)
    response = decide(client, applied_unit, "forskola", beslut="vilande", diarienummer="UBN 2026/0202")
    assert response.status_code == 400
    assert swedish(fresh_app, "This decision is not possible while the authorisation's status is %(current)s. "
                              "Possible decisions: %(allowed)s.", current="ansökt",
                   allowed="Auktoriserad, Avslutad") in text(response)
    assert state(fresh_app, applied_id) == before
    # The form offers only the possible decisions.
    options = re.findall(r'name="beslut" type="radio" value="([a-z]+)"', text(response))
    assert options == ["auktoriserad", "avslutad"]


def test_a_decision_needs_a_valid_date_a_reference_and_a_reason(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    unit_id, _, _, authorisation_id = pick(fresh_app, "forskola", S.AUTHORISED)
    before = state(fresh_app, authorisation_id)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = decide(client, unit_id, "forskola", beslut="vilande", beslutsdatum=tomorrow, diarienummer="",
                      motivering="  ")
    assert response.status_code == 400
    page = text(response)
    for field, message in {"beslutsdatum": "The date of the decision cannot be in the future.",
                           "diarienummer": "Enter the decision reference (diarienummer).",
                           "motivering": "Write the reason for the decision."}.items():
        assert f'<a href="#{field}">{swedish(fresh_app, message)}</a>' in page, field
    assert f'value="{tomorrow}"' in page and '<input checked id="beslut-0"' in page  # what was chosen is kept

    earlier = (before[-1][-1][1] - timedelta(days=1)).isoformat()
    response = decide(client, unit_id, "forskola", beslut="vilande", beslutsdatum=earlier, diarienummer="X 1")
    assert response.status_code == 400
    assert "<title>Fel: " in text(response) and 'href="#beslutsdatum"' in text(response)
    assert decide(client, unit_id, "forskola", beslut="vilande", beslutsdatum="igår",
                  diarienummer="X 1").status_code == 400
    assert decide(client, unit_id, "forskola", diarienummer="X 1").status_code == 400  # no decision chosen
    assert state(fresh_app, authorisation_id) == before


def test_an_officer_of_another_area_cannot_see_or_decide(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    unit_id, slug, _, authorisation_id = pick(fresh_app, "forskola", S.AUTHORISED)
    before = state(fresh_app, authorisation_id)
    with fresh_app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuthorisationEvent))
    path = f"/admin/enheter/{unit_id}/kundval/forskola"
    assert client.get(path).status_code == 403
    response = client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), "beslut": "aterkallad",
                                       "beslutsdatum": date.today().isoformat(), "diarienummer": "SOCN 1",
                                       "motivering": "Försök."})
    assert response.status_code == 403
    assert state(fresh_app, authorisation_id) == before
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuthorisationEvent)) == events
    assert slug in listed_slugs(client, "forskola")


def test_a_decision_without_csrf_token_is_refused(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    unit_id, _, _, authorisation_id = pick(fresh_app, "forskola", S.AUTHORISED)
    before = state(fresh_app, authorisation_id)
    response = client.post(f"/admin/enheter/{unit_id}/kundval/forskola", data={
        "beslut": "aterkallad", "beslutsdatum": date.today().isoformat(), "diarienummer": "X", "motivering": "x"})
    assert response.status_code == 400
    assert state(fresh_app, authorisation_id) == before


def test_the_decision_page_is_linked_from_the_unit_and_the_provider(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    unit_id, _, _, _ = pick(fresh_app, "forskola", S.AUTHORISED)
    with fresh_app.app_context():
        provider_id = db.session.get(Unit, unit_id).provider_id
    decision = f'href="/admin/enheter/{unit_id}/kundval/forskola"'
    assert decision in client.get(f"/admin/enheter/{unit_id}").get_data(as_text=True)
    assert decision in client.get(f"/admin/anordnare/{provider_id}").get_data(as_text=True)
    assert client.get(f"/admin/enheter/{unit_id}/kundval/hemtjanst").status_code == 403  # not this officer's
    assert client.get(f"/admin/enheter/{unit_id}/kundval/pedagogisk-omsorg").status_code == 404  # not in it
