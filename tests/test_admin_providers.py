"""Back office: registering and editing providers and units, through HTTP, checked in the database."""

from __future__ import annotations

import html
import re
from datetime import date

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Area, AuditEvent, Authorisation, AuthorisationEvent, AuthorisationStatus, Ownership, Provider, Unit,
    UnitAttribute, UnitLanguage, User,
)
from jamforaren.services.orgnumber import with_check_digit
from jamforaren.services.text import slugify
from tests.conftest import ADMIN, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in

NEW_NUMBER = with_check_digit("559912345")  # 559912-345x: not in the demo data


def swedish(app: Flask, message: str, **variables: object) -> str:
    """``message`` as the Swedish interface shows it (its translation once the catalogue has one)."""
    with app.test_request_context(), force_locale("sv"):
        return gettext(message, **variables)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def provider_data(**changes: str) -> dict[str, str]:
    data = {"namn": "Solglimtens Omsorg AB", "organisationsnummer": NEW_NUMBER, "driftsform": "enskild",
            "webbplats": "www.solglimten.example", "epost": "info@solglimten.example", "telefon": "08-123 456 78"}
    data.update(changes)
    return data


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def area_id(slug: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.slug == slug))


def user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def units_in(slug: str, status: AuthorisationStatus = AuthorisationStatus.AUTHORISED) -> list[Unit]:
    return list(db.session.scalars(select(Unit).join(Authorisation).where(
        Authorisation.area_id == area_id(slug), Authorisation.status == status).order_by(Unit.id)))


def only_in(slug: str) -> Unit:
    """An authorised unit of the area that is in no other area, of a provider only in this area."""
    for unit in units_in(slug):
        provider_areas = {a.area_id for u in unit.provider.units for a in u.authorisations}
        if provider_areas == {area_id(slug)}:
            return unit
    raise AssertionError(f"no unit only in {slug}")


def unit_snapshot(unit_id: int) -> dict[str, object]:
    db.session.expire_all()
    unit = db.session.get(Unit, unit_id)
    columns = {c.key: getattr(unit, c.key) for c in Unit.__table__.columns}
    return {**columns, "languages": sorted(lang.language for lang in unit.languages),
            "attributes": sorted((a.area_id, a.key, a.value) for a in unit.attributes),
            "authorisations": sorted((a.area_id, a.status.value, len(a.events)) for a in unit.authorisations)}


def unit_form_data(client, unit_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the edit form would send unchanged: every field as the page shows it."""
    page = client.get(f"/admin/enheter/{unit_id}").get_data(as_text=True)
    form = page.split(f'action="/admin/enheter/{unit_id}"')[1].split("</form>")[0]
    data: dict[str, object] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        kind, name = attributes.get("type", "text"), attributes.get("name")
        if not name:
            continue
        if kind in ("checkbox", "radio"):
            if " checked" in tag:
                if kind == "checkbox":
                    data.setdefault(name, []).append(html.unescape(attributes["value"]))  # type: ignore[union-attr]
                else:
                    data[name] = html.unescape(attributes["value"])
        else:
            data[name] = html.unescape(attributes.get("value", ""))
    return data


# --- providers --------------------------------------------------------------------------------------


def test_the_provider_list_searches_by_name_and_organisation_number_and_pages(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        provider = db.session.scalar(select(Provider).order_by(Provider.id).limit(1))
        name, number, total = provider.name, provider.org_number, count(Provider)
    first = client.get("/admin/anordnare")
    assert first.status_code == 200
    assert f"{total} anordnare" in text(first) and 'rel="next"' in text(first)  # more than a page
    assert text(first).count('<th scope="row">') == fresh_app.config["PAGE_SIZE"]
    by_name = text(client.get("/admin/anordnare", query_string={"q": name.split()[0].lower()}))
    assert name in by_name
    by_number = text(client.get("/admin/anordnare", query_string={"q": number.replace("-", "")}))
    assert name in by_number and by_number.count('<th scope="row">') == 1
    nothing = text(client.get("/admin/anordnare", query_string={"q": "finns-inte-alls"}))
    assert '<th scope="row">' not in nothing and name not in nothing


def test_registering_a_provider(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    data = provider_data(organisationsnummer=NEW_NUMBER.replace("-", ""), csrf_token=csrf_token(client, "/admin/anordnare/ny"))
    response = client.post("/admin/anordnare/ny", data=data)
    assert response.status_code == 303
    with fresh_app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.org_number == NEW_NUMBER))
        assert provider is not None and provider.name == "Solglimtens Omsorg AB"
        assert provider.ownership is Ownership.PRIVATE and provider.slug == "solglimtens-omsorg-ab"
        assert provider.website == "https://www.solglimten.example"
        assert response.headers["Location"] == f"/admin/anordnare/{provider.id}"
        inserted = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "provider",
                                                              AuditEvent.entity_id == provider.id))
        assert inserted.action == "insert" and inserted.actor == OFFICER_CARE
        message = swedish(fresh_app, "The provider %(name)s is registered.", name=provider.name)
    page = client.get(response.headers["Location"])
    assert message in text(page)


def _refused(fresh_app, data: dict[str, str], message: str, field: str = "organisationsnummer") -> None:  # type: ignore[no-untyped-def]
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        before = count(Provider)
    response = client.post("/admin/anordnare/ny", data={**data, "csrf_token": csrf_token(client, "/admin/anordnare/ny")})
    assert response.status_code == 400
    page = text(response)
    assert page.count("<title>Fel: ") == 1
    assert message in page, message
    assert f'<a href="#{field}">{message}</a>' in page  # in the summary, linked to the field
    assert f'value="{data["namn"]}"' in page  # what was typed is kept
    with fresh_app.app_context():
        assert count(Provider) == before
        assert db.session.scalar(select(Provider).where(Provider.name == data["namn"])) is None


def test_a_wrong_check_digit_is_refused_and_nothing_is_written(fresh_app):
    message = swedish(fresh_app, "The organisation number is wrong: its last digit (the check digit) does not "
                                 "match. Check the number.")
    _refused(fresh_app, provider_data(organisationsnummer=wrong_check_digit(NEW_NUMBER)), message)


def test_a_wrongly_written_organisation_number_is_refused(fresh_app):
    message = swedish(fresh_app, "Enter the organisation number as ten digits, such as 556123-4567.")
    _refused(fresh_app, provider_data(organisationsnummer="55991-2345"), message)


def test_an_organisation_number_already_registered_is_refused(fresh_app):
    with fresh_app.app_context():
        existing = db.session.scalar(select(Provider).order_by(Provider.id).limit(1))
        number, name = existing.org_number, existing.name
    message = swedish(fresh_app, "The organisation number %(number)s is already registered, for %(name)s.",
                      number=number, name=name)
    _refused(fresh_app, provider_data(organisationsnummer=number.replace("-", "")), message)


def test_every_problem_is_shown_at_once_in_english_too(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    client.set_cookie("lang", "en")
    response = client.post("/admin/anordnare/ny", data={
        "csrf_token": csrf_token(client, "/admin/anordnare/ny"), "namn": "", "organisationsnummer": "",
        "epost": "inte-en-adress", "webbplats": "http://"})
    assert response.status_code == 400
    page = text(response)
    assert page.count("<title>Error: Register a provider") == 1
    for message in ("Enter the provider's name.", "Enter the organisation number.", "Choose the ownership form.",
                    "Enter an e-mail address like namn@exempel.se.", "Enter a web address such as https://www.exempel.se."):
        assert message in page


def test_a_post_without_csrf_token_is_refused(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        before = count(Provider)
    assert client.post("/admin/anordnare/ny", data=provider_data()).status_code == 400
    with fresh_app.app_context():
        assert count(Provider) == before


def test_editing_a_provider_is_audited_with_before_and_after(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        provider = only_in("forskola").provider
        provider_id, old_name, number, ownership = provider.id, provider.name, provider.org_number, provider.ownership
    path = f"/admin/anordnare/{provider_id}"
    page = text(client.get(path))
    assert f'value="{old_name}"' in page  # the edit form, filled in
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "namn": "Nytt Namn Förskolor AB",
                                       "organisationsnummer": number, "driftsform": ownership.value,
                                       "telefon": "08-555 000 11"})
    assert response.status_code == 303 and response.headers["Location"] == path
    with fresh_app.app_context():
        provider = db.session.get(Provider, provider_id)
        assert provider.name == "Nytt Namn Förskolor AB" and provider.phone == "08-555 000 11"
        assert provider.website is None and provider.email is None
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.entity_type == "provider", AuditEvent.entity_id == provider_id, AuditEvent.action == "update"))
        assert event.actor == OFFICER_EDUCATION and event.user_id == user_id(OFFICER_EDUCATION)
        assert event.changes["name"] == {"old": old_name, "new": "Nytt Namn Förskolor AB"}
        assert event.changes["phone"]["new"] == "08-555 000 11"
        assert "org_number" not in event.changes  # unchanged fields are not recorded
    assert swedish(fresh_app, "The changes are saved.") in text(client.get(path))


def test_a_provider_of_another_area_is_read_only_and_cannot_be_changed(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        provider = only_in("forskola").provider
        provider_id, name, number = provider.id, provider.name, provider.org_number
    path = f"/admin/anordnare/{provider_id}"
    page = client.get(path)
    assert page.status_code == 200 and name in text(page) and 'name="namn"' not in text(page)
    response = client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), "namn": "Kapad AB",
                                       "organisationsnummer": number, "driftsform": "enskild"})
    assert response.status_code == 403
    with fresh_app.app_context():
        assert db.session.get(Provider, provider_id).name == name
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "provider", AuditEvent.entity_id == provider_id)) == 0


# --- units ------------------------------------------------------------------------------------------


def test_registering_a_unit_with_its_application(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        existing = only_in("forskola")
        provider_id, taken_name, forskola = existing.provider_id, existing.name, area_id("forskola")
        before = count(Unit)
    path = f"/admin/anordnare/{provider_id}/enheter/ny"
    applied_on = date.today().replace(day=1)
    response = client.post(path, data={
        "csrf_token": csrf_token(client, path), "kundval": str(forskola), "ansokningsdatum": applied_on.isoformat(),
        "diarienummer": "UBN 2026/1234", "anteckning": "Ansökan inkom via e-post.", "namn": taken_name,
        "gatuadress": "Ekvägen 3", "postnummer": "13130", "ort": "Nacka", "kommundel": "Sicklaön",
        "latitud": "59,3105", "longitud": "18.1635", "platser": "40", "lediga_platser": "5", "sprak": ["en", "fi"]})
    assert response.status_code == 303
    with fresh_app.app_context():
        assert count(Unit) == before + 1
        unit = db.session.scalar(select(Unit).order_by(Unit.id.desc()).limit(1))
        assert response.headers["Location"] == f"/admin/enheter/{unit.id}"
        assert unit.provider_id == provider_id and unit.name == taken_name
        assert unit.slug != existing.slug and unit.slug.startswith(slugify(taken_name) + "-")  # unique
        assert unit.postal_code == "131 30" and unit.latitude == 59.3105 and unit.longitude == 18.1635
        assert (unit.capacity, unit.free_places) == (40, 5)
        assert sorted(lang.language for lang in unit.languages) == ["en", "fi"]
        [authorisation] = unit.authorisations
        assert authorisation.area_id == forskola and authorisation.status is AuthorisationStatus.APPLIED
        assert authorisation.status_since == applied_on and authorisation.decision_reference == "UBN 2026/1234"
        [event] = authorisation.events
        assert event.status is AuthorisationStatus.APPLIED and event.decided_on == applied_on
        assert event.reason == "Ansökan inkom via e-post." and event.decided_by_id == user_id(OFFICER_EDUCATION)
        slug, unit_id = unit.slug, unit.id
    assert client.get(f"/enheter/{slug}").status_code == 404  # an application is not public
    edit = text(client.get(response.headers["Location"]))
    assert f"/admin/enheter/{unit_id}/kundval/forskola" in edit  # the decision page is linked
    provider_page = text(client.get(f"/admin/anordnare/{provider_id}"))
    assert f'href="/admin/enheter/{unit_id}"' in provider_page  # the provider lists its units


def test_registering_a_unit_with_problems_shows_them_all_and_writes_nothing(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        provider_id, forskola = only_in("forskola").provider_id, area_id("forskola")
        counts = (count(Unit), count(Authorisation), count(AuthorisationEvent))
    path = f"/admin/anordnare/{provider_id}/enheter/ny"
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    response = client.post(path, data={
        "csrf_token": csrf_token(client, path), "kundval": str(forskola), "ansokningsdatum": tomorrow,
        "anteckning": "", "namn": "", "gatuadress": "Ekvägen 3", "postnummer": "1313", "platser": "många",
        "longitud": "18.1"})
    assert response.status_code == 400
    page = text(response)
    assert page.count("<title>Fel: ") == 1
    for field, message in {"ansokningsdatum": "The date cannot be in the future.",
                           "anteckning": "Write a note about the application.", "namn": "Enter the unit's name.",
                           "postnummer": "Enter a postal code of five digits, such as 131 30.",
                           "platser": "Enter a whole number, 0 or more.",
                           "latitud": "Give both latitude and longitude, or neither."}.items():
        assert f'<a href="#{field}">{swedish(fresh_app, message)}</a>' in page, field
    assert 'value="Ekvägen 3"' in page and 'value="många"' in page and f'value="{tomorrow}"' in page
    assert f'<option selected value="{forskola}">' in page
    with fresh_app.app_context():
        assert (count(Unit), count(Authorisation), count(AuthorisationEvent)) == counts


def test_registering_a_unit_in_another_officers_area_is_forbidden(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        provider_id, forskola, before = only_in("forskola").provider_id, area_id("forskola"), count(Unit)
        authorisations_before = count(Authorisation)
    path = f"/admin/anordnare/{provider_id}/enheter/ny"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "kundval": str(forskola),
                                       "ansokningsdatum": date.today().isoformat(), "anteckning": "x",
                                       "namn": "Smygförskolan"})
    assert response.status_code == 403
    with fresh_app.app_context():
        assert count(Unit) == before and count(Authorisation) == authorisations_before


def test_editing_a_unit_with_bad_input_shows_every_problem_and_keeps_the_input(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        unit_id = only_in("forskola").id
        before = unit_snapshot(unit_id)
    path = f"/admin/enheter/{unit_id}"
    data = unit_form_data(client, unit_id)
    data.update({"csrf_token": csrf_token(client, path), "latitud": "95", "longitud": "18.2", "platser": "-3",
                 "lediga_platser": "tre", "postnummer": "1313", "profil-forskola-pedagogik": "okand",
                 "profil-forskola-aldrar": ["barn-1-3", "vuxna"], "profil-forskola-tillagningskok": "kanske",
                 "epost": "fel@", "sprak": ["en", "xx"]})
    response = client.post(path, data=data)
    assert response.status_code == 400
    page = text(response)
    assert page.count("<title>Fel: ") == 1 and 'class="error-summary"' in page
    expected = {  # what the form cannot read and what the service's rules refuse, all at once
        "platser": "Enter a whole number, 0 or more.", "lediga_platser": "Enter a whole number, 0 or more.",
        "latitud": "The latitude is a number from -90 to 90 (in Sweden about 55 to 69).",
        "postnummer": "Enter a postal code of five digits, such as 131 30.",
        "epost": "Enter an e-mail address like namn@exempel.se.",
        "sprak": "Choose only among the languages in the list.",
        "profil-forskola-pedagogik": "Choose one of the options.",
        "profil-forskola-aldrar": "Choose only among the options.",
        "profil-forskola-tillagningskok": "Choose yes or no.",
    }
    for field, message in expected.items():
        assert f'<a href="#{field}">{swedish(fresh_app, message)}</a>' in page, field
    for typed in ('value="95"', 'value="-3"', 'value="tre"', 'value="1313"', 'value="fel@"'):
        assert typed in page, typed
    with fresh_app.app_context():
        assert unit_snapshot(unit_id) == before

    data.update({"platser": "30", "lediga_platser": "31", "latitud": "59.3"})  # one rule left broken: the pair
    del data["longitud"]
    page = text(client.post(path, data=data))
    assert f'<a href="#lediga_platser">{swedish(fresh_app, "Free places cannot be more than the number of places.")}</a>' in page
    assert f'<a href="#longitud">{swedish(fresh_app, "Give both latitude and longitude, or neither.")}</a>' in page
    with fresh_app.app_context():
        assert unit_snapshot(unit_id) == before


def test_editing_a_unit_saves_facts_languages_and_the_areas_attributes(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        unit = only_in("forskola")
        unit_id, forskola, slug = unit.id, area_id("forskola"), unit.slug
    path = f"/admin/enheter/{unit_id}"
    data = unit_form_data(client, unit_id)
    data.update({"csrf_token": csrf_token(client, path), "namn": "Förskolan Nyckelpigan", "platser": "60",
                 "lediga_platser": "4", "latitud": "59,32", "longitud": "18,2", "sprak": ["so", "ar"],
                 "profil-forskola-pedagogik": "montessori", "profil-forskola-aldrar": ["barn-4-5", "barn-1-3"],
                 "profil-forskola-utokade-oppettider": "false", "profil-forskola-tillagningskok": ""})
    response = client.post(path, data=data)
    assert response.status_code == 303 and response.headers["Location"] == path
    with fresh_app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.name == "Förskolan Nyckelpigan" and unit.slug == slug  # the public address stays
        assert (unit.capacity, unit.free_places, unit.latitude, unit.longitude) == (60, 4, 59.32, 18.2)
        assert sorted(lang.language for lang in unit.languages) == ["ar", "so"]
        assert unit.attribute_values(forskola) == {"pedagogik": ["montessori"], "aldrar": ["barn-1-3", "barn-4-5"],
                                                   "utokade-oppettider": ["false"]}
        audited = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "unit",
                                                             AuditEvent.entity_id == unit_id))
        assert audited.changes["name"]["new"] == "Förskolan Nyckelpigan" and audited.actor == OFFICER_EDUCATION
    public = text(client.get(f"/enheter/{slug}"))
    assert "Förskolan Nyckelpigan" in public and "Montessori" in public


def test_an_integer_attribute_must_be_a_whole_number(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        unit_id = units_in("anpassad-gymnasieskola")[0].id
        area = area_id("anpassad-gymnasieskola")
        before = unit_snapshot(unit_id)
    path = f"/admin/enheter/{unit_id}"
    data = unit_form_data(client, unit_id)
    data.update({"csrf_token": csrf_token(client, path), "profil-anpassad-gymnasieskola-antal-platser": "-2"})
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert swedish(fresh_app, "Enter a whole number, 0 or more.") in text(response)
    assert 'value="-2"' in text(response)
    with fresh_app.app_context():
        assert unit_snapshot(unit_id) == before
    data["profil-anpassad-gymnasieskola-antal-platser"] = "018"
    assert client.post(path, data=data).status_code == 303
    with fresh_app.app_context():
        assert db.session.get(Unit, unit_id).attribute_values(area)["antal-platser"] == ["18"]


def test_an_areas_profile_is_kept_only_by_that_areas_officers(fresh_app):
    """A unit in förskola and hemtjänst: the education officer edits the shared facts and the förskola
    profile, sees the hemtjänst profile read-only, and cannot change it even by posting its fields."""
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        unit = only_in("forskola")
        unit_id, hemtjanst = unit.id, area_id("hemtjanst")
        authorisation = Authorisation(area_id=hemtjanst, status=AuthorisationStatus.AUTHORISED,
                                      status_since=date(2024, 1, 1), authorised_since=date(2024, 1, 1))
        unit.authorisations.append(authorisation)
        unit.attributes.append(UnitAttribute(area_id=hemtjanst, key="natt", value="true"))
        db.session.commit()
    path = f"/admin/enheter/{unit_id}"
    page = text(client.get(path))
    assert 'name="profil-hemtjanst-natt"' not in page and "Utför insatser även nattetid" in page
    data = unit_form_data(client, unit_id)
    data.update({"csrf_token": csrf_token(client, path), "telefon": "08-111 222 33",
                 "profil-hemtjanst-natt": "false", "profil-hemtjanst-insatser": ["service"]})
    assert client.post(path, data=data).status_code == 303
    with fresh_app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.phone == "08-111 222 33"
        assert unit.attribute_values(hemtjanst) == {"natt": ["true"]}  # untouched


def test_an_officer_of_another_area_gets_403_on_every_unit_page_and_write(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        unit = only_in("forskola")
        unit_id, provider_id, forskola, hemtjanst = unit.id, unit.provider_id, area_id("forskola"), area_id("hemtjanst")
        before = unit_snapshot(unit_id)
        provider_before = {c.key: getattr(unit.provider, c.key) for c in Provider.__table__.columns}
        counts = (count(Unit), count(Authorisation), count(AuthorisationEvent), count(UnitLanguage), count(UnitAttribute))
    token = csrf_token(client, "/admin/")
    assert client.get(f"/admin/enheter/{unit_id}").status_code == 403
    writes = [
        (f"/admin/enheter/{unit_id}", {"namn": "Kapad", "platser": "1", "profil-forskola-pedagogik": "waldorf"}),
        (f"/admin/enheter/{unit_id}/ansokan", {"ansokan-kundval": str(hemtjanst),
                                               "ansokan-ansokningsdatum": date.today().isoformat(),
                                               "ansokan-anteckning": "x"}),
        (f"/admin/anordnare/{provider_id}", {"namn": "Kapad AB", "organisationsnummer": "x", "driftsform": "ideell"}),
        (f"/admin/anordnare/{provider_id}/enheter/ny", {"kundval": str(forskola), "namn": "Ny",
                                                        "ansokningsdatum": date.today().isoformat(), "anteckning": "x"}),
        (f"/admin/enheter/{unit_id}/kundval/forskola", {"beslut": "aterkallad", "diarienummer": "X 1",
                                                        "beslutsdatum": date.today().isoformat(), "motivering": "x"}),
    ]
    for path, data in writes:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    with fresh_app.app_context():
        assert unit_snapshot(unit_id) == before
        provider = db.session.get(Provider, provider_id)
        assert {c.key: getattr(provider, c.key) for c in Provider.__table__.columns} == provider_before
        assert (count(Unit), count(Authorisation), count(AuthorisationEvent), count(UnitLanguage),
                count(UnitAttribute)) == counts


def test_a_unit_applies_in_another_of_the_officers_areas(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    with fresh_app.app_context():
        unit_id, pedagogisk = only_in("forskola").id, area_id("pedagogisk-omsorg")
    path = f"/admin/enheter/{unit_id}"
    response = client.post(f"{path}/ansokan", data={
        "csrf_token": csrf_token(client, path), "ansokan-kundval": str(pedagogisk),
        "ansokan-ansokningsdatum": date.today().isoformat(), "ansokan-diarienummer": "",
        "ansokan-anteckning": "Ansökan inkom."})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/enheter/{unit_id}/kundval/pedagogisk-omsorg"
    with fresh_app.app_context():
        authorisation = db.session.scalar(select(Authorisation).where(Authorisation.unit_id == unit_id,
                                                                      Authorisation.area_id == pedagogisk))
        assert authorisation.status is AuthorisationStatus.APPLIED and len(authorisation.events) == 1
    assert 'name="profil-pedagogisk-omsorg-' in text(client.get(path))  # its profile can now be kept


def test_an_administrator_may_edit_any_provider(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, ADMIN)
    with fresh_app.app_context():
        provider = only_in("hemtjanst").provider
        path, number = f"/admin/anordnare/{provider.id}", provider.org_number
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "namn": "Omdöpt AB",
                                       "organisationsnummer": number, "driftsform": "kooperativ"})
    assert response.status_code == 303
    with fresh_app.app_context():
        assert db.session.scalar(select(Provider.ownership).where(Provider.org_number == number)) is Ownership.COOPERATIVE
