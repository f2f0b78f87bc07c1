"""The records of the registry created and read through the API, as a new user would."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from registry.extensions import db
from registry.services import certificates
from tests.helpers import days_from_today, this_year, today, valid_gtin13, valid_tax_code, years_after


@pytest.mark.travel
def test_admin_creates_the_whole_chain_of_records(world, client):
    ocop_decided = years_after(today(), -1)  # an OCOP rating lapses 36 months after its decision
    issued = days_from_today(-265)
    h = world.headers(world.admin)
    org = client.post(
        "/api/v1/organizations",
        headers=h,
        json={
            "name": "Hợp tác xã Chè Tân Cương",
            "kind": "cooperative",
            "tax_code": valid_tax_code(900),
            "province": "thai-nguyen",
            "commune": "Xã Tân Cương",
            "is_sme": True,
            "gs1_company_prefix": "893860",
        },
    )
    assert org.status_code == 201, org.get_json()
    org = org.get_json()
    assert org["province"] == "thai-nguyen" and org["commune"] == "tan-cuong"

    product = client.post(
        "/api/v1/products",
        headers=h,
        json={
            "organization_id": org["id"],
            "name": "Chè xanh Tân Cương",
            "gtin": valid_gtin13(1),
            "ocop_stars": 4,
            "ocop_decision_number": "12/QĐ-UBND",
            "ocop_decision_date": ocop_decided.isoformat(),
            "is_key_product": True,
        },
    )
    assert product.status_code == 201, product.get_json()
    product = product.get_json()
    assert product["gtin"] == "0" + valid_gtin13(1)
    assert product["ocop_expires_on"] == years_after(ocop_decided, 3).isoformat()

    tccs = client.post(
        "/api/v1/standards",
        headers=h,
        json={
            "kind": "tccs",
            "code": "TCCS 01:2026/HTXTC",
            "title": "Chè xanh — Yêu cầu kỹ thuật",
            "organization_id": org["id"],
            "published_on": (issued - timedelta(days=28)).isoformat(),
        },
    )
    assert tccs.status_code == 201, tccs.get_json()
    applied = client.post(
        f"/api/v1/products/{product['id']}/standards", headers=h, json={"standard_id": tccs.get_json()["id"]}
    )
    assert applied.status_code == 201 and applied.get_json()["standard_ids"] == [tccs.get_json()["id"]]

    body = client.post(
        "/api/v1/certification-bodies",
        headers=h,
        json={"name": "Trung tâm Chứng nhận", "accreditation_number": "VICAS 100"},
    )
    assert body.status_code == 201

    cert = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "CN-2026-001",
            "certification_body_id": body.get_json()["id"],
            "organization_id": org["id"],
            "category": "product_standard",
            "standard_ids": [tccs.get_json()["id"]],
            "product_ids": [product["id"]],
            "issued_on": issued.isoformat(),
            "expires_on": (years_after(issued, 3) - timedelta(days=1)).isoformat(),
        },
    )
    assert cert.status_code == 201, cert.get_json()
    cert = cert.get_json()
    assert cert["status"] == "valid" and cert["is_confirmed"] is True
    assert [e["action"] for e in cert["history"]] == ["issue"]

    listed = client.get(f"/api/v1/certificates?province=thai-nguyen&year={issued.year}").get_json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == "CN-2026-001"
    assert client.get("/api/v1/certificates?province=gia-lai").get_json()["total"] == 0


def test_search_ignores_diacritics_and_case(world, client):
    org = world.organization()
    h = world.headers(world.admin)
    for name in ("Chè xanh Tân Cương", "Đậu đen xanh lòng", "Cà phê Chư Sê"):
        res = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": name})
        assert res.status_code == 201
    names = lambda q: [p["name"] for p in client.get(f"/api/v1/products?q={q}").get_json()["items"]]  # noqa: E731
    assert names("che xanh tan cuong") == ["Chè xanh Tân Cương"]
    assert names("CHE XANH") == ["Chè xanh Tân Cương"]
    assert names("dau den") == ["Đậu đen xanh lòng"]
    assert names("d") == ["Đậu đen xanh lòng"]
    assert names("chu se") == ["Cà phê Chư Sê"]


def test_lists_are_paginated(world, client):
    org = world.organization()
    h = world.headers(world.admin)
    for i in range(5):
        client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": f"Sản phẩm {i}"})
    page = client.get("/api/v1/products?per_page=2&page=2").get_json()
    assert page["total"] == 5 and page["pages"] == 3 and len(page["items"]) == 2


def test_withdrawn_product_stays_readable(world, client):
    org = world.organization()
    h = world.headers(world.admin)
    pid = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong"}).get_json()[
        "id"
    ]
    res = client.post(f"/api/v1/products/{pid}/withdraw", headers=h, json={"reason": "Ngừng sản xuất"})
    assert res.status_code == 200 and res.get_json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/products/{pid}").get_json()["withdrawn_reason"] == "Ngừng sản xuất"
    assert client.delete(f"/api/v1/products/{pid}", headers=h).status_code == 405


def test_tokens_expire_when_revoked(world, client):
    h = world.headers(world.admin)
    assert client.get("/api/v1/me", headers=h).get_json()["role"] == "admin"
    assert client.delete("/api/v1/auth/token", headers=h).status_code == 204
    res = client.get("/api/v1/me", headers=h)
    assert res.status_code == 401 and res.mimetype == "application/problem+json"


def test_wrong_password_gets_401_problem(world, client):
    res = client.post(
        "/api/v1/auth/token", json={"email": "admin@test.vn", "password": "nope"}, headers={"Accept-Language": "vi"}
    )
    assert res.status_code == 401
    assert res.get_json()["title"] == "Email hoặc mật khẩu không đúng"


def test_provinces_and_plans_are_seeded(client):
    provinces = client.get("/api/v1/provinces").get_json()
    assert len(provinces) == 34
    assert {"thai-nguyen", "gia-lai", "dong-nai", "ho-chi-minh"} <= {p["slug"] for p in provinces}
    communes = client.get("/api/v1/provinces/thai-nguyen/communes?q=tan cuong").get_json()
    assert any(c["name"] == "Xã Tân Cương" for c in communes)
    plan = client.get("/api/v1/plans/thai-nguyen").get_json()
    assert [t["id"] for t in plan["targets"]][:2] == ["TN-CERT-2030", "TN-CERT-2035"]
    assert plan["targets"][0]["period_start"] == "2027-01-01"


def test_a_certificate_lapses_at_midnight_in_vietnam_not_at_midnight_on_the_server(world, client):
    """At 05:00 on 1 January in Vietnam the server's clock (UTC) still says 31 December."""
    h = world.headers(world.admin)
    year = this_year()
    cert = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "CN-HẾT-NĂM",
            "certification_body_id": world.body().id,
            "organization_id": world.organization().id,
            "category": "product_standard",
            "issued_on": f"{year - 1}-01-01",
            "expires_on": f"{year}-12-31",
        },
    )
    assert cert.status_code == 201, cert.get_json()
    with time_machine.travel(f"{year + 1}-01-01T05:00:00+07:00", tick=False):
        numbers = {
            status: [c["number"] for c in client.get(f"/api/v1/certificates?status={status}").get_json()["items"]]
            for status in ("valid", "expired")
        }
        assert numbers == {"valid": [], "expired": ["CN-HẾT-NĂM"]}
        assert client.get(f"/api/v1/certificates/{cert.get_json()['id']}").get_json()["status"] == "expired"
        # The services' own default day is Vietnam's too.
        expired = db.session.scalars(certificates.certificate_query(status="expired")).all()
        assert [c.number for c in expired] == ["CN-HẾT-NĂM"]
