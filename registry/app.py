"""The app factory: settings checked, extensions, the API, the pages and the command line, registered in order."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import refresh as refresh_locale
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from registry import (
    models,  # noqa: F401 - every table must be known to the metadata
    observability,
)
from registry.api import register_api
from registry.api.epcis_rest import register_epcis
from registry.cli import register_cli
from registry.config import check_production, load_config
from registry.extensions import api, babel, csrf, db, limiter, login, migrate
from registry.services.throttle import AccountThrottle
from registry.web import register_web
from registry.web.i18n import select_locale

MIGRATIONS = Path(__file__).parent / "migrations"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route is a database id: beyond 32 bits it is a 404, not a crash."""

    def __init__(self, url_map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; migrations and seeds are separate steps (`registry db upgrade`, `registry seed`)."""
    # REGISTRY_INSTANCE_PATH: where secrets, signing keys and uploads live (deploy: /var/lib/registry/instance).
    instance = os.environ.get("REGISTRY_INSTANCE_PATH") or None
    # "registry", the package: root, instance folder and app name as when the factory lived in __init__.
    app = Flask("registry", instance_path=instance, instance_relative_config=True, static_folder="web/static")
    app.config.update(load_config(Path(app.instance_path), test_config))
    check_production(app.config)  # raises ConfigurationError listing every problem
    app.url_map.converters["int"] = IdConverter
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Vietnamese stays readable in JSON
    _register_extensions(app)
    register_api(app)
    register_epcis(app)
    register_web(app)
    register_cli(app)
    _register_wsgi_layers(app)
    return app


def _register_wsgi_layers(app: Flask) -> None:
    """Outside the app (and its scan front door): request ids and metrics, then the proxy's headers."""
    with app.app_context():
        observability.install(app, db.engines.values())
    hops = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if hops:
        # One count for both headers: each proxy in front (nginx alone: 1) appends its client's address
        # to X-Forwarded-For and sets X-Forwarded-Proto; trust that many hops and no more.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.extensions["account_throttle"] = AccountThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config.get("ACCOUNT_SIGNIN_LIMIT", "")
    )
    api.init_app(app)
    login.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # flask-babel caches the locale on `g`, which a test client's requests share: choose it per request.
    app.before_request(refresh_locale)
