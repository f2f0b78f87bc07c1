"""The Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from registry import create_app
from registry.extensions import db
from tests.conftest import PG_URL


def _diff(url: str) -> list:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(ctx, db.metadata) if "trgm_" not in str(d)]
        downgrade(revision="base")
        db.engine.dispose()
    return diff


def test_migrations_match_models_on_sqlite(tmp_path: Path):
    assert _diff(f"sqlite:///{tmp_path / 'm.db'}") == []


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not configured (TEST_DATABASE_URL)")
def test_migrations_match_models_on_postgresql():
    base = PG_URL.rsplit("/", 1)[0]
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS registry_migrations"))
        conn.execute(text("CREATE DATABASE registry_migrations"))
    try:
        assert _diff(base + "/registry_migrations") == []
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS registry_migrations WITH (FORCE)"))
        admin.dispose()
