"""Signing in to the web workspace."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_login_then_workspace_then_logout(world, client):
    page = client.get("/login")
    assert page.status_code == 200 and "Đăng nhập" in page.get_data(as_text=True)
    res = client.post(
        "/login",
        data={"email": world.admin.email, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))},
    )
    assert res.status_code == 302 and res.headers["Location"].endswith("/workspace")
    ws = client.get("/workspace")
    assert ws.status_code == 200 and "admin" in ws.get_data(as_text=True)
    out = client.post("/logout", data={"csrf_token": _csrf(ws.get_data(as_text=True))})
    assert out.status_code == 302
    assert client.get("/workspace").status_code == 302


def test_login_form_without_csrf_token_is_refused(world, client):
    res = client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    assert res.status_code == 400
    assert client.get("/workspace").status_code == 302


def test_wrong_password_keeps_the_email_and_says_why(world, client):
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"email": world.admin.email, "password": "wrong", "csrf_token": _csrf(page)})
    html = res.get_data(as_text=True)
    assert res.status_code == 401 and "Email hoặc mật khẩu không đúng" in html and world.admin.email in html


def test_login_does_not_redirect_off_site(world, client):
    page = client.get("/login").get_data(as_text=True)
    res = client.post(
        "/login?next=//evil.example/x",
        data={"email": world.admin.email, "password": PASSWORD, "csrf_token": _csrf(page)},
    )
    assert res.headers["Location"].endswith("/workspace")
