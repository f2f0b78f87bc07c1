"""Every bad input gets a problem document naming the field and the rule, and changes nothing."""

from __future__ import annotations

import pytest

from tests.helpers import tiny_pdf, valid_tax_code


def _count(client, path):
    return client.get(path).get_json()["total"]


def _org_body(**over):
    return {"name": "HTX Thử", "kind": "cooperative", "tax_code": valid_tax_code(500), "province": "gia-lai", **over}


@pytest.mark.parametrize(
    ("over", "field", "rule"),
    [
        ({"tax_code": "0123456788"}, "tax_code", "tax_code"),
        ({"kind": "company"}, "kind", "enum"),
        ({"province": "atlantis"}, "province", "unknown_province"),
        ({"commune": "Xã Không Có"}, "commune", "unknown_commune"),
        ({"name": None}, "name", "null"),
        ({"is_sme": "maybe"}, "is_sme", "boolean"),
        ({"colour": "blue"}, "colour", "unknown_field"),
    ],
)
def test_bad_organization_is_refused_with_field_and_rule(world, client, over, field, rule):
    h = world.headers(world.admin)
    res = client.post("/api/v1/organizations", headers=h, json=_org_body(**over))
    assert res.status_code == 422, res.get_json()
    assert res.mimetype == "application/problem+json"
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in res.get_json()["errors"]
    ]
    assert _count(client, "/api/v1/organizations") == 0


def test_wrong_gtin_check_digit_names_the_expected_digit(world, client):
    org = world.organization()
    res = client.post(
        "/api/v1/products",
        headers=world.headers(world.admin, "vi"),
        json={"organization_id": org.id, "name": "Chè", "gtin": "8938600000018"},
    )
    assert res.status_code == 422
    err = res.get_json()["errors"][0]
    assert err["field"] == "gtin" and err["rule"] == "gtin_check_digit"
    assert "9" in err["message"] and "Số kiểm tra" in err["message"]
    assert _count(client, "/api/v1/products") == 0


def test_messages_follow_accept_language(world, client):
    h = world.headers(world.admin, "en")
    en = client.post("/api/v1/organizations", headers=h, json=_org_body(tax_code="123")).get_json()
    h["Accept-Language"] = "vi-VN,vi;q=0.9"
    vi = client.post("/api/v1/organizations", headers=h, json=_org_body(tax_code="123")).get_json()
    assert en["title"] == "Invalid input" and vi["title"] == "Dữ liệu không hợp lệ"
    assert "tax code" in en["errors"][0]["message"] and "Mã số thuế" in vi["errors"][0]["message"]


def test_expiry_before_issue_is_refused(world, client):
    org, body = world.organization(), world.body()
    res = client.post(
        "/api/v1/certificates",
        headers=world.headers(world.admin),
        json={
            "number": "X-1",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "gap",
            "issued_on": "2026-05-01",
            "expires_on": "2026-01-01",
        },
    )
    assert res.status_code == 422
    assert res.get_json()["errors"][0] == {
        "field": "expires_on",
        "rule": "date_order",
        "message": "expires_on must be after issued_on.",
    }
    assert _count(client, "/api/v1/certificates") == 0


def test_duplicates_are_409(world, client):
    h = world.headers(world.admin)
    assert client.post("/api/v1/organizations", headers=h, json=_org_body()).status_code == 201
    res = client.post("/api/v1/organizations", headers=h, json=_org_body(name="Another"))
    assert res.status_code == 409
    assert res.get_json()["errors"][0]["field"] == "tax_code"
    assert _count(client, "/api/v1/organizations") == 1


@pytest.mark.parametrize("payload", [b"{not json", b"", b"[1,2]", b"null"])
def test_malformed_or_empty_json_is_a_clear_error(world, client, payload):
    h = {**world.headers(world.admin), "Content-Type": "application/json"}
    res = client.post("/api/v1/organizations", headers=h, data=payload)
    assert res.status_code in (400, 422)
    assert res.mimetype == "application/problem+json"
    assert res.get_json()["errors"]


def test_oversized_body_is_413(world, client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    h = {**world.headers(world.admin), "Content-Type": "application/json"}
    res = client.post("/api/v1/organizations", headers=h, data=b'{"name": "' + b"x" * 5000 + b'"}')
    assert res.status_code == 413 and res.mimetype == "application/problem+json"


def test_uploads_are_checked_for_type_and_size(world, client, app):
    org = world.organization()
    h = world.headers(world.admin)
    sid = client.post(
        "/api/v1/standards",
        headers=h,
        json={"kind": "tccs", "code": "TCCS 1:2026/X", "title": "Thử", "organization_id": org.id},
    ).get_json()["id"]
    fake = client.put(
        f"/api/v1/standards/{sid}/document",
        headers={**h, "Content-Type": "application/pdf"},
        data=b"MZ\x90\x00 not a pdf",
    )
    assert fake.status_code == 422 and fake.get_json()["errors"][0]["rule"] == "file_type"
    app.config["DOCUMENT_MAX_BYTES"] = 100
    big = client.put(
        f"/api/v1/standards/{sid}/document",
        headers={**h, "Content-Type": "application/pdf"},
        data=b"%PDF-1.4\n" + b"0" * 200 + b"\n%%EOF",
    )
    assert big.status_code == 413 and big.get_json()["errors"][0]["rule"] == "file_size"
    app.config["DOCUMENT_MAX_BYTES"] = 10_000
    ok = client.put(
        f"/api/v1/standards/{sid}/document",
        headers={**h, "Content-Type": "application/pdf"},
        data=tiny_pdf(),
    )
    assert ok.status_code == 200 and ok.get_json()["has_document"] is True
    doc = client.get(f"/api/v1/standards/{sid}/document")
    assert doc.status_code == 200 and doc.data.startswith(b"%PDF-")
    doc.close()
