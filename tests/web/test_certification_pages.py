"""Certification-body staff pages (/body): list, issue, confirm, suspend/withdraw/reinstate with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.extensions import db
from registry.models import Certificate, CertificateEvent
from registry.services import certificates, products, standards
from tests.helpers import valid_gtin13
from tests.web.staff import check_access, field_error, login, post


def _holder(world: Any) -> tuple[Any, Any, Any]:
    org = world.organization(name="Hợp tác xã Chè Tân Cương")
    product = products.create_product(
        world.admin, {"organization_id": org.id, "name": "Chè búp Tân Cương", "gtin": valid_gtin13(3)}
    )
    standard = standards.create_standard(
        world.admin, {"kind": "tccs", "code": "TCCS 01:2026/HTXTC", "title": "Chè búp khô", "organization_id": org.id}
    )
    return org, product, standard


def _certificate(world: Any, body: Any, org: Any, number: str = "VICB-001", **extra: Any) -> Certificate:
    data = {
        "number": number,
        "certification_body_id": body.id,
        "organization_id": org.id,
        "category": "product_standard",
        "issued_on": date(2026, 3, 1),
        "expires_on": date(2029, 3, 1),
        **extra,
    }
    return certificates.create_certificate(world.admin, data)


def test_body_staff_issue_a_certificate_then_suspend_it_with_a_reason_and_see_the_history(world, client):
    body = world.body()
    org, product, standard = _holder(world)
    staff = world.user("body_staff", body_id=body.id)
    login(client, staff)

    found = client.get("/body/certificates/new?holder_q=che tan cuong").get_data(as_text=True)
    assert f"/body/certificates/new?holder={org.id}" in found
    form_url = f"/body/certificates/new?holder={org.id}"
    page = client.get(form_url).get_data(as_text=True)
    assert "Chè búp Tân Cương" in page and "TCCS 01:2026/HTXTC" in page  # the holder's products and standards

    res = post(
        client,
        form_url,
        {
            "number": "VICB-2026-0042",
            "category": "product_standard",
            "issued_on": "2026-03-01",
            "expires_on": "2029-03-01",
            "product_ids": str(product.id),
            "standard_ids": str(standard.id),
            "scope": "Chè búp khô đóng gói",
        },
    )
    assert res.status_code == 302
    cert = db.session.query(Certificate).one()
    assert cert.certification_body_id == body.id and cert.organization_id == org.id and cert.is_confirmed
    assert [p.id for p in cert.products] == [product.id] and [s.id for s in cert.standards] == [standard.id]

    detail = client.get(res.headers["Location"]).get_data(as_text=True)
    for link in (
        f"/verify/{cert.id}",
        f"/api/v1/certificates/{cert.id}/record.pdf",
        f"/api/v1/certificates/{cert.id}/qr.svg",
    ):
        assert link in detail
    assert 'value="suspend"' in detail and 'value="withdraw"' in detail and 'value="reinstate"' not in detail

    res = post(
        client,
        f"/body/certificates/{cert.id}",
        {"action": "suspend", "reason": "Mẫu giám sát không đạt"},
        action=f"/body/certificates/{cert.id}/status",
    )
    assert res.status_code == 302
    page = client.get(f"/body/certificates/{cert.id}").get_data(as_text=True)
    assert "Tạm đình chỉ" in page and "Mẫu giám sát không đạt" in page and staff.email in page
    assert 'value="reinstate"' in page and 'value="suspend"' not in page
    db.session.expire_all()
    assert [e.action for e in db.session.get(Certificate, cert.id).history] == ["issue", "suspend"]


def test_issuing_with_bad_dates_and_a_taken_number_shows_errors_beside_fields_and_keeps_what_was_typed(world, client):
    body = world.body()
    org, _, _ = _holder(world)
    _certificate(world, body, org, number="VICB-TAKEN")
    login(client, world.user("body_staff", body_id=body.id))
    url = f"/body/certificates/new?holder={org.id}&lang=en"
    res = post(
        client,
        url,
        {
            "number": "VICB-9",
            "category": "gap",
            "issued_on": "2026-05-01",
            "expires_on": "2026-04-01",
            "scope": "Vùng chè xã Tân Cương",
        },
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert field_error(html, "expires_on") == "Must be after Issued on."
    assert 'value="VICB-9"' in html and "Vùng chè xã Tân Cương" in html and 'value="gap" selected' in html

    res = post(client, url, {"number": "VICB-TAKEN", "category": "gap", "issued_on": "2026-05-01"})
    assert res.status_code == 422 and "already exists" in field_error(res.get_data(as_text=True), "number")

    res = post(client, url, {"category": "gap", "issued_on": "1 May"})
    html = res.get_data(as_text=True)
    assert field_error(html, "number") == "This field is required."
    assert "ISO 8601" in field_error(html, "issued_on")
    assert db.session.query(Certificate).count() == 1


def test_the_list_searches_numbers_ignoring_diacritics_and_filters_by_status_category_and_year(world, client):
    body, other_body = world.body(), world.body()
    org, _, _ = _holder(world)
    mine = _certificate(world, body, org, number="ĐT-Chè-01")
    _certificate(world, body, org, number="VG-2025", category="gap", issued_on=date(2025, 1, 5), expires_on=None)
    suspended = _certificate(world, body, org, number="SUS-1")
    certificates.transition_certificate(world.admin, suspended.id, "suspend", "test")
    _certificate(world, other_body, org, number="DT-CHE-02")
    login(client, world.user("body_staff", body_id=body.id))

    def numbers(query: str) -> set[str]:
        html = client.get("/body/certificates?" + query).get_data(as_text=True)
        return {n for n in ("ĐT-Chè-01", "VG-2025", "SUS-1", "DT-CHE-02") if f">{n}</a>" in html}

    assert numbers("") == {"ĐT-Chè-01", "VG-2025", "SUS-1"}  # never another body's
    assert numbers("q=dt-che") == {"ĐT-Chè-01"}
    assert numbers("status=suspended") == {"SUS-1"}
    assert numbers("category=gap") == {"VG-2025"}
    assert numbers("year=2025") == {"VG-2025"}
    assert numbers("status=nonsense&year=abc") == {"ĐT-Chè-01", "VG-2025", "SUS-1"}
    assert mine.id


def test_staff_confirm_a_certificate_a_producer_declared_naming_their_body(world, client):
    body = world.body()
    org, _, _ = _holder(world)
    producer = world.user("producer", organization_id=org.id)
    declared = certificates.create_certificate(
        producer,
        {
            "number": "TUKHAI-1",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "organic",
            "issued_on": date(2026, 1, 1),
        },
    )
    assert not declared.is_confirmed
    login(client, world.user("body_staff", body_id=body.id))
    listing = client.get("/body").get_data(as_text=True)
    assert "Chờ xác nhận" in listing and f"/body/certificates/{declared.id}" in listing
    res = post(client, f"/body/certificates/{declared.id}", {}, action=f"/body/certificates/{declared.id}/confirm")
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, declared.id).is_confirmed
    assert "Chờ xác nhận" not in client.get("/body").get_data(as_text=True)


def test_a_withdrawn_certificate_offers_no_reinstate_and_a_forged_reinstate_is_refused_clearly(world, client):
    body = world.body()
    org, _, _ = _holder(world)
    cert = _certificate(world, body, org)
    login(client, world.user("body_staff", body_id=body.id))
    url = f"/body/certificates/{cert.id}?lang=en"
    res = post(
        client,
        url,
        {"action": "withdraw", "reason": "Cơ sở ngừng sản xuất"},
        action=f"/body/certificates/{cert.id}/status",
    )
    assert res.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'name="action"' not in page and "a withdrawal is final" in page

    res = post(client, url, {"action": "reinstate", "reason": "thử"}, action=f"/body/certificates/{cert.id}/status")
    html = res.get_data(as_text=True)
    assert res.status_code == 409
    assert "The certificate is withdrawn, so it cannot be reinstated; allowed now: none" in html
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).lifecycle == "withdrawn"
    assert [e.action for e in db.session.get(Certificate, cert.id).history] == ["issue", "withdraw"]


def test_reinstating_needs_a_reason_beside_the_field(world, client):
    body = world.body()
    org, _, _ = _holder(world)
    cert = _certificate(world, body, org)
    certificates.transition_certificate(world.admin, cert.id, "suspend", "Chờ đánh giá lại")
    login(client, world.user("body_staff", body_id=body.id))
    url = f"/body/certificates/{cert.id}"
    res = post(client, url, {"action": "reinstate", "reason": "   "}, action=url + "/status")
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "Cần nêu lý do." in field_error(html, "reason")
    assert 'value="reinstate" required checked' in html
    assert db.session.query(CertificateEvent).filter_by(action="reinstate").count() == 0
    res = post(client, url, {"action": "reinstate", "reason": "Đã khắc phục"}, action=url + "/status")
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).lifecycle == "valid"


def test_staff_of_another_body_get_403_on_its_certificates(world, client):
    body, other = world.body(), world.body()
    org, _, _ = _holder(world)
    cert = _certificate(world, body, org)
    declared = certificates.create_certificate(
        world.user("producer", organization_id=org.id),
        {
            "number": "TK-2",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "other",
            "issued_on": date(2026, 1, 1),
        },
    )
    login(client, world.user("body_staff", body_id=other.id))
    assert client.get(f"/body/certificates/{cert.id}").status_code == 403
    for action, data in (("status", {"action": "suspend", "reason": "x"}), ("confirm", {})):
        target = declared.id if action == "confirm" else cert.id
        res = post(client, "/body", data, action=f"/body/certificates/{target}/{action}")
        assert res.status_code == 403
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).lifecycle == "valid"
    assert not db.session.get(Certificate, declared.id).is_confirmed
    assert ">TK-2</a>" not in client.get("/body").get_data(as_text=True)


def test_only_body_staff_reach_the_body_pages(world, client):
    body = world.body()
    org, _, _ = _holder(world)
    cert = _certificate(world, body, org)
    urls = [
        ("GET", "/body"),
        ("GET", "/body/certificates/new"),
        ("POST", f"/body/certificates/new?holder={org.id}"),
        ("GET", f"/body/certificates/{cert.id}"),
        ("POST", f"/body/certificates/{cert.id}/status"),
        ("POST", f"/body/certificates/{cert.id}/confirm"),
    ]
    scope = {
        "producer": {"organization_id": org.id},
        "body_staff": {"body_id": body.id},
        "dost_officer": {"province": "thai-nguyen"},
    }
    check_access(client, world, {"body_staff"}, urls, scope)
    db.session.expire_all()
    assert db.session.query(Certificate).count() == 1 and db.session.get(Certificate, cert.id).lifecycle == "valid"
