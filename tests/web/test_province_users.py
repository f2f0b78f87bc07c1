"""The DOST officer's accounts page (/dost/users): their province's accounts, created and (de)activated."""

from __future__ import annotations

import re
from typing import Any

import pytest

from registry.extensions import db
from registry.models import AuditEntry, User
from tests.conftest import PASSWORD
from tests.web.staff import check_access, csrf, field_error, login, post


@pytest.fixture
def scene(world) -> dict[str, Any]:
    tn, gl = world.organization("thai-nguyen"), world.organization("gia-lai")
    body = world.body()
    return {
        "tn": tn,
        "gl": gl,
        "body": body,
        "officer": world.user("dost_officer", province="thai-nguyen"),
        "officer_gl": world.user("dost_officer", province="gia-lai"),
        "inspector_tn": world.user("inspector", province="thai-nguyen"),
        "producer_tn": world.user("producer", organization_id=tn.id),
        "producer_gl": world.user("producer", organization_id=gl.id),
        "body_staff": world.user("body_staff", body_id=body.id),
    }


def _audit_size() -> int:
    """Audit entries other than a user's remembered page language (switching to ?lang=en records one)."""
    return db.session.query(AuditEntry).filter(AuditEntry.action != "update").count()


def _rows(html: str) -> str:
    return "".join(re.findall(r'<tr class="user">.*?</tr>', html, re.S))


def test_an_officer_sees_the_accounts_of_their_province_with_role_names_in_both_languages(scene, world, client):
    login(client, scene["officer"])
    html = client.get("/dost/users").get_data(as_text=True)
    rows = _rows(html)
    for key in ("officer", "inspector_tn", "producer_tn"):
        assert scene[key].email in rows
    for key in ("officer_gl", "producer_gl", "body_staff"):
        assert scene[key].email not in rows
    assert world.admin.email not in rows
    assert "Cán bộ Sở KH&amp;CN" in rows and "Cơ sở sản xuất" in rows and scene["tn"].name in rows
    assert 'href="/dost/users?province=thai-nguyen" aria-current="page"' in html  # in the DOST navigation
    # the officer's own row has no deactivate button; the others have one each
    assert f"/dost/users/{scene['officer'].id}/deactivate" not in html
    assert f"/dost/users/{scene['producer_tn'].id}/deactivate" in html
    # the organisations offered are the province's only
    assert f'<option value="{scene["tn"].id}"' in html and f'<option value="{scene["gl"].id}"' not in html
    en = client.get("/dost/users?lang=en&role=producer").get_data(as_text=True)
    assert "Producer" in _rows(en) and scene["inspector_tn"].email not in _rows(en)
    assert scene["inspector_tn"].email in _rows(client.get("/dost/users?q=INSPÉCTOR").get_data(as_text=True))


def test_an_officer_creates_a_producer_with_a_password_and_an_inspector_with_a_generated_one(scene, client):
    login(client, scene["officer"])
    before = _audit_size()
    res = post(
        client,
        "/dost/users",
        {"email": "grower@htx.vn", "password": PASSWORD, "role": "producer", "organization": str(scene["tn"].id)},
    )
    assert res.status_code == 302
    assert "grower@htx.vn" in client.get(res.headers["Location"]).get_data(as_text=True)
    res = post(client, "/dost/users?lang=en", {"email": "qlt@dost.vn", "password": "", "role": "inspector"})
    html = res.get_data(as_text=True)
    assert res.status_code == 201 and res.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code class="secret" id="initial-password">([^<]+)</code>', html).group(1)
    assert "shown this once" in html and len(password) >= 10
    made = {u.email: u for u in db.session.query(User)}
    assert made["grower@htx.vn"].organization_id == scene["tn"].id and made["grower@htx.vn"].role == "producer"
    assert made["qlt@dost.vn"].province.slug == "thai-nguyen" and made["qlt@dost.vn"].role == "inspector"
    assert _audit_size() == before + 2
    assert password not in client.get("/dost/users").get_data(as_text=True)  # shown once
    client.post("/logout", data={"csrf_token": csrf(client.get("/verify").get_data(as_text=True))})
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"email": "qlt@dost.vn", "password": password, "csrf_token": csrf(page)})
    assert res.status_code == 302


def test_errors_show_beside_the_fields_and_keep_the_values(scene, client):
    login(client, scene["officer"])
    before = _audit_size()
    res = post(client, "/dost/users?lang=en", {"email": "grower@htx.vn", "password": "short", "role": "producer"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "at least 10 characters" in field_error(html, "password")
    assert "producer" in field_error(html, "organization")
    assert 'value="grower@htx.vn"' in html and 'value="short"' not in html and 'value="producer" selected' in html
    res = post(client, "/dost/users?lang=en", {"email": "x@htx.vn", "password": PASSWORD, "role": ""})
    assert res.status_code == 422 and "Choose one" in field_error(res.get_data(as_text=True), "role")
    res = post(client, "/dost/users", {"email": scene["producer_tn"].email, "password": PASSWORD, "role": "inspector"})
    assert res.status_code == 422 and scene["producer_tn"].email in field_error(res.get_data(as_text=True), "email")
    assert _audit_size() == before


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"role": "producer", "organization": "gl"}, id="organisation-of-another-province"),
        pytest.param({"role": "admin"}, id="admin"),
        pytest.param({"role": "body_staff"}, id="body-staff"),
    ],
)
def test_a_forged_form_creating_an_account_outside_the_province_is_refused(scene, client, data):
    data = {k: str(scene[v].id) if k == "organization" else v for k, v in data.items()}
    login(client, scene["officer"])
    before, count = _audit_size(), db.session.query(User).count()
    res = post(client, "/dost/users", {"email": "new@test.vn", "password": PASSWORD, **data})
    assert res.status_code == 403
    assert _audit_size() == before and db.session.query(User).count() == count


def test_an_officer_deactivates_and_reactivates_an_account_of_their_province(scene, client):
    target = scene["producer_tn"]
    login(client, scene["officer"])
    res = post(client, "/dost/users", {}, action=f"/dost/users/{target.id}/deactivate")
    assert res.status_code == 302
    html = client.get(res.headers["Location"]).get_data(as_text=True)
    assert f"Đã khoá tài khoản {target.email}." in html
    assert f"/dost/users/{target.id}/activate" in html
    db.session.expire_all()
    assert not db.session.get(User, target.id).is_active
    assert post(client, "/dost/users", {}, action=f"/dost/users/{target.id}/activate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).is_active
    entries = db.session.query(AuditEntry).filter_by(entity="user", entity_id=target.id, actor_id=scene["officer"].id)
    assert sorted(e.action for e in entries) == ["activate", "deactivate"]


def test_an_officer_cannot_deactivate_themself(scene, client):
    officer = scene["officer"]
    login(client, officer)
    before = _audit_size()
    res = post(client, "/dost/users?lang=en", {}, action=f"/dost/users/{officer.id}/deactivate")
    assert "You cannot deactivate your own account." in client.get(res.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, officer.id).is_active and _audit_size() == before


@pytest.mark.parametrize("target", ["producer_gl", "officer_gl", "body_staff", "admin"])
def test_an_officer_may_not_touch_accounts_outside_their_province(scene, world, client, target):
    user = world.admin if target == "admin" else scene[target]
    login(client, scene["officer"])
    before = _audit_size()
    for action in ("deactivate", "activate"):
        assert post(client, "/dost/users", {}, action=f"/dost/users/{user.id}/{action}").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, user.id).is_active and _audit_size() == before
    assert client.get("/dost/users?province=gia-lai").status_code == 403


def test_an_admin_manages_the_accounts_of_the_province_they_choose(scene, world, client):
    login(client, world.admin)
    assert "gia-lai" in client.get("/dost/users").get_data(as_text=True)  # the choice of province
    html = client.get("/dost/users?province=gia-lai").get_data(as_text=True)
    assert scene["producer_gl"].email in _rows(html) and scene["producer_tn"].email not in _rows(html)
    res = post(
        client,
        "/dost/users?province=gia-lai",
        {},
        action=f"/dost/users/{scene['producer_gl'].id}/deactivate?province=gia-lai",
    )
    assert res.status_code == 302 and res.headers["Location"].endswith("/dost/users?province=gia-lai")
    # the page keeps an admin to the chosen province's organisations
    res = post(
        client,
        "/dost/users?province=gia-lai&lang=en",
        {"email": "g@htx.vn", "password": PASSWORD, "role": "producer", "organization": str(scene["tn"].id)},
    )
    assert res.status_code == 422 and "is not in" in field_error(res.get_data(as_text=True), "organization")


def test_only_officers_and_admins_reach_the_accounts_page(scene, world, client):
    target = scene["producer_tn"]
    urls = [
        ("GET", "/dost/users"),
        ("POST", "/dost/users"),
        ("POST", f"/dost/users/{target.id}/deactivate"),
        ("POST", f"/dost/users/{target.id}/activate"),
    ]
    scope = {"producer": {"organization_id": scene["tn"].id}, "body_staff": {"body_id": scene["body"].id}}
    check_access(client, world, {"admin", "dost_officer"}, urls, scope)
    db.session.expire_all()
    assert db.session.get(User, target.id).is_active
    assert db.session.query(AuditEntry).filter_by(entity="user").filter(AuditEntry.action != "create").count() == 0
