"""The register of providers (anordnare) and their units (enheter), kept by the huvudmannaenheter.

- Any officer may register a provider, and a unit of any provider together with its application
  (ansökan) in one of the officer's own areas.
- A provider may be edited by an administrator or by an officer of an area where one of its units is
  authorised, suspended or applying.
- A unit's shared facts may be edited by an officer of any of the unit's areas; its profile attributes
  of an area only by that area's officers.

Every function checks the permission before it writes, validates the whole input, and either commits
everything or raises :class:`RegistryError` (with a translated message per field) and writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.labels import LANGUAGE_CODES
from jamforaren.models import (
    Area, Authorisation, AuthorisationEvent, AuthorisationStatus, Ownership, Provider, Unit, UnitAttribute,
    UnitLanguage, User,
)
from jamforaren.services import orgnumber
from jamforaren.services.listing import Page, paginate
from jamforaren.services.permissions import (
    can_edit_provider,
    can_manage_area, is_officer, managed_areas, require, require_area, require_unit,
)
from jamforaren.services.text import slugify


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,38}$")
WEBSITE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
POSTAL_CODE = re.compile(r"^(\d{3}) ?(\d{2})$")
ORG_FORMAT = re.compile(r"^\d{6}-?\d{4}$")
KOLADA_OU = re.compile(r"^[A-Za-z0-9]{1,40}$")


class RegistryError(ValueError):
    """Input that breaks a rule. ``errors`` maps each wrong field (the model's attribute name, or
    ``(area_id, key)`` for a profile attribute) to its translated message."""

    def __init__(self, errors: dict[Any, Any]) -> None:
        self.errors = errors
        super().__init__(next(iter(errors.values())))


# --- input ----------------------------------------------------------------------------------------


@dataclass
class ProviderInput:
    name: str
    org_number: str
    ownership: str
    website: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class UnitFacts:
    """A unit's facts shared by all its areas (numbers already parsed by the form)."""

    name: str
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    district: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    free_places: int | None = None
    opening_hours_sv: str | None = None
    opening_hours_en: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    kolada_ou: str | None = None
    languages: list[str] = field(default_factory=list)


@dataclass
class Application:
    """An application for authorisation in an area: when it came in, its case number, a note."""

    area: Area
    applied_on: date | None
    reference: str | None
    note: str | None


# --- reading ----------------------------------------------------------------------------------------


def search_providers(query: str, page: int, per_page: int) -> Page[Provider]:
    """Providers whose name contains ``query`` or whose organisation number contains its digits."""
    statement = select(Provider).options(selectinload(Provider.units)).order_by(func.lower(Provider.name), Provider.id)
    query = " ".join((query or "").split())
    if query:
        statement = statement.where(or_(*_name_matches(query), *_org_number_matches(query)))
    return paginate(statement, page, per_page)


def _name_matches(query: str) -> list[Any]:
    # SQLite folds only A–Z in lower()/LIKE, so also try the usual spellings of Å, Ä and Ö words.
    variants = {query, query.lower(), query.upper(), query.capitalize(), query.title()}
    escaped = [v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for v in variants]
    return [Provider.name.ilike(f"%{v}%", escape="\\") for v in sorted(escaped)]


def _org_number_matches(query: str) -> list[Any]:
    digits = re.sub(r"[\s\-]", "", query)
    if len(digits) < 4 or not digits.isdigit():
        return []
    return [func.replace(Provider.org_number, "-", "").like(f"%{digits}%")]


def provider_by_id(provider_id: int) -> Provider | None:
    return db.session.scalar(
        select(Provider).where(Provider.id == provider_id).options(
            selectinload(Provider.units).selectinload(Unit.authorisations).selectinload(Authorisation.area))
    )


def unit_by_id(unit_id: int) -> Unit | None:
    return db.session.scalar(
        select(Unit).where(Unit.id == unit_id).options(
            selectinload(Unit.provider), selectinload(Unit.languages), selectinload(Unit.attributes),
            selectinload(Unit.authorisations).selectinload(Authorisation.area))
    )


def unit_areas(unit: Unit) -> list[Area]:
    """The areas a unit is in (any status), in catalogue order."""
    areas = {a.area_id: a.area for a in unit.authorisations}
    return sorted(areas.values(), key=lambda a: (a.process_id, a.position, a.id))


def editable_attribute_areas(user: User, unit: Unit) -> list[Area]:
    """The unit's areas whose profile attributes ``user`` may edit (with attributes defined)."""
    return [a for a in unit_areas(unit) if can_manage_area(user, a.id) and a.attribute_definitions]


def known_districts() -> list[str]:
    return sorted(db.session.scalars(select(func.distinct(Unit.district)).where(Unit.district.is_not(None))),
                  key=str.lower)


def areas_open_for_application(user: User, unit: Unit | None = None) -> list[Area]:
    """The user's areas in which ``unit`` has no authorisation yet (every managed area for a new unit)."""
    taken = {a.area_id for a in unit.authorisations} if unit is not None else set()
    return [a for a in managed_areas(user) if a.id not in taken]


# --- providers --------------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _check_org_number(value: str, errors: dict[Any, Any]) -> str | None:
    raw = re.sub(r"\s", "", value or "")
    if not raw:
        errors["org_number"] = _l("Enter the organisation number.")
        return None
    if not ORG_FORMAT.match(raw):
        errors["org_number"] = _l("Enter the organisation number as ten digits, such as 556123-4567.")
        return None
    normalised = orgnumber.normalise(raw)
    if normalised is None:
        digits = raw.replace("-", "")
        if int(digits[2]) < 2:
            errors["org_number"] = _l("This is not an organisation number: its third digit is always 2 or more.")
        else:
            errors["org_number"] = _l("The organisation number is wrong: its last digit (the check digit) "
                                      "does not match. Check the number.")
    return normalised


def _check_contact(data: Any, errors: dict[Any, Any]) -> tuple[str | None, str | None, str | None]:
    email = _clean(data.email)
    if email and (not EMAIL.match(email) or len(email) > 200):
        errors["email"] = _l("Enter an e-mail address like namn@exempel.se.")
    phone = _clean(data.phone)
    if phone and not PHONE.match(phone):
        errors["phone"] = _l("Enter a phone number with digits, such as 08-123 456 78.")
    website = _clean(data.website)
    if website and not re.match(r"^[a-z]+://", website, re.IGNORECASE):
        website = "https://" + website
    if website and (not WEBSITE.match(website) or len(website) > 300):
        errors["website"] = _l("Enter a web address such as https://www.exempel.se.")
    return email, phone, website


def _validate_provider(data: ProviderInput, provider: Provider | None) -> dict[str, Any]:
    errors: dict[Any, Any] = {}
    name = _clean(data.name)
    if not name:
        errors["name"] = _l("Enter the provider's name.")
    elif len(name) > 200:
        errors["name"] = _l("At most %(max)d characters.", max=200)
    number = _check_org_number(data.org_number, errors)
    if number is not None:
        other = db.session.scalar(select(Provider).where(Provider.org_number == number))
        if other is not None and other is not provider:
            errors["org_number"] = _l("The organisation number %(number)s is already registered, for %(name)s.",
                                      number=number, name=other.name)
    try:
        ownership = Ownership(data.ownership)
    except ValueError:
        errors["ownership"] = _l("Choose the ownership form.")
        ownership = None
    email, phone, website = _check_contact(data, errors)
    if errors:
        raise RegistryError(errors)
    return {"name": name, "org_number": number, "ownership": ownership, "email": email, "phone": phone,
            "website": website}


def unique_slug(model: type[Provider] | type[Unit], text: str, max_length: int) -> str:
    base = slugify(text)[: max_length - 4].strip("-") or "x"
    taken = set(db.session.scalars(select(model.slug).where(or_(model.slug == base, model.slug.like(f"{base}-%")))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def register_provider(user: User, data: ProviderInput) -> Provider:
    """Any officer (or administrator) may register a provider."""
    require(is_officer(user))
    values = _validate_provider(data, None)
    provider = Provider(slug=unique_slug(Provider, values["name"], 120), **values)
    db.session.add(provider)
    _commit_or_duplicate(values["org_number"])
    return provider


def update_provider(user: User, provider: Provider, data: ProviderInput) -> bool:
    """Saves the provider's facts; returns whether anything changed. The slug stays (its URLs too)."""
    require(can_edit_provider(user, provider))
    values = _validate_provider(data, provider)
    changed = False
    for key, value in values.items():
        if getattr(provider, key) != value:
            setattr(provider, key, value)
            changed = True
    _commit_or_duplicate(values["org_number"])
    return changed


def _commit_or_duplicate(org_number: str | None = None, kolada_ou: str | None = None) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # someone registered the same number at the same moment
        db.session.rollback()
        if kolada_ou:
            raise RegistryError({"kolada_ou": _l("Another unit already has this Kolada id.")}) from None
        raise RegistryError({"org_number": _l("The organisation number %(number)s is already registered.",
                                              number=org_number)}) from None


# --- units ------------------------------------------------------------------------------------------


def _validate_facts(facts: UnitFacts, unit: Unit | None) -> tuple[dict[str, Any], dict[Any, Any]]:
    errors: dict[Any, Any] = {}
    values: dict[str, Any] = {}
    name = _clean(facts.name)
    if not name:
        errors["name"] = _l("Enter the unit's name.")
    elif len(name) > 200:
        errors["name"] = _l("At most %(max)d characters.", max=200)
    values["name"] = name
    for key, limit in (("street_address", 200), ("city", 100), ("district", 100), ("opening_hours_sv", 300),
                       ("opening_hours_en", 300)):
        value = _clean(getattr(facts, key))
        if value and len(value) > limit:
            errors[key] = _l("At most %(max)d characters.", max=limit)
        values[key] = value
    postal_code = _clean(facts.postal_code)
    if postal_code:
        match = POSTAL_CODE.match(postal_code)
        if match:
            postal_code = f"{match.group(1)} {match.group(2)}"
        else:
            errors["postal_code"] = _l("Enter a postal code of five digits, such as 131 30.")
    values["postal_code"] = postal_code
    latitude, longitude = facts.latitude, facts.longitude
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = _l("The latitude is a number from -90 to 90 (in Sweden about 55 to 69).")
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = _l("The longitude is a number from -180 to 180 (in Sweden about 11 to 24).")
    if (latitude is None) != (longitude is None):
        missing = "latitude" if latitude is None else "longitude"
        errors.setdefault(missing, _l("Give both latitude and longitude, or neither."))
    values["latitude"], values["longitude"] = latitude, longitude
    for key in ("capacity", "free_places"):
        number = getattr(facts, key)
        if number is not None and number < 0:
            errors[key] = _l("Enter a whole number, 0 or more.")
        values[key] = number
    if (facts.capacity is not None and facts.free_places is not None and "free_places" not in errors
            and facts.free_places > facts.capacity):
        errors["free_places"] = _l("Free places cannot be more than the number of places.")
    values["email"], values["phone"], values["website"] = _check_contact(facts, errors)
    kolada_ou = _clean(facts.kolada_ou)
    if kolada_ou:
        if not KOLADA_OU.match(kolada_ou):
            errors["kolada_ou"] = _l("Enter the Kolada id of the unit, letters and digits such as V11E018200123.")
        else:
            kolada_ou = kolada_ou.upper()
            other = db.session.scalar(select(Unit).where(Unit.kolada_ou == kolada_ou))
            if other is not None and other is not unit:
                errors["kolada_ou"] = _l("Another unit, %(name)s, already has this Kolada id.", name=other.name)
    values["kolada_ou"] = kolada_ou
    languages = sorted(set(facts.languages or []))
    if any(code not in LANGUAGE_CODES for code in languages):
        errors["languages"] = _l("Choose only among the languages in the list.")
    values["languages"] = languages
    return values, errors


def clean_attributes(area: Area, raw: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[Any, Any]]:
    """Validates an area's profile attributes against its definitions. ``raw`` maps each defined key to
    the submitted values; returns the values to store per key, and errors keyed by ``(area.id, key)``."""
    cleaned: dict[str, list[str]] = {}
    errors: dict[Any, Any] = {}
    for definition in area.attribute_definitions:
        key, kind = definition["key"], definition["type"]
        values = [v.strip() for v in raw.get(key, []) if v is not None and v.strip()]
        options = {o["key"] for o in definition.get("options") or []}
        if kind == "choice":
            if len(values) > 1 or any(v not in options for v in values):
                errors[(area.id, key)] = _l("Choose one of the options.")
        elif kind == "multichoice":
            if any(v not in options for v in values):
                errors[(area.id, key)] = _l("Choose only among the options.")
            else:
                values = [o["key"] for o in definition["options"] if o["key"] in set(values)]
        elif kind == "boolean":
            if len(values) > 1 or any(v not in ("true", "false") for v in values):
                errors[(area.id, key)] = _l("Choose yes or no.")
        elif kind == "integer":
            if len(values) > 1 or any(not (v.isascii() and v.isdigit()) or len(v) > 9 for v in values):
                errors[(area.id, key)] = _l("Enter a whole number, 0 or more.")
            else:
                values = [str(int(v)) for v in values]
        else:  # text
            if len(values) > 1 or any(len(v) > 200 for v in values):
                errors[(area.id, key)] = _l("At most %(max)d characters.", max=200)
        cleaned[key] = values
    return cleaned, errors


def _set_languages(unit: Unit, codes: list[str]) -> None:
    wanted = set(codes)
    for language in list(unit.languages):
        if language.language not in wanted:
            unit.languages.remove(language)
    present = {language.language for language in unit.languages}
    for code in sorted(wanted - present):
        unit.languages.append(UnitLanguage(language=code))


def _set_attributes(unit: Unit, area: Area, values: dict[str, list[str]]) -> None:
    wanted = {(key, value) for key, listed in values.items() for value in listed}
    defined = {d["key"] for d in area.attribute_definitions}
    for attribute in list(unit.attributes):
        if attribute.area_id == area.id and attribute.key in defined and (attribute.key, attribute.value) not in wanted:
            unit.attributes.remove(attribute)
    present = {(a.key, a.value) for a in unit.attributes if a.area_id == area.id}
    for key, value in sorted(wanted - present):
        unit.attributes.append(UnitAttribute(area_id=area.id, key=key, value=value))


def _check_unit(user: User, unit: Unit, facts: UnitFacts, attributes: dict[int, dict[str, list[str]]]
                ) -> tuple[dict[str, Any], dict[int, dict[str, list[str]]], dict[Any, Any], dict[int, Area]]:
    require_unit(user, unit)
    areas = {a.id: a for a in unit_areas(unit)}
    for area_id in attributes:
        require(area_id in areas and can_manage_area(user, area_id))
    values, errors = _validate_facts(facts, unit)
    cleaned: dict[int, dict[str, list[str]]] = {}
    for area_id, raw in attributes.items():
        cleaned[area_id], area_errors = clean_attributes(areas[area_id], raw)
        errors.update(area_errors)
    return values, cleaned, errors, areas


def unit_problems(user: User, unit: Unit, facts: UnitFacts, attributes: dict[int, dict[str, list[str]]]) -> dict[Any, Any]:
    """What :func:`update_unit` would refuse, without writing (to show every problem at once)."""
    return _check_unit(user, unit, facts, attributes)[2]


def update_unit(user: User, unit: Unit, facts: UnitFacts, attributes: dict[int, dict[str, list[str]]]) -> None:
    """Saves a unit's shared facts, its languages and the given areas' profile attributes.

    ``attributes`` maps area ids to that area's raw attribute values; each area must be one of the
    unit's and one the user manages (else 403, before anything is written)."""
    values, cleaned, errors, areas = _check_unit(user, unit, facts, attributes)
    if errors:
        raise RegistryError(errors)
    languages = values.pop("languages")
    for key, value in values.items():
        if getattr(unit, key) != value:
            setattr(unit, key, value)
    _set_languages(unit, languages)
    for area_id, area_values in cleaned.items():
        _set_attributes(unit, areas[area_id], area_values)
    _commit_or_duplicate(kolada_ou=values["kolada_ou"])


def _validate_application(application: Application, today: date, errors: dict[Any, Any]) -> tuple[str | None, str]:
    if application.applied_on is None:
        errors["applied_on"] = _l("Enter the date the application came in.")
    elif application.applied_on > today:
        errors["applied_on"] = _l("The date cannot be in the future.")
    reference = _clean(application.reference)
    if reference and len(reference) > 80:
        errors["reference"] = _l("At most %(max)d characters.", max=80)
    note = (application.note or "").strip()
    if not note:
        errors["note"] = _l("Write a note about the application.")
    return reference, note


def _add_application(user: User, unit: Unit, application: Application, reference: str | None, note: str) -> Authorisation:
    assert application.applied_on is not None
    authorisation = Authorisation(area=application.area, status=AuthorisationStatus.APPLIED,
                                  status_since=application.applied_on, decision_reference=reference)
    authorisation.events.append(AuthorisationEvent(
        status=AuthorisationStatus.APPLIED, decided_on=application.applied_on, decision_reference=reference,
        reason=note, decided_by_id=user.id))
    unit.authorisations.append(authorisation)
    return authorisation


def new_unit_problems(facts: UnitFacts, application: Application | None, today: date | None = None) -> dict[Any, Any]:
    """What :func:`register_unit` would refuse, without writing (to show every problem at once)."""
    errors = _validate_facts(facts, None)[1]
    if application is not None:
        _validate_application(application, today or date.today(), errors)
    return errors


def register_unit(user: User, provider: Provider, facts: UnitFacts, application: Application,
                  today: date | None = None) -> Unit:
    """A new unit of ``provider`` with its application for authorisation in one of the user's areas."""
    require_area(user, application.area.id)
    today = today or date.today()
    values, errors = _validate_facts(facts, None)
    reference, note = _validate_application(application, today, errors)
    if errors:
        raise RegistryError(errors)
    languages = values.pop("languages")
    unit = Unit(slug=unique_slug(Unit, values["name"], 140), provider=provider, description_sv="", **values)
    _set_languages(unit, languages)
    db.session.add(unit)
    _add_application(user, unit, application, reference, note)
    _commit_or_duplicate(kolada_ou=values["kolada_ou"])
    return unit


def apply_in_area(user: User, unit: Unit, application: Application, today: date | None = None) -> Authorisation:
    """An existing unit applies in another area (one the user manages and the unit is not in yet)."""
    require_unit(user, unit)
    require_area(user, application.area.id)
    if any(a.area_id == application.area.id for a in unit.authorisations):
        raise RegistryError({"area": _l("The unit already has an authorisation or application in this "
                                        "customer choice. Decide on it on its page.")})
    errors: dict[Any, Any] = {}
    reference, note = _validate_application(application, today or date.today(), errors)
    if errors:
        raise RegistryError(errors)
    authorisation = _add_application(user, unit, application, reference, note)
    db.session.commit()
    return authorisation
