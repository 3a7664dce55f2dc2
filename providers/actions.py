"""A required action of the provider's follow-up: see it, with the officer's comment, and answer it (what
was done, and when). An action of another provider, or of a follow-up not published, is answered with 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jamforaren.labels import ACTION_STATUS
from jamforaren.models import Action
from jamforaren.services import action_responses as service
from jamforaren.services.permissions import can_answer_action
from providers import bp
from providers.forms import ANSWER_FIELDS, AnswerForm, put_errors


def _action_or_404(action_id: int) -> Action:
    action = service.action_by_id(action_id)
    if action is None or not can_answer_action(current_user, action) or not service.is_live(action):
        abort(404)
    return action


def _render(action: Action, form: AnswerForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("providers/action.html", action=action, follow_up=action.follow_up, form=form,
                           answerable=action.status in service.ANSWERABLE, action_status_labels=ACTION_STATUS), status


@bp.route("/atgarder/<int:action_id>", methods=["GET", "POST"], endpoint="action")
def action_page(action_id: int):  # type: ignore[no-untyped-def]
    action = _action_or_404(action_id)
    if request.method != "POST":
        return _render(action, AnswerForm(formdata=None, data={"vad_gjordes": action.response,
                                                               "datum": action.responded_on}))
    form = AnswerForm()
    if not form.validate():
        put_errors(form, service.answer_problems(action, form.vad_gjordes.data, form.datum.data), ANSWER_FIELDS,
                   only_new=True)
        return _render(action, form, status=400)
    try:
        service.answer(current_user, action, form.vad_gjordes.data, form.datum.data)
    except service.ActionError as error:
        if None in error.errors:  # not answerable now: say so above the form
            flash(str(error.errors[None]), "error")
            return _render(action, form, status=409)
        put_errors(form, error.errors, ANSWER_FIELDS)
        return _render(action, form, status=400)
    flash(_("Your answer has been sent to the municipality, which will accept the action or return it to you."),
          "success")
    return redirect(url_for("providers.unit", unit_id=action.follow_up.unit_id, _anchor="uppfoljningar"), code=303)
