"""Catalogue upkeep: an area's texts and its versioned authorisation conditions (rules with norms).

Every view first checks that the signed-in officer manages the area (administrators manage all), then
parses its form and calls ``services.catalogue_admin``, which holds the rules and writes.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from jamforaren.admin import bp
from jamforaren.i18n import local
from jamforaren.models import Area, Norm, Rulebook, RulebookChapter
from jamforaren.services import audit_log
from jamforaren.services import catalogue_admin as catalogue
from jamforaren.services.catalogue_admin import CatalogueError, RulebookLocked, RulebookState
from jamforaren.services.permissions import managed_areas, require_area

HISTORY_ON_PAGE = 20


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _date_field(label: Any, required_message: Any) -> DateField:
    return DateField(label, validators=[DataRequired(message=required_message)],
                     invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2027-01-01."))


# --- Forms (field names are the Swedish names the browser sends) -----------------------------------

class AreaTextsForm(FlaskForm):
    namn_sv = StringField(_l("Name in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the name in Swedish.")), Length(max=200)])
    namn_en = StringField(_l("Name in English (optional)"), filters=[_strip], validators=[Optional(), Length(max=200)])
    malgrupp_sv = TextAreaField(_l("Target group in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the target group in Swedish."))])
    malgrupp_en = TextAreaField(_l("Target group in English (optional)"), filters=[_strip])
    beskrivning_sv = TextAreaField(_l("Description in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the description in Swedish."))])
    beskrivning_en = TextAreaField(_l("Description in English (optional)"), filters=[_strip])
    lagstod_sv = TextAreaField(_l("Legal basis in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the legal basis in Swedish."))])
    lagstod_en = TextAreaField(_l("Legal basis in English (optional)"), filters=[_strip])


AREA_FIELDS = {"name": "namn", "target_group": "malgrupp", "description": "beskrivning", "legal_basis": "lagstod"}


class VersionForm(FlaskForm):
    giltig_fran = _date_field(_l("Applies from"), _l("Enter the date from which the new version applies."))
    diarienummer = StringField(_l("Decision reference (diarienummer)"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the decision's reference (diarienummer).")), Length(max=80)])
    rubrik_sv = StringField(_l("Title in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the title in Swedish.")), Length(max=300)])
    rubrik_en = StringField(_l("Title in English (optional)"), filters=[_strip], validators=[Optional(), Length(max=300)])


VERSION_FIELDS = {"valid_from": "giltig_fran", "decision_reference": "diarienummer", "title_sv": "rubrik_sv",
                  "title_en": "rubrik_en"}


class NormForm(FlaskForm):
    rubrik_sv = StringField(_l("Title in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the norm's title in Swedish.")), Length(max=300)])
    rubrik_en = StringField(_l("Title in English (optional)"), filters=[_strip], validators=[Optional(), Length(max=300)])
    krav_sv = TextAreaField(_l("Requirement in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the requirement in Swedish."))])
    krav_en = TextAreaField(_l("Requirement in English (optional)"), filters=[_strip])
    anvisning_sv = TextAreaField(_l("Guidance in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the guidance in Swedish."))])
    anvisning_en = TextAreaField(_l("Guidance in English (optional)"), filters=[_strip])


NORM_FIELDS = {"title": "rubrik", "requirement": "krav", "guidance": "anvisning"}


class ChapterForm(FlaskForm):
    rubrik_sv = StringField(_l("Title in Swedish"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the chapter's title in Swedish.")), Length(max=300)])
    rubrik_en = StringField(_l("Title in English (optional)"), filters=[_strip], validators=[Optional(), Length(max=300)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a confirmation."""


# --- Helpers -------------------------------------------------------------------------------------------

def _managed_area(slug: str) -> Area:
    """The area, after checking that the signed-in user manages it (403 otherwise, 404 when unknown)."""
    area = catalogue.area_by_slug(slug)
    if area is None:
        abort(404)
    require_area(current_user, area.id)
    return area


def _rulebook(area: Area, version: int) -> Rulebook:
    rulebook = catalogue.rulebook_by_version(area, version)
    if rulebook is None:
        abort(404)
    return rulebook


def _norm(rulebook: Rulebook, norm_id: int) -> Norm:
    norm = next((n for n in rulebook.norms if n.id == norm_id), None)
    if norm is None:
        abort(404)
    return norm


def _chapter(rulebook: Rulebook, number: int) -> RulebookChapter:
    chapter = next((c for c in rulebook.chapters if c.number == number), None)
    if chapter is None:
        abort(404)
    return chapter


def _put_error(form: FlaskForm, error: CatalogueError, names: dict[str, str]) -> None:
    """Put a service's error on the form field it concerns (or on the first field)."""
    name = names.get(error.field or "", None)
    if name is None and error.field:
        base, _sep, language = error.field.rpartition("_")
        if base in names:
            name = f"{names[base]}_{language}"
    field = form[name] if name and name in form else next(f for f in form if f.name != "csrf_token")
    field.errors = [*field.errors, error.message]


def _version_url(area: Area, rulebook: Rulebook) -> str:
    return url_for("admin.rulebook", slug=area.slug, version=rulebook.version)


def _render_version(area: Area, rulebook: Rulebook, locked_error: Any = None, status: int = 200):  # type: ignore[no-untyped-def]
    state = catalogue.rulebook_state(rulebook)
    return render_template(
        "admin/areas/rulebook.html", area=area, rulebook=rulebook, state=state, states=RulebookState,
        lock_reason=catalogue.lock_reason(rulebook), locked_error=locked_error,
        events=audit_log.rulebook_history(rulebook),
    ), status


def _refuse_locked(area: Area, rulebook: Rulebook):  # type: ignore[no-untyped-def]
    """A version in force or in use is read-only: every change is refused with the reason."""
    reason = catalogue.lock_reason(rulebook)
    if reason is None:
        return None
    return _render_version(area, rulebook, locked_error=reason, status=409)


# --- Areas ---------------------------------------------------------------------------------------------

@bp.get("/kundval")
def areas() -> str:  # endpoint admin.areas
    areas = managed_areas(current_user)
    in_force = {area.id: catalogue.rulebook_in_force(area) for area in areas}
    newest = {area.id: catalogue.newest_rulebook(area) for area in areas}
    return render_template("admin/areas/index.html", areas=areas, in_force=in_force, newest=newest)


@bp.route("/kundval/<slug>", methods=["GET", "POST"])
def area(slug: str):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    form = AreaTextsForm(data={f"{short}_{lang}": getattr(area, f"{field}_{lang}") or ""
                               for field, short in AREA_FIELDS.items() for lang in ("sv", "en")})
    if form.validate_on_submit():
        texts = {f"{field}_{lang}": form[f"{short}_{lang}"].data
                 for field, short in AREA_FIELDS.items() for lang in ("sv", "en")}
        try:
            changed = catalogue.update_area_texts(area, texts)
        except CatalogueError as error:
            _put_error(form, error, AREA_FIELDS)
        else:
            flash(_("The texts of %(area)s are saved.", area=str(local(area, "name"))) if changed
                  else _("Nothing was changed."), "success")
            return redirect(url_for("admin.area", slug=area.slug), code=303)
    events = audit_log.history("area", area.id, limit=HISTORY_ON_PAGE)
    return render_template("admin/areas/area.html", area=area, form=form, events=events,
                           versions=catalogue.versions(area)), 400 if form.errors else 200


# --- Versions of the authorisation conditions -------------------------------------------------------------

@bp.get("/kundval/<slug>/villkor")
def rulebooks(slug: str) -> str:
    area = _managed_area(slug)
    return render_template("admin/areas/rulebooks.html", area=area, versions=catalogue.versions(area),
                           newest=catalogue.newest_rulebook(area), states=RulebookState)


@bp.route("/kundval/<slug>/villkor/ny", methods=["GET", "POST"])
def new_rulebook(slug: str):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    newest = catalogue.newest_rulebook(area)
    if newest is None:
        abort(404)
    form = VersionForm(data={"rubrik_sv": newest.title_sv, "rubrik_en": newest.title_en or ""})
    if form.validate_on_submit():
        try:
            rulebook = catalogue.create_version(area, form.giltig_fran.data, form.diarienummer.data,
                                                form.rubrik_sv.data, form.rubrik_en.data)
        except CatalogueError as error:
            _put_error(form, error, VERSION_FIELDS)
        else:
            flash(_("Version %(version)d is created as a copy of version %(previous)d. Change its norms "
                    "before it applies.", version=rulebook.version, previous=newest.version), "success")
            return redirect(_version_url(area, rulebook), code=303)
    return render_template("admin/areas/new_version.html", area=area, newest=newest,
                           form=form), 400 if form.errors else 200


@bp.get("/kundval/<slug>/villkor/<int:version>")
def rulebook(slug: str, version: int):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    return _render_version(area, _rulebook(area, version))


@bp.route("/kundval/<slug>/villkor/<int:version>/uppgifter", methods=["GET", "POST"])
def rulebook_details(slug: str, version: int):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    rulebook = _rulebook(area, version)
    if (refused := _refuse_locked(area, rulebook)) is not None:
        return refused
    form = VersionForm(data={"giltig_fran": rulebook.valid_from, "diarienummer": rulebook.decision_reference or "",
                             "rubrik_sv": rulebook.title_sv, "rubrik_en": rulebook.title_en or ""})
    if form.validate_on_submit():
        try:
            catalogue.update_version_details(rulebook, form.giltig_fran.data, form.diarienummer.data,
                                             form.rubrik_sv.data, form.rubrik_en.data)
        except RulebookLocked as error:
            return _render_version(area, rulebook, locked_error=error.message, status=409)
        except CatalogueError as error:
            _put_error(form, error, VERSION_FIELDS)
        else:
            flash(_("The details of version %(version)d are saved.", version=rulebook.version), "success")
            return redirect(_version_url(area, rulebook), code=303)
    return render_template("admin/areas/version_details.html", area=area, rulebook=rulebook,
                           form=form), 400 if form.errors else 200


@bp.route("/kundval/<slug>/villkor/<int:version>/kapitel/nytt", methods=["GET", "POST"])
def new_chapter(slug: str, version: int):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    rulebook = _rulebook(area, version)
    if (refused := _refuse_locked(area, rulebook)) is not None:
        return refused
    form = ChapterForm()
    if form.validate_on_submit():
        try:
            chapter = catalogue.add_chapter(rulebook, form.rubrik_sv.data, form.rubrik_en.data)
        except RulebookLocked as error:
            return _render_version(area, rulebook, locked_error=error.message, status=409)
        except CatalogueError as error:
            _put_error(form, error, {"title_sv": "rubrik_sv", "title_en": "rubrik_en"})
        else:
            flash(_("Chapter %(number)d is added. Add its norms.", number=chapter.number), "success")
            return redirect(_version_url(area, rulebook) + f"#kapitel-{chapter.number}", code=303)
    return render_template("admin/areas/chapter_form.html", area=area, rulebook=rulebook,
                           form=form), 400 if form.errors else 200


def _norm_texts(form: NormForm) -> dict[str, str | None]:
    return {f"{field}_{lang}": form[f"{short}_{lang}"].data for field, short in NORM_FIELDS.items()
            for lang in ("sv", "en")}


@bp.route("/kundval/<slug>/villkor/<int:version>/kapitel/<int:number>/ny-norm", methods=["GET", "POST"])
def new_norm(slug: str, version: int, number: int):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    rulebook = _rulebook(area, version)
    chapter = _chapter(rulebook, number)
    if (refused := _refuse_locked(area, rulebook)) is not None:
        return refused
    form = NormForm()
    if form.validate_on_submit():
        try:
            norm = catalogue.add_norm(rulebook, chapter, _norm_texts(form))
        except RulebookLocked as error:
            return _render_version(area, rulebook, locked_error=error.message, status=409)
        except CatalogueError as error:
            _put_error(form, error, NORM_FIELDS)
        else:
            flash(_("Norm %(code)s is added.", code=norm.code), "success")
            return redirect(_version_url(area, rulebook) + f"#norm-{norm.id}", code=303)
    return render_template("admin/areas/norm_form.html", area=area, rulebook=rulebook, chapter=chapter,
                           norm=None, form=form), 400 if form.errors else 200


@bp.route("/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>", methods=["GET", "POST"])
def edit_norm(slug: str, version: int, norm_id: int):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    rulebook = _rulebook(area, version)
    norm = _norm(rulebook, norm_id)
    if (refused := _refuse_locked(area, rulebook)) is not None:
        return refused
    form = NormForm(data={f"{short}_{lang}": getattr(norm, f"{field}_{lang}") or ""
                          for field, short in NORM_FIELDS.items() for lang in ("sv", "en")})
    if form.validate_on_submit():
        try:
            changed = catalogue.update_norm(rulebook, norm, _norm_texts(form))
        except RulebookLocked as error:
            return _render_version(area, rulebook, locked_error=error.message, status=409)
        except CatalogueError as error:
            _put_error(form, error, NORM_FIELDS)
        else:
            flash(_("Norm %(code)s is saved.", code=norm.code) if changed else _("Nothing was changed."), "success")
            return redirect(_version_url(area, rulebook) + f"#norm-{norm.id}", code=303)
    return render_template("admin/areas/norm_form.html", area=area, rulebook=rulebook, chapter=norm.chapter,
                           norm=norm, form=form), 400 if form.errors else 200


@bp.route("/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>/ta-bort", methods=["GET", "POST"])
def retire_norm(slug: str, version: int, norm_id: int):  # type: ignore[no-untyped-def]
    area = _managed_area(slug)
    rulebook = _rulebook(area, version)
    norm = _norm(rulebook, norm_id)
    if (refused := _refuse_locked(area, rulebook)) is not None:
        return refused
    form = ConfirmForm()
    if form.validate_on_submit():
        code = norm.code
        try:
            catalogue.retire_norm(rulebook, norm)
        except RulebookLocked as error:
            return _render_version(area, rulebook, locked_error=error.message, status=409)
        flash(_("Norm %(code)s is retired from version %(version)d.", code=code, version=rulebook.version),
              "success")
        return redirect(_version_url(area, rulebook), code=303)
    return render_template("admin/areas/retire_norm.html", area=area, rulebook=rulebook, norm=norm,
                           form=form), 400 if form.errors else 200
