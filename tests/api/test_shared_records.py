"""Shared records: the national catalogue of standards, trace events that name other organisations, and
self-declarations (issue 12.1). Each rule is tried for every role and every write path that reaches it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from registry.extensions import db
from registry.models import Certificate, Standard, TraceEvent
from registry.models.standard import STANDARD_KINDS
from tests.helpers import tiny_pdf, valid_gtin13

PDF = tiny_pdf()
NATIONAL_KINDS = [k for k in STANDARD_KINDS if k != "tccs"]


@pytest.fixture
def people(world) -> dict[str, Any]:
    tn, gl = world.organization("thai-nguyen"), world.organization("gia-lai")
    body = world.body()
    return {
        "tn": tn,
        "gl": gl,
        "body": body,
        "admin": world.admin,
        "producer_tn": world.user("producer", organization_id=tn.id),
        "producer_gl": world.user("producer", organization_id=gl.id),
        "body_staff": world.user("body_staff", body_id=body.id),
        "inspector": world.user("inspector"),
        "dost_tn": world.user("dost_officer", province="thai-nguyen"),
        "dost_gl": world.user("dost_officer", province="gia-lai"),
    }


def _national(client, world) -> dict[str, Any]:
    res = client.post(
        "/api/v1/standards",
        headers=world.headers(world.admin),
        json={"kind": "tcvn", "code": "TCVN 7975:2008", "title": "Chè túi lọc"},
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _audit_size(client) -> int:
    return client.get("/api/v1/audit/head").get_json()["size"]


# --- the national catalogue ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["producer_tn", "producer_gl", "body_staff", "inspector"])
def test_only_catalogue_keepers_write_a_national_standard(world, client, people, role):
    national = _national(client, world)
    headers = world.headers(people[role])
    before = _audit_size(client)
    patch = client.patch(f"/api/v1/standards/{national['id']}", headers=headers, json={"title": "Đổi tên"})
    assert patch.status_code == 403 and patch.mimetype == "application/problem+json"
    put = client.put(
        f"/api/v1/standards/{national['id']}/document",
        headers=headers,
        data={"document": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert put.status_code == 403, put.get_json()
    for kind in NATIONAL_KINDS:
        res = client.post(
            "/api/v1/standards",
            headers=headers,
            json={"kind": kind, "code": f"{kind.upper()} 1:2026", "title": "Tiêu chuẩn"},
        )
        assert res.status_code == 403, (kind, res.get_json())
    assert _audit_size(client) == before
    stored = db.session.get(Standard, national["id"])
    db.session.refresh(stored)
    assert stored.title == "Chè túi lọc" and stored.document_path is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Standard)) == 1


@pytest.mark.parametrize("role", ["admin", "dost_tn", "dost_gl"])
def test_admins_and_dost_officers_keep_the_catalogue(world, client, people, role):
    national = _national(client, world)
    headers = world.headers(people[role])
    res = client.patch(f"/api/v1/standards/{national['id']}", headers=headers, json={"title": "Chè túi lọc (2008)"})
    assert res.status_code == 200 and res.get_json()["title"] == "Chè túi lọc (2008)"
    put = client.put(
        f"/api/v1/standards/{national['id']}/document",
        headers=headers,
        data={"document": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert put.status_code == 200, put.get_json()
    res = client.post(
        "/api/v1/standards", headers=headers, json={"kind": "iso", "code": "ISO 22000", "title": "An toàn thực phẩm"}
    )
    assert res.status_code == 201, res.get_json()


def test_a_producer_writes_only_its_own_tccs(world, client, people):
    own, other = people["producer_tn"], people["producer_gl"]
    res = client.post(
        "/api/v1/standards",
        headers=world.headers(own),
        json={"kind": "tccs", "code": "TCCS 1:2026/TN", "title": "Chè", "organization_id": people["tn"].id},
    )
    assert res.status_code == 201
    tccs = res.get_json()
    res = client.patch(f"/api/v1/standards/{tccs['id']}", headers=world.headers(own), json={"title": "Chè Y"})
    assert res.status_code == 200
    for body in (
        {"title": "Chè Z"},
        {"code": "TCCS 2:2026/TN"},
    ):
        res = client.patch(f"/api/v1/standards/{tccs['id']}", headers=world.headers(other), json=body)
        assert res.status_code == 403
    res = client.post(
        "/api/v1/standards",
        headers=world.headers(other),
        json={"kind": "tccs", "code": "TCCS 3:2026/TN", "title": "Chè", "organization_id": people["tn"].id},
    )
    assert res.status_code == 403
    assert db.session.get(Standard, tccs["id"]).title == "Chè Y"


def _import(client, headers, text: str):
    return client.post(
        "/api/v1/imports/standards",
        headers=headers,
        data={"file": (io.BytesIO(text.encode()), "standards.csv")},
        content_type="multipart/form-data",
    )


def test_the_standards_import_asks_the_same_rule(world, client, people):
    csv_text = "kind,code,title\ntcvn,TCVN 5:2026,Mật ong\n"
    res = _import(client, world.headers(people["producer_tn"]), csv_text)
    assert res.status_code == 422, res.get_json()
    assert {e["rule"] for e in res.get_json()["errors"]} == {"import_forbidden"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Standard)) == 0
    res = _import(client, world.headers(people["dost_tn"]), csv_text)
    assert res.status_code in (200, 201), res.get_json()
    assert db.session.scalar(db.select(Standard.code)) == "TCVN 5:2026"


def test_the_workspace_form_offers_producers_only_their_tccs(world, client, people, app):
    producer = people["producer_tn"]
    with client.session_transaction() as sess:
        sess["_user_id"] = str(producer.id)
        sess["_fresh"] = True
    page = client.get("/workspace/standards").get_data(as_text=True)
    assert 'value="tccs"' in page and 'value="tcvn"' not in page
    app.config["WTF_CSRF_ENABLED"] = False
    res = client.post("/workspace/standards", data={"kind": "tcvn", "code": "TCVN 9:2026", "title": "Gạo"})
    assert res.status_code == 422
    assert "DOST" in res.get_data(as_text=True) or "Sở KH&amp;CN" in res.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Standard)) == 0


# --- trace events ----------------------------------------------------------------------------


def _batch(client, world, org, lot: str, gtin_item: int) -> dict[str, Any]:
    h = world.headers(world.admin)
    product = client.post(
        "/api/v1/products",
        headers=h,
        json={"organization_id": org.id, "name": f"Chè {lot}", "gtin": valid_gtin13(gtin_item)},
    ).get_json()
    return client.post("/api/v1/batches", headers=h, json={"product_id": product["id"], "lot": lot}).get_json()


def _event(client, headers, batch_id: int, **extra: Any):
    body = {"biz_step": "packing", "occurred_at": "2026-03-01T08:00:00+07:00", "gln": "8938600000101", **extra}
    return client.post(f"/api/v1/batches/{batch_id}/events", headers=headers, json=body)


def _events() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(TraceEvent)) or 0


@pytest.mark.parametrize("role", ["producer_tn", "dost_tn"])
def test_an_event_is_attributed_only_to_an_organisation_the_writer_manages(world, client, people, role):
    batch = _batch(client, world, people["tn"], "L1", 1)
    headers = world.headers(people[role])
    res = _event(client, headers, batch["id"], organization_id=people["gl"].id)
    assert res.status_code == 422
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("organization_id", "own_organization_only")]
    assert _events() == 0
    res = _event(client, headers, batch["id"], organization_id=people["tn"].id)
    assert res.status_code == 201 and res.get_json()["organization_id"] == people["tn"].id
    res = _event(client, headers, batch["id"])
    assert res.status_code == 201 and res.get_json()["organization_id"] == people["tn"].id


def test_admin_may_attribute_an_event_to_any_organisation(world, client, people):
    batch = _batch(client, world, people["tn"], "L1", 1)
    res = _event(client, world.headers(world.admin), batch["id"], organization_id=people["gl"].id)
    assert res.status_code == 201 and res.get_json()["organization_id"] == people["gl"].id


def test_another_organisations_lot_is_an_input_only_once_shipped_here(world, client, people):
    tn_batch = _batch(client, world, people["tn"], "OUT", 1)
    own_input = _batch(client, world, people["tn"], "OWN", 2)
    gl_lot = _batch(client, world, people["gl"], "GL", 3)
    third = world.organization("thai-nguyen")
    tn_h, gl_h = world.headers(people["producer_tn"]), world.headers(people["producer_gl"])
    transform = {"biz_step": "transforming"}
    for headers in (tn_h, world.headers(world.admin), world.headers(people["dost_tn"])):
        res = _event(client, headers, tn_batch["id"], input_batch_ids=[gl_lot["id"]], **transform)
        assert res.status_code == 422
        assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [
            ("input_batch_ids", "input_not_received")
        ]
    # Shipped elsewhere, or a step other than shipping that names us: still not an input.
    assert (
        _event(client, gl_h, gl_lot["id"], biz_step="shipping", destination_organization_id=third.id).status_code == 201
    )
    assert (
        _event(client, gl_h, gl_lot["id"], biz_step="storing", destination_organization_id=people["tn"].id).status_code
        == 201
    )
    before = _events()
    res = _event(client, tn_h, tn_batch["id"], input_batch_ids=[gl_lot["id"], own_input["id"]], **transform)
    assert res.status_code == 422 and _events() == before
    # The same organisation's lot is always an input.
    res = _event(client, tn_h, tn_batch["id"], input_batch_ids=[own_input["id"]], **transform)
    assert res.status_code == 201 and res.get_json()["event_type"] == "TransformationEvent"
    # Once the owner records shipping the lot here, it may be an input, visibly in the lot's public history.
    shipped = _event(client, gl_h, gl_lot["id"], biz_step="shipping", destination_organization_id=people["tn"].id)
    assert shipped.status_code == 201 and shipped.get_json()["destination_organization_id"] == people["tn"].id
    history = client.get(f"/api/v1/batches/{gl_lot['id']}/events").get_json()
    items = history["items"] if isinstance(history, dict) else history
    assert any(e["destination_organization_id"] == people["tn"].id for e in items if e["biz_step"] == "shipping")
    res = _event(client, tn_h, tn_batch["id"], input_batch_ids=[gl_lot["id"]], **transform)
    assert res.status_code == 201 and res.get_json()["input_batch_ids"] == [gl_lot["id"]]


def test_a_destination_must_exist(world, client, people):
    batch = _batch(client, world, people["tn"], "L1", 1)
    res = _event(client, world.headers(people["producer_tn"]), batch["id"], destination_organization_id=999999)
    assert res.status_code == 422 and res.get_json()["errors"][0]["field"] == "destination_organization_id"


# --- self-declarations -----------------------------------------------------------------------


def _declare(client, headers, org_id: int, **extra: Any):
    body = {
        "number": "CB-01/2026",
        "organization_id": org_id,
        "category": "declaration_regulation",
        "issued_on": "2026-02-01",
        **extra,
    }
    return client.post("/api/v1/certificates", headers=headers, json=body)


@pytest.mark.parametrize("category", ["declaration_standard", "declaration_regulation"])
@pytest.mark.parametrize("role", ["producer_tn", "admin", "dost_tn", "inspector"])
def test_a_declaration_names_no_certification_body(world, client, people, role, category):
    headers = world.headers(people[role])
    before = _audit_size(client)
    res = _declare(client, headers, people["tn"].id, category=category, certification_body_id=people["body"].id)
    assert res.status_code == 422, res.get_json()
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [
        ("certification_body_id", "declaration_has_no_body")
    ]
    assert _audit_size(client) == before and db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    res = _declare(client, headers, people["tn"].id, category=category)
    assert res.status_code == 201, res.get_json()
    data = res.get_json()
    assert data["certification_body_id"] is None and data["is_self_declared"] is True


def test_a_certificate_still_needs_its_body(world, client, people):
    res = _declare(client, world.headers(world.admin), people["tn"].id, category="gap")
    assert res.status_code == 422
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("certification_body_id", "required")]


def test_no_body_speaks_for_a_declaration(world, client, people):
    staff = world.headers(people["body_staff"])
    assert _declare(client, staff, people["tn"].id).status_code == 403
    declared = _declare(client, world.headers(people["producer_tn"]), people["tn"].id).get_json()
    assert client.post(f"/api/v1/certificates/{declared['id']}/confirm", headers=staff).status_code == 403
    res = client.post(
        f"/api/v1/certificates/{declared['id']}/transitions",
        headers=staff,
        json={"action": "suspend", "reason": "Thử"},
    )
    assert res.status_code == 403
    ok = client.post(f"/api/v1/certificates/{declared['id']}/confirm", headers=world.headers(people["dost_tn"]))
    assert ok.status_code == 200


def test_declaration_numbers_are_unique_within_their_organisation(world, client, people):
    h = world.headers(world.admin)
    assert _declare(client, h, people["tn"].id).status_code == 201
    again = _declare(client, h, people["tn"].id)
    assert again.status_code == 409 and again.get_json()["errors"][0]["field"] == "number"
    assert _declare(client, h, people["gl"].id).status_code == 201


def test_a_recorded_declaration_is_shown_as_self_declared_never_as_certified(world, client, people):
    h = world.headers(world.admin)
    product = client.post(
        "/api/v1/products",
        headers=h,
        json={"organization_id": people["tn"].id, "name": "Mật ong", "gtin": valid_gtin13(42)},
    ).get_json()
    cert = _declare(client, world.headers(people["dost_tn"]), people["tn"].id, product_ids=[product["id"]]).get_json()
    assert cert["is_confirmed"] is True
    data = client.get(f"/verify/{cert['id']}?format=json").get_json()
    assert data["verdict"] == "self_declared" and data["body"] is None and data["is_self_declared"] is True
    page = client.get(f"/verify/{cert['id']}").get_data(as_text=True)
    assert "Tự công bố — chưa được chứng nhận" in page and "CÒN HIỆU LỰC" not in page
    english = client.get(f"/verify/{cert['id']}?lang=en").get_data(as_text=True)
    assert "Self-declared — not certified" in english and "VALID<" not in english
    scan = client.get(f"/01/{product['gtin']}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Tự công bố — chưa được chứng nhận" in scan and 'class="badge valid"' not in scan
    pdf = client.get(f"/api/v1/certificates/{cert['id']}/record.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "TỰ CÔNG BỐ — CHƯA ĐƯỢC CHỨNG NHẬN" in text and "CÒN HIỆU LỰC" not in text
    # A certificate with a body, confirmed, keeps its green verdict.
    issued = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "GAP-1",
            "certification_body_id": people["body"].id,
            "organization_id": people["tn"].id,
            "category": "gap",
            "issued_on": "2026-02-01",
        },
    ).get_json()
    assert client.get(f"/verify/{issued['id']}?format=json").get_json()["verdict"] == "valid"


def test_the_certificates_import_asks_the_same_rules(world, client, people):
    tn, body = people["tn"].id, people["body"].id
    headers = world.headers(world.admin)

    def post(text: str):
        return client.post(
            "/api/v1/imports/certificates",
            headers=headers,
            data={"file": (io.BytesIO(text.encode()), "certificates.csv")},
            content_type="multipart/form-data",
        )

    header = "number,organization_id,category,issued_on,certification_body_id\n"
    res = post(header + f"CB-9,{tn},declaration_standard,2026-02-01,{body}\nGAP-9,{tn},gap,2026-02-01,\n")
    assert res.status_code == 422, res.get_json()
    rows = {(e["row"], e["field"], e["rule"]) for e in res.get_json()["errors"]}
    assert rows == {(2, "certification_body_id", "declaration_has_no_body"), (3, "certification_body_id", "required")}
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    res = post(header + f"CB-9,{tn},declaration_standard,2026-02-01,\nGAP-9,{tn},gap,2026-02-01,{body}\n")
    assert res.status_code in (200, 201), res.get_json()
    stored = {c.number: c.certification_body_id for c in db.session.scalars(db.select(Certificate))}
    assert stored == {"CB-9": None, "GAP-9": body}
