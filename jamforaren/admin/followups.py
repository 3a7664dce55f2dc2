"""The annual quality follow-up in the back office: the list, a draft's one-page form, publishing and
correcting. The rules are in ``services.followups``; these views parse forms, call it and render.

A draft's page is one form that an officer fills in and saves with one POST ("Save draft"). Its other
buttons post the same form to their own endpoints (publish, add or remove an action), which save what the
officer typed first — so nothing typed is lost — and then do their part. Each of those endpoints also
works on its own, with only its own fields.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from jamforaren.admin import bp
from jamforaren.extensions import db
from jamforaren.guards import whole_number
from jamforaren.i18n import local
from jamforaren.labels import FOLLOW_UP_METHOD
from jamforaren.models import Action, Area, FollowUp, FollowUpMethod, FollowUpStatus, Rating, Unit
from jamforaren.services import followups as service
from jamforaren.services.permissions import managed_areas, require_area

RATING_LABELS = {
    Rating.MET: _l("Fulfilled"),
    Rating.PARTLY_MET: _l("Partly fulfilled"),
    Rating.NOT_MET: _l("Not fulfilled"),
    Rating.NOT_ASSESSED: _l("Not assessed"),
}
STATUS_LABELS = {
    FollowUpStatus.DRAFT: _l("Draft"),
    FollowUpStatus.PUBLISHED: _l("Published"),
}
DATE_MESSAGE = _l("Enter a date as year-month-day, e.g. 2026-05-14.")
ACTION_DUE_DAYS = 90  # a new action's suggested due date: three months after the follow-up
PER_PAGE = 50


# -- forms -----------------------------------------------------------------------------------------------

class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: its URL is the state

    kundval = SelectField(_l("Customer choice"), validate_choice=False)
    ar = SelectField(_l("Year"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)


class CreateForm(FlaskForm):
    enhet = SelectField(_l("Unit"), validate_choice=False)
    artal = SelectField(_l("Year"), validate_choice=False)


class CorrectForm(FlaskForm):
    orsak = TextAreaField(_l("Reason for the correction"))


def _date_field(label: Any) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=DATE_MESSAGE)


def _norm_choices(follow_up: FollowUp) -> list[SelectChoice]:
    return [SelectChoice("", _l("No particular norm"))] + [
        SelectChoice(str(n.id), f"{n.code} {local(n, 'title')}") for n in follow_up.rulebook.norms]


def draft_form(follow_up: FollowUp, formdata: MultiDict | None) -> FlaskForm:
    """The draft's form: its facts, a rating and comment per norm, findings and summaries, the actions."""

    class DraftForm(FlaskForm):
        utkast = HiddenField(default="1")  # marks a post of the whole form

    # Fields are made in the order of the page, so the error summary lists problems in that order too.
    fields: list[tuple[str, Any]] = [
        ("metoder", MultiCheckboxField(_l("Methods"), validate_choice=False, choices=[
            SelectChoice(m.value, FOLLOW_UP_METHOD[m]) for m in FollowUpMethod])),
        ("datum", _date_field(_l("Date of the follow-up"))),
    ]
    rating_choices = [SelectChoice(r.value, RATING_LABELS[r]) for r in Rating]
    for norm in follow_up.rulebook.norms:
        fields.append((f"bedomning_{norm.id}", RadioField(f"{norm.code} {local(norm, 'title')}",
                                                          choices=rating_choices, validate_choice=False)))
        fields.append((f"kommentar_{norm.id}", TextAreaField(_l("Comment"))))
    fields += [
        ("iakttagelser", TextAreaField(_l("Findings"))),
        ("sammanfattning", TextAreaField(_l("Public summary in Swedish"))),
        ("sammanfattning_en", TextAreaField(_l("Public summary in English (optional)"))),
    ]
    if follow_up.version > 1:
        fields.append(("rattelseorsak", TextAreaField(_l("Reason for the correction"))))
    for prefix in [f"atgard_{action.id}" for action in follow_up.actions] + ["ny"]:
        fields += [
            (f"{prefix}_beskrivning", TextAreaField(_l("What must the provider do?"))),
            (f"{prefix}_sista_dag", _date_field(_l("Due date"))),
            (f"{prefix}_norm", SelectField(_l("Norm"), validate_choice=False, choices=_norm_choices(follow_up))),
        ]
    for name, unbound in fields:
        setattr(DraftForm, name, unbound)

    assessed = service.assessment_by_norm(follow_up)
    data: dict[str, Any] = {
        "metoder": list(follow_up.methods), "datum": follow_up.conducted_on, "iakttagelser": follow_up.findings_sv,
        "sammanfattning": follow_up.summary_sv, "sammanfattning_en": follow_up.summary_en or "",
        "rattelseorsak": follow_up.correction_reason or "",
        "ny_sista_dag": (follow_up.conducted_on or date.today()) + timedelta(days=ACTION_DUE_DAYS),
        "ny_norm": _suggested_norm(follow_up),
    }
    for norm_id, assessment in assessed.items():
        data[f"bedomning_{norm_id}"] = assessment.rating.value
        data[f"kommentar_{norm_id}"] = assessment.comment
    for action in follow_up.actions:
        data[f"atgard_{action.id}_beskrivning"] = action.description
        data[f"atgard_{action.id}_sista_dag"] = action.due_on
        data[f"atgard_{action.id}_norm"] = str(action.norm_id) if action.norm_id else ""
    return DraftForm(formdata=formdata, data=data)


def _suggested_norm(follow_up: FollowUp) -> str:
    """The first norm that is not fulfilled and has no action yet: the likeliest one for a new action."""
    with_action = {a.norm_id for a in follow_up.actions}
    assessed = service.assessment_by_norm(follow_up)
    for norm in follow_up.rulebook.norms:
        assessment = assessed.get(norm.id)
        if assessment is not None and assessment.rating is Rating.NOT_MET and norm.id not in with_action:
            return str(norm.id)
    return ""


def _norm_id(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # not a norm: the service says so


def _action_input(form: FlaskForm, prefix: str) -> service.ActionInput:
    """An action's fields as posted (a field that was not posted is empty, not its suggested default)."""
    def posted(name: str) -> Any:
        return form[f"{prefix}_{name}"].data if f"{prefix}_{name}" in request.form else None
    return service.ActionInput(description=posted("beskrivning") or "", due_on=posted("sista_dag"),
                               norm_id=_norm_id(posted("norm")))


def draft_input(form: FlaskForm, follow_up: FollowUp) -> service.DraftInput:
    """What the posted form changes. Without the whole form (no ``utkast`` field) it changes nothing."""
    data = service.DraftInput()
    if "utkast" not in request.form:
        return data
    data.methods = list(form.metoder.data or [])
    data.conducted_on = form.datum.data
    data.findings_sv = form.iakttagelser.data or ""
    data.summary_sv = form.sammanfattning.data or ""
    data.summary_en = form.sammanfattning_en.data or ""
    if follow_up.version > 1:
        data.correction_reason = form.rattelseorsak.data or ""
    for norm in follow_up.rulebook.norms:
        rating = form[f"bedomning_{norm.id}"].data or None
        comment_field = f"kommentar_{norm.id}"
        comment = form[comment_field].data if comment_field in request.form else None
        if rating is not None or comment is not None:
            data.assessments[norm.id] = (rating, comment)
    for action in follow_up.actions:
        if f"atgard_{action.id}_beskrivning" in request.form:
            data.actions[action.id] = _action_input(form, f"atgard_{action.id}")
    if (form.ny_beskrivning.data or "").strip():
        data.new_action = _action_input(form, "ny")
    return data


def _field_for(target: str | None) -> str | None:
    """The form field a service problem points at."""
    if target is None:
        return None
    simple = {"methods": "metoder", "conducted_on": "datum", "findings_sv": "iakttagelser",
              "summary_sv": "sammanfattning", "summary_en": "sammanfattning_en",
              "correction_reason": "rattelseorsak", "reason": "orsak", "unit": "enhet", "year": "artal"}
    if target in simple:
        return simple[target]
    parts = target.split(":")
    suffix = {"description": "beskrivning", "due_on": "sista_dag", "norm": "norm"}
    if parts[0] == "norm":
        return f"bedomning_{parts[1]}"
    if parts[0] == "action":
        return f"atgard_{parts[1]}_{suffix[parts[2]]}"
    if parts[0] == "new_action":
        return f"ny_{suffix[parts[1]]}"
    return None


def attach(form: FlaskForm, error: service.FollowUpError) -> list[Any]:
    """Put each problem on its field; return those that concern no field of the form."""
    general = []
    for problem in error.problems:
        name = _field_for(problem.target)
        if name is not None and name in form:
            field = form[name]
            field.errors = [*field.errors, problem.message]
        else:
            general.append(problem.message)
    return general


# -- loading -----------------------------------------------------------------------------------------------

def _load(follow_up_id: int) -> FollowUp:
    """The follow-up, after checking the officer manages its area (403) — before anything else is done."""
    follow_up = service.get(current_user, follow_up_id)
    if follow_up is None:
        abort(404)
    return follow_up


def _load_action(follow_up: FollowUp, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.follow_up_id != follow_up.id:
        abort(404)
    return action


# -- the list --------------------------------------------------------------------------------------------

def _year_choices(years: list[int]) -> list[SelectChoice]:
    return [SelectChoice(str(y), str(y)) for y in years]


def _list_context(areas: list[Area], create_form: CreateForm | None = None) -> dict[str, Any]:
    this_year = date.today().year
    filters = FilterForm(formdata=request.args)
    filters.kundval.choices = [SelectChoice("", _l("All your customer choices"))] + [
        SelectChoice(a.slug, local(a, "name")) for a in areas]
    years = sorted(set(service.years_with_follow_ups(current_user)) | {this_year}, reverse=True)
    filters.ar.choices = [SelectChoice("", _l("All years"))] + _year_choices(years)
    filters.status.choices = [SelectChoice("", _l("All"))] + [
        SelectChoice(s.value, STATUS_LABELS[s]) for s in FollowUpStatus]

    chosen_area = next((a for a in areas if a.slug == filters.kundval.data), None)
    if "ar" not in request.args:
        filters.ar.data = str(this_year)  # this year's follow-ups unless the officer asks for another
    year = whole_number(filters.ar.data)
    status = next((s for s in FollowUpStatus if s.value == filters.status.data), None)
    page = service.list_follow_ups(current_user, service.ListFilter(
        area_ids=[chosen_area.id] if chosen_area else None, year=year, status=status,
        page=request.args.get("sida", 1, type=int), per_page=PER_PAGE))

    if create_form is None:
        create_form = CreateForm(formdata=None)
        create_form.artal.data = str(this_year)
    create_form.enhet.choices = [SelectChoice("", _l("Choose a unit"))] + [
        SelectChoice(f"{area.id}:{unit.id}", unit.name, optgroup=str(local(area, "name")))
        for area, units in service.followable_units([chosen_area] if chosen_area else areas) for unit in units]
    create_form.artal.choices = _year_choices(list(range(this_year + 1, this_year - 4, -1)))
    args = {k: v for k, v in (("kundval", filters.kundval.data), ("ar", filters.ar.data if "ar" in request.args
                                                                       else None), ("status", filters.status.data)) if v}
    return {"filters": filters, "create_form": create_form, "page": page, "args": args, "year": year,
            "status_labels": STATUS_LABELS, "norm_count": lambda f: len(f.rulebook.norms),
            "is_pending_correction": service.is_pending_correction}


@bp.get("/uppfoljningar")
def followups() -> str:  # endpoint admin.followups
    return render_template("admin/followups/index.html", **_list_context(managed_areas(current_user)))


@bp.post("/uppfoljningar")
def create_followup() -> Any:
    areas = managed_areas(current_user)
    form = CreateForm()
    form.validate()  # the CSRF token; the service checks the rest
    area_id, _sep, unit_id = (form.enhet.data or "").partition(":")
    area = db.session.get(Area, number) if (number := whole_number(area_id)) is not None else None
    unit = db.session.get(Unit, number) if (number := whole_number(unit_id)) is not None else None
    if area is not None:
        require_area(current_user, area.id)  # 403 before anything is written
    if area is None or unit is None:
        form.enhet.errors = [_l("Choose the unit to follow up.")]
    elif whole_number(form.artal.data) is None:
        form.artal.errors = [_l("Choose the year of the follow-up.")]
    else:
        try:
            follow_up = service.create(current_user, unit, area, whole_number(form.artal.data))
        except service.FollowUpError as error:
            for message in attach(form, error):
                form.enhet.errors = [*form.enhet.errors, message]
        else:
            flash(_("The follow-up of %(unit)s has been created as a draft.", unit=unit.name), "success")
            return redirect(url_for("admin.followup", follow_up_id=follow_up.id), code=303)
    return render_template("admin/followups/index.html", **_list_context(areas, form)), 400


# -- one follow-up ---------------------------------------------------------------------------------------

def _page_context(follow_up: FollowUp) -> dict[str, Any]:
    all_versions = service.versions(follow_up)
    return {
        "follow_up": follow_up, "versions": all_versions,
        "pending": next((v for v in all_versions if service.is_pending_correction(v)), None),
        "is_pending_correction": service.is_pending_correction(follow_up),
        "assessed": service.assessment_by_norm(follow_up), "rating_labels": RATING_LABELS,
        "status_labels": STATUS_LABELS, "authorisation": next(
            (a for a in follow_up.unit.authorisations if a.area_id == follow_up.area_id), None),
    }


def _render_draft(follow_up: FollowUp, form: FlaskForm, general: list[Any] | None = None,
                  status: int = 200, publishing: bool = False) -> tuple[str, int]:
    return render_template("admin/followups/edit.html", form=form, general=general or [],
                           publishing=publishing, **_page_context(follow_up)), status


def _render_published(follow_up: FollowUp, form: CorrectForm | None = None, general: list[Any] | None = None,
                      status: int = 200) -> tuple[str, int]:
    return render_template("admin/followups/show.html", form=form or CorrectForm(formdata=None),
                           general=general or [], **_page_context(follow_up)), status


@bp.get("/uppfoljningar/<int:follow_up_id>")
def followup(follow_up_id: int) -> Any:
    follow_up = _load(follow_up_id)
    if follow_up.status is FollowUpStatus.DRAFT:
        return _render_draft(follow_up, draft_form(follow_up, None))
    return _render_published(follow_up)


def _submit(follow_up_id: int, step: str, action_id: int | None = None) -> Any:
    """Save what the draft's form posted, then do ``step``: save, add, change, remove or publish."""
    follow_up = _load(follow_up_id)
    action = _load_action(follow_up, action_id) if action_id is not None else None
    if follow_up.status is not FollowUpStatus.DRAFT:
        return _render_published(follow_up, general=[_("A published follow-up cannot be changed. Correct it "
                                                       "instead: the correction becomes a new version and the "
                                                       "published one is kept.")], status=409)
    form = draft_form(follow_up, request.form)
    if not form.validate():
        return _render_draft(follow_up, form, status=400)
    data = draft_input(form, follow_up)
    if step == "add":
        data.new_action = _action_input(form, "ny")
    elif step == "change" and action is not None and action.id not in data.actions:
        data.actions[action.id] = _action_input(form, f"atgard_{action.id}")
    elif step == "remove" and action is not None:
        data.actions.pop(action.id, None)  # what is typed in an action being removed does not matter
    try:
        result = service.save_draft(current_user, follow_up, data)
        if step == "remove" and action is not None:
            service.remove_action(current_user, action)
        if step == "publish":
            service.publish(current_user, follow_up)
    except service.PublishRefused as error:
        fresh = draft_form(follow_up, None)  # what was saved, with the reasons it cannot be published
        return _render_draft(follow_up, fresh, attach(fresh, error), status=400, publishing=True)
    except service.NotEditable as error:
        return _render_published(follow_up, general=[error.message], status=409)
    except service.FollowUpError as error:
        db.session.rollback()
        return _render_draft(follow_up, form, attach(form, error), status=400)
    messages = {
        "save": _("The draft has been saved."), "add": _("The action has been added."),
        "change": _("The action has been changed."), "remove": _("The action has been removed."),
        "publish": _("The follow-up has been published. Its summary now shows on the unit's page."),
    }
    flash(messages[step], "success")
    if result.rulebook_changed:
        flash(_("With the new date the follow-up uses %(rulebook)s, the conditions in force then. Check the "
                "assessments.", rulebook=local(follow_up.rulebook, "title")), "success")
    anchor = "atgarder" if step in ("add", "change", "remove") else None
    return redirect(url_for("admin.followup", follow_up_id=follow_up.id, _anchor=anchor), code=303)


@bp.post("/uppfoljningar/<int:follow_up_id>")
def save_followup(follow_up_id: int) -> Any:
    return _submit(follow_up_id, "save")


@bp.post("/uppfoljningar/<int:follow_up_id>/publicera")
def publish_followup(follow_up_id: int) -> Any:
    return _submit(follow_up_id, "publish")


@bp.post("/uppfoljningar/<int:follow_up_id>/atgarder")
def add_followup_action(follow_up_id: int) -> Any:
    return _submit(follow_up_id, "add")


@bp.post("/uppfoljningar/<int:follow_up_id>/atgarder/<int:action_id>")
def change_followup_action(follow_up_id: int, action_id: int) -> Any:
    return _submit(follow_up_id, "change", action_id)


@bp.post("/uppfoljningar/<int:follow_up_id>/atgarder/<int:action_id>/ta-bort")
def remove_followup_action(follow_up_id: int, action_id: int) -> Any:
    return _submit(follow_up_id, "remove", action_id)


@bp.post("/uppfoljningar/<int:follow_up_id>/rattelse")
def correct_followup(follow_up_id: int) -> Any:
    follow_up = _load(follow_up_id)
    form = CorrectForm()
    form.validate()  # the CSRF token; the service checks the reason
    try:
        correction = service.correct(current_user, follow_up, form.orsak.data or "")
    except service.FollowUpError as error:
        general = attach(form, error)
        if follow_up.status is FollowUpStatus.DRAFT:
            return _render_draft(follow_up, draft_form(follow_up, None), general, status=409)
        return _render_published(follow_up, form, general, status=400)
    flash(_("The correction has been started as version %(version)d. The published version is shown on the "
            "unit's page until you publish the correction.", version=correction.version), "success")
    return redirect(url_for("admin.followup", follow_up_id=correction.id), code=303)
