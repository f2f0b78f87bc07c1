"""The JSON API under /api/v1, described by OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

import swagger_ui_bundle
from flask import Flask, send_from_directory

from registry.extensions import api, csrf

from . import (
    activities,
    audit_log,
    auth,
    batches,
    certificate_record,
    certificates,
    codes,
    imports,
    organizations,
    places,
    products,
    reminders,
    reports_queue,
    standards,
    stats,
    verification,
)
from .openapi import ProblemDetailsPlugin
from .problems import register_problem_handlers

BLUEPRINTS = (
    auth,
    organizations,
    products,
    standards,
    certificates,
    batches,
    activities,
    places,
    stats,
    verification,
    imports,
    codes,
    reminders,
    certificate_record,
    reports_queue,
    audit_log,
)


def register_api(app: Flask) -> None:
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # After flask-smorest's own plugins: names every operation and documents its errors as problem details.
    plugin = ProblemDetailsPlugin()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)
    for module in BLUEPRINTS:
        csrf.exempt(module.blp)  # API writes are CSRF-checked in api.common.actor for session users
        api.register_blueprint(module.blp)
    register_problem_handlers(app)
    static = swagger_ui_bundle.swagger_ui_path

    @app.route("/api/docs/static/<path:filename>")
    def swagger_static(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(static, filename, max_age=86400)
