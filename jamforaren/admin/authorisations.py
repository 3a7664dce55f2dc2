"""Authorisation decisions for a unit in an area: the full history and the form for the next decision."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from jamforaren.admin import bp
from jamforaren.admin.providers import OptionalDateField
from jamforaren.extensions import db
from jamforaren.i18n import local
from jamforaren.labels import AUTHORISATION_STATUS
from jamforaren.models import Area, AuthorisationStatus, Unit
from jamforaren.services import authorisations, listing
from jamforaren.services.permissions import require_area

S = AuthorisationStatus

# What each decision is called on the form, by the status it leads from and to.
DECISION_LABELS: dict[tuple[AuthorisationStatus, AuthorisationStatus], Any] = {
    (S.APPLIED, S.AUTHORISED): _l("Authorise the unit"),
    (S.APPLIED, S.ENDED): _l("Close the application, rejected or withdrawn"),
    (S.AUTHORISED, S.SUSPENDED): _l("Suspend the authorisation"),
    (S.AUTHORISED, S.REVOKED): _l("Revoke the authorisation"),
    (S.AUTHORISED, S.ENDED): _l("End the authorisation, for example at the provider's request"),
    (S.SUSPENDED, S.AUTHORISED): _l("Resume the authorisation"),
    (S.SUSPENDED, S.REVOKED): _l("Revoke the authorisation"),
    (S.SUSPENDED, S.ENDED): _l("End the authorisation, for example at the provider's request"),
    (S.REVOKED, S.APPLIED): _l("Register a new application"),
    (S.ENDED, S.APPLIED): _l("Register a new application"),
}


class DecisionForm(FlaskForm):
    beslut = RadioField(_l("Decision"), validate_choice=False)
    beslutsdatum = OptionalDateField(_l("Date of the decision"))
    diarienummer = StringField(_l("Decision reference (diarienummer)"), validators=[
        Optional(), Length(max=authorisations.REFERENCE_MAX, message=_l("At most %(max)d characters."))])
    motivering = TextAreaField(_l("Reason"), validators=[
        Length(max=authorisations.REASON_MAX, message=_l("At most %(max)d characters."))])


FIELDS = {"status": "beslut", "decided_on": "beslutsdatum", "reference": "diarienummer", "reason": "motivering"}


def _decision_choices(current: AuthorisationStatus) -> list[SelectChoice]:
    return [SelectChoice(s.value, _("%(decision)s (new status: %(status)s)", decision=DECISION_LABELS[(current, s)],
                                    status=AUTHORISATION_STATUS[s]))
            for s in authorisations.allowed_decisions(current)]


@bp.route("/enheter/<int:unit_id>/kundval/<area_slug>", methods=["GET", "POST"], endpoint="authorisation")
def authorisation_page(unit_id: int, area_slug: str):  # type: ignore[no-untyped-def]
    unit = db.session.get(Unit, unit_id)
    area = db.session.scalar(select(Area).where(Area.slug == area_slug))
    if unit is None or area is None:
        abort(404)
    require_area(current_user, area.id)  # before anything else: others get 403 and nothing changes
    authorisation = authorisations.authorisation_of(unit, area)
    if authorisation is None:
        abort(404)
    form = DecisionForm() if request.method == "POST" else DecisionForm(data={"beslutsdatum": date.today()})
    form.beslut.choices = _decision_choices(authorisation.status)
    status = 200
    if request.method == "POST":
        valid = form.validate()
        decision = authorisations.Decision(status=form.beslut.data, decided_on=form.beslutsdatum.data,
                                           reference=form.diarienummer.data, reason=form.motivering.data)
        try:
            if not valid:  # still check the rest, so that every problem shows at once
                authorisations.validate(authorisation, decision, date.today())
            else:
                event = authorisations.decide(current_user, authorisation, decision)
                flash(_("The decision is recorded. The status is now: %(status)s.",
                        status=AUTHORISATION_STATUS[event.status]), "success")
                return redirect(url_for("admin.authorisation", unit_id=unit.id, area_slug=area.slug), code=303)
        except authorisations.DecisionError as error:
            for key, message in error.errors.items():
                field = form[FIELDS[key]]
                if not field.errors:
                    field.errors = [message]
        status = 400
    return render_template(
        "admin/authorisations/decision.html", unit=unit, area=area, authorisation=authorisation, form=form,
        history=authorisations.history(authorisation), status_labels=AUTHORISATION_STATUS,
        public_page=listing.unit_by_slug(unit.slug) is not None,
        area_name=local(area, "name"),
        heading=_("Authorisation of %(unit)s in %(area)s", unit=unit.name, area=str(local(area, "name"))),
    ), status
