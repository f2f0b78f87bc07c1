"""Inspector pages (/inspect): any certificate's status with a reason, and the consumer reports queue."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.extensions import db
from registry.models import Certificate, ConsumerReport
from registry.services import batches, certificates, consumer_reports, products
from tests.helpers import valid_gtin13
from tests.web.staff import check_access, field_error, login, post


def _product(world: Any) -> tuple[Any, Any]:
    org = world.organization()
    product = products.create_product(
        world.admin, {"organization_id": org.id, "name": "Mật ong bạc hà", "gtin": valid_gtin13(11)}
    )
    batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": "L-2026/07"})
    return product, batch


def _certificate(world: Any, number: str) -> Certificate:
    org = world.organization()
    data = {
        "number": number,
        "certification_body_id": world.body().id,
        "organization_id": org.id,
        "category": "gap",
        "issued_on": date(2026, 2, 1),
    }
    return certificates.create_certificate(world.admin, data)


def test_an_inspector_finds_any_certificate_and_suspends_it_with_a_reason(world, client):
    cert = _certificate(world, "VietGAP-Đồng-77")
    login(client, world.user("inspector"))
    listing = client.get("/inspect?q=dong 77").get_data(as_text=True)
    assert f"/inspect/certificates/{cert.id}" in listing and cert.body.name in listing
    url = f"/inspect/certificates/{cert.id}"
    res = post(client, url, {"action": "suspend", "reason": ""}, action=url + "/status")
    assert res.status_code == 422 and "Cần nêu lý do." in field_error(res.get_data(as_text=True), "reason")
    res = post(client, url, {"action": "suspend", "reason": "Phản ánh hàng giả đang xác minh"}, action=url + "/status")
    assert res.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Phản ánh hàng giả đang xác minh" in page and 'value="reinstate"' in page
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).lifecycle == "suspended"


def test_the_queue_lists_open_reports_with_product_and_batch_links_and_a_report_is_taken_then_closed(world, client):
    product, batch = _product(world)
    report = consumer_reports.create_report(
        None,
        product.id,
        batch.id,
        {"kind": "counterfeit", "message": "Tem chống giả bị bong", "contact": "0912 345 678"},
    )
    login(client, world.user("inspector"))
    page = client.get("/inspect/reports").get_data(as_text=True)
    assert "Tem chống giả bị bong" in page and "0912 345 678" in page
    assert f'href="/01/{product.gtin}"' in page and f'href="/01/{product.gtin}/10/L-2026%2F07"' in page

    res = post(client, "/inspect/reports", {}, action=f"/inspect/reports/{report.id}/investigate")
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(ConsumerReport, report.id).status == "investigating"

    res = post(client, "/inspect/reports?lang=en", {"outcome": "  "}, action=f"/inspect/reports/{report.id}/close")
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and field_error(html, f"outcome-{report.id}") == "This field is required."

    outcome = "Đã kiểm tra lô L-2026/07: tem thật, bao bì bị ẩm."
    res = post(client, "/inspect/reports", {"outcome": outcome}, action=f"/inspect/reports/{report.id}/close")
    assert res.status_code == 302
    db.session.expire_all()
    closed = db.session.get(ConsumerReport, report.id)
    assert closed.status == "closed" and closed.outcome == outcome and closed.closed_at is not None
    assert "Tem chống giả bị bong" not in client.get("/inspect/reports").get_data(as_text=True)
    assert outcome in client.get("/inspect/reports?status=closed").get_data(as_text=True)

    res = post(client, "/inspect/reports", {"outcome": "again"}, action=f"/inspect/reports/{report.id}/close")
    assert res.status_code == 409


def test_only_inspectors_and_admins_reach_the_inspector_pages(world, client):
    product, _ = _product(world)
    report = consumer_reports.create_report(None, product.id, None, {"kind": "defect", "message": "Vỡ nắp"})
    cert = _certificate(world, "INS-1")
    urls = [
        ("GET", "/inspect"),
        ("GET", f"/inspect/certificates/{cert.id}"),
        ("POST", f"/inspect/certificates/{cert.id}/status"),
        ("GET", "/inspect/reports"),
        ("POST", f"/inspect/reports/{report.id}/investigate"),
        ("POST", f"/inspect/reports/{report.id}/close"),
    ]
    scope = {
        "producer": {"organization_id": product.organization_id},
        "body_staff": {"body_id": cert.body.id},
        "dost_officer": {"province": "thai-nguyen"},
    }
    check_access(client, world, {"inspector", "admin"}, urls, scope)
    db.session.expire_all()
    assert db.session.get(ConsumerReport, report.id).status == "open"
    assert db.session.get(Certificate, cert.id).lifecycle == "valid"
    login(client, world.admin)
    assert client.get("/inspect/reports").status_code == 200
