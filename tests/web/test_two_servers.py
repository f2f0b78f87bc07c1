"""Two app servers, one truth: two gunicorn instances on one PostgreSQL and one Redis.

A suspension made through one shows on the other's scan answers within a second (Redis pub/sub drops
every worker's scan cache; the database version check bounds it without Redis), and a rate limit
counts requests made to either. The database is a throwaway cluster (tests/pg_cluster.py); Redis is
REDIS_URL or 127.0.0.1:6379 database 7. Skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis

from registry import create_app
from registry.extensions import db
from registry.services import certificates, organizations, products, seeding, users
from tests import pg_cluster
from tests.helpers import valid_gtin13, valid_tax_code

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "correct horse battery"


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _post(url: str, body: dict[str, Any], **headers: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = pg_cluster.skip_reason()
    if reason:
        pytest.skip(f"two-server test skipped: {reason}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"two-server test skipped: no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    root = tmp_path_factory.mktemp("two-servers")
    cluster = pg_cluster.Cluster()
    cluster.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": cluster.url, "SECRET_KEY": "k" * 40})
        with app.app_context():
            db.create_all()
            seeding.seed_places()
            admin = users.create_user(None, email="admin@two.vn", password=PASSWORD, role="admin", system=True)
            org = organizations.create_organization(
                admin,
                {"name": "HTX Hai", "kind": "cooperative", "tax_code": valid_tax_code(2), "province": "thai-nguyen"},
            )
            product = products.create_product(
                admin, {"organization_id": org.id, "name": "Miến dong", "gtin": valid_gtin13(9)}
            )
            body = organizations.create_body(admin, {"name": "Trung tâm Hai"})
            cert = certificates.create_certificate(
                admin,
                {
                    "number": "CN-TWO-1",
                    "certification_body_id": body.id,
                    "organization_id": org.id,
                    "category": "product_standard",
                    "product_ids": [product.id],
                    "issued_on": date.today().replace(month=1, day=2),
                },
            )
            cert_id = cert.id
            db.session.remove()
            db.engine.dispose()
        instance = root / "instance"
        instance.mkdir()
        # A key prefix of this run only, so counters of an earlier run in the same minute do not count.
        (instance / "config.py").write_text(f"RATELIMIT_KEY_PREFIX = 'two-servers-{uuid.uuid4().hex}'\n")
        bases = []
        for _ in range(2):
            port = pg_cluster.free_port()
            env = {
                **os.environ,
                "DATABASE_URL": cluster.url,
                "REDIS_URL": REDIS_URL,
                "SECRET_KEY": "k" * 40,
                "PORT": str(port),
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "2",
                "REGISTRY_INSTANCE_PATH": str(instance),
            }
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "deploy/gunicorn.conf.py"),
                "registry:create_app()",
            ]
            procs.append(
                subprocess.Popen(command, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for base in bases:
            while True:
                try:
                    if _get(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"{base} never answered"
                time.sleep(0.2)
        yield {"bases": bases, "cert_id": cert_id, "path": "/01/0" + valid_gtin13(9)}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        cluster.destroy()


def _status(base: str, path: str) -> str:
    code, body = _get(base + path, Accept="application/json")
    assert code == 200, code
    return str(json.loads(body)["certificates"][0]["status"])


def test_a_suspension_made_on_one_server_shows_on_the_others_scans_within_a_second(servers: dict[str, Any]) -> None:
    one, other = servers["bases"]
    path = servers["path"]
    for _ in range(6):  # every worker of both servers has the answer stored (front door and cache)
        assert _status(one, path) == _status(other, path) == "valid"
    code, token = _post(one + "/api/v1/auth/token", {"email": "admin@two.vn", "password": PASSWORD})
    assert code == 201, token
    code, cert = _post(
        one + f"/api/v1/certificates/{servers['cert_id']}/transitions",
        {"action": "suspend", "reason": "Kiểm tra đột xuất"},
        Authorization=f"Bearer {token['token']}",
    )
    assert code == 200 and cert["status"] == "suspended", cert
    suspended_at = time.monotonic()
    seen = []
    while time.monotonic() - suspended_at < 3:
        seen.append((time.monotonic() - suspended_at, _status(other, path)))
        if len(seen) >= 4 and all(status == "suspended" for _, status in seen[-4:]):
            break
        time.sleep(0.02)
    first = next(elapsed for elapsed, status in seen if status == "suspended")
    after = [status for elapsed, status in seen if elapsed > 1.0]
    assert first < 1.0 and all(status == "suspended" for status in after), seen
    assert seen[-1][1] == "suspended"


def _remaining(base: str, n: int = 0) -> tuple[int, int | None]:
    # A different account each time: the per-account throttle (10 failures) is not what is counted here.
    request = urllib.request.Request(
        base + "/api/v1/auth/token",
        data=json.dumps({"email": f"nobody{n}@two.vn", "password": "wrong password"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            code, headers = answer.status, answer.headers
    except urllib.error.HTTPError as err:
        code, headers = err.code, err.headers
    left = headers.get("X-RateLimit-Remaining")
    return code, int(left) if left is not None else None


def test_a_rate_limit_counts_requests_made_to_either_server(servers: dict[str, Any]) -> None:
    """The token endpoint allows 20 a minute per client address: one count, whichever server answers."""
    one, other = servers["bases"]
    answers = []
    for i in range(25):
        answers.append(_remaining((one, other)[i % 2], i))
        if answers[-1][0] == 429:
            break
    counted = [left for code, left in answers if code == 401]
    assert counted and all(left is not None for left in counted), answers
    assert counted == list(range(counted[0], counted[0] - len(counted), -1)), answers  # one shared countdown
    assert counted[-1] == 0 and answers[-1][0] == 429, answers
    assert _remaining(one)[0] == _remaining(other)[0] == 429
