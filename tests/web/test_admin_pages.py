"""Admin pages (/admin): users with role and scope, certification bodies, signing keys."""

from __future__ import annotations

from registry.extensions import db
from registry.models import AuditEntry, CertificationBody, User
from registry.services import signing
from tests.conftest import PASSWORD
from tests.web.staff import check_access, csrf, field_error, login, post


def test_an_admin_creates_users_with_the_scope_their_role_needs(world, client):
    org, body = world.organization(), world.body()
    login(client, world.admin)
    res = post(client, "/admin/users?lang=en", {"email": "clerk@cb.vn", "password": "short", "role": "body_staff"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "at least 10 characters" in field_error(html, "password")
    # the form's own words; the command line keeps "needs --body ID" (tests/web/test_workspace_details.py)
    assert field_error(html, "body") == "Choose the certification body for this account."
    assert 'value="clerk@cb.vn"' in html and 'value="short"' not in html and 'value="body_staff" selected' in html

    res = post(
        client,
        "/admin/users",
        {"email": "grower@htx.vn", "password": PASSWORD, "role": "producer", "organization": "9999999999"},
    )
    assert res.status_code == 422 and "9999999999" in field_error(res.get_data(as_text=True), "organization")

    for data in (
        {"email": "clerk@cb.vn", "role": "body_staff", "body": str(body.id)},
        {"email": "grower@htx.vn", "role": "producer", "organization": org.tax_code},
        {"email": "officer@dost.vn", "role": "dost_officer", "province": "gia-lai"},
    ):
        assert post(client, "/admin/users", {**data, "password": PASSWORD}).status_code == 302
    made = {u.email: u for u in db.session.query(User)}
    assert made["clerk@cb.vn"].body_id == body.id and made["grower@htx.vn"].organization_id == org.id
    assert made["officer@dost.vn"].province.slug == "gia-lai"
    listing = client.get("/admin/users").get_data(as_text=True)
    assert body.name in listing and org.name in listing

    res = post(client, "/admin/users", {"email": "clerk@cb.vn", "password": PASSWORD, "role": "inspector"})
    assert res.status_code == 422 and "already exists" in field_error(res.get_data(as_text=True), "email")


def test_a_deactivated_user_can_no_longer_sign_in_and_an_admin_cannot_deactivate_themself(world, client):
    inspector = world.user("inspector")
    login(client, world.admin)
    res = post(client, "/admin/users", {}, action=f"/admin/users/{inspector.id}/deactivate")
    assert res.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, inspector.id).is_active
    assert db.session.query(AuditEntry).filter_by(entity="user", action="deactivate").count() == 1
    res = post(client, "/admin/users?lang=en", {}, action=f"/admin/users/{world.admin.id}/deactivate")
    assert "You cannot deactivate your own account." in client.get(res.headers["Location"]).get_data(as_text=True)
    assert db.session.get(User, world.admin.id).is_active

    client.post("/logout", data={"csrf_token": csrf(client.get("/verify").get_data(as_text=True))})
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"email": inspector.email, "password": PASSWORD, "csrf_token": csrf(page)})
    assert res.status_code == 401


def test_an_admin_adds_and_edits_a_certification_body_with_errors_beside_fields(world, client):
    login(client, world.admin)
    res = post(
        client, "/admin/bodies?lang=en", {"name": "Q", "email": "not-an-email", "accreditation_number": "VICAS 1"}
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "Must be 2 to 255" in field_error(html, "name") and "Not a valid email" in field_error(html, "email")
    assert 'value="VICAS 1"' in html and db.session.query(CertificationBody).count() == 0

    res = post(
        client,
        "/admin/bodies",
        {"name": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1", "accreditation_number": "VICAS 001"},
    )
    assert res.status_code == 302
    body = db.session.query(CertificationBody).one()
    url = f"/admin/bodies/{body.id}"
    assert post(client, url, {"name": body.name, "designation_number": "QĐ 12/2026"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CertificationBody, body.id).designation_number == "QĐ 12/2026"
    assert "QĐ 12/2026" in client.get("/admin/bodies?q=ky thuat").get_data(as_text=True)


def test_rotating_the_signing_key_needs_a_confirmation_and_keeps_the_old_key_published(world, client, app):
    login(client, world.admin)
    first = signing.ensure_keys(app.instance_path)["active"]
    page = client.get("/admin/keys").get_data(as_text=True)
    assert first in page
    res = post(client, "/admin/keys?lang=en", {}, action="/admin/keys/rotate")
    assert res.status_code == 422 and "Tick" in field_error(res.get_data(as_text=True), "confirm")
    assert signing.ensure_keys(app.instance_path)["active"] == first

    res = post(client, "/admin/keys", {"confirm": "y"}, action="/admin/keys/rotate")
    assert res.status_code == 302
    keys = {k["kid"]: k for k in signing.list_keys(app.instance_path)}
    assert len(keys) == 2 and not keys[first]["active"] and keys[first]["retired_at"]
    page = client.get("/admin/keys").get_data(as_text=True)
    assert keys[first]["retired_at"] in page
    assert db.session.query(AuditEntry).filter_by(entity="signing_key", action="rotate").count() == 1


def test_only_admins_reach_the_admin_pages(world, client, app):
    body, org = world.body(), world.organization()
    target = world.user("inspector")
    urls = [
        ("GET", "/admin"),
        ("GET", "/admin/users"),
        ("POST", "/admin/users"),
        ("POST", f"/admin/users/{target.id}/deactivate"),
        ("GET", "/admin/bodies"),
        ("POST", "/admin/bodies"),
        ("GET", f"/admin/bodies/{body.id}"),
        ("POST", f"/admin/bodies/{body.id}"),
        ("GET", "/admin/keys"),
        ("POST", "/admin/keys/rotate"),
    ]
    scope = {
        "producer": {"organization_id": org.id},
        "body_staff": {"body_id": body.id},
        "dost_officer": {"province": "thai-nguyen"},
    }
    check_access(client, world, {"admin"}, urls, scope)
    db.session.expire_all()
    assert db.session.get(User, target.id).is_active and db.session.query(CertificationBody).count() == 1
    assert signing.list_keys(app.instance_path) == []
