"""Every write of the API authenticates before its body is read: anonymous writes are 401, never 422."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from registry.api.common import SAFE_METHODS

ANONYMOUS = {"auth.create_token"}  # exchanging a password for a token is the one anonymous write
BODIES: list[dict[str, Any]] = [
    {"data": b'{"organization_id": 1}'},
    {"data": b"{not json"},
    {"data": b"[" * 100_000},
    {"data": b'{"name": "\\ud800"}'},
    {"data": b"organization_id=1", "content_type": "application/x-www-form-urlencoded"},
    {},
]


def _write_routes(app: Any) -> list[tuple[str, Rule]]:
    return [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in sorted(rule.methods - set(SAFE_METHODS))
    ]


def _url(rule: Rule) -> str:
    values = {
        name: 1 if isinstance(rule._converters[name], NumberConverter) else "thai-nguyen" for name in rule.arguments
    }
    return rule.build(values)[1]


def test_every_write_route_of_the_api_is_found(app):
    routes = _write_routes(app)
    assert len(routes) >= 25
    assert ("POST", "/api/v1/products") in [(m, r.rule) for m, r in routes]


@pytest.mark.parametrize("auth", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_an_anonymous_or_unknown_caller_gets_401_on_every_write_whatever_the_body(app, client, auth):
    headers = {"Authorization": auth} if auth else {}
    checked = 0
    for method, rule in _write_routes(app):
        if rule.endpoint in ANONYMOUS:
            continue
        for body in BODIES:
            kwargs = {"content_type": "application/json", **body}
            res = client.open(_url(rule), method=method, headers=headers, **kwargs)
            assert res.status_code == 401, (method, rule.rule, body, res.status_code, res.get_json())
            assert res.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 25 * len(BODIES)


def test_the_report_in_the_issue(client):
    res = client.post("/api/v1/products", json={"organization_id": 1})
    assert res.status_code == 401 and "errors" not in res.get_json()


def test_the_token_exchange_still_reads_its_body_anonymously(client):
    res = client.post("/api/v1/auth/token", json={"email": 5})
    assert res.status_code == 422
    assert {e["field"] for e in res.get_json()["errors"]} == {"email", "password"}


def test_a_signed_in_caller_still_gets_field_errors(world, client):
    res = client.post("/api/v1/products", json={"organization_id": "x"}, headers=world.headers(world.admin))
    assert res.status_code == 422
    assert {e["field"] for e in res.get_json()["errors"]} == {"organization_id", "name"}


def test_reads_stay_anonymous(client):
    assert client.get("/api/v1/products").status_code == 200
