"""The inspectors' queue of consumer reports: who reads it, who handles it, and the only transitions allowed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import AuditEntry
from registry.services import audit, batches, consumer_reports, products
from tests.helpers import valid_gtin13


@pytest.fixture
def queue(world):
    tn = world.organization(province="thai-nguyen", name="Hợp tác xã Chè Trại Cài")
    gl = world.organization(province="gia-lai", name="Hợp tác xã Cà phê Ia Grai")
    tea = products.create_product(world.admin, {"organization_id": tn.id, "name": "Chè búp", "gtin": valid_gtin13(11)})
    coffee = products.create_product(
        world.admin, {"organization_id": gl.id, "name": "Cà phê bột", "gtin": valid_gtin13(12)}
    )
    lot = batches.create_batch(world.admin, {"product_id": tea.id, "lot": "L2026-07"})
    fake = consumer_reports.create_report(
        None, tea.id, lot.id, {"kind": "counterfeit", "message": "Bao bì khác, tem mờ", "contact": "0912 345 678"}
    )
    defect = consumer_reports.create_report(None, coffee.id, None, {"kind": "defect", "message": "Có mùi mốc"})
    return {"tea": tea, "coffee": coffee, "lot": lot, "fake": fake, "defect": defect}


def _ids(res):
    assert res.status_code == 200, res.get_json()
    return sorted(item["id"] for item in res.get_json()["items"])


def test_an_inspector_sees_the_whole_queue_with_product_batch_and_contact(world, client, queue):
    inspector = world.user("inspector")
    res = client.get("/api/v1/consumer-reports", headers=world.headers(inspector))
    assert _ids(res) == sorted([queue["fake"].id, queue["defect"].id])
    item = next(i for i in res.get_json()["items"] if i["id"] == queue["fake"].id)
    assert item["product_name"] == "Chè búp" and item["gtin"] == "0" + valid_gtin13(11)
    assert item["lot"] == "L2026-07" and item["province"] == "thai-nguyen"
    assert item["contact"] == "0912 345 678" and item["status"] == "open"
    assert item["organization_name"] == "Hợp tác xã Chè Trại Cài"


def test_the_queue_filters_by_status_province_and_product(world, client, queue):
    headers = world.headers(world.user("inspector"))
    assert _ids(client.get("/api/v1/consumer-reports?province=gia-lai", headers=headers)) == [queue["defect"].id]
    url = f"/api/v1/consumer-reports?product_id={queue['tea'].id}"
    assert _ids(client.get(url, headers=headers)) == [queue["fake"].id]
    assert _ids(client.get("/api/v1/consumer-reports?status=closed", headers=headers)) == []
    bad = client.get("/api/v1/consumer-reports?status=lost", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"


def test_a_dost_officer_reads_their_province_only_without_contacts(world, client, queue):
    officer = world.user("dost_officer", province="thai-nguyen")
    headers = world.headers(officer)
    res = client.get("/api/v1/consumer-reports", headers=headers)
    assert _ids(res) == [queue["fake"].id]
    assert "contact" not in res.get_json()["items"][0]
    assert client.get(f"/api/v1/consumer-reports/{queue['fake'].id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/consumer-reports/{queue['defect'].id}", headers=headers).status_code == 403
    assert client.get("/api/v1/consumer-reports?province=gia-lai", headers=headers).status_code == 403


def test_a_dost_officer_may_not_handle_a_report(world, client, queue):
    officer = world.user("dost_officer", province="thai-nguyen")
    res = client.post(
        f"/api/v1/consumer-reports/{queue['fake'].id}/transitions",
        headers=world.headers(officer),
        json={"action": "investigate"},
    )
    assert res.status_code == 403


@pytest.mark.parametrize("role", ["producer", "body_staff"])
def test_producers_and_body_staff_may_neither_read_nor_handle_the_queue(world, client, queue, role):
    scope = {"organization_id": queue["tea"].organization_id} if role == "producer" else {"body_id": world.body().id}
    headers = world.headers(world.user(role, **scope))
    report = queue["fake"].id
    assert client.get("/api/v1/consumer-reports", headers=headers).status_code == 403
    assert client.get(f"/api/v1/consumer-reports/{report}", headers=headers).status_code == 403
    post = client.post(
        f"/api/v1/consumer-reports/{report}/transitions", headers=headers, json={"action": "investigate"}
    )
    assert post.status_code == 403


def test_the_queue_needs_a_login(client, queue):
    assert client.get("/api/v1/consumer-reports").status_code == 401
    post = client.post(f"/api/v1/consumer-reports/{queue['fake'].id}/transitions", json={"action": "investigate"})
    assert post.status_code == 401


def _act(client, headers, report_id, **body):
    return client.post(f"/api/v1/consumer-reports/{report_id}/transitions", headers=headers, json=body)


def test_an_inspector_takes_then_closes_a_report_with_an_outcome_and_each_step_is_audited(world, client, queue):
    inspector = world.user("inspector")
    headers = world.headers(inspector)
    report = queue["fake"].id
    taken = _act(client, headers, report, action="investigate")
    assert taken.status_code == 200
    assert (taken.get_json()["status"], taken.get_json()["handled_by_id"]) == ("investigating", inspector.id)
    closed = _act(client, headers, report, action="close", outcome="Xác minh: hàng giả.\nĐã chuyển QLTT xử lý.")
    assert closed.status_code == 200
    body = closed.get_json()
    assert body["status"] == "closed" and body["outcome"] == "Xác minh: hàng giả.\nĐã chuyển QLTT xử lý."
    assert body["closed_at"].endswith("+07:00")
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "consumer_report", AuditEntry.entity_id == report)
    ).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        ("create", None),
        ("investigate", inspector.id),
        ("close", inspector.id),
    ]
    assert entries[-1].before["status"] == "investigating" and entries[-1].after["status"] == "closed"
    assert "contact" not in entries[-1].after
    assert audit.verify_chain()[1] is None


def test_closing_needs_an_outcome(world, client, queue):
    headers = world.headers(world.user("inspector"), "vi")
    for body in ({"action": "close"}, {"action": "close", "outcome": "   "}):
        res = _act(client, headers, queue["fake"].id, **body)
        assert res.status_code == 422
        (error,) = res.get_json()["errors"]
        assert (error["field"], error["rule"]) == ("outcome", "required")
        assert error["message"] == "Trường outcome là bắt buộc."
    assert client.get(f"/api/v1/consumer-reports/{queue['fake'].id}", headers=headers).get_json()["status"] == "open"


def test_a_closed_report_is_final(world, client, queue):
    headers = world.headers(world.admin)
    report = queue["defect"].id
    assert _act(client, headers, report, action="close", outcome="Không đủ căn cứ").status_code == 200
    for body in ({"action": "investigate"}, {"action": "close", "outcome": "Lần hai"}):
        res = _act(client, headers, report, **body)
        assert res.status_code == 409
        (error,) = res.get_json()["errors"]
        assert (error["field"], error["rule"]) == ("action", "report_transition")
        assert "closed" in error["message"]


def test_a_report_under_investigation_cannot_be_taken_again(world, client, queue):
    headers = world.headers(world.user("inspector"))
    assert _act(client, headers, queue["fake"].id, action="investigate").status_code == 200
    assert _act(client, headers, queue["fake"].id, action="investigate").status_code == 409


def test_an_unknown_action_or_report_is_refused(world, client, queue):
    headers = world.headers(world.user("inspector"))
    bad = _act(client, headers, queue["fake"].id, action="delete")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "action"
    assert _act(client, headers, 999999, action="investigate").status_code == 404
    assert client.get("/api/v1/consumer-reports/999999", headers=headers).status_code == 404
