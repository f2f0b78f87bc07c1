"""Failing well: with the database gone every page is a 503 in the reader's language, and it comes back alone.

The database really goes away: a throwaway PostgreSQL cluster (tests/pg_cluster.py) is stopped in the
middle of the test and started again, with the same app object and its connection pool throughout.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from registry import create_app
from registry.extensions import db
from registry.services import health, users
from tests import pg_cluster
from tests.helpers import valid_gtin13

SCAN = "/01/0" + valid_gtin13(7)


@pytest.fixture(scope="module")
def cluster() -> Iterator[pg_cluster.Cluster]:
    reason = pg_cluster.skip_reason()
    if reason:
        pytest.skip(f"database outage test skipped: {reason}")
    made = pg_cluster.Cluster()
    made.start()
    try:
        yield made
    finally:
        made.destroy()


@pytest.fixture
def outage_app(cluster: pg_cluster.Cluster, tmp_path: Any) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": cluster.url,
            "SECRET_KEY": "outage-test-secret",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "https://registry.example.vn",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            for head in health.migration_heads():
                conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
        users.create_user(None, email="admin@outage.vn", password="correct horse battery", role="admin", system=True)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _signed_in(app: Flask) -> Any:
    client = app.test_client()
    with app.app_context():
        user_id = db.session.scalar(text("SELECT id FROM users WHERE email = 'admin@outage.vn'"))
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def test_pages_answer_503_in_the_readers_language_while_the_database_is_down_then_recover(
    cluster: pg_cluster.Cluster, outage_app: Flask
) -> None:
    client = outage_app.test_client()
    staff = _signed_in(outage_app)
    assert client.get("/").status_code == 200
    assert staff.get("/workspace").status_code == 200
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
    }
    cluster.stop()
    try:
        assert client.get("/healthz").status_code == 200  # the process is alive: no database needed

        page = client.get("/")
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert page.headers["Retry-After"] == "30" and page.headers["Content-Language"] == "vi"
        assert "tạm thời không truy cập được" in page.get_data(as_text=True)

        english = client.get("/", headers={"Accept-Language": "en"})
        assert english.status_code == 503 and english.headers["Content-Language"] == "en"
        assert "cannot be reached for the moment" in english.get_data(as_text=True)

        # A staff page, a scan, and a missing page (whose error page would need the signed-in account).
        for path in ("/workspace", SCAN, "/no-such-page"):
            answer = staff.get(path, headers={"Accept-Language": "en"})
            assert answer.status_code == 503, (path, answer.status_code)
            assert answer.headers["Retry-After"] == "30"

        for path, headers in ((SCAN, {"Accept": "application/json"}), ("/api/v1/products", {})):
            problem = client.get(path, headers={**headers, "Accept-Language": "en"})
            assert problem.status_code == 503 and problem.mimetype == "application/problem+json", path
            body = problem.get_json()
            assert (body["status"], body["title"]) == (503, "Temporarily unavailable")
            assert body["type"].endswith("/unavailable") and problem.headers["Retry-After"] == "30"

        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["status"] == "unavailable"
        assert ready.get_json()["checks"]["database"].startswith("fail: ")
    finally:
        cluster.start()

    # Same app, same pool: the stale connections are replaced (pool_pre_ping), no restart.
    assert client.get("/").status_code == 200
    assert staff.get("/workspace").status_code == 200
    assert client.get(SCAN).status_code == 404  # an unknown product again, not an outage
    assert client.get("/readyz").status_code == 200


def test_readyz_names_a_schema_behind_the_code(cluster: pg_cluster.Cluster, outage_app: Flask) -> None:
    with outage_app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'an_old_one'"))
    answer = outage_app.test_client().get("/readyz")
    assert answer.status_code == 503
    checks = answer.get_json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"].startswith("fail: database at an_old_one")


def test_readyz_checks_redis_when_it_is_configured(cluster: pg_cluster.Cluster, outage_app: Flask) -> None:
    port = pg_cluster.free_port()  # nothing listens there
    outage_app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    answer = outage_app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["redis"].startswith("fail: ")
