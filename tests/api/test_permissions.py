"""Role × endpoint matrix: every write a role should not make is refused, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import valid_gtin13, valid_tax_code


@pytest.fixture
def scene(world, client) -> dict[str, Any]:
    """Two producers in two provinces, a body with staff, officers, an inspector, and records."""
    tn, gl = world.organization("thai-nguyen"), world.organization("gia-lai")
    body, other_body = world.body(), world.body("Tổ chức khác")
    admin_h = world.headers(world.admin)
    product = client.post(
        "/api/v1/products", headers=admin_h, json={"organization_id": tn.id, "name": "Chè"}
    ).get_json()
    tccs = client.post(
        "/api/v1/standards",
        headers=admin_h,
        json={"kind": "tccs", "code": "TCCS 9:2026/TN", "title": "Chè", "organization_id": tn.id},
    ).get_json()
    cert = client.post(
        "/api/v1/certificates",
        headers=admin_h,
        json={
            "number": "M-1",
            "certification_body_id": body.id,
            "organization_id": tn.id,
            "category": "product_standard",
            "issued_on": "2026-01-10",
            "expires_on": "2029-01-09",
        },
    ).get_json()
    batch = client.post("/api/v1/batches", headers=admin_h, json={"product_id": product["id"], "lot": "L1"}).get_json()
    users = {
        "anonymous": None,
        "producer_own": world.user("producer", organization_id=tn.id),
        "producer_other": world.user("producer", organization_id=gl.id),
        "body_staff_own": world.user("body_staff", body_id=body.id),
        "body_staff_other": world.user("body_staff", body_id=other_body.id),
        "dost_own": world.user("dost_officer", province="thai-nguyen"),
        "dost_other": world.user("dost_officer", province="gia-lai"),
        "inspector": world.user("inspector"),
    }
    return {
        "tn": tn,
        "gl": gl,
        "body": body,
        "product": product,
        "tccs": tccs,
        "cert": cert,
        "batch": batch,
        "users": users,
    }


def _writes(s: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    tn, p, c, b = s["tn"], s["product"], s["cert"], s["batch"]
    return {
        "create_organization": (
            "POST",
            "/api/v1/organizations",
            {"name": "HTX Mới", "kind": "cooperative", "tax_code": valid_tax_code(777), "province": "thai-nguyen"},
        ),
        "update_organization": ("PATCH", f"/api/v1/organizations/{tn.id}", {"address": "Số 1"}),
        "create_body": ("POST", "/api/v1/certification-bodies", {"name": "Tổ chức chứng nhận mới"}),
        "create_product": (
            "POST",
            "/api/v1/products",
            {"organization_id": tn.id, "name": "Chè mới", "gtin": valid_gtin13(55)},
        ),
        "update_product": ("PATCH", f"/api/v1/products/{p['id']}", {"description": "Mô tả"}),
        "withdraw_product": ("POST", f"/api/v1/products/{p['id']}/withdraw", {"reason": "Thử"}),
        "apply_standard": ("POST", f"/api/v1/products/{p['id']}/standards", {"standard_id": s["tccs"]["id"]}),
        "update_tccs": ("PATCH", f"/api/v1/standards/{s['tccs']['id']}", {"title": "Chè xanh"}),
        "issue_certificate": (
            "POST",
            "/api/v1/certificates",
            {
                "number": "M-2",
                "certification_body_id": s["body"].id,
                "organization_id": tn.id,
                "category": "gap",
                "issued_on": "2026-02-01",
            },
        ),
        "suspend_certificate": (
            "POST",
            f"/api/v1/certificates/{c['id']}/transitions",
            {"action": "suspend", "reason": "Kiểm tra"},
        ),
        "create_batch": ("POST", "/api/v1/batches", {"product_id": p["id"], "lot": "L2"}),
        "add_event": (
            "POST",
            f"/api/v1/batches/{b['id']}/events",
            {"biz_step": "packing", "occurred_at": "2026-03-01T08:00:00+07:00", "gln": "8938600000101"},
        ),
        "create_activity": (
            "POST",
            "/api/v1/support-activities",
            {"organization_id": tn.id, "kind": "guidance", "held_on": "2026-03-01"},
        ),
        "create_user": (
            "POST",
            "/api/v1/users",
            {"email": "new@test.vn", "password": "long enough pw", "role": "inspector", "province": "thai-nguyen"},
        ),
    }


# Who may make each write (admin may make all of them).
ALLOWED = {
    "create_organization": {"dost_own"},
    "update_organization": {"producer_own", "dost_own"},
    "create_body": set(),
    "create_product": {"producer_own", "dost_own"},
    "update_product": {"producer_own", "dost_own"},
    "withdraw_product": {"producer_own", "dost_own"},
    "apply_standard": {"producer_own", "dost_own"},
    "update_tccs": {"producer_own", "dost_own"},
    "issue_certificate": {"body_staff_own", "dost_own", "inspector", "producer_own"},
    "suspend_certificate": {"body_staff_own", "inspector"},
    "create_batch": {"producer_own", "dost_own"},
    "add_event": {"producer_own", "dost_own"},
    "create_activity": {"dost_own"},
    "create_user": {"dost_own"},
}
ROLES = [
    "anonymous",
    "producer_own",
    "producer_other",
    "body_staff_own",
    "body_staff_other",
    "dost_own",
    "dost_other",
    "inspector",
]


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_forbidden_write_is_refused(scene, world, client, action):
    method, path, body = _writes(scene)[action]
    for role in ROLES:
        user = scene["users"][role]
        headers = world.headers(user) if user else {}
        before = client.get("/api/v1/audit/head").get_json()["size"]
        res = client.open(path, method=method, headers=headers, json=body)
        if role in ALLOWED[action]:
            assert res.status_code in (200, 201), (role, action, res.get_json())
            break  # the record now exists; the refusals before it are what this test proves
        expected = 401 if user is None else 403
        assert res.status_code == expected, (role, action, res.status_code, res.get_json())
        assert res.mimetype == "application/problem+json"
        assert client.get("/api/v1/audit/head").get_json()["size"] == before, (role, action)


def test_admin_may_make_every_write(scene, world, client):
    headers = world.headers(world.admin)
    for action, (method, path, body) in _writes(scene).items():
        res = client.open(path, method=method, headers=headers, json=body)
        assert res.status_code in (200, 201), (action, res.get_json())


def test_producer_record_of_a_certificate_is_declared_until_confirmed(scene, world, client):
    _method, path, body = _writes(scene)["issue_certificate"]
    res = client.post(path, headers=world.headers(scene["users"]["producer_own"]), json=body)
    assert res.status_code == 201 and res.get_json()["is_confirmed"] is False
    cid = res.get_json()["id"]
    refused = client.post(f"/api/v1/certificates/{cid}/confirm", headers=world.headers(scene["users"]["producer_own"]))
    assert refused.status_code == 403
    ok = client.post(f"/api/v1/certificates/{cid}/confirm", headers=world.headers(scene["users"]["body_staff_own"]))
    assert ok.status_code == 200 and ok.get_json()["is_confirmed"] is True


def test_session_writes_need_the_csrf_token(world, client, app):
    """A browser session may call the API, but only with the CSRF token of its pages."""
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.admin.id)
        sess["_fresh"] = True
    body = {"name": "Tổ chức qua phiên", "accreditation_number": "X"}
    assert client.post("/api/v1/certification-bodies", json=body).status_code == 401
    with app.test_request_context():
        from flask_wtf.csrf import generate_csrf

        token = generate_csrf()
        with client.session_transaction() as sess:
            from flask import session

            sess.update({k: v for k, v in session.items() if k == "csrf_token"})
    assert client.post("/api/v1/certification-bodies", json=body, headers={"X-CSRFToken": token}).status_code == 201
