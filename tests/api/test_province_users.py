"""A DOST officer manages the accounts of their province through /api/v1/users, and nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from registry.extensions import db
from registry.models import AuditEntry, User
from tests.conftest import PASSWORD


@pytest.fixture
def scene(world) -> dict[str, Any]:
    """Two provinces, each with an organisation, an officer, an inspector and a producer; a body's staff."""
    tn, gl = world.organization("thai-nguyen"), world.organization("gia-lai")
    body = world.body()
    return {
        "tn": tn,
        "gl": gl,
        "body": body,
        "officer": world.user("dost_officer", province="thai-nguyen"),
        "officer_tn2": world.user("dost_officer", province="thai-nguyen"),
        "officer_gl": world.user("dost_officer", province="gia-lai"),
        "inspector_tn": world.user("inspector", province="thai-nguyen"),
        "inspector_free": world.user("inspector"),
        "producer_tn": world.user("producer", organization_id=tn.id),
        "producer_gl": world.user("producer", organization_id=gl.id),
        "body_staff": world.user("body_staff", body_id=body.id),
    }


def _head(client: Any) -> int:
    return client.get("/api/v1/audit/head").get_json()["size"]


def test_a_dost_officer_creates_producers_officers_and_inspectors_of_their_province(scene, world, client):
    h = world.headers(scene["officer"])
    before = _head(client)
    res = client.post(
        "/api/v1/users",
        headers=h,
        json={"email": "Grower@HTX.vn", "password": PASSWORD, "role": "producer", "organization_id": scene["tn"].id},
    )
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["organization_id"] == scene["tn"].id and res.get_json()["is_active"] is True
    res = client.post(
        "/api/v1/users", headers=h, json={"email": "o2@dost.vn", "password": PASSWORD, "role": "dost_officer"}
    )
    assert res.status_code == 201 and res.get_json()["province"] == "thai-nguyen"
    res = client.post(
        "/api/v1/users",
        headers=h,
        json={"email": "qlt@dost.vn", "password": PASSWORD, "role": "inspector", "province": "thai-nguyen"},
    )
    assert res.status_code == 201 and res.get_json()["province"] == "thai-nguyen"
    assert _head(client) == before + 3
    made = db.session.query(AuditEntry).filter_by(entity="user", action="create", actor_id=scene["officer"].id).all()
    assert sorted(e.after["email"] for e in made) == ["grower@htx.vn", "o2@dost.vn", "qlt@dost.vn"]
    login = client.post("/api/v1/auth/token", json={"email": "qlt@dost.vn", "password": PASSWORD})
    assert login.status_code == 201 and login.get_json()["user"]["role"] == "inspector"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"role": "producer", "organization_id": "gl"}, id="producer-of-another-province"),
        pytest.param({"role": "dost_officer", "province": "gia-lai"}, id="officer-of-another-province"),
        pytest.param({"role": "inspector", "province": "gia-lai"}, id="inspector-of-another-province"),
        pytest.param({"role": "admin"}, id="admin"),
        pytest.param({"role": "body_staff", "body_id": "body"}, id="body-staff"),
    ],
)
def test_a_dost_officer_may_not_create_accounts_outside_their_province(scene, world, client, body):
    body = {k: scene[v].id if k in ("organization_id", "body_id") else v for k, v in body.items()}
    before, count = _head(client), db.session.query(User).count()
    res = client.post(
        "/api/v1/users",
        headers=world.headers(scene["officer"]),
        json={"email": "new@test.vn", "password": PASSWORD, **body},
    )
    assert res.status_code == 403, res.get_json()
    assert res.mimetype == "application/problem+json"
    assert _head(client) == before and db.session.query(User).count() == count


@pytest.mark.parametrize("who", ["producer_tn", "inspector_tn", "body_staff", None])
def test_producers_inspectors_body_staff_and_anonymous_create_no_account(scene, world, client, who):
    before = _head(client)
    headers = world.headers(scene[who]) if who else {}
    body = {"email": "new@test.vn", "password": PASSWORD, "role": "producer", "organization_id": scene["tn"].id}
    res = client.post("/api/v1/users", headers=headers, json=body)
    assert res.status_code == (403 if who else 401) and res.mimetype == "application/problem+json"
    assert _head(client) == before


def test_bad_input_from_an_officer_names_each_field_in_vietnamese(scene, world, client):
    before = _head(client)
    res = client.post(
        "/api/v1/users",
        headers=world.headers(scene["officer"], lang="vi"),
        json={"email": "grower@htx.vn", "password": "short", "role": "producer"},
    )
    problem = res.get_json()
    assert res.status_code == 422 and res.mimetype == "application/problem+json"
    rules = {(e["field"], e["rule"]) for e in problem["errors"]}
    assert {("password", "password_short"), ("organization", "role_scope")} <= rules
    assert any("ít nhất 10 ký tự" in e["message"] for e in problem["errors"])
    assert _head(client) == before


def _emails(res: Any) -> set[str]:
    assert res.status_code == 200, res.get_json()
    return {u["email"] for u in res.get_json()["items"]}


def test_an_officer_lists_the_accounts_of_their_province_only(scene, world, client):
    h = world.headers(scene["officer"])
    mine = {scene[k].email for k in ("officer", "officer_tn2", "inspector_tn", "producer_tn")}
    assert _emails(client.get("/api/v1/users", headers=h)) == mine
    assert _emails(client.get("/api/v1/users?role=producer", headers=h)) == {scene["producer_tn"].email}
    # q matches the email ignoring case and accents
    assert _emails(client.get("/api/v1/users?q=INSPÉCTOR", headers=h)) == {scene["inspector_tn"].email}
    assert client.get("/api/v1/users?province=gia-lai", headers=h).status_code == 403
    assert _emails(client.get("/api/v1/users?province=thai-nguyen", headers=h)) == mine


def test_an_admin_lists_every_account_or_one_province(scene, world, client):
    h = world.headers(world.admin)
    everyone = {u.email for u in db.session.query(User)}
    listing = client.get("/api/v1/users?per_page=200", headers=h)
    assert _emails(listing) == everyone and listing.get_json()["total"] == len(everyone)
    gl = {scene["officer_gl"].email, scene["producer_gl"].email}
    assert _emails(client.get("/api/v1/users?province=gia-lai", headers=h)) == gl


@pytest.mark.parametrize("who", ["producer_tn", "inspector_tn", "body_staff", None])
def test_only_admins_and_officers_list_accounts(scene, world, client, who):
    res = client.get("/api/v1/users", headers=world.headers(scene[who]) if who else {})
    assert res.status_code == (403 if who else 401) and res.mimetype == "application/problem+json"


@pytest.mark.parametrize("target", ["producer_tn", "inspector_tn", "officer_tn2"])
def test_an_officer_deactivates_and_reactivates_an_account_of_their_province(scene, world, client, target):
    user = scene[target]
    token_h = world.headers(user)
    h = world.headers(scene["officer"])
    before = _head(client)
    res = client.post(f"/api/v1/users/{user.id}/deactivate", headers=h)
    assert res.status_code == 200 and res.get_json()["is_active"] is False
    assert client.get("/api/v1/me", headers=token_h).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).status_code == 401
    res = client.post(f"/api/v1/users/{user.id}/activate", headers=h)
    assert res.status_code == 200 and res.get_json()["is_active"] is True
    # Reactivation does not bring back the token issued before the deactivation (issue 12.10); a new one works.
    assert client.get("/api/v1/me", headers=token_h).status_code == 401
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert _head(client) == before + 2
    actions = [
        (e.action, e.actor_id, e.after)
        for e in db.session.query(AuditEntry).filter_by(entity="user", entity_id=user.id).order_by(AuditEntry.id)
    ][-2:]
    assert actions == [
        ("deactivate", scene["officer"].id, {"is_active": False}),
        ("activate", scene["officer"].id, {"is_active": True}),
    ]


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("producer_gl", 403),
        ("officer_gl", 403),
        ("inspector_free", 403),
        ("body_staff", 403),
        ("admin", 403),
        ("officer", 422),  # themself: the rule admins follow too, with its message
    ],
)
def test_an_officer_may_not_deactivate_accounts_outside_their_province_or_their_own(
    scene, world, client, target, status
):
    user = world.admin if target == "admin" else scene[target]
    before = _head(client)
    res = client.post(f"/api/v1/users/{user.id}/deactivate", headers=world.headers(scene["officer"]))
    assert res.status_code == status and res.mimetype == "application/problem+json"
    if status == 422:
        assert res.get_json()["errors"][0]["rule"] == "self_deactivate"
    assert _head(client) == before
    db.session.expire_all()
    assert db.session.get(User, user.id).is_active


@pytest.mark.parametrize("who", ["producer_tn", "inspector_tn", "body_staff", "officer_gl", None])
def test_other_actors_neither_deactivate_nor_reactivate_a_province_account(scene, world, client, who):
    target = scene["producer_tn"]
    headers = world.headers(scene[who]) if who else {}
    before = _head(client)
    for action in ("deactivate", "activate"):
        res = client.post(f"/api/v1/users/{target.id}/{action}", headers=headers)
        assert res.status_code == (403 if who else 401), (action, res.get_json())
    assert _head(client) == before


def test_an_admin_deactivates_anyone_but_themself(scene, world, client):
    h = world.headers(world.admin)
    assert client.post(f"/api/v1/users/{scene['body_staff'].id}/deactivate", headers=h).status_code == 200
    res = client.post(f"/api/v1/users/{world.admin.id}/deactivate", headers=h)
    assert res.status_code == 422 and res.get_json()["errors"][0]["field"] == "user"
    assert client.post("/api/v1/users/999999/activate", headers=h).status_code == 404


def test_the_user_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/users"])
    assert "post" in paths["/api/v1/users/{user_id}/deactivate"] and "post" in paths["/api/v1/users/{user_id}/activate"]
