"""Fixtures: a migrated database per test (SQLite copy or PostgreSQL truncate), client, runner, users."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from registry import create_app
from registry.extensions import db
from registry.services import organizations, seeding, users

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REFERENCE_TABLES = {"provinces", "communes", "plans", "targets", "alembic_version"}
PASSWORD = "correct horse battery"
users.HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes in tests; production keeps scrypt
# Tests own their clock: every test runs at this moment (ticking on from it) unless it travels
# elsewhere itself. REGISTRY_TEST_NOW moves the whole suite to another day (.ci/run uses a far one).
TEST_NOW = os.environ.get("REGISTRY_TEST_NOW", "2026-11-22T10:00:00+07:00")


def travel_moments(now: str = TEST_NOW, plans: Path = seeding.SEEDS / "plans") -> dict[str, str]:
    """The days a test marked `travel` also runs at (10:00 in Vietnam), by test id.

    In the year of `now`: the day before, of and after each seeded plan's report deadline, 1 January and
    31 December; then a leap day in the 2026–2030 period and a day inside 2031–2035."""
    year = datetime.fromisoformat(now).year
    days: dict[date, list[str]] = {date(year, 1, 1): ["1-january"], date(year, 12, 31): ["31-december"]}
    for path in sorted(plans.glob("*.yaml")):
        plan = yaml.safe_load(path.read_text(encoding="utf-8"))
        month, day = (int(part) for part in str(plan["report_deadline"]).split("-"))
        deadline = date(year, month, day)
        for delta, when in ((-1, "eve"), (0, "day"), (1, "after")):
            days.setdefault(deadline + timedelta(days=delta), []).append(f"{plan['province']}-{when}")
    days.setdefault(date(2028, 2, 29), []).append("leap-day")
    days.setdefault(date(2033, 6, 15), []).append("in-2031-2035")
    return {
        f"{d.isoformat()}:{'+'.join(names)}": f"{d.isoformat()}T10:00:00+07:00" for d, names in sorted(days.items())
    }


TRAVEL_MOMENTS = travel_moments()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `@pytest.mark.travel` runs once at each of TRAVEL_MOMENTS instead of TEST_NOW."""
    if metafunc.definition.get_closest_marker("travel"):
        metafunc.parametrize("moment", list(TRAVEL_MOMENTS.values()), ids=list(TRAVEL_MOMENTS))


def _config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_BASE_URL": "https://registry.example.vn",
        "INSTANCE_DIR": str(instance),
    }


def _build_schema(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        # The suite builds the schema from the models; tests/unit/test_migrations.py proves the
        # migrations build the same one on both engines.
        db.create_all()
        seeding.seed_places()
        seeding.seed_plans()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def moment() -> str:
    """The moment the test starts at: TEST_NOW, or one of TRAVEL_MOMENTS for a test marked `travel`."""
    return TEST_NOW


@pytest.fixture(autouse=True)
def _frozen_today(moment: str) -> Iterator[None]:
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate and seed reference data once per session."""
    root = tmp_path_factory.mktemp("db")
    url = PG_URL or f"sqlite:///{root / 'template.db'}"
    _build_schema(create_app(_config(url, root)))
    return url


def pytest_report_header(config: pytest.Config) -> str:
    return "database: " + (
        "PostgreSQL (TEST_DATABASE_URL)"
        if PG_URL
        else "SQLite (PostgreSQL tests skipped: set TEST_DATABASE_URL to run them)"
    )


@pytest.fixture
def app(_template: str, tmp_path: Path) -> Iterator[Flask]:
    if PG_URL:
        url = PG_URL
    else:
        path = tmp_path / "registry.db"
        shutil.copy(_template.removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
    app = create_app(_config(url, tmp_path))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        if PG_URL:
            names = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
                conn.execute(text("DELETE FROM reported_figures"))
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class World:
    """Creates records and users through the services, and bearer headers for them."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app, self.client = app, client
        self.admin = users.create_user(None, email="admin@test.vn", password=PASSWORD, role="admin", system=True)
        self._n = 0
        self._tokens: dict[int, str] = {}

    def headers(self, user: Any, lang: str = "en") -> dict[str, str]:
        """Bearer headers for `user`, asking the API for a token once per user."""
        if user.id not in self._tokens:
            res = self.client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
            assert res.status_code == 201, res.get_json()
            self._tokens[user.id] = res.get_json()["token"]
        return {"Authorization": f"Bearer {self._tokens[user.id]}", "Accept-Language": lang}

    def user(self, role: str, **scope: Any) -> Any:
        self._n += 1
        return users.create_user(
            None, email=f"{role}{self._n}@test.vn", password=PASSWORD, role=role, system=True, **scope
        )

    def organization(self, province: str = "thai-nguyen", **extra: Any) -> Any:
        self._n += 1
        from tests.helpers import valid_tax_code

        data = {
            "name": f"Hợp tác xã Thử {self._n}",
            "kind": "cooperative",
            "tax_code": valid_tax_code(self._n),
            "province": province,
            **extra,
        }
        return organizations.create_organization(self.admin, data)

    def body(self, name: str = "Trung tâm Chứng nhận Thử") -> Any:
        self._n += 1
        return organizations.create_body(self.admin, {"name": f"{name} {self._n}"})


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> World:
    return World(app, client)
