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
    "REGISTRY_ENV",
    "PROXY_FIX_X_FOR",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "SLOW_QUERY_MS",
    "METRICS_TOKEN",
    "METRICS_ALLOW_FROM",
)
MIN_SECRET_LENGTH = 32
# Values copied from examples and tutorials: never a production secret, whatever their length.
KNOWN_SECRETS = frozenset({"dev", "secret", "changeme", "change-me", "change-me-to-a-long-random-value", "test-secret"})


class ConfigurationError(Exception):
    """A production start refused; `problems` holds one sentence per problem (all of them, not the first)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("refusing to start:\n" + "\n".join(f"  - {p}" for p in problems))


ENVIRONMENTS = ("development", "production")


def production_problems(cfg: dict[str, Any]) -> list[str]:
    """What a production deployment must not run with; empty outside REGISTRY_ENV=production."""
    if cfg.get("REGISTRY_ENV") not in ENVIRONMENTS:
        return [f"REGISTRY_ENV is {cfg.get('REGISTRY_ENV')!r}: use one of {', '.join(ENVIRONMENTS)}"]
    if cfg.get("REGISTRY_ENV") != "production":
        return []
    problems = []
    secret = cfg.get("SECRET_KEY") or ""
    if not cfg.get("_SECRET_KEY_SET"):
        problems.append(
            "SECRET_KEY is not set: every app server needs the same long random value"
            " (python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    elif secret.lower() in KNOWN_SECRETS:
        problems.append("SECRET_KEY is a well-known example value: generate a random one")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is {len(secret)} characters long: use at least {MIN_SECRET_LENGTH} random ones")
    if str(cfg.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("DATABASE_URL points to SQLite: production runs on PostgreSQL (postgresql+psycopg://…)")
    public = str(cfg.get("PUBLIC_BASE_URL") or "")
    if not cfg.get("_PUBLIC_BASE_URL_SET"):
        problems.append("PUBLIC_BASE_URL is not set: it is the base of every URL printed in a QR code (https://…)")
    elif not public.startswith("https://"):
        problems.append(f"PUBLIC_BASE_URL is {public!r}: QR codes and links must use https://")
    if not cfg.get("REDIS_URL"):
        problems.append("REDIS_URL is not set: app servers share rate limits and scan-cache notices through Redis")
    return problems


def check_production(cfg: dict[str, Any]) -> None:
    problems = production_problems(cfg)
    if problems:
        raise ConfigurationError(problems)


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
        "REGISTRY_ENV": "development",  # "production" checks the settings at start (check_production)
        "PROXY_FIX_X_FOR": 0,  # proxies in front that set X-Forwarded-For/-Proto (nginx alone: 1)
        "LOG_FORMAT": "text",  # "json": one JSON object per line, with the request id
        "LOG_LEVEL": "INFO",
        "SLOW_QUERY_MS": 0,  # > 0: log every statement slower than this, with its duration
        "METRICS_TOKEN": "",  # bearer token for /metrics; without it only METRICS_ALLOW_FROM may read it
        "METRICS_ALLOW_FROM": "127.0.0.1,::1",  # addresses or networks that may read /metrics without a token
    }
    default_public = cfg["PUBLIC_BASE_URL"]
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
    if env.get("SMTP_URL"):
        cfg["SMTP_URL"] = env["SMTP_URL"]
    for key in ("REGISTRY_ENV", "LOG_FORMAT", "LOG_LEVEL", "METRICS_TOKEN", "METRICS_ALLOW_FROM"):
        if env.get(key):
            cfg[key] = env[key]
    for key in ("PROXY_FIX_X_FOR", "SLOW_QUERY_MS"):
        if env.get(key):
            cfg[key] = int(env[key])
    if test_config:
        cfg.update(test_config)
    cfg["_SECRET_KEY_SET"] = bool(cfg.get("SECRET_KEY"))
    cfg["_PUBLIC_BASE_URL_SET"] = cfg.get("PUBLIC_BASE_URL") != default_public
    if not cfg.get("SECRET_KEY") and cfg.get("REGISTRY_ENV") != "production":
        cfg["SECRET_KEY"] = _instance_secret(instance_path)
    return cfg
