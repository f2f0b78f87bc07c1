"""Signing in and out of the web workspace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from registry.errors import Unauthorized
from registry.extensions import limiter
from registry.services import users

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
def login() -> str | Response:
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
    return render_template("login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    return redirect(url_for("web.home"))


@bp.route("/workspace")
@login_required
def workspace() -> str:
    return render_template("workspace.html", user=current_user)
