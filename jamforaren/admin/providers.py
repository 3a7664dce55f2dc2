"""Providers and units: find, register and edit providers; register units with their application;
edit a unit's facts, languages and the profile attributes of each of its areas."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from jamforaren.admin import bp
from jamforaren.extensions import db
from jamforaren.guards import whole_number
from jamforaren.i18n import current_language, local, local_label
from jamforaren.labels import AUTHORISATION_STATUS, LANGUAGE_CODES, OWNERSHIP, language_name
from jamforaren.models import Area, AuthorisationStatus, Ownership, Provider, Unit
from jamforaren.services import registry
from jamforaren.services.permissions import can_manage_area, can_manage_unit, require, require_unit

MAX = _l("At most %(max)d characters.")


# --- fields -------------------------------------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes; the service checks the values (so a wrong one gets the service's message)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        pass


class CountField(StringField):
    """A whole number, 0 or more; empty for "not stated". Shows what was typed when it is wrong."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = "".join(str(valuelist[0]).split())
        self.data = None
        if raw:
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # (not ² and the like)
                raise ValueError(_l("Enter a whole number, 0 or more."))
            self.data = int(raw)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


class CoordinateField(StringField):
    """A decimal number in WGS 84 degrees; a decimal comma is accepted as well as a point."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = "".join(str(valuelist[0]).split()).replace(",", ".").replace("\u2212", "-")
        self.data = None
        if raw:
            try:
                number = float(raw)
            except ValueError:
                number = float("nan")
            if not math.isfinite(number):
                raise ValueError(_l("Enter the coordinate as a decimal number, such as 59.3105."))
            self.data = number

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else f"{self.data:.6f}".rstrip("0").rstrip(".")


class OptionalDateField(DateField):
    """A date; left empty it is None (the service says that it is needed), badly written it is an error."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not "".join(str(v) for v in valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter the date as year-month-day, such as 2026-03-15.")) from None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(str(v) for v in self.raw_data)
        return self.data.strftime("%Y-%m-%d") if self.data else ""


# --- forms --------------------------------------------------------------------------------------------


class ProviderSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or organisation number"), validators=[Optional(), Length(max=200)])


class ProviderForm(FlaskForm):
    # Required fields and formats are checked by the service, so that every problem shows at once.
    namn = StringField(_l("Name"), validators=[Length(max=200, message=MAX)])
    organisationsnummer = StringField(_l("Organisation number"), validators=[Length(max=20, message=MAX)])
    driftsform = RadioField(_l("Ownership"), choices=[SelectChoice(o.value, OWNERSHIP[o]) for o in Ownership],
                            validate_choice=False)
    webbplats = StringField(_l("Website"), validators=[Optional(), Length(max=300, message=MAX)])
    epost = StringField(_l("E-mail"), validators=[Optional(), Length(max=200, message=MAX)])
    telefon = StringField(_l("Phone"), validators=[Optional(), Length(max=40, message=MAX)])


PROVIDER_FIELDS = {"name": "namn", "org_number": "organisationsnummer", "ownership": "driftsform",
                   "website": "webbplats", "email": "epost", "phone": "telefon"}


class ApplicationFields(FlaskForm):
    kundval = SelectField(_l("Customer choice"), validate_choice=False)
    ansokningsdatum = OptionalDateField(_l("Application received on"))
    diarienummer = StringField(_l("Case number (diarienummer), if there is one"),
                               validators=[Optional(), Length(max=80, message=MAX)])
    anteckning = TextAreaField(_l("Note"), validators=[Length(max=2000, message=MAX)])


def _language_choices() -> list[SelectChoice]:
    language = current_language()
    named = [(language_name(code, language), code) for code in LANGUAGE_CODES]
    return [SelectChoice(code, name) for name, code in sorted(named, key=lambda pair: pair[0].lower())]


class UnitForm(FlaskForm):
    namn = StringField(_l("Name"), validators=[Length(max=200, message=MAX)])
    gatuadress = StringField(_l("Street address"), validators=[Optional(), Length(max=200, message=MAX)])
    postnummer = StringField(_l("Postal code"), validators=[Optional(), Length(max=10, message=MAX)])
    ort = StringField(_l("City"), validators=[Optional(), Length(max=100, message=MAX)])
    kommundel = StringField(_l("District"), validators=[Optional(), Length(max=100, message=MAX)])
    latitud = CoordinateField(_l("Latitude"))
    longitud = CoordinateField(_l("Longitude"))
    platser = CountField(_l("Places"))
    lediga_platser = CountField(_l("Free places"))
    oppettider_sv = StringField(_l("Opening hours in Swedish"), validators=[Optional(), Length(max=300, message=MAX)])
    oppettider_en = StringField(_l("Opening hours in English"), validators=[Optional(), Length(max=300, message=MAX)])
    epost = StringField(_l("E-mail"), validators=[Optional(), Length(max=200, message=MAX)])
    telefon = StringField(_l("Phone"), validators=[Optional(), Length(max=40, message=MAX)])
    webbplats = StringField(_l("Website"), validators=[Optional(), Length(max=300, message=MAX)])
    kolada_id = StringField(_l("Kolada id (OU)"), validators=[Optional(), Length(max=40, message=MAX)])
    sprak = MultiCheckboxField(_l("Languages besides Swedish"))


UNIT_FIELDS = {"name": "namn", "street_address": "gatuadress", "postal_code": "postnummer", "city": "ort",
               "district": "kommundel", "latitude": "latitud", "longitude": "longitud", "capacity": "platser",
               "free_places": "lediga_platser", "opening_hours_sv": "oppettider_sv",
               "opening_hours_en": "oppettider_en", "email": "epost", "phone": "telefon", "website": "webbplats",
               "kolada_ou": "kolada_id", "languages": "sprak"}


class NewUnitForm(UnitForm, ApplicationFields):
    pass


class ApplicationForm(ApplicationFields):
    pass


APPLICATION_FIELDS = {"area": "kundval", "applied_on": "ansokningsdatum", "reference": "diarienummer",
                      "note": "anteckning"}


def attribute_field_name(area: Area, key: str) -> str:
    return f"profil-{area.slug}-{key}"


def _attribute_field(definition: dict[str, Any]) -> Field:
    label = local_label(definition["label"])
    kind = definition["type"]
    options = [SelectChoice(o["key"], local_label(o["label"])) for o in definition.get("options") or []]
    if kind == "choice":
        return RadioField(label, choices=[*options, SelectChoice("", _l("Not stated"))], validate_choice=False,
                          default="")
    if kind == "multichoice":
        return MultiCheckboxField(label, choices=options, default=[])
    if kind == "boolean":
        return RadioField(label, choices=[SelectChoice("true", _l("Yes")), SelectChoice("false", _l("No")),
                                          SelectChoice("", _l("Not stated"))], validate_choice=False, default="")
    if kind == "integer":
        return StringField(label, render_kw={"inputmode": "numeric"})
    return StringField(label)


def _unit_form(unit: Unit, areas: list[Area], formdata: Any = None) -> UnitForm:
    """The unit form with a group of profile fields for each area in ``areas``."""

    class UnitEditForm(UnitForm):
        pass

    for area in areas:
        for definition in area.attribute_definitions:
            setattr(UnitEditForm, attribute_field_name(area, definition["key"]), _attribute_field(definition))
    data: dict[str, Any] = {
        "namn": unit.name, "gatuadress": unit.street_address, "postnummer": unit.postal_code, "ort": unit.city,
        "kommundel": unit.district, "latitud": unit.latitude, "longitud": unit.longitude,
        "platser": unit.capacity, "lediga_platser": unit.free_places, "oppettider_sv": unit.opening_hours_sv,
        "oppettider_en": unit.opening_hours_en, "epost": unit.email, "telefon": unit.phone,
        "webbplats": unit.website, "kolada_id": unit.kolada_ou, "sprak": [lang.language for lang in unit.languages],
    }
    for area in areas:
        values = unit.attribute_values(area.id)
        for definition in area.attribute_definitions:
            current = values.get(definition["key"], [])
            name = attribute_field_name(area, definition["key"])
            data[name] = current if definition["type"] == "multichoice" else (current[0] if current else "")
    # Posted, the form is what was sent (a field left out is empty); otherwise the unit as it is.
    form = UnitEditForm(formdata=formdata) if formdata is not None else UnitEditForm(formdata=None, data=data)
    form.sprak.choices = _language_choices()
    return form


def _facts(form: UnitForm) -> registry.UnitFacts:
    return registry.UnitFacts(
        name=form.namn.data or "", street_address=form.gatuadress.data, postal_code=form.postnummer.data,
        city=form.ort.data, district=form.kommundel.data, latitude=form.latitud.data,
        longitude=form.longitud.data, capacity=form.platser.data, free_places=form.lediga_platser.data,
        opening_hours_sv=form.oppettider_sv.data, opening_hours_en=form.oppettider_en.data,
        email=form.epost.data, phone=form.telefon.data, website=form.webbplats.data,
        kolada_ou=form.kolada_id.data, languages=list(form.sprak.data or []),
    )


def _attribute_input(form: FlaskForm, areas: list[Area]) -> dict[int, dict[str, list[str]]]:
    result: dict[int, dict[str, list[str]]] = {}
    for area in areas:
        values: dict[str, list[str]] = {}
        for definition in area.attribute_definitions:
            data = form[attribute_field_name(area, definition["key"])].data
            if definition["type"] == "multichoice":
                values[definition["key"]] = [str(v) for v in data or []]
            else:
                values[definition["key"]] = [str(data)] if data not in (None, "") else []
        result[area.id] = values
    return result


def _put_errors(form: FlaskForm, errors: dict[Any, Any], names: dict[Any, str], only_new: bool = False) -> None:
    """Service errors onto the form's fields (the re-rendered page shows them with what was typed).
    With ``only_new``, a field that already has a problem of its own keeps just that one."""
    for key, message in errors.items():
        name = names.get(key, key if isinstance(key, str) else None)
        field = form._fields.get(name) if name else None
        if field is None:  # a rule about no single field: shown on the first one
            field = next(f for f in form if f.type != "CSRFTokenField")
        if only_new and field.errors:
            continue
        field.errors = [*field.errors, message]


def _page_number() -> int:
    page = request.args.get("sida", type=int) or 1
    return max(1, page)


def _provider_or_404(provider_id: int) -> Provider:
    provider = registry.provider_by_id(provider_id)
    if provider is None:
        abort(404)
    return provider


def _unit_or_404(unit_id: int) -> Unit:
    unit = registry.unit_by_id(unit_id)
    if unit is None:
        abort(404)
    return unit


def _area_from_form(value: Any) -> Area | None:
    """The chosen area, refused with 403 when it is not one the user manages (before any validation)."""
    number = whole_number(value)
    area = db.session.get(Area, number) if number is not None else None
    if area is not None:
        require(can_manage_area(current_user, area.id))
    return area


def _area_choices(areas: list[Area]) -> list[SelectChoice]:
    return [SelectChoice("", _l("Choose a customer choice")),
            *[SelectChoice(str(a.id), str(local(a, "name"))) for a in areas]]


# --- providers ----------------------------------------------------------------------------------------


@bp.get("/anordnare", endpoint="providers")
def providers() -> str:
    form = ProviderSearchForm(request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    page = registry.search_providers(query, _page_number(), current_app.config["PAGE_SIZE"])
    return render_template("admin/providers/list.html", form=form, query=query, page=page,
                           ownership_labels=OWNERSHIP)


def _provider_input(form: ProviderForm) -> registry.ProviderInput:
    return registry.ProviderInput(name=form.namn.data or "", org_number=form.organisationsnummer.data or "",
                                  ownership=form.driftsform.data or "", website=form.webbplats.data,
                                  email=form.epost.data, phone=form.telefon.data)


@bp.route("/anordnare/ny", methods=["GET", "POST"], endpoint="provider_new")
def provider_new():  # type: ignore[no-untyped-def]
    form = ProviderForm()
    if form.validate_on_submit():
        try:
            provider = registry.register_provider(current_user, _provider_input(form))
        except registry.RegistryError as error:
            _put_errors(form, error.errors, PROVIDER_FIELDS)
        else:
            flash(_("The provider %(name)s is registered.", name=provider.name), "success")
            return redirect(url_for("admin.provider", provider_id=provider.id), code=303)
    return render_template("admin/providers/new.html", form=form), 400 if form.errors else 200


@bp.route("/anordnare/<int:provider_id>", methods=["GET", "POST"], endpoint="provider")
def provider_page(provider_id: int):  # type: ignore[no-untyped-def]
    provider = _provider_or_404(provider_id)
    may_edit = registry.can_edit_provider(current_user, provider)
    if request.method == "POST":
        require(may_edit)
    form = ProviderForm() if request.method == "POST" else ProviderForm(data={
        "namn": provider.name, "organisationsnummer": provider.org_number, "driftsform": provider.ownership.value,
        "webbplats": provider.website, "epost": provider.email, "telefon": provider.phone})
    if form.validate_on_submit():
        try:
            changed = registry.update_provider(current_user, provider, _provider_input(form))
        except registry.RegistryError as error:
            _put_errors(form, error.errors, PROVIDER_FIELDS)
        else:
            flash(_("The changes are saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.provider", provider_id=provider.id), code=303)
    return render_template(
        "admin/providers/provider.html", provider=provider, form=form, may_edit=may_edit,
        units=[(unit, can_manage_unit(current_user, unit),
                [a for a in sorted(unit.authorisations, key=lambda a: (a.area.process_id, a.area.position))])
               for unit in provider.units],
        may_see_area=lambda area_id: can_manage_area(current_user, area_id),
        ownership_labels=OWNERSHIP, status_labels=AUTHORISATION_STATUS,
    ), 400 if form.errors else 200


# --- units --------------------------------------------------------------------------------------------


@bp.route("/anordnare/<int:provider_id>/enheter/ny", methods=["GET", "POST"], endpoint="unit_new")
def unit_new(provider_id: int):  # type: ignore[no-untyped-def]
    provider = _provider_or_404(provider_id)
    areas = registry.areas_open_for_application(current_user)
    area = _area_from_form(request.form.get("kundval")) if request.method == "POST" else None
    form = NewUnitForm(data={"ansokningsdatum": date.today(),
                             "anteckning": _("Application for authorisation received.")})
    form.kundval.choices = _area_choices(areas)
    form.sprak.choices = _language_choices()
    if form.is_submitted():
        valid = form.validate()
        if area is None:
            form.kundval.errors = [*form.kundval.errors, _l("Choose the customer choice the unit applies for.")]
        application = registry.Application(area=area, applied_on=form.ansokningsdatum.data,  # type: ignore[arg-type]
                                           reference=form.diarienummer.data, note=form.anteckning.data)
        if not valid or area is None:  # show the service's problems too, so that all come at once
            _put_errors(form, registry.new_unit_problems(_facts(form), application),
                        {**UNIT_FIELDS, **APPLICATION_FIELDS}, only_new=True)
        else:
            try:
                unit = registry.register_unit(current_user, provider, _facts(form), application)
            except registry.RegistryError as error:
                _put_errors(form, error.errors, {**UNIT_FIELDS, **APPLICATION_FIELDS})
            else:
                flash(_("The unit %(name)s is registered with its application in %(area)s.", name=unit.name,
                        area=local(area, "name")), "success")
                return redirect(url_for("admin.unit_edit", unit_id=unit.id), code=303)
    return render_template("admin/providers/unit_new.html", provider=provider, form=form,
                           districts=registry.known_districts()), 400 if form.errors else 200


def _render_unit(unit: Unit, form: UnitForm, areas: list[Area], application_form: ApplicationForm,
                 status: int = 200):  # type: ignore[no-untyped-def]
    editable = {a.id for a in areas}
    sections = [(area, [(d, form[attribute_field_name(area, d["key"])]) for d in area.attribute_definitions])
                for area in areas]
    others = [(area, unit.attribute_values(area.id)) for area in registry.unit_areas(unit)
              if area.id not in editable and area.attribute_definitions]
    authorisations = sorted(unit.authorisations, key=lambda a: (a.area.process_id, a.area.position))
    return render_template(
        "admin/providers/unit.html", unit=unit, form=form, sections=sections, others=others,
        authorisations=authorisations, may_decide=lambda area_id: can_manage_area(current_user, area_id),
        application_form=application_form, districts=registry.known_districts(),
        status_labels=AUTHORISATION_STATUS,
        public_page=any(a.status is not AuthorisationStatus.APPLIED for a in unit.authorisations),
    ), status


def _application_form(unit: Unit, formdata: Any = None) -> ApplicationForm:
    defaults = {"ansokningsdatum": date.today(), "anteckning": _("Application for authorisation received.")}
    form = ApplicationForm(formdata=formdata, data=defaults, prefix="ansokan")
    form.kundval.choices = _area_choices(registry.areas_open_for_application(current_user, unit))
    return form


@bp.route("/enheter/<int:unit_id>", methods=["GET", "POST"], endpoint="unit_edit")
def unit_edit(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _unit_or_404(unit_id)
    require_unit(current_user, unit)
    areas = registry.editable_attribute_areas(current_user, unit)
    if request.method != "POST":
        return _render_unit(unit, _unit_form(unit, areas), areas, _application_form(unit))
    form = _unit_form(unit, areas, formdata=request.form)
    names = {**UNIT_FIELDS, **{(a.id, d["key"]): attribute_field_name(a, d["key"])
                               for a in areas for d in a.attribute_definitions}}
    if not form.validate():  # show the service's problems too, so that all come at once
        _put_errors(form, registry.unit_problems(current_user, unit, _facts(form), _attribute_input(form, areas)),
                    names, only_new=True)
    else:
        try:
            registry.update_unit(current_user, unit, _facts(form), _attribute_input(form, areas))
        except registry.RegistryError as error:
            _put_errors(form, error.errors, names)
        else:
            flash(_("The changes are saved."), "success")
            return redirect(url_for("admin.unit_edit", unit_id=unit.id), code=303)
    return _render_unit(unit, form, areas, _application_form(unit), status=400)


@bp.post("/enheter/<int:unit_id>/ansokan", endpoint="unit_apply")
def unit_apply(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _unit_or_404(unit_id)
    require_unit(current_user, unit)
    area = _area_from_form(request.form.get("ansokan-kundval"))
    areas = registry.editable_attribute_areas(current_user, unit)
    form = _application_form(unit, formdata=request.form)
    if form.validate():
        if area is None:
            form.kundval.errors = [*form.kundval.errors, _l("Choose the customer choice the unit applies for.")]
        else:
            application = registry.Application(area=area, applied_on=form.ansokningsdatum.data,
                                               reference=form.diarienummer.data, note=form.anteckning.data)
            try:
                registry.apply_in_area(current_user, unit, application)
            except registry.RegistryError as error:
                _put_errors(form, error.errors, APPLICATION_FIELDS)
            else:
                flash(_("The application in %(area)s is registered.", area=local(area, "name")), "success")
                return redirect(url_for("admin.authorisation", unit_id=unit.id, area_slug=area.slug), code=303)
    return _render_unit(unit, _unit_form(unit, areas), areas, form, status=400)

