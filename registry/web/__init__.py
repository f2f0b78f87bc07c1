"""Server-rendered pages."""

from __future__ import annotations

from flask import Flask, session

from registry.extensions import login
from registry.models import User
from registry.services import users

from . import (
    account,
    admin,
    certification,
    dost,
    imports,
    open_data,
    operations,
    place_pages,
    producer,
    province_users,
    resolver,
    scan_front,
    search,
    transparency,
    verify,
    vocabulary_terms,
)
from .filters import register_filters
from .i18n import text as i18n_text
from .pages import bp
from .security import register_security_headers


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(transparency.bp)
    app.register_blueprint(resolver.bp)
    producer.register(app)
    dost.register(app)
    app.register_blueprint(province_users.bp)
    app.register_blueprint(certification.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(vocabulary_terms.bp)
    app.register_blueprint(place_pages.bp)
    app.register_blueprint(open_data.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(operations.bp)
    login.login_view = "account.login"
    register_security_headers(app)
    register_filters(app)
    app.jinja_env.globals["in_lang"] = i18n_text  # a (vi, en) pair from registry.vocabulary
    scan_front.install(app)

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        # A session signed in under an older epoch (before a sign-out, deactivation or new password) is over.
        # One from before epochs existed counts as epoch 0: it ends at the user's first such event.
        return users.session_user(user_id, session.get(account.SESSION_EPOCH, 0))
