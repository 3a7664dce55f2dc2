"""Signing in and out (Flask-Login), and who the audit log names for each request."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from jamforaren import audit
from jamforaren.extensions import db, login_manager
from jamforaren.models import User
from jamforaren.public.views import safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    epost = EmailField(_l("E-mail address"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                        Length(max=200)])
    losenord = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                        Length(max=200)])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)

    @app.before_request
    def name_the_actor() -> None:
        if current_user.is_authenticated:
            g.audit_token = audit.begin(current_user.email, current_user.id)
        else:
            g.audit_token = audit.begin("public")

    @app.teardown_request
    def forget_the_actor(error: BaseException | None) -> None:
        token = g.pop("audit_token", None)
        if token is not None:
            audit.end(token)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.is_active else None


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        User(email="", name="", password_hash="").set_password(password)  # same time whether or not it exists
        return None
    if not user.is_active or not user.check_password(password):
        return None
    return user


def landing_for(user: User) -> str:
    from jamforaren.services.permissions import editor_provider_ids, is_officer
    if is_officer(user):
        return url_for("admin.dashboard")
    if editor_provider_ids(user):
        return url_for("providers.start")
    return url_for("public.start")


@bp.route("/logga-in", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.epost.data, form.losenord.data)
        if user is None:
            form.losenord.errors = [_("The e-mail address or the password is wrong.")]
            return render_template("auth/login.html", form=form), 400
        session.clear()  # a new session on sign-in: no fixation
        login_user(user)
        audit.begin(user.email, user.id)  # the sign-in itself is the user's act (reset at teardown)
        user.last_login_at = datetime.now(UTC)
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), landing_for(user)), code=303)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logga-ut")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("public.start"), code=303)
