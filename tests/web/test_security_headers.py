"""Security headers: a nonce-based CSP on every page, HTTPS only when asked for, a rate-limited login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from registry import create_app
from registry.config import load_config
from registry.extensions import db, limiter
from registry.services.scan_cache import Cached, ScanCache
from registry.web.security import NONCE_PLACEHOLDER
from tests.conftest import PASSWORD
from tests.helpers import valid_gtin13

TEMPLATES = Path(__file__).resolve().parents[2] / "registry" / "web" / "templates"
HTML = {"Accept": "text/html"}


def policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def header_nonce(response) -> str:  # type: ignore[no-untyped-def]
    sources = policy(response)["script-src"]
    nonces = [s.removeprefix("'nonce-").removesuffix("'") for s in sources if s.startswith("'nonce-")]
    assert len(nonces) == 1, sources
    assert f"'nonce-{nonces[0]}'" in policy(response)["style-src"]
    return nonces[0]


def inline_nonces(html: str) -> list[str | None]:
    """The nonce of every inline <style> and <script> (None where one has none); <script src> is not inline."""
    found = []
    for tag in re.finditer(r"<(style|script)\b([^>]*)>", html):
        attrs = tag.group(2)
        if tag.group(1) == "script" and "src=" in attrs:
            continue
        match = re.search(r'nonce="([^"]*)"', attrs)
        found.append(match.group(1) if match else None)
    return found


def test_a_page_carries_a_csp_whose_nonce_changes_with_every_request_and_marks_its_inline_style(client):
    first, second = client.get("/login"), client.get("/login")
    nonces = [header_nonce(first), header_nonce(second)]
    assert nonces[0] != nonces[1] and all(len(n) >= 22 for n in nonces)
    for response, nonce in zip((first, second), nonces, strict=True):
        inline = inline_nonces(response.text)
        assert inline and set(inline) == {nonce}


def test_the_policy_allows_no_inline_script_or_style_and_no_framing(client):
    csp = policy(client.get("/login"))
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-inline'" not in csp["style-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == ["'self'"] and csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]


def test_every_template_marks_its_inline_style_and_script_and_uses_no_style_attribute():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        assert None not in inline_nonces(text), f"{path.name}: an inline <style> or <script> without a nonce"
        assert not re.search(r"\sstyle=", text), f"{path.name}: a style attribute, which the CSP blocks"
        assert not re.search(r"\son[a-z]+=", text), f"{path.name}: an inline event handler, which the CSP blocks"


def test_other_headers_say_nosniff_strict_referrer_camera_for_self_and_no_https_by_default(client):
    res = client.get("/login")
    assert res.status_code == 200  # no redirect to https: the proxy or localhost decides
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert res.headers["X-Frame-Options"] == "DENY"
    assert "camera=(self)" in res.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in res.headers
    assert "Secure" not in res.headers["Set-Cookie"]


def test_force_https_redirects_plain_http_sends_hsts_and_secures_the_session_cookie(app: Flask):
    secure_app = create_app({**_base_config(app), "FORCE_HTTPS": True, "WTF_CSRF_ENABLED": True})
    secure = secure_app.test_client()
    plain = secure.get("/login")
    assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
    res = secure.get("/login", base_url="https://registry.example.vn")
    assert res.status_code == 200
    assert res.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "; Secure" in res.headers["Set-Cookie"]
    with secure_app.app_context():
        db.engine.dispose()


def test_force_https_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    assert load_config(tmp_path)["FORCE_HTTPS"] is False
    monkeypatch.setenv("FORCE_HTTPS", "1")
    assert load_config(tmp_path)["FORCE_HTTPS"] is True
    monkeypatch.setenv("FORCE_HTTPS", "0")
    assert load_config(tmp_path)["FORCE_HTTPS"] is False


def test_the_api_docs_page_starts_swagger_ui_with_the_nonce_from_local_assets(client):
    res = client.get("/api/docs")
    assert res.status_code == 200
    nonce = header_nonce(res)
    assert inline_nonces(res.text) == [nonce]
    assert '<script src="/api/docs/static/swagger-ui-bundle.js">' in res.text


def test_a_scan_page_from_the_cache_gets_the_nonce_of_its_own_request(app, world, client, monkeypatch):
    cache = app.extensions["scan_cache"] = ScanCache(3600.0)
    looked_up: list[Cached | None] = []
    get, peek = cache.get, cache.peek  # the resolver's lookup and the front door's (web/scan_front.py)
    monkeypatch.setattr(cache, "get", lambda key: looked_up.append(get(key)) or looked_up[-1])
    monkeypatch.setattr(cache, "peek", lambda key: looked_up.append(peek(key)) or looked_up[-1])
    h = world.headers(world.admin)
    gtin = valid_gtin13(57)
    org = world.organization()
    res = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Miến dong", "gtin": gtin}
    )
    assert res.status_code == 201, res.get_json()
    first, second = (client.get(f"/01/0{gtin}", headers=HTML) for _ in range(2))
    hit = looked_up[-1]
    assert looked_up[0] is None and hit is not None  # the second answer came from the cache
    assert NONCE_PLACEHOLDER.encode() in hit.body  # which keeps no nonce of its own
    nonces = [header_nonce(first), header_nonce(second)]
    assert nonces[0] != nonces[1]
    assert set(inline_nonces(first.text)) == {nonces[0]} and set(inline_nonces(second.text)) == {nonces[1]}


def test_barcode_svgs_keep_their_inline_colours_and_may_run_no_script(world, client):
    h = world.headers(world.admin)
    org = world.organization()
    product = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong", "gtin": valid_gtin13(58)}
    ).get_json()
    res = client.get(f"/api/v1/products/{product['id']}/barcode.svg", headers=h)
    assert res.status_code == 200 and res.mimetype == "image/svg+xml"
    csp = policy(res)
    assert csp["default-src"] == ["'none'"] and "script-src" not in csp
    assert csp["style-src"] == ["'unsafe-inline'"]


def _base_config(app: Flask) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }


def test_an_unknown_page_is_a_404_page_of_the_site_and_json_for_json_clients(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html" and 'href="/workspace"' in page.text
    assert client.get("/no-such-page", headers={"Accept-Language": "en"}).text.count("Not found") >= 1
    problem = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.get_json()["status"] == 404


def test_login_answers_429_after_ten_attempts_a_minute_from_one_address(app: Flask, world):
    # The per-address limit alone: the per-account one (tests/web/test_limits.py) would hold the account back too.
    limited = create_app({**_base_config(app), "RATELIMIT_ENABLED": True, "ACCOUNT_SIGNIN_LIMIT": ""})
    try:
        client = limited.test_client()
        answers = [client.post("/login", data={"email": world.admin.email, "password": "wrong"}) for _ in range(10)]
        assert [r.status_code for r in answers] == [401] * 10
        refused = client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
        assert refused.status_code == 429
        assert "Content-Security-Policy" in refused.headers
        # A page in the site's look and language, not the framework's, saying when to come back.
        assert refused.mimetype == "text/html" and int(refused.headers["Retry-After"]) > 0
        assert "Quá nhiều yêu cầu" in refused.text and '<html lang="vi"' in refused.text
        english = client.post("/login?lang=en", data={"email": world.admin.email, "password": PASSWORD})
        assert english.status_code == 429 and "Too many requests" in english.text
        assert client.get("/workspace").status_code == 302  # the right password did not get through
        assert client.get("/login").status_code == 200  # only attempts to sign in are counted
        other = client.post(
            "/login", data={"email": world.admin.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
        assert other.status_code == 302  # another address is not locked out
    finally:
        limiter.enabled = False  # the next app's init_app reads its own config again
        with limited.app_context():
            db.engine.dispose()  # its own pool: close it rather than leave it to the garbage collector
