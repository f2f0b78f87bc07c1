"""Signing in and out of the web workspace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from registry.errors import InvalidInput, Unauthorized
from registry.extensions import limiter
from registry.messages import render_rule
from registry.services import users
from registry.services.throttle import TooManyAttempts

from .producer import current_lang

bp = Blueprint("account", __name__)
SESSION_EPOCH = "session_epoch"  # the user's epoch at sign-in; registry.web's user loader compares it


class PasswordForm(FlaskForm):
    current_password = PasswordField("current_password")
    password = PasswordField("password")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Mật khẩu / Password", validators=[DataRequired(), Length(max=512)])


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("account.workspace")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    error = None
    throttled = None
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                form.email.data or "", form.password.data or "", current_app.extensions["account_throttle"]
            )
        except Unauthorized:
            error = "invalid_credentials"
        except TooManyAttempts as err:
            error = "throttled"
            throttled = render_rule(err.rule, current_lang(), None, err.params)
        else:
            login_user(user)
            session[SESSION_EPOCH] = user.session_epoch
            return redirect(_safe_next(request.args.get("next")))
    status = 429 if throttled else 401 if error else (400 if form.errors else 200)
    page = render_template("login.html", form=form, error=error, throttled=throttled, errors=_field_messages(form))
    return page, status


def _field_messages(form: LoginForm) -> dict[str, list[str]]:
    """WTForms speaks no Vietnamese: its refusals become the registry's own rules in the page's language."""
    lang = current_lang()
    out: dict[str, list[str]] = {}
    for name, limit in (("email", 255), ("password", 512)):
        if not form[name].errors:
            continue
        value = form[name].data or ""
        rule, params = ("length", {"min": 1, "max": limit}) if value.strip() else ("required", {})
        out[name] = [render_rule(rule, lang, None, params)]
    return out


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        users.sign_out(current_user._get_current_object())  # every copy of this cookie ends, and every token
    logout_user()
    session.pop(SESSION_EPOCH, None)
    return redirect(url_for("web.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    """Change one's password; every other session and token ends, this browser signs in afresh."""
    form = PasswordForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            users.change_password(user, form.current_password.data or "", form.password.data or "")
        except InvalidInput as err:
            lang = current_lang()
            for e in err.errors:
                errors.setdefault(e.field, []).append(render_rule(e.rule, lang, None, e.params))
        else:
            login_user(user)
            session[SESSION_EPOCH] = user.session_epoch
            return redirect(url_for("account.workspace"))
    status = 422 if errors else (400 if form.errors else 200)
    return render_template("account_password.html", errors=errors), status


@bp.route("/workspace")
@login_required
def workspace() -> str:
    return render_template("workspace.html", user=current_user)
