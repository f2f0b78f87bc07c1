"""Signing in and out of the web workspace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from registry.errors import Unauthorized
from registry.extensions import limiter
from registry.messages import render_rule
from registry.services import users

from .producer import current_lang

bp = Blueprint("account", __name__)


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
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.email.data or "", form.password.data or "")
        except Unauthorized:
            error = "invalid_credentials"
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else (400 if form.errors else 200)
    return render_template("login.html", form=form, error=error, errors=_field_messages(form)), status


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
    logout_user()
    return redirect(url_for("web.home"))


@bp.route("/workspace")
@login_required
def workspace() -> str:
    return render_template("workspace.html", user=current_user)
