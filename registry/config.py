"""Configuration: defaults, then an instance file, then the environment, then a test override."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "REDIS_URL",
    "REGISTRY_DEMO",
    "SMTP_URL",
    "FORCE_HTTPS",
    "PROXY_FIX_X_FOR",
)


def _instance_secret(instance_path: Path) -> str:
    """Return the secret kept in instance/, creating it once with a random value."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(instance_path: Path, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings dictionary in the documented order of precedence."""
    cfg: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'registry.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{os.environ.get('PORT', '8000')}",
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "DOCUMENT_MAX_BYTES": 10 * 1024 * 1024,
        "IMPORT_MAX_BYTES": 50 * 1024 * 1024,
        # What an import upload may cost (registry/services/uploads.py): refused at the first bound passed.
        "IMPORT_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,  # an XLSX, once unzipped (read from its directory)
        "IMPORT_MAX_RATIO": 100,  # unpacked / packed size of any part above 1 MB
        "IMPORT_MAX_ROWS": 200_000,
        "IMPORT_MAX_COLUMNS": 100,
        "IMPORT_MAX_CELL_CHARS": 32_767,
        "IMPORT_MAX_SECONDS": 120,
        "TOKEN_TTL_HOURS": 12,
        "REGISTRY_DEMO": True,
        # Memory counts per worker process: production must set REDIS_URL so every worker shares them.
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "registry",
        # Failed sign-ins per account, web form and API token together (registry/services/throttle.py).
        "ACCOUNT_SIGNIN_LIMIT": "10 per 15 minutes",
        # How many proxies in front of the app set X-Forwarded-For/-Proto; 0 trusts no such header.
        "PROXY_FIX_X_FOR": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "API_TITLE": "OCOP and standards registry API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "v1/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/static/",
        "JSON_SORT_KEYS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "FORCE_HTTPS": False,  # TLS ends at the proxy; True redirects to HTTPS, sends HSTS, secures the cookie
    }
    instance_file = instance_path / "config.py"
    if instance_file.exists():
        scope: dict[str, Any] = {}
        exec(compile(instance_file.read_text(), str(instance_file), "exec"), scope)
        cfg.update({k: v for k, v in scope.items() if k.isupper()})
    env = os.environ
    if env.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    if env.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("PUBLIC_BASE_URL"):
        cfg["PUBLIC_BASE_URL"] = env["PUBLIC_BASE_URL"].rstrip("/")
    if env.get("REDIS_URL"):
        cfg["REDIS_URL"] = env["REDIS_URL"]
        cfg["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
        cfg["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True  # Redis down: limit per worker rather than fail
    if env.get("REGISTRY_DEMO") is not None:
        cfg["REGISTRY_DEMO"] = env["REGISTRY_DEMO"] not in ("0", "false", "no", "")
    if env.get("FORCE_HTTPS") is not None:
        cfg["FORCE_HTTPS"] = env["FORCE_HTTPS"] not in ("0", "false", "no", "")
    if env.get("PROXY_FIX_X_FOR"):
        cfg["PROXY_FIX_X_FOR"] = int(env["PROXY_FIX_X_FOR"])
    if env.get("SMTP_URL"):
        cfg["SMTP_URL"] = env["SMTP_URL"]
    if test_config:
        cfg.update(test_config)
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance_path)
    return cfg
