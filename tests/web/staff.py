"""Signing in and posting forms with their CSRF token, for the staff pages' tests."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: Any, user: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(page)})
    assert res.status_code == 302


def post(client: Any, page_url: str, data: dict[str, Any], action: str | None = None, **kw: Any) -> Any:
    """Post `data` to `action` (default: the page itself) with the CSRF token the page carries."""
    token = csrf(client.get(page_url).get_data(as_text=True))
    return client.post(action or page_url, data={**data, "csrf_token": token}, **kw)


def field_error(html: str, field: str) -> str:
    """The message rendered beside a field (its `e-<field>` element)."""
    match = re.search(rf'<p class="err" id="e-{field}">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def audit_size(client: Any) -> int:
    """The length of the audit chain, read as outside parties read it."""
    return client.get("/api/v1/audit/head").get_json()["size"]


def refused(client: Any, method: str, url: str, token: str, signed_in: bool, data: dict[str, Any] | None = None) -> Any:
    """`method url` (a POST carrying `data` and a valid CSRF `token`) is refused: 403 when signed in, the login
    page when not; and a refused POST leaves the audit chain as it was."""
    before = audit_size(client) if method == "POST" else None
    res = client.open(url, method=method, data={**(data or {}), "csrf_token": token} if method == "POST" else None)
    if signed_in:
        assert res.status_code == 403, (method, url, res.status_code)
    else:
        assert res.status_code == 302 and "/login" in res.headers["Location"], (method, url, res.status_code)
    if before is not None:
        assert audit_size(client) == before, ("audit changed", method, url)
    return res


def check_access(
    client: Any, world: Any, allowed: set[str], urls: list[tuple[str, str]], scope: dict[str, Any]
) -> None:
    """Every role outside `allowed` gets 403 on every (method, url); anonymous is sent to the login page."""
    token = csrf(client.get("/login").get_data(as_text=True))
    for method, url in urls:
        refused(client, method, url, token, signed_in=False)
    for role in ("admin", "dost_officer", "inspector", "body_staff", "producer"):
        if role in allowed:
            continue
        login(client, world.user(role, **scope.get(role, {})))
        token = csrf(client.get("/verify").get_data(as_text=True))  # the sign-out form carries one
        for method, url in urls:
            try:
                refused(client, method, url, token, signed_in=True)
            except AssertionError as err:
                raise AssertionError((role, *err.args)) from None
        client.post("/logout", data={"csrf_token": token})
