"""Server-rendered pages."""

from __future__ import annotations

from flask import Flask

from registry.extensions import db, login
from registry.models import User

from . import account, admin, certification, dost, imports, producer, resolver, verify
from .filters import register_filters
from .pages import bp
from .security import register_security_headers


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(resolver.bp)
    producer.register(app)
    dost.register(app)
    app.register_blueprint(certification.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(imports.bp)
    login.login_view = "account.login"
    register_security_headers(app)
    register_filters(app)

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None
