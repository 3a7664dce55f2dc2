"""What providers send in through their portal, reviewed by the officers: proposed profile changes (approve
and publish, or reject with a reason) and answers to required actions (accept, or return with a comment).

The rules are in ``services.profile_revisions`` and ``services.action_responses``; each checks that the
officer manages the area (403 otherwise) before anything is written."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from jamforaren.admin import bp
from jamforaren.i18n import local
from jamforaren.models import Action, ActionStatus, ProfileRevision, RevisionStatus
from jamforaren.services import action_responses as answers
from jamforaren.services import profile_revisions as revisions
from jamforaren.services.permissions import can_review_action, can_review_revision, require


class RevisionReviewForm(FlaskForm):
    motivering = TextAreaField(_l("Reason"))
    version = HiddenField()


class ActionReviewForm(FlaskForm):
    kommentar = TextAreaField(_l("Comment to the provider"))


def scope_title(revision: ProfileRevision) -> str:
    if revision.area is None:
        return _("Shared facts")
    return _("Profile in %(area)s", area=local(revision.area, "name"))


# --- profile changes -----------------------------------------------------------------------------------


@bp.get("/profilandringar", endpoint="profile_changes")
def profile_changes() -> str:
    pending = revisions.pending_for_officer(current_user)
    return render_template("admin/reviews/revisions.html",
                           pending=[(r, scope_title(r), revisions.conflicts(r)) for r in pending],
                           reviewed=[(r, scope_title(r)) for r in revisions.reviewed_for_officer(current_user)],
                           revision_status=revisions.STATUS_LABELS)


def _revision(revision_id: int) -> ProfileRevision:
    revision = revisions.revision_by_id(revision_id)
    if revision is None:
        abort(404)
    require(can_review_revision(current_user, revision))
    return revision


def _render_revision(revision: ProfileRevision, form: RevisionReviewForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("admin/reviews/revision.html", revision=revision, scope=scope_title(revision),
                           rows=revisions.diff_rows(revision), form=form, revision_status=revisions.STATUS_LABELS,
                           conflicts=revisions.conflicts(revision) if revision.status is RevisionStatus.PENDING else {}), status


@bp.route("/profilandringar/<int:revision_id>", methods=["GET", "POST"], endpoint="profile_change")
def profile_change(revision_id: int):  # type: ignore[no-untyped-def]
    revision = _revision(revision_id)
    if request.method != "POST":
        return _render_revision(revision, RevisionReviewForm(data={"version": revisions.fingerprint(revision)}))
    form = RevisionReviewForm()
    decision = request.form.get("beslut")
    form.validate()
    try:
        if decision == "godkann":
            result = revisions.approve(current_user, revision, form.motivering.data, expected=form.version.data or "")
        elif decision == "avsla":
            revisions.reject(current_user, revision, form.motivering.data, expected=form.version.data or "")
        else:
            raise revisions.RevisionError({None: _l("Choose whether to approve or reject the change.")})
    except revisions.RevisionError as error:
        for key, message in error.errors.items():
            if key == "reason":
                form.motivering.errors = [*form.motivering.errors, message]
            else:
                flash(str(message), "error")
        form.version.data = revisions.fingerprint(revision) if revision.status is RevisionStatus.PENDING else ""
        return _render_revision(revision, form, status=409 if None in error.errors else 400)
    if decision == "godkann":
        if result.not_applied:
            flash(_("The change is approved and published, except %(fields)s: the published value had changed "
                    "since the provider proposed it.", fields=", ".join(result.not_applied)), "success")
        else:
            flash(_("The change is approved and published on the unit's page."), "success")
    else:
        flash(_("The change is rejected. The provider sees your reason."), "success")
    return redirect(url_for("admin.profile_changes"), code=303)


# --- answered actions ----------------------------------------------------------------------------------


@bp.get("/atgardssvar", endpoint="action_answers")
def action_answers() -> str:
    return render_template("admin/reviews/actions.html", actions=answers.awaiting_review(current_user))


def _action(action_id: int) -> Action:
    action = answers.action_by_id(action_id)
    if action is None:
        abort(404)
    require(can_review_action(current_user, action))
    return action


def _render_action(action: Action, form: ActionReviewForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("admin/reviews/action.html", action=action, follow_up=action.follow_up, form=form,
                           reviewable=answers.is_live(action) and action.status is ActionStatus.ANSWERED), status


@bp.route("/atgardssvar/<int:action_id>", methods=["GET", "POST"], endpoint="action_answer")
def action_answer(action_id: int) -> Any:
    action = _action(action_id)
    if request.method != "POST":
        return _render_action(action, ActionReviewForm())
    form = ActionReviewForm()
    form.validate()
    decision = request.form.get("beslut")
    try:
        if decision == "godkann":
            answers.accept(current_user, action, form.kommentar.data)
        elif decision == "aterforvisa":
            answers.return_to_provider(current_user, action, form.kommentar.data)
        else:
            raise answers.ActionError({None: _l("Choose whether to accept the action or return it.")})
    except answers.ActionError as error:
        for key, message in error.errors.items():
            if key == "comment":
                form.kommentar.errors = [*form.kommentar.errors, message]
            else:
                flash(str(message), "error")
        return _render_action(action, form, status=409 if None in error.errors else 400)
    if decision == "godkann":
        flash(_("The action is accepted as done."), "success")
    else:
        flash(_("The action is returned to the provider with your comment."), "success")
    return redirect(url_for("admin.action_answers"), code=303)
