"""The audit log (händelselogg): read-only pages. There is no route that changes or deletes an event.

- /admin/handelser: every event, newest first, filtered by entity type, actor and dates (administrators).
- /admin/handelser/<entity_type>/<id>: one entity's history (administrators, and officers when the
  entity belongs to one of their areas).

Other back-office pages show an entity's history with the macro ``history(events)`` in
``templates/admin/audit/_history.html`` and ``services.audit_log.history(entity_type, entity_id)``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from jamforaren.admin import bp
from jamforaren.extensions import db
from jamforaren.models import Area, Norm, Rulebook
from jamforaren.services import audit_log
from jamforaren.services.permissions import require

bp.add_app_template_global(audit_log.present, "audit_view")


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("sida", "1")))
    except ValueError:
        return 1


class LogFilterForm(FlaskForm):
    """A GET form: its URL is the filter, nothing is stored."""

    class Meta:
        csrf = False

    typ = SelectField(_l("What"), validate_choice=False)
    vem = StringField(_l("Who (e-mail or part of it)"), validators=[Optional(), Length(max=200)])
    fran = DateField(_l("From date"), validators=[Optional()],
                     invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2027-01-01."))
    till = DateField(_l("To date"), validators=[Optional()],
                     invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2027-01-01."))

    def validate_till(self, field: DateField) -> None:
        if field.data and self.fran.data and field.data < self.fran.data:
            raise ValidationError(_l("The end date must not be earlier than the start date."))


@bp.get("/handelser", endpoint="audit_log")
def log_page() -> Any:  # endpoint admin.audit_log
    require(audit_log.can_see_log(current_user))
    form = LogFilterForm(formdata=request.args)
    form.typ.choices = [SelectChoice("", _l("Everything"))] + [
        SelectChoice(t, audit_log.entity_type_label(t)) for t in audit_log.entity_types()]
    valid = form.validate() if request.args else True
    filters = audit_log.LogFilter(
        entity_type=form.typ.data or None,
        actor=(form.vem.data or None) if not form.vem.errors else None,
        date_from=form.fran.data if not form.fran.errors else None,
        date_to=form.till.data if not (form.till.errors or form.fran.errors) else None,
    )
    page = audit_log.search(filters, _page_number(), current_app.config["PAGE_SIZE"])
    args = {key: value for key, value in request.args.items() if key != "sida" and value}
    return render_template("admin/audit/index.html", form=form, page=page, args=args), 200 if valid else 400


@bp.get("/handelser/<entity_type>/<int:entity_id>")
def entity_history(entity_type: str, entity_id: int) -> Any:
    if not re.match(audit_log.TYPE_PATTERN, entity_type):
        abort(404)
    require(audit_log.can_see_history(current_user, entity_type, entity_id))
    page = audit_log.history_page(entity_type, entity_id, _page_number(), current_app.config["PAGE_SIZE"])
    if not page.total and not audit_log.exists_or_logged(entity_type, entity_id):
        abort(404)
    return render_template("admin/audit/entity.html", entity_type=entity_type, entity_id=entity_id,
                           title=audit_log.describe(entity_type, entity_id), page=page,
                           manage_url=_manage_url(entity_type, entity_id))


def _manage_url(entity_type: str, entity_id: int) -> str | None:
    """Where the entity is managed, for the catalogue's own entities."""
    row = audit_log.snapshot(entity_type, entity_id) or {}
    if entity_type == "area":
        area = db.session.get(Area, entity_id)
        return url_for("admin.area", slug=area.slug) if area else None
    rulebook_id = entity_id if entity_type == "rulebook" else row.get("rulebook_id")
    if entity_type in ("rulebook", "norm", "rulebook_chapter") and rulebook_id:
        rulebook = db.session.get(Rulebook, rulebook_id)
        if rulebook is None:
            return None
        anchor = f"#norm-{entity_id}" if entity_type == "norm" and db.session.get(Norm, entity_id) else ""
        return url_for("admin.rulebook", slug=rulebook.area.slug, version=rulebook.version) + anchor
    return None
