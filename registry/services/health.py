"""Readiness of this process's dependencies: the database, its schema version and Redis."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.extensions import db

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
OK = "ok"


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions `registry db upgrade` leads to (read once: the code does not change under a process)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def readiness(redis_url: str | None) -> dict[str, str]:
    """One entry per check, "ok" or "fail: why"; Redis only when it is configured."""
    checks: dict[str, str] = {}
    try:
        connection = db.session.connection()
        connection.execute(text("SELECT 1"))
        checks["database"] = OK
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
        heads = migration_heads()
        if current == heads:
            checks["migrations"] = OK
        else:
            at = ", ".join(sorted(current)) or "none"
            checks["migrations"] = f"fail: database at {at}, code expects {', '.join(sorted(heads))}"
    except SQLAlchemyError as err:
        log.warning("readiness: database check failed: %s", err.__class__.__name__)
        checks.setdefault("database", f"fail: {err.__class__.__name__}")
        checks.setdefault("migrations", "fail: database unreachable")
    finally:
        db.session.rollback()
    if redis_url:
        try:
            with redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1) as client:
                client.ping()
            checks["redis"] = OK
        except redis.RedisError as err:
            checks["redis"] = f"fail: {err.__class__.__name__}"
    return checks
