"""Limits that hold across workers: Redis-backed counts shared by app instances, a per-account throttle
shared by web sign-in and the API token endpoint, and X-Forwarded-For trusted only from configured proxies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import time_machine
from flask import request

from registry import create_app
from registry.extensions import db, limiter
from registry.services.throttle import AccountThrottle
from tests.conftest import PASSWORD
from tests.web.test_account import _csrf
from tests.web.test_sessions_end import _each_request_loads_its_user  # noqa: F401 - browsers apart, as on a server

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
WRONG = "not the password at all"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set TEST_REDIS_URL): {err}")


def _web_login(client, email, password):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login?lang=en", data={"email": email, "password": password, "csrf_token": _csrf(page)})


def _api_token(client, email, password):
    return client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}, headers={"Accept-Language": "en"}
    )


# ---- one account, every door -------------------------------------------------------------------------


def test_failed_sign_ins_are_counted_per_account_across_the_web_form_and_the_api(app, client, world):
    app.extensions["account_throttle"] = AccountThrottle("memory://", "3 per 15 minutes")
    user, other = world.user("inspector"), world.user("inspector")
    assert _web_login(client, user.email, WRONG).status_code == 401
    assert _api_token(client, f"  {user.email.upper()} ", WRONG).status_code == 401  # the same account
    assert _web_login(app.test_client(), user.email, WRONG).status_code == 401  # another browser, same account

    # The fourth try is refused whatever the password, by either door, naming the field and the wait.
    res = _api_token(client, user.email, PASSWORD)
    assert res.status_code == 429, res.get_json()
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("email", "account_throttled")]
    assert "15 minute" in res.get_json()["errors"][0]["message"]
    assert 0 < int(res.headers["Retry-After"]) <= 15 * 60
    page = _web_login(app.test_client(), user.email, PASSWORD)
    assert page.status_code == 429 and "Too many failed sign-ins for this account" in page.get_data(as_text=True)
    # Vietnamese by default.
    vi = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert "đăng nhập sai quá nhiều lần" in vi.get_json()["errors"][0]["message"]

    # Another account is not held back by this one's failures.
    assert _api_token(client, other.email, PASSWORD).status_code == 201
    # Once the window has moved on, the right password works again, and clears the count.
    with time_machine.travel(timedelta(minutes=16)):
        assert _api_token(client, user.email, PASSWORD).status_code == 201
        for _ in range(2):
            assert _api_token(client, user.email, WRONG).status_code == 401
        assert _web_login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_the_suite_s_default_is_ten_failures_in_fifteen_minutes(app):
    throttle = app.extensions["account_throttle"]
    assert (throttle.limit.amount, throttle.limit.get_expiry()) == (10, 15 * 60)


# ---- across workers ----------------------------------------------------------------------------------


def test_with_redis_the_per_account_count_is_shared_and_without_it_is_not():
    _redis_or_skip()
    email = f"shared-{uuid.uuid4().hex}@test.vn"
    one, two = AccountThrottle(REDIS_URL, "3 per 15 minutes"), AccountThrottle(REDIS_URL, "3 per 15 minutes")
    assert one.shared and two.shared
    for throttle in (one, two, one):
        throttle.failed(email)
    with pytest.raises(Exception, match="account_throttled"):
        two.check(email)
    two.succeeded(email)  # and clears it for every worker
    one.check(email)

    alone, apart = AccountThrottle("memory://", "3 per 15 minutes"), AccountThrottle("memory://", "3 per 15 minutes")
    assert not alone.shared
    for _ in range(3):
        alone.failed(email)
    apart.check(email)  # memory counts are each worker's own


WORKER = """
import json, sys
from registry import create_app
from registry.extensions import db, limiter
url, storage, prefix, tag = sys.argv[1:5]
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", "RATELIMIT_ENABLED": True,
                  "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix, "ACCOUNT_SIGNIN_LIMIT": ""})
client = app.test_client()
codes = [client.post("/api/v1/auth/token", json={"email": f"n{i}-{tag}@test.vn", "password": "wrong!"}).status_code
         for i in range(12)]
print(json.dumps(codes))
"""


def _worker(url: str, storage: str, prefix: str, tag: str) -> list[int]:
    """One app in its own process, as a gunicorn worker is: 12 failed token requests from one address."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    out = subprocess.run(
        [sys.executable, "-c", WORKER, url, storage, prefix, tag], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_two_app_processes_share_the_token_endpoint_s_limit_through_redis(app):
    _redis_or_skip()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the worker processes read the suite's SQLite copy; the limit does not depend on the engine")
    url, prefix = app.config["SQLALCHEMY_DATABASE_URI"], f"test-{uuid.uuid4().hex}"
    first, second = (_worker(url, REDIS_URL, prefix, tag) for tag in ("a", "b"))
    # 20 a minute per address, counted once for both workers.
    assert first == [401] * 12
    assert second == [401] * 8 + [429] * 4
    # In memory each worker counts alone, so two workers allow 24 here: the reason production sets REDIS_URL.
    alone = [_worker(url, "memory://", prefix, tag) for tag in ("c", "d")]
    assert alone == [[401] * 12, [401] * 12]


# ---- whose address -----------------------------------------------------------------------------------


@pytest.fixture
def address_app(app):
    """Builds app instances with per-address limits on, each remembering the address each request was judged by."""
    made = []

    def build(hops: int):
        other, seen = _address_app(app, hops)
        made.append(other)
        return other, seen

    yield build
    limiter.enabled = False  # the next app's init_app reads its own config again
    for other in made:
        with other.app_context():
            db.engine.dispose()  # its own pool: close it rather than leave it to the garbage collector


def _address_app(app, hops: int):
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "t",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ACCOUNT_SIGNIN_LIMIT": "",
            "PROXY_FIX_X_FOR": hops,
        }
    )
    seen: list[str | None] = []
    other.after_request(lambda response: seen.append(request.remote_addr) or response)
    return other, seen


def _tries(other, forged: bool) -> list[int]:
    client = other.test_client()
    codes = []
    for i in range(21):
        headers = {"X-Forwarded-For": f"203.0.113.{i}"} if forged else {}
        codes.append(
            client.post(
                "/api/v1/auth/token", json={"email": f"x{i}@test.vn", "password": WRONG}, headers=headers
            ).status_code
        )
    return codes


def test_a_forged_x_forwarded_for_changes_nothing_without_a_configured_proxy(address_app):
    other, seen = address_app(0)
    codes = _tries(other, forged=True)
    assert codes == [401] * 20 + [429], "21 tries from one client, whatever address it claims"
    assert set(seen) == {"127.0.0.1"}


def test_behind_one_configured_proxy_the_address_it_forwards_is_the_client_s(address_app):
    other, seen = address_app(1)
    codes = _tries(other, forged=True)
    assert codes == [401] * 21, "each forwarded address has its own count"
    assert seen == [f"203.0.113.{i}" for i in range(21)]
    # Only the last hop counts: a client's own X-Forwarded-For in front of the proxy's is not trusted.
    client = other.test_client()
    client.get("/healthz", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.99"})
    assert seen[-1] == "203.0.113.99"
