"""GET /api/v1/reminders: who sees which expiry reminders, bucketed at 7, 30 and 90 days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.services import certificates
from registry.services.timefmt import today_vn


def _cert(world, org, body, number, days):
    today = today_vn()
    return certificates.create_certificate(
        world.admin,
        {
            "number": number,
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "gap",
            "issued_on": date(2024, 1, 1),
            "expires_on": today + timedelta(days=days),
        },
    )


@pytest.fixture
def scene(world):
    tn = world.organization(province="thai-nguyen", name="Hợp tác xã Chè La Bằng")
    tn2 = world.organization(province="thai-nguyen", name="Hợp tác xã Miến Dong")
    gl = world.organization(province="gia-lai", name="Hợp tác xã Hồ tiêu Chư Sê")
    body = world.body()
    _cert(world, tn, body, "TN-7", 7)
    _cert(world, tn, body, "TN-8", 8)
    _cert(world, tn, body, "TN-91", 91)
    _cert(world, tn2, body, "TN2-30", 30)
    _cert(world, gl, body, "GL-90", 90)
    return {"tn": tn, "tn2": tn2, "gl": gl, "body": body}


def _numbers(payload):
    return sorted(
        item["label"] for prov in payload["provinces"] for org in prov["organizations"] for item in org["items"]
    )


def test_admin_sees_every_province_with_buckets(world, client, scene):
    res = client.get("/api/v1/reminders", headers=world.headers(world.admin))
    assert res.status_code == 200
    body = res.get_json()
    assert body["today"] == today_vn().isoformat()
    assert body["thresholds"] == [7, 30, 90]
    assert body["counts"] == {"7": 1, "30": 2, "90": 1}
    assert _numbers(body) == ["GL-90", "TN-7", "TN-8", "TN2-30"]
    tn = next(p for p in body["provinces"] if p["province"] == "thai-nguyen")
    item = next(i for o in tn["organizations"] for i in o["items"] if i["label"] == "TN-8")
    assert (item["kind"], item["days_left"], item["threshold"]) == ("certificate", 8, 30)


def test_admin_can_filter_by_province_and_organisation(world, client, scene):
    headers = world.headers(world.admin)
    assert _numbers(client.get("/api/v1/reminders?province=gia-lai", headers=headers).get_json()) == ["GL-90"]
    url = f"/api/v1/reminders?organization_id={scene['tn2'].id}"
    assert _numbers(client.get(url, headers=headers).get_json()) == ["TN2-30"]


def test_a_producer_sees_only_their_organisation(world, client, scene):
    producer = world.user("producer", organization_id=scene["tn"].id)
    res = client.get("/api/v1/reminders", headers=world.headers(producer))
    assert res.status_code == 200
    assert _numbers(res.get_json()) == ["TN-7", "TN-8"]
    same = client.get("/api/v1/reminders?province=thai-nguyen", headers=world.headers(producer))
    assert _numbers(same.get_json()) == ["TN-7", "TN-8"]


def test_a_producer_may_not_ask_for_another_organisation_or_province(world, client, scene):
    producer = world.user("producer", organization_id=scene["tn"].id)
    headers = world.headers(producer)
    assert client.get(f"/api/v1/reminders?organization_id={scene['tn2'].id}", headers=headers).status_code == 403
    assert client.get("/api/v1/reminders?province=gia-lai", headers=headers).status_code == 403


def test_a_dost_officer_sees_their_province_only(world, client, scene):
    officer = world.user("dost_officer", province="thai-nguyen")
    headers = world.headers(officer)
    assert _numbers(client.get("/api/v1/reminders", headers=headers).get_json()) == ["TN-7", "TN-8", "TN2-30"]
    forbidden = client.get("/api/v1/reminders?province=gia-lai", headers=headers)
    assert forbidden.status_code == 403
    assert forbidden.mimetype == "application/problem+json"


@pytest.mark.parametrize("role", ["inspector", "body_staff"])
def test_other_roles_may_not_read_reminders(world, client, scene, role):
    scope = {"body_id": scene["body"].id} if role == "body_staff" else {}
    user = world.user(role, **scope)
    assert client.get("/api/v1/reminders", headers=world.headers(user)).status_code == 403


def test_reminders_need_a_login(client, scene):
    assert client.get("/api/v1/reminders").status_code == 401


def test_an_unknown_province_is_named_in_the_error(world, client, scene):
    res = client.get("/api/v1/reminders?province=atlantis", headers=world.headers(world.admin, "vi"))
    assert res.status_code == 422
    (error,) = res.get_json()["errors"]
    assert error["field"] == "province" and error["rule"] == "unknown_province"
    assert "atlantis" in error["message"]
