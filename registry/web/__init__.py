"""Server-rendered pages."""

from __future__ import annotations

from flask import Flask

from registry.extensions import db, login
from registry.models import User

from . import account
from .pages import bp


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(account.bp)
    login.login_view = "account.login"

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None
