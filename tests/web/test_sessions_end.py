"""Sign-out, deactivation and a password change end every web session and API token issued before them."""

from __future__ import annotations

import pytest
from flask import g

from registry.extensions import db
from registry.services import users
from tests.conftest import PASSWORD
from tests.web.test_account import _csrf

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(autouse=True)
def _each_request_loads_its_user(app):
    """The suite's app context outlives requests, and Flask-Login (the user) and Flask-WTF (the CSRF token)
    cache on `g`: forget both after each request, so every browser here is judged by its own cookie."""

    def forget(exc: BaseException | None) -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    app.teardown_request(forget)


def _sign_in(app, user, password=PASSWORD):
    """A fresh browser signed in as `user`: its own client and cookie jar."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    res = browser.post("/login", data={"email": user.email, "password": password, "csrf_token": _csrf(page)})
    assert res.status_code == 302, res.get_data(as_text=True)
    return browser


def _copy(app, browser):
    """Another browser holding a copy of `browser`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


def _token(client, user, password=PASSWORD):
    res = client.post("/api/v1/auth/token", json={"email": user.email, "password": password})
    assert res.status_code == 201, res.get_json()
    return {"Authorization": f"Bearer {res.get_json()['token']}"}


def _signed_in(browser) -> bool:
    page = browser.get("/workspace")
    assert page.status_code in (200, 302)
    return page.status_code == 200 and browser.get("/api/v1/me").status_code == 200


def _token_works(client, headers) -> bool:
    status = client.get("/api/v1/me", headers=headers).status_code
    assert status in (200, 401)
    return status == 200


def _sign_out(browser):
    page = browser.get("/workspace").get_data(as_text=True)
    assert browser.post("/logout", data={"csrf_token": _csrf(page)}).status_code == 302


def _deactivate_and_reactivate(world, user, browser, client):
    users.set_user_active(world.admin, user.id, False)
    assert not _signed_in(_copy(browser.application, browser)), "a deactivated user has no session"
    users.set_user_active(world.admin, user.id, True)


def _change_password_on_the_page(world, user, browser, client):
    page = browser.get("/account/password").get_data(as_text=True)
    res = browser.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "csrf_token": _csrf(page)},
    )
    assert res.status_code == 302, res.get_data(as_text=True)


def _change_password_by_the_api(world, user, browser, client):
    headers = _token(client, user)
    res = client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "password": NEW_PASSWORD}, headers=headers
    )
    assert res.status_code == 204, res.get_json()
    assert not _token_works(client, headers), "the token used for the change ends too"


EVENTS = {
    "sign-out": lambda world, user, browser, client: _sign_out(browser),
    "deactivation": _deactivate_and_reactivate,
    "password change (page)": _change_password_on_the_page,
    "password change (API)": _change_password_by_the_api,
}


@pytest.mark.parametrize("event", EVENTS)
def test_every_session_and_token_issued_before_the_event_is_refused_after_it(world, app, client, event):
    user = world.user("producer", organization_id=world.organization().id)
    browser = _sign_in(app, user)
    other_device = _sign_in(app, user)
    copied = _copy(app, browser)
    token = _token(client, user)
    assert _signed_in(copied) and _signed_in(other_device) and _token_works(client, token)

    EVENTS[event](world, user, browser, client)
    db.session.expire_all()

    assert not _signed_in(copied), "a cookie copied before the event"
    assert not _signed_in(other_device), "another device's session"
    assert not _token_works(client, token), "a token issued before the event"
    password = NEW_PASSWORD if event.startswith("password") else PASSWORD
    # What is issued afterwards works, with the right password only.
    assert _token_works(client, _token(client, user, password))
    assert _signed_in(_sign_in(app, user, password))
    if event.startswith("password"):
        assert client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).status_code == 401


def test_the_browser_that_changes_its_password_stays_signed_in(world, app, client):
    user = world.user("inspector")
    browser = _sign_in(app, user)
    _change_password_on_the_page(world, user, browser, client)
    assert _signed_in(browser)


def test_a_wrong_current_password_changes_nothing_and_names_the_field(world, app, client):
    user = world.user("inspector")
    headers = _token(client, user)
    body = {"current_password": "not it at all", "password": "short"}
    res = client.post("/api/v1/me/password", json=body, headers={**headers, "Accept-Language": "vi"})
    assert res.status_code == 422
    fields = {e["field"]: e for e in res.get_json()["errors"]}
    assert set(fields) == {"current_password", "password"}
    assert _token_works(client, headers)
    browser = _sign_in(app, user)
    page = browser.get("/account/password").get_data(as_text=True)
    res = browser.post(
        "/account/password",
        data={"current_password": "not it at all", "password": NEW_PASSWORD, "csrf_token": _csrf(page)},
    )
    assert res.status_code == 422 and "Mật khẩu hiện tại không đúng." in res.get_data(as_text=True)
    assert _signed_in(browser) and _token_works(client, headers)
