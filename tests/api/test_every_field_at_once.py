"""Every broken rule of one request is reported in one problem, the duplicates among them (item 12.5),
and dates that cannot be are refused naming the field (12.7)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from registry.services import batches, certificates, products, standards
from registry.services.timefmt import VN, today_vn
from tests.helpers import valid_gtin13, valid_tax_code


def _fields(res):
    assert res.mimetype == "application/problem+json", res.get_data(as_text=True)
    return {(e["field"], e["rule"]) for e in res.get_json()["errors"]}


def _tomorrow() -> str:
    return (today_vn() + timedelta(days=1)).isoformat()


def test_a_product_reports_every_broken_rule_together(world, client):
    org = world.organization(gs1_company_prefix="893860")
    h = world.headers(world.admin)
    products.create_product(world.admin, {"organization_id": org.id, "name": "Chè", "gtin": valid_gtin13(1)})
    bad_digit = valid_gtin13(2)[:-1] + str((int(valid_gtin13(2)[-1]) + 1) % 10)
    res = client.post("/api/v1/products", headers=h, json={
        "organization_id": org.id, "name": "Mật ong", "gtin": bad_digit, "ocop_stars": 4,
        "ocop_decision_date": _tomorrow()})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("gtin", "gtin_check_digit"),
        ("ocop_decision_date", "future_date"),
        ("ocop_decision_number", "ocop_decision_required"),
    }
    # A duplicate beside another broken rule: one 422 names both; alone it is a 409.
    res = client.post("/api/v1/products", headers=h, json={
        "organization_id": org.id, "name": "Mật ong", "gtin": valid_gtin13(1), "ocop_stars": 4})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {("gtin", "duplicate"), ("ocop_decision_number", "ocop_decision_required")}
    res = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong",
                                                           "gtin": valid_gtin13(1)})  # fmt: skip
    assert res.status_code == 409 and _fields(res) == {("gtin", "duplicate")}


def test_a_product_update_reports_every_broken_rule_and_changes_nothing(world, client):
    org = world.organization()
    product = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè"})
    res = client.patch(f"/api/v1/products/{product.id}", headers=world.headers(world.admin), json={
        "organization_id": org.id + 1, "gtin": "123", "ocop_decision_date": _tomorrow(),
        "name": "Chè mới"})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("organization_id", "invalid"),
        ("gtin", "gtin_format"),
        ("ocop_decision_date", "future_date"),
    }
    assert client.get(f"/api/v1/products/{product.id}").get_json()["name"] == "Chè"


def test_a_certificate_reports_every_broken_rule_together(world, client):
    org, other, body = world.organization(), world.organization(), world.body()
    product = products.create_product(world.admin, {"organization_id": other.id, "name": "Chè"})
    h = world.headers(world.admin)
    base = {"number": "C-1", "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
            "issued_on": today_vn().isoformat()}  # fmt: skip
    assert client.post("/api/v1/certificates", headers=h, json=base).status_code == 201
    res = client.post("/api/v1/certificates", headers=h, json={
        **base, "issued_on": _tomorrow(), "expires_on": today_vn().isoformat(), "standard_ids": [999_999],
        "product_ids": [product.id]})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("issued_on", "future_date"),
        ("expires_on", "date_order"),
        ("standard_ids", "unknown_reference"),
        ("product_ids", "unknown_reference"),
        ("number", "duplicate"),
    }


def test_an_organization_reports_every_broken_rule_together(world, client):
    h = world.headers(world.admin)
    taken = world.organization()
    res = client.post("/api/v1/organizations", headers=h, json={
        "name": "HTX", "kind": "cooperative", "tax_code": taken.tax_code, "province": "thai-nguyen",
        "commune": "Xã Không Có", "gs1_company_prefix": "12"})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("commune", "unknown_commune"),
        ("gs1_company_prefix", "gs1_prefix_format"),
        ("tax_code", "duplicate"),
    }
    res = client.patch(f"/api/v1/organizations/{taken.id}", headers=h, json={
        "tax_code": "0123456788", "province": "atlantis", "gs1_company_prefix": "x"})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("tax_code", "tax_code"),
        ("province", "unknown_province"),
        ("gs1_company_prefix", "gs1_prefix_format"),
    }


def test_a_standard_reports_every_broken_rule_together(world, client):
    h = world.headers(world.admin)
    standards.create_standard(world.admin, {"kind": "tcvn", "code": "TCVN 1:2020", "title": "Chè"})
    res = client.post("/api/v1/standards", headers=h, json={
        "kind": "tcvn", "code": "tcvn 1:2020", "title": "Chè", "supersedes": [999_998],
        "references": [999_999]})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("supersedes", "unknown_reference"),
        ("references", "unknown_reference"),
        ("code", "duplicate"),
    }


def test_a_batch_reports_every_broken_rule_together(world, client):
    h = world.headers(world.admin)
    res = client.post("/api/v1/batches", headers=h, json={
        "product_id": 999_999, "lot": "lô ü", "produced_on": _tomorrow(),
        "expires_on": today_vn().isoformat()})  # fmt: skip
    assert res.status_code == 422
    assert _fields(res) == {
        ("product_id", "unknown_reference"),
        ("lot", "invalid"),
        ("produced_on", "future_date"),
        ("expires_on", "date_order"),
    }


# ---- 12.7 dates that cannot be --------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 30, 3650])
def test_a_certificate_issued_in_the_future_is_refused(world, client, days):
    org, body = world.organization(), world.body()
    res = client.post("/api/v1/certificates", headers=world.headers(world.admin, "vi"), json={
        "number": "C-1", "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
        "issued_on": (today_vn() + timedelta(days=days)).isoformat()})  # fmt: skip
    assert res.status_code == 422 and _fields(res) == {("issued_on", "future_date")}
    assert "tương lai" in res.get_json()["errors"][0]["message"]


def test_a_certificate_issued_today_and_expiring_before_issue_is_refused_but_today_is_fine(world, client):
    org, body = world.organization(), world.body()
    h = world.headers(world.admin)
    base = {"number": "C-1", "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
            "issued_on": today_vn().isoformat()}  # fmt: skip
    for expires in (today_vn(), today_vn() - timedelta(days=400)):
        res = client.post("/api/v1/certificates", headers=h, json={**base, "expires_on": expires.isoformat()})
        assert res.status_code == 422 and _fields(res) == {("expires_on", "date_order")}
        assert "issued_on" in res.get_json()["errors"][0]["message"]
    assert client.post("/api/v1/certificates", headers=h, json=base).status_code == 201


def test_the_service_refuses_a_future_certificate_for_every_caller(world):
    org, body = world.organization(), world.body()
    with pytest.raises(Exception) as caught:
        certificates.create_certificate(world.admin, {
            "number": "C-9", "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
            "issued_on": today_vn() + timedelta(days=1)})  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["issued_on"]


def test_a_batch_produced_after_today_is_refused_today_is_fine(world, client):
    org = world.organization()
    product = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè"})
    h = world.headers(world.admin)
    res = client.post(
        "/api/v1/batches", headers=h, json={"product_id": product.id, "lot": "A", "produced_on": _tomorrow()}
    )
    assert res.status_code == 422 and _fields(res) == {("produced_on", "future_date")}
    res = client.post("/api/v1/batches", headers=h, json={"product_id": product.id, "lot": "A",
                                                          "produced_on": today_vn().isoformat()})  # fmt: skip
    assert res.status_code == 201


@pytest.mark.parametrize(("ahead", "status"), [(timedelta(minutes=5), 201), (timedelta(minutes=11), 422),
                                               (timedelta(days=2), 422), (timedelta(days=-3), 201)])  # fmt: skip
def test_a_trace_event_in_the_future_beyond_the_clock_tolerance_is_refused(world, client, ahead, status):
    org = world.organization()
    product = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè"})
    batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": "A"})
    for offset in ("+07:00", "+00:00", "-05:00"):  # the same moment, written in another zone
        zone = datetime.now(VN).astimezone(datetime.fromisoformat(f"2026-01-01T00:00:00{offset}").tzinfo)
        when = (zone + ahead).isoformat(timespec="seconds")
        res = client.post(f"/api/v1/batches/{batch.id}/events", headers=world.headers(world.admin), json={
            "biz_step": "packing", "occurred_at": when, "gln": valid_gtin13(999)})  # fmt: skip
        assert res.status_code == status, (when, res.get_json())
        if status == 422:
            assert _fields(res) == {("occurred_at", "future_time")}


def test_tax_code_helper_is_valid():
    assert valid_tax_code(1)
