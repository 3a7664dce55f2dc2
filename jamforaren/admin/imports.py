"""Imports in the back office: upload a file, see the preview, commit it all or nothing."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from jamforaren.admin import bp
from jamforaren.imports import staging
from jamforaren.imports.plan import KIND_LABELS, ImportKind, ImportPlan
from jamforaren.imports.run import ImportRefused, commit, plan_file
from jamforaren.services.permissions import managed_areas

SHOWN_CHANGES = 500


class UploadForm(FlaskForm):
    slag = RadioField(_l("What the file holds"), choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in ImportKind],
                      default=ImportKind.SURVEYS.value,
                      validators=[InputRequired(message=_l("Choose what the file holds."))])
    fil = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload."))])

    def validate_fil(self, field: FileField) -> None:
        limit = current_app.config["IMPORT_MAX_BYTES"]
        data = field.data.read(limit + 1) if field.data else b""
        if len(data) > limit:
            raise ValidationError(_l("The file is larger than %(size)s MB.",
                                     size=format_decimal(limit / (1024 * 1024), format="#,##0.#")))
        if not data:
            raise ValidationError(_l("The file is empty."))
        field.content = data


class CommitForm(FlaskForm):
    token = HiddenField()


@bp.route("/import", methods=["GET", "POST"])
def imports():
    form = UploadForm()
    if form.validate_on_submit():
        kind = ImportKind(form.slag.data)
        filename = secure_filename(form.fil.data.filename or "") or "fil"
        data = form.fil.content
        token = staging.stage(current_app.instance_path, current_user.id, kind, filename, data)
        return _preview(plan_file(kind, data, filename, current_user), token)
    return render_template("admin/imports/upload.html", form=form, areas=managed_areas(current_user),
                           heading=_("Import survey results and key figures")), 400 if form.errors else 200


def _preview(plan: ImportPlan, token: str, status: int = 200):  # type: ignore[no-untyped-def]
    if not plan.ok or not plan.has_writes:
        staging.discard(current_app.instance_path, token)
    return render_template("admin/imports/preview.html", plan=plan, token=token, form=CommitForm(token=token),
                           shown_changes=plan.changes[:SHOWN_CHANGES], kind_label=KIND_LABELS[plan.kind],
                           heading=_("Preview of %(file)s", file=plan.filename)), status


@bp.post("/import/bekrafta")
def import_commit():
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    staged = staging.load(current_app.instance_path, form.token.data, current_user.id)
    if staged is None:
        flash(_("The uploaded file is no longer kept. Upload it again."), "error")
        return redirect(url_for("admin.imports"))
    plan = plan_file(staged.kind, staged.data, staged.filename, current_user)  # the database may have changed
    try:
        commit(plan)
    except ImportRefused:
        return _preview(plan, staged.token, status=409)
    staging.discard(current_app.instance_path, staged.token)
    flash(_("Imported %(file)s: %(added)s new, %(changed)s changed, %(unchanged)s unchanged.", file=plan.filename,
            added=plan.added, changed=plan.changed, unchanged=plan.unchanged), "success")
    return redirect(url_for("admin.imports"))


EXAMPLES = Path(__file__).resolve().parent.parent / "imports" / "examples"


@bp.get("/import/exempel/<name>")
def import_example(name: str):  # type: ignore[no-untyped-def]
    if name not in {"kundundersokning.csv", "nyckeltal.csv"}:
        abort(404)
    return send_from_directory(EXAMPLES, name, mimetype="text/csv", as_attachment=True)
