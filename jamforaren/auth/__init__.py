"""Signing in and out (Flask-Login), and who the audit log names for each request."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from jamforaren import audit
from jamforaren.extensions import db, login_manager
from jamforaren.models import User
from jamforaren.public.views import safe_next
from jamforaren.services import accounts, passwords
from jamforaren.services import sign_in as protection

SESSION_VERSION = "session_version"  # the user's session counter when this session signed in

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
    """The session's user, unless the account is inactive or the session is older than the user's last
    password change or "sign out everywhere" (its counter is stale)."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.is_active or session.get(SESSION_VERSION) != user.session_version:
        return None
    return user


def start_session(user: User) -> None:
    """A new session for the user (no fixation), holding the user's current session counter."""
    session.clear()
    login_user(user)
    session[SESSION_VERSION] = user.session_version


def client_address() -> str:
    return protection.client_address(request.remote_addr, request.headers.get("X-Forwarded-For"))


def refusal_message(refused: protection.Refused, retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    if refused is protection.Refused.ADDRESS:
        return ngettext("Too many failed sign-in attempts from your network. Try again in %(num)d minute.",
                        "Too many failed sign-in attempts from your network. Try again in %(num)d minutes.",
                        minutes)
    return ngettext("Too many failed attempts with this e-mail address. Try again in %(num)d minute.",
                    "Too many failed attempts with this e-mail address. Try again in %(num)d minutes.", minutes)


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
        outcome = protection.attempt(form.epost.data, form.losenord.data, client_address())
        if outcome.user is None:
            if outcome.refused:
                form.losenord.errors = [refusal_message(outcome.refused, outcome.retry_after)]
                return render_template("auth/login.html", form=form), 429, {"Retry-After": str(outcome.retry_after)}
            form.losenord.errors = [_("The e-mail address or the password is wrong.")]
            return render_template("auth/login.html", form=form), 400
        start_session(outcome.user)
        return redirect(safe_next(request.args.get("next"), landing_for(outcome.user)), code=303)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logga-ut")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("public.start"), code=303)


# --- The user's own password --------------------------------------------------------------------------------

class PasswordForm(FlaskForm):
    nuvarande = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=200)])
    nytt = PasswordField(_l("New password"), validators=[DataRequired(message=_l("Enter a new password."))])
    upprepa = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Enter the new password again."))])

    def validate_nytt(self, field: PasswordField) -> None:
        field.errors.extend(str(problem) for problem in passwords.problems(field.data, current_user.email))
        if not field.errors and field.data == self.nuvarande.data:
            field.errors.append(_("The new password must differ from the current one."))

    def validate_upprepa(self, field: PasswordField) -> None:
        if field.data != self.nytt.data:
            field.errors.append(_("The two new passwords are not the same."))


def own_layout(user: User) -> str:
    """The layout of the user's part of the portal: the back office, the providers' portal, or neither."""
    from jamforaren.services.permissions import editor_provider_ids, is_officer
    if is_officer(user):
        return "admin/layout.html"
    if editor_provider_ids(user):
        return "providers/layout.html"
    return "layout.html"


@bp.route("/konto/losenord", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    user: User = current_user._get_current_object()
    if form.validate_on_submit():
        outcome = protection.confirm_password(user, form.nuvarande.data, client_address())
        if outcome.refused:
            form.nuvarande.errors = [refusal_message(outcome.refused, outcome.retry_after)]
            return _password_page(form, user), 429, {"Retry-After": str(outcome.retry_after)}
        if outcome.user is None:
            form.nuvarande.errors = [_("The current password is wrong.")]
            return _password_page(form, user), 400
        accounts.change_password(user, form.nytt.data)
        start_session(user)  # this session stays signed in; every other one is signed out
        flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
        return redirect(url_for("auth.change_password"), code=303)
    return _password_page(form, user), 400 if form.errors else 200


def _password_page(form: PasswordForm, user: User) -> str:
    return render_template("auth/password.html", form=form, layout=own_layout(user),
                           min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)


@bp.post("/konto/logga-ut-overallt")
@login_required
def sign_out_everywhere() -> Response:
    accounts.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out everywhere: in every browser and on every device, this one included."), "success")
    return redirect(url_for("auth.login"), code=303)
