"""The scan answers come from a per-process cache that learns of every write within its check interval."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
import redis

from registry.services.scan_cache import ScanCache
from registry.web import resolver, scan_front
from tests.helpers import days_from_today, pause, valid_gtin13, years_after

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    """A scan cache checking the version every second of a clock the test moves by hand."""
    fake = Clock()
    app.extensions["scan_cache"] = ScanCache(1.0, clock=fake)
    return fake


@pytest.fixture
def certified(world, client):
    h = world.headers(world.admin)
    org = world.organization()
    gtin = valid_gtin13(41)
    product = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong bạc hà", "gtin": gtin}
    ).get_json()
    body = client.post("/api/v1/certification-bodies", headers=h, json={"name": "Trung tâm"}).get_json()
    cert = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "CN-777",
            "certification_body_id": body["id"],
            "organization_id": org.id,
            "category": "product_standard",
            "product_ids": [product["id"]],
            "issued_on": days_from_today(-30).isoformat(),
            "expires_on": years_after(days_from_today(-30), 3).isoformat(),
        },
    ).get_json()
    return {"h": h, "org": org, "path": f"/01/0{gtin}", "cert": cert}


def _suspend(client, certified) -> None:
    res = client.post(
        f"/api/v1/certificates/{certified['cert']['id']}/transitions",
        headers=certified["h"],
        json={"action": "suspend", "reason": "Vi phạm"},
    )
    assert res.status_code in (200, 201), res.get_json()


def _status(client, path: str) -> str:
    return client.get(path, headers=JSON).get_json()["certificates"][0]["status"]


def test_a_suspension_shows_on_json_and_html_once_the_check_interval_has_passed(app, client, certified, clock):
    path = certified["path"]
    assert _status(client, path) == "valid" and "Còn hiệu lực" in client.get(path, headers=HTML).text
    _suspend(client, certified)
    clock.now += 0.5  # within the interval the cached answer may still be served...
    assert _status(client, path) == "valid"
    clock.now += 0.6  # ...but never once it has passed
    assert _status(client, path) == "suspended"
    page = client.get(path, headers=HTML).text
    assert "Tạm đình chỉ" in page and 'class="warn"' in page


def test_a_suspension_shows_after_a_real_tiny_interval(app, client, certified):
    app.config["SCAN_CACHE_CHECK_SECONDS"] = 0.05
    path = certified["path"]
    assert _status(client, path) == "valid"
    assert "Còn hiệu lực" in client.get(path, headers=HTML).text
    _suspend(client, certified)
    pause(0.06)
    assert _status(client, path) == "suspended"
    assert "Tạm đình chỉ" in client.get(path, headers=HTML).text
    assert len(resolver.scan_cache()) == 4  # two rendered answers, each also kept whole by the front door


def test_each_language_and_representation_is_cached_separately(client, certified, clock):
    path = certified["path"]
    vi = client.get(path, headers=HTML).text
    en = client.get(path, headers={**HTML, "Accept-Language": "en"}).text
    assert 'lang="vi"' in vi and "Chứng nhận" in vi
    assert 'lang="en"' in en and "Certificates" in en
    assert 'lang="vi"' in client.get(path, headers=HTML).text
    res = client.get(path + "?lang=en", headers=JSON)
    assert res.mimetype == "application/json" and res.headers["Content-Language"] == "en"
    linkset = client.get(path + "?linkType=linkset")
    assert linkset.mimetype == "application/linkset+json" and "linkset" in linkset.get_json()


def test_an_unknown_gtin_answers_404_only_until_the_product_is_created(client, world, clock):
    gtin = valid_gtin13(42)
    assert client.get(f"/01/0{gtin}", headers=JSON).status_code == 404
    assert client.get(f"/01/0{gtin}", headers=HTML).status_code == 404
    org = world.organization()
    res = client.post(
        "/api/v1/products",
        headers=world.headers(world.admin),
        json={"organization_id": org.id, "name": "Nước mắm", "gtin": gtin},
    )
    assert res.status_code == 201
    clock.now += 1.1
    assert client.get(f"/01/0{gtin}", headers=JSON).get_json()["product"]["name"] == "Nước mắm"
    assert "Nước mắm" in client.get(f"/01/0{gtin}", headers=HTML).text


def test_a_cached_page_carries_a_fresh_nonce_and_no_session_and_its_report_link_works(client, certified, clock):
    path = certified["path"]
    cold, hit = client.get(path, headers=HTML), client.get(path, headers=HTML)
    nonce = re.compile(r'nonce="([^"]+)"')
    assert nonce.sub("", cold.text) == nonce.sub("", hit.text) and "@@" not in hit.text
    # each answer gets its own CSP nonce, the one its header allows
    assert nonce.search(hit.text).group(1) != nonce.search(cold.text).group(1)
    assert f"'nonce-{nonce.search(hit.text).group(1)}'" in hit.headers["Content-Security-Policy"]
    assert hit.headers["Vary"] == "Accept, Accept-Language" and "linkset" in hit.headers["Link"]
    assert hit.headers["Content-Language"] == "vi" and "csrf_token" not in hit.text
    assert cold.headers.getlist("Set-Cookie") == [] and hit.headers.getlist("Set-Cookie") == []
    form = client.get(re.search(r'<a class="btn" href="([^"]+)"', hit.text).group(1)).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert (
        client.post(path + "/report", data={"csrf_token": "forged", "kind": "other", "message": "x"}).status_code == 400
    )
    sent = client.post(path + "/report", data={"csrf_token": token, "kind": "counterfeit", "message": "Bao bì lạ"})
    assert sent.status_code == 200 and "Cảm ơn" in sent.text


def test_a_cached_not_found_page_gets_the_nonce_its_header_allows(client, clock):
    path = f"/01/0{valid_gtin13(43)}"
    for _ in range(2):
        res = client.get(path, headers=HTML)
        used = re.search(r'nonce="([^"]+)"', res.text).group(1)
        assert res.status_code == 404 and f"'nonce-{used}'" in res.headers["Content-Security-Policy"]


@pytest.mark.travel
def test_a_certificate_that_expires_overnight_shows_expired_the_next_day(client, certified, clock, monkeypatch):
    path = certified["path"]
    expires = date.fromisoformat(certified["cert"]["expires_on"])
    eve, after = expires - timedelta(days=1), expires + timedelta(days=1)
    monkeypatch.setattr(resolver, "today_vn", lambda: eve)
    monkeypatch.setattr(scan_front, "today_vn", lambda: eve)
    monkeypatch.setattr("registry.services.digital_link.today_vn", lambda: eve)
    assert _status(client, path) == "valid"
    monkeypatch.setattr(resolver, "today_vn", lambda: after)
    monkeypatch.setattr(scan_front, "today_vn", lambda: after)
    monkeypatch.setattr("registry.services.digital_link.today_vn", lambda: after)
    assert _status(client, path) == "expired"


def test_with_redis_a_suspension_reaches_the_cache_before_the_check_interval(app, client, certified):
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    app.config.update(REDIS_URL=url, SCAN_CACHE_CHECK_SECONDS=3600)
    path = certified["path"]
    assert _status(client, path) == "valid"
    cache = resolver.scan_cache()
    deadline = time.monotonic() + 3
    while len(cache) and time.monotonic() < deadline:  # the subscriber drops the cache once subscribed
        pause(0.01)
    assert _status(client, path) == "valid" and len(cache) == 2  # the rendered answer and the front door's copy
    _suspend(client, certified)
    while _status(client, path) != "suspended" and time.monotonic() < deadline:
        pause(0.02)
    assert _status(client, path) == "suspended"


@pytest.fixture
def entered_flask(app):
    """How many requests Flask itself has seen (the front door answers the rest)."""
    from flask import request_started

    seen: list[str] = []

    def count(_sender, **_extra):
        seen.append("request")

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


def test_a_repeated_scan_is_answered_by_the_front_door_without_entering_flask(client, certified, clock, entered_flask):
    path = certified["path"]
    first = client.get(path, headers=JSON)
    assert len(entered_flask) == 1
    again = [client.get(path, headers=JSON) for _ in range(3)]
    assert len(entered_flask) == 1
    assert all(r.data == first.data and r.headers["Vary"] == "Accept, Accept-Language" for r in again)
    assert again[0].headers["Content-Length"] == str(len(first.data))
    assert again[0].headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"].replace(
        re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1),
        re.search(r"'nonce-([^']+)'", again[0].headers["Content-Security-Policy"]).group(1),
    )
    # Another representation or language is another answer, rendered once by Flask.
    client.get(path, headers={**JSON, "Accept-Language": "en"})
    client.get(path, headers={**JSON, "Accept-Language": "en"})
    assert len(entered_flask) == 2


def test_once_a_check_is_due_the_front_door_steps_aside_and_a_suspension_shows(client, certified, clock, entered_flask):
    path = certified["path"]
    assert _status(client, path) == "valid"
    _suspend(client, certified)
    before = len(entered_flask)
    assert _status(client, path) == "valid" and len(entered_flask) == before  # within the interval
    clock.now += 1.1
    assert _status(client, path) == "suspended" and len(entered_flask) == before + 1
    assert _status(client, path) == "suspended" and len(entered_flask) == before + 1


def test_cookies_conditional_requests_and_other_methods_take_the_full_path(client, certified, clock, entered_flask):
    path = certified["path"]
    client.get(path, headers=JSON)
    seen = len(entered_flask)
    client.get(path, headers={**JSON, "If-None-Match": '"x"'})
    client.head(path, headers=JSON)
    client.get(path + "?linkType=gs1:pip", headers=JSON)
    client.set_cookie("session", "x")
    client.get(path, headers=JSON)
    assert len(entered_flask) == seen + 4
