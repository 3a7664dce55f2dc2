"""The providers' portal's forms. The fields and the rules are the back office's: the profile attributes
are rendered from each area's definition with the same fields as ``admin/providers.py``, and the service
validates with the same rules (``services.registry``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from jamforaren.admin.providers import (
    CountField, MultiCheckboxField, OptionalDateField, _attribute_field, _language_choices, attribute_field_name,
)
from jamforaren.admin.providers import _attribute_input as attribute_input  # noqa: F401 (for the views)
from jamforaren.admin.providers import _put_errors as put_errors  # noqa: F401
from jamforaren.models import Area, Unit
from jamforaren.services import profile_revisions as revisions

# The service's field names → the form's.
PROFILE_FIELDS = {"description_sv": "beskrivning_sv", "description_en": "beskrivning_en",
                  "opening_hours_sv": "oppettider_sv", "opening_hours_en": "oppettider_en", "email": "epost",
                  "phone": "telefon", "website": "webbplats", "free_places": "lediga_platser", "languages": "sprak"}


class ProfileForm(FlaskForm):
    # Lengths and formats are checked by the service, so that every problem shows at once.
    beskrivning_sv = TextAreaField(_l("Description in Swedish"))
    beskrivning_en = TextAreaField(_l("Description in English"))
    oppettider_sv = StringField(_l("Opening hours in Swedish"))
    oppettider_en = StringField(_l("Opening hours in English"))
    epost = StringField(_l("E-mail"))
    telefon = StringField(_l("Phone"))
    webbplats = StringField(_l("Website"))
    lediga_platser = CountField(_l("Free places"))
    sprak = MultiCheckboxField(_l("Languages besides Swedish"))


def profile_form(unit: Unit, areas: list[Area], formdata: Any = None) -> ProfileForm:
    """The profile form with a group of attribute fields per area; unposted, it shows the published profile
    with the provider's pending changes on top."""

    class UnitProfileForm(ProfileForm):
        pass

    for area in areas:
        for definition in area.attribute_definitions:
            setattr(UnitProfileForm, attribute_field_name(area, definition["key"]), _attribute_field(definition))
    if formdata is not None:
        form = UnitProfileForm(formdata=formdata)
    else:
        shared = revisions.proposed_shared(unit)
        data: dict[str, Any] = {name: shared[key] for key, name in PROFILE_FIELDS.items()}
        for area in areas:
            values = revisions.proposed_attributes(unit, area)
            for definition in area.attribute_definitions:
                current = values.get(definition["key"], [])
                data[attribute_field_name(area, definition["key"])] = (
                    current if definition["type"] == "multichoice" else (current[0] if current else ""))
        form = UnitProfileForm(formdata=None, data=data)
    form.sprak.choices = _language_choices()
    return form


def profile_input(form: ProfileForm) -> revisions.ProfileInput:
    return revisions.ProfileInput(
        description_sv=form.beskrivning_sv.data, description_en=form.beskrivning_en.data,
        opening_hours_sv=form.oppettider_sv.data, opening_hours_en=form.oppettider_en.data,
        email=form.epost.data, phone=form.telefon.data, website=form.webbplats.data,
        free_places=form.lediga_platser.data, languages=[str(v) for v in form.sprak.data or []])


def field_names(areas: list[Area]) -> dict[Any, str]:
    """Where each of the service's error keys shows on the form."""
    return {**PROFILE_FIELDS, **{(a.id, d["key"]): attribute_field_name(a, d["key"])
                                 for a in areas for d in a.attribute_definitions}}


class AnswerForm(FlaskForm):
    vad_gjordes = TextAreaField(_l("What has been done?"))
    datum = OptionalDateField(_l("Date it was done"))


ANSWER_FIELDS = {"response": "vad_gjordes", "done_on": "datum"}


class PlainForm(FlaskForm):
    """A form with nothing but its CSRF token (a button that changes something)."""
