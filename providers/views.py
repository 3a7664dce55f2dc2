"""The provider's units: the start page, a unit's page (published profile, changes, follow-ups), the profile
form that proposes changes, and a proposed change's page (where it can be withdrawn).

A unit of another provider, or a change of one, is answered with 404 before anything is read or written.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jamforaren.extensions import db
from jamforaren.i18n import local
from jamforaren.labels import ACTION_STATUS, language_name
from jamforaren.models import Area, ProfileRevision, Provider, Unit
from jamforaren.services import action_responses as actions
from jamforaren.services import profile_revisions as revisions
from jamforaren.services import registry
from jamforaren.services.listing import public_authorisations
from jamforaren.services.permissions import can_edit_unit_profile, editor_provider_ids
from providers import bp
from providers.forms import PlainForm, attribute_input, field_names, profile_form, profile_input, put_errors


def unit_or_404(unit_id: int) -> Unit:
    unit = registry.unit_by_id(unit_id)
    if unit is None or not can_edit_unit_profile(current_user, unit):
        abort(404)
    return unit


def _revision_or_404(revision_id: int) -> ProfileRevision:
    revision = revisions.revision_by_id(revision_id)
    if revision is None or not can_edit_unit_profile(current_user, revision.unit):
        abort(404)
    return revision


def _scope_title(revision: ProfileRevision) -> str:
    if revision.area is None:
        return _("Shared facts")
    return _("Profile in %(area)s", area=local(revision.area, "name"))


@bp.get("/", endpoint="start")
def start() -> str:
    providers = [db.session.get(Provider, pid) for pid in sorted(editor_provider_ids(current_user))]
    pending = revisions.pending_counts(editor_provider_ids(current_user))
    to_answer = actions.provider_actions(current_user)
    open_actions: dict[int, int] = {}
    for action in to_answer:
        open_actions[action.follow_up.unit_id] = open_actions.get(action.follow_up.unit_id, 0) + 1
    return render_template("providers/start.html", providers=[p for p in providers if p is not None],
                           pending=pending, open_actions=open_actions, to_answer=to_answer,
                           action_status_labels=ACTION_STATUS)


@bp.get("/enheter/<int:unit_id>", endpoint="unit")
def unit_page(unit_id: int) -> str:
    unit = unit_or_404(unit_id)
    areas = revisions.attribute_areas(unit)
    return render_template(
        "providers/unit.html", unit=unit, published=revisions.published_shared(unit),
        profiles=[(area, revisions.published_attributes(unit, area)) for area in areas],
        unit_revisions=[(r, _scope_title(r), revisions.diff_rows(r)) for r in revisions.revisions_for_unit(unit)],
        follow_ups=actions.unit_follow_ups(unit), answerable=actions.ANSWERABLE,
        public_page=bool(public_authorisations(unit)), language_name=language_name,
        revision_status=revisions.STATUS_LABELS,
    )


def _render_form(unit: Unit, form, areas: list[Area], status: int = 200):  # type: ignore[no-untyped-def]
    from jamforaren.admin.providers import attribute_field_name
    sections = [(area, [(d, form[attribute_field_name(area, d["key"])]) for d in area.attribute_definitions])
                for area in areas]
    return render_template("providers/edit.html", unit=unit, form=form, sections=sections,
                           pending=revisions.pending_by_scope(unit)), status


@bp.route("/enheter/<int:unit_id>/profil", methods=["GET", "POST"], endpoint="edit_profile")
def edit_profile(unit_id: int):  # type: ignore[no-untyped-def]
    unit = unit_or_404(unit_id)
    areas = revisions.attribute_areas(unit)
    if request.method != "POST":
        return _render_form(unit, profile_form(unit, areas), areas)
    form = profile_form(unit, areas, formdata=request.form)
    names = field_names(areas)
    if not form.validate():  # the service's problems too, so that every problem shows at once
        put_errors(form, revisions.problems(current_user, unit, profile_input(form), attribute_input(form, areas)),
                   names, only_new=True)
        return _render_form(unit, form, areas, status=400)
    try:
        proposal = revisions.propose(current_user, unit, profile_input(form), attribute_input(form, areas))
    except revisions.RevisionError as error:
        put_errors(form, error.errors, names)
        return _render_form(unit, form, areas, status=400)
    if proposal.saved:
        flash(_("Your changes have been sent to the municipality for review. The public page shows the "
                "published profile until they are approved."), "success")
    elif proposal.withdrawn:
        flash(_("The profile is now the same as the published one, so your change waiting for review has "
                "been withdrawn."), "success")
    else:
        flash(_("Nothing was changed: the profile is the same as the published one and your changes waiting "
                "for review. No change was sent."), "info")
    return redirect(url_for("providers.unit", unit_id=unit.id), code=303)


@bp.get("/andringar/<int:revision_id>", endpoint="revision")
def revision_page(revision_id: int) -> str:
    revision = _revision_or_404(revision_id)
    return render_template("providers/revision.html", revision=revision, scope=_scope_title(revision),
                           rows=revisions.diff_rows(revision), form=PlainForm(),
                           revision_status=revisions.STATUS_LABELS)


@bp.post("/andringar/<int:revision_id>/aterta", endpoint="withdraw")
def withdraw(revision_id: int):  # type: ignore[no-untyped-def]
    revision = _revision_or_404(revision_id)
    unit_id = revision.unit_id
    try:
        revisions.withdraw(current_user, revision)
    except revisions.RevisionError as error:
        flash(str(next(iter(error.errors.values()))), "error")
        return redirect(url_for("providers.revision", revision_id=revision_id), code=303)
    flash(_("Your change has been withdrawn. The published profile stays as it is."), "success")
    return redirect(url_for("providers.unit", unit_id=unit_id), code=303)
