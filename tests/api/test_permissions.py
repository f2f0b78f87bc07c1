"""Role × endpoint matrix: every write a role should not make is refused, and changes nothing."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.services import activities, batches, certificates, consumer_reports, products, standards, users
from tests.helpers import tiny_pdf, valid_gtin13, valid_tax_code


@pytest.fixture
def scene(world, client) -> dict[str, Any]:
    """Two producers in two provinces, a body with staff, officers, an inspector, and records."""
    tn, gl = world.organization("thai-nguyen"), world.organization("gia-lai")
    body, other_body = world.body(), world.body("Tổ chức khác")
    admin_h = world.headers(world.admin)
    product = client.post(
        "/api/v1/products", headers=admin_h, json={"organization_id": tn.id, "name": "Chè"}
    ).get_json()
    tccs = client.post(
        "/api/v1/standards",
        headers=admin_h,
        json={"kind": "tccs", "code": "TCCS 9:2026/TN", "title": "Chè", "organization_id": tn.id},
    ).get_json()
    cert = client.post(
        "/api/v1/certificates",
        headers=admin_h,
        json={
            "number": "M-1",
            "certification_body_id": body.id,
            "organization_id": tn.id,
            "category": "product_standard",
            "issued_on": "2026-01-10",
            "expires_on": "2029-01-09",
        },
    ).get_json()
    batch = client.post("/api/v1/batches", headers=admin_h, json={"product_id": product["id"], "lot": "L1"}).get_json()
    users = {
        "anonymous": None,
        "producer_own": world.user("producer", organization_id=tn.id),
        "producer_other": world.user("producer", organization_id=gl.id),
        "body_staff_own": world.user("body_staff", body_id=body.id),
        "body_staff_other": world.user("body_staff", body_id=other_body.id),
        "dost_own": world.user("dost_officer", province="thai-nguyen"),
        "dost_other": world.user("dost_officer", province="gia-lai"),
        "inspector": world.user("inspector"),
    }
    return {
        "tn": tn,
        "gl": gl,
        "body": body,
        "product": product,
        "tccs": tccs,
        "cert": cert,
        "batch": batch,
        "users": users,
    }


def _writes(s: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    tn, p, c, b = s["tn"], s["product"], s["cert"], s["batch"]
    return {
        "create_organization": (
            "POST",
            "/api/v1/organizations",
            {"name": "HTX Mới", "kind": "cooperative", "tax_code": valid_tax_code(777), "province": "thai-nguyen"},
        ),
        "update_organization": ("PATCH", f"/api/v1/organizations/{tn.id}", {"address": "Số 1"}),
        "create_body": ("POST", "/api/v1/certification-bodies", {"name": "Tổ chức chứng nhận mới"}),
        "create_product": (
            "POST",
            "/api/v1/products",
            {"organization_id": tn.id, "name": "Chè mới", "gtin": valid_gtin13(55)},
        ),
        "update_product": ("PATCH", f"/api/v1/products/{p['id']}", {"description": "Mô tả"}),
        "withdraw_product": ("POST", f"/api/v1/products/{p['id']}/withdraw", {"reason": "Thử"}),
        "apply_standard": ("POST", f"/api/v1/products/{p['id']}/standards", {"standard_id": s["tccs"]["id"]}),
        "update_tccs": ("PATCH", f"/api/v1/standards/{s['tccs']['id']}", {"title": "Chè xanh"}),
        "issue_certificate": (
            "POST",
            "/api/v1/certificates",
            {
                "number": "M-2",
                "certification_body_id": s["body"].id,
                "organization_id": tn.id,
                "category": "gap",
                "issued_on": "2026-02-01",
            },
        ),
        "suspend_certificate": (
            "POST",
            f"/api/v1/certificates/{c['id']}/transitions",
            {"action": "suspend", "reason": "Kiểm tra"},
        ),
        "create_batch": ("POST", "/api/v1/batches", {"product_id": p["id"], "lot": "L2"}),
        "add_event": (
            "POST",
            f"/api/v1/batches/{b['id']}/events",
            {"biz_step": "packing", "occurred_at": "2026-03-01T08:00:00+07:00", "gln": "8938600000101"},
        ),
        "create_activity": (
            "POST",
            "/api/v1/support-activities",
            {"organization_id": tn.id, "kind": "guidance", "held_on": "2026-03-01"},
        ),
        "create_user": (
            "POST",
            "/api/v1/users",
            {"email": "new@test.vn", "password": "long enough pw", "role": "inspector", "province": "thai-nguyen"},
        ),
    }


# --- the complete table: every role × every write of the API × ownership ---------------------
#
# Each cell is its own test on a fresh database: an allowed write succeeds and changes the database;
# a refused one answers 401 (anonymous) or the refusal named in the row (403 unless said otherwise),
# as a problem, and changes nothing at all (every table is compared row by row, the audit log too).

ROLES = [
    "anonymous",
    "admin",
    "dost_own",
    "dost_other",
    "inspector",
    "body_staff_own",
    "body_staff_other",
    "producer_own",
    "producer_other",
]
# The role users, scoped to the records of the table (`tn` is the owner; `gl` another province's).
ROLE_SCOPES: dict[str, tuple[str, dict[str, Any]]] = {
    "dost_own": ("dost_officer", {"province": "thai-nguyen"}),
    "dost_other": ("dost_officer", {"province": "gia-lai"}),
    "inspector": ("inspector", {}),
    "body_staff_own": ("body_staff", {"body": "body"}),
    "body_staff_other": ("body_staff", {"body": "other_body"}),
    "producer_own": ("producer", {"organization": "tn"}),
    "producer_other": ("producer", {"organization": "gl"}),
}
OWNERS = {"admin", "producer_own", "dost_own"}  # who writes the records of organisation `tn`
CATALOGUE = {"admin", "dost_own", "dost_other"}  # who writes the national catalogue
STATUS_CHANGERS = {"admin", "inspector", "body_staff_own"}  # who suspends, withdraws, reinstates
PDF = tiny_pdf()


@dataclass(frozen=True)
class Write:
    method: str
    path: Callable[[dict[str, Any]], str]
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    allowed: frozenset[str] = frozenset({"admin"})
    # A refusal other than 403 for some roles (a rule on the data rather than the role: 422).
    refused: dict[str, int] = field(default_factory=dict)
    upload: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # multipart form fields


def _csv(name: str, text: str) -> dict[str, Any]:
    return {"file": (io.BytesIO(text.encode()), name)}


def _pdf() -> dict[str, Any]:
    return {"document": (io.BytesIO(PDF), "tai-lieu.pdf")}


def _allow(*roles: str) -> frozenset[str]:
    return frozenset(roles)


def _except(allowed: frozenset[str], status: int) -> dict[str, int]:
    """The same refusal for every signed-in role outside `allowed` (imports refuse rows, not requests)."""
    return {r: status for r in ROLES if r not in allowed and r != "anonymous"}


IMPORT_PRODUCTS = OWNERS
WRITES: dict[str, Write] = {
    # organisations and bodies
    "create_organization": Write(
        "POST",
        lambda s: "/api/v1/organizations",
        lambda s: {
            "name": "HTX Mới",
            "kind": "cooperative",
            "tax_code": valid_tax_code(777),
            "province": "thai-nguyen",
        },
        _allow("admin", "dost_own"),
    ),
    "create_organization_other_province": Write(
        "POST",
        lambda s: "/api/v1/organizations",
        lambda s: {
            "name": "HTX Gia Lai",
            "kind": "cooperative",
            "tax_code": valid_tax_code(778),
            "province": "gia-lai",
        },
        _allow("admin", "dost_other"),
    ),
    "update_organization": Write(
        "PATCH", lambda s: f"/api/v1/organizations/{s['tn'].id}", lambda s: {"address": "Số 1"}, OWNERS
    ),
    "create_body": Write(
        "POST", lambda s: "/api/v1/certification-bodies", lambda s: {"name": "Tổ chức chứng nhận mới"}, _allow("admin")
    ),
    "update_body": Write(
        "PATCH",
        lambda s: f"/api/v1/certification-bodies/{s['body'].id}",
        lambda s: {"accreditation_number": "VICAS 999"},
        _allow("admin", "body_staff_own"),
    ),
    # products
    "create_product": Write(
        "POST",
        lambda s: "/api/v1/products",
        lambda s: {"organization_id": s["tn"].id, "name": "Chè mới", "gtin": valid_gtin13(55)},
        OWNERS,
    ),
    "update_product": Write(
        "PATCH", lambda s: f"/api/v1/products/{s['product'].id}", lambda s: {"description": "Mô tả"}, OWNERS
    ),
    "withdraw_product": Write(
        "POST", lambda s: f"/api/v1/products/{s['product'].id}/withdraw", lambda s: {"reason": "Thử"}, OWNERS
    ),
    "apply_standard": Write(
        "POST",
        lambda s: f"/api/v1/products/{s['product'].id}/standards",
        lambda s: {"standard_id": s["tccs"].id},
        OWNERS,
    ),
    "remove_standard": Write(
        "DELETE", lambda s: f"/api/v1/products/{s['product'].id}/standards/{s['national'].id}", None, OWNERS
    ),
    # standards: the organisation's TCCS, and the shared national catalogue
    "create_tccs": Write(
        "POST",
        lambda s: "/api/v1/standards",
        lambda s: {"kind": "tccs", "code": "TCCS 2:2026/TN", "title": "Chè xanh", "organization_id": s["tn"].id},
        OWNERS,
    ),
    "update_tccs": Write(
        "PATCH", lambda s: f"/api/v1/standards/{s['tccs'].id}", lambda s: {"title": "Chè xanh"}, OWNERS
    ),
    "upload_tccs_document": Write(
        "PUT", lambda s: f"/api/v1/standards/{s['tccs'].id}/document", None, OWNERS, upload=lambda s: _pdf()
    ),
    "create_national": Write(
        "POST",
        lambda s: "/api/v1/standards",
        lambda s: {"kind": "tcvn", "code": "TCVN 3218:2012", "title": "Chè — Xác định chỉ tiêu cảm quan"},
        CATALOGUE,
    ),
    "update_national": Write(
        "PATCH", lambda s: f"/api/v1/standards/{s['national'].id}", lambda s: {"title": "Chè túi lọc (sửa)"}, CATALOGUE
    ),
    "upload_national_document": Write(
        "PUT", lambda s: f"/api/v1/standards/{s['national'].id}/document", None, CATALOGUE, upload=lambda s: _pdf()
    ),
    # certificates and their lifecycle
    "issue_certificate": Write(
        "POST",
        lambda s: "/api/v1/certificates",
        lambda s: {
            "number": "M-2",
            "certification_body_id": s["body"].id,
            "organization_id": s["tn"].id,
            "category": "gap",
            "issued_on": "2026-02-01",
        },
        _allow("admin", "body_staff_own", "dost_own", "inspector", "producer_own"),
    ),
    "declare": Write(
        "POST",
        lambda s: "/api/v1/certificates",
        lambda s: {
            "number": "CB-2/2026",
            "organization_id": s["tn"].id,
            "category": "declaration_regulation",
            "issued_on": "2026-02-01",
        },
        _allow("admin", "dost_own", "inspector", "producer_own"),
    ),
    "confirm_certificate": Write(
        "POST",
        lambda s: f"/api/v1/certificates/{s['declared'].id}/confirm",
        None,
        _allow("admin", "inspector", "body_staff_own", "dost_own"),
    ),
    "confirm_declaration": Write(
        "POST",
        lambda s: f"/api/v1/certificates/{s['declaration'].id}/confirm",
        None,
        _allow("admin", "inspector", "dost_own"),
    ),
    "suspend_certificate": Write(
        "POST",
        lambda s: f"/api/v1/certificates/{s['cert'].id}/transitions",
        lambda s: {"action": "suspend", "reason": "Kiểm tra"},
        STATUS_CHANGERS,
    ),
    "withdraw_certificate": Write(
        "POST",
        lambda s: f"/api/v1/certificates/{s['cert'].id}/transitions",
        lambda s: {"action": "withdraw", "reason": "Vi phạm"},
        STATUS_CHANGERS,
    ),
    "reinstate_certificate": Write(
        "POST",
        lambda s: f"/api/v1/certificates/{s['suspended'].id}/transitions",
        lambda s: {"action": "reinstate", "reason": "Đã khắc phục"},
        STATUS_CHANGERS,
    ),
    "suspend_declaration": Write(
        "POST",
        lambda s: f"/api/v1/certificates/{s['declaration'].id}/transitions",
        lambda s: {"action": "suspend", "reason": "Kiểm tra"},
        _allow("admin", "inspector"),
    ),
    # batches and trace events
    "create_batch": Write(
        "POST", lambda s: "/api/v1/batches", lambda s: {"product_id": s["product"].id, "lot": "L2"}, OWNERS
    ),
    "add_event": Write(
        "POST",
        lambda s: f"/api/v1/batches/{s['batch'].id}/events",
        lambda s: {"biz_step": "packing", "occurred_at": "2026-03-01T08:00:00+07:00", "gln": "8938600000101"},
        OWNERS,
    ),
    "add_event_for_another_organisation": Write(
        "POST",
        lambda s: f"/api/v1/batches/{s['batch'].id}/events",
        lambda s: {
            "biz_step": "packing",
            "occurred_at": "2026-03-01T08:00:00+07:00",
            "gln": "8938600000101",
            "organization_id": s["gl"].id,
        },
        _allow("admin"),
        refused={"producer_own": 422, "dost_own": 422},
    ),
    "transform_an_unshipped_lot": Write(
        "POST",
        lambda s: f"/api/v1/batches/{s['batch'].id}/events",
        lambda s: {
            "biz_step": "transforming",
            "occurred_at": "2026-03-01T08:00:00+07:00",
            "gln": "8938600000101",
            "input_batch_ids": [s["gl_batch"].id],
        },
        _allow(),
        refused={"admin": 422, "producer_own": 422, "dost_own": 422},
    ),
    "transform_a_shipped_lot": Write(
        "POST",
        lambda s: f"/api/v1/batches/{s['batch'].id}/events",
        lambda s: {
            "biz_step": "transforming",
            "occurred_at": "2026-03-01T08:00:00+07:00",
            "gln": "8938600000101",
            "input_batch_ids": [s["shipped_batch"].id],
        },
        OWNERS,
    ),
    # DOST work: support activities, reported figures, accounts
    "create_activity": Write(
        "POST",
        lambda s: "/api/v1/support-activities",
        lambda s: {"organization_id": s["tn"].id, "kind": "guidance", "held_on": "2026-03-01"},
        _allow("admin", "dost_own"),
    ),
    "update_activity": Write(
        "PATCH",
        lambda s: f"/api/v1/support-activities/{s['activity'].id}",
        lambda s: {"note": "Đã hướng dẫn hồ sơ"},
        _allow("admin", "dost_own"),
    ),
    "record_figure": Write(
        "POST",
        lambda s: "/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures",
        lambda s: {"year": 2026, "value": 100, "as_of": "2026-11-01", "evidence": "Báo cáo 7/BC-SKHCN"},
        _allow("admin", "dost_own"),
    ),
    "create_user": Write(
        "POST",
        lambda s: "/api/v1/users",
        lambda s: {
            "email": "new@test.vn",
            "password": "long enough pw",
            "role": "inspector",
            "province": "thai-nguyen",
        },
        _allow("admin", "dost_own"),
    ),
    "deactivate_user": Write(
        "POST", lambda s: f"/api/v1/users/{s['declarer'].id}/deactivate", None, _allow("admin", "dost_own")
    ),
    "activate_user": Write(
        "POST", lambda s: f"/api/v1/users/{s['inactive'].id}/activate", None, _allow("admin", "dost_own")
    ),
    # imports: the file is refused row by row (422, nothing imported) for rows the role may not write
    "import_products": Write(
        "POST",
        lambda s: "/api/v1/imports/products",
        None,
        OWNERS,
        refused=_except(OWNERS, 422),
        upload=lambda s: _csv(
            "products.csv", f"organization_id,name,gtin\n{s['tn'].id},Miến dong,{valid_gtin13(66)}\n"
        ),
    ),
    "import_national_standards": Write(
        "POST",
        lambda s: "/api/v1/imports/standards",
        None,
        CATALOGUE,
        refused=_except(CATALOGUE, 422),
        upload=lambda s: _csv("standards.csv", "kind,code,title\nqcvn,QCVN 8-2:2011/BYT,Kim loại nặng\n"),
    ),
    "import_tccs": Write(
        "POST",
        lambda s: "/api/v1/imports/standards",
        None,
        OWNERS,
        refused=_except(OWNERS, 422),
        upload=lambda s: _csv(
            "standards.csv", f"kind,code,title,organization_id\ntccs,TCCS 7:2026/TN,Chè,{s['tn'].id}\n"
        ),
    ),
    # consumer reports
    "investigate_report": Write(
        "POST",
        lambda s: f"/api/v1/consumer-reports/{s['report'].id}/transitions",
        lambda s: {"action": "investigate"},
        _allow("admin", "inspector"),
    ),
}

# The original fourteen writes keep the allowed sets they were first written with (admin aside).
ORIGINAL_ALLOWED = {
    "create_organization": {"dost_own"},
    "update_organization": {"producer_own", "dost_own"},
    "create_body": set(),
    "create_product": {"producer_own", "dost_own"},
    "update_product": {"producer_own", "dost_own"},
    "withdraw_product": {"producer_own", "dost_own"},
    "apply_standard": {"producer_own", "dost_own"},
    "update_tccs": {"producer_own", "dost_own"},
    "issue_certificate": {"body_staff_own", "dost_own", "inspector", "producer_own"},
    "suspend_certificate": {"body_staff_own", "inspector"},
    "create_batch": {"producer_own", "dost_own"},
    "add_event": {"producer_own", "dost_own"},
    "create_activity": {"dost_own"},
    "create_user": {"dost_own"},
}


def test_the_table_keeps_the_original_rules():
    for action, allowed in ORIGINAL_ALLOWED.items():
        assert WRITES[action].allowed == {"admin", *allowed}, action


def test_the_table_covers_every_write_of_the_api(app):
    """A new write endpoint must get its row (token creation and revocation are a login, not a record; a
    password change acts on the caller's own account only, tests/web/test_sessions_end.py)."""
    covered = {(w.method, _route_of(w.path(_PLACEHOLDERS))) for w in WRITES.values()}
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    routes -= {("POST", "/api/v1/auth/token"), ("DELETE", "/api/v1/auth/token"), ("POST", "/api/v1/me/password")}
    assert routes <= covered, sorted(routes - covered)


class _Id:
    id = 7


_PLACEHOLDERS: dict[str, Any] = defaultdict(_Id)


def _route_of(path: str) -> str:
    """The URL rule a concrete path of the table matches (ids back to their converters)."""
    patterns = {
        r"^/api/v1/organizations/\d+$": "/api/v1/organizations/<int:org_id>",
        r"^/api/v1/certification-bodies/\d+$": "/api/v1/certification-bodies/<int:body_id>",
        r"^/api/v1/products/\d+$": "/api/v1/products/<int:product_id>",
        r"^/api/v1/products/\d+/withdraw$": "/api/v1/products/<int:product_id>/withdraw",
        r"^/api/v1/products/\d+/standards$": "/api/v1/products/<int:product_id>/standards",
        r"^/api/v1/products/\d+/standards/\d+$": "/api/v1/products/<int:product_id>/standards/<int:standard_id>",
        r"^/api/v1/standards/\d+$": "/api/v1/standards/<int:standard_id>",
        r"^/api/v1/standards/\d+/document$": "/api/v1/standards/<int:standard_id>/document",
        r"^/api/v1/certificates/\d+/confirm$": "/api/v1/certificates/<int:cert_id>/confirm",
        r"^/api/v1/certificates/\d+/transitions$": "/api/v1/certificates/<int:cert_id>/transitions",
        r"^/api/v1/batches/\d+/events$": "/api/v1/batches/<int:batch_id>/events",
        r"^/api/v1/support-activities/\d+$": "/api/v1/support-activities/<int:activity_id>",
        r"^/api/v1/plans/[^/]+/targets/[^/]+/figures$": "/api/v1/plans/<province>/targets/<target_id>/figures",
        r"^/api/v1/users/\d+/activate$": "/api/v1/users/<int:user_id>/activate",
        r"^/api/v1/users/\d+/deactivate$": "/api/v1/users/<int:user_id>/deactivate",
        r"^/api/v1/imports/[^/]+$": "/api/v1/imports/<string:kind>",
        r"^/api/v1/consumer-reports/\d+/transitions$": "/api/v1/consumer-reports/<int:report_id>/transitions",
    }
    for pattern, rule in patterns.items():
        if re.match(pattern, path):
            return rule
    return path


@pytest.fixture
def records(world) -> dict[str, Any]:
    """The records every row writes to, made through the services (no role user yet: each cell makes its own)."""
    admin = world.admin
    tn, gl = world.organization("thai-nguyen"), world.organization("gia-lai")
    body, other_body = world.body(), world.body("Tổ chức khác")
    product = products.create_product(admin, {"organization_id": tn.id, "name": "Chè", "gtin": valid_gtin13(1)})
    gl_product = products.create_product(admin, {"organization_id": gl.id, "name": "Cà phê", "gtin": valid_gtin13(2)})
    tccs = standards.create_standard(
        admin, {"kind": "tccs", "code": "TCCS 9:2026/TN", "title": "Chè", "organization_id": tn.id}
    )
    national = standards.create_standard(admin, {"kind": "tcvn", "code": "TCVN 7975:2008", "title": "Chè túi lọc"})
    products.apply_standard(admin, product.id, national.id)

    def certificate(actor: Any, number: str, **extra: Any) -> Any:
        data = {
            "number": number,
            "certification_body_id": body.id,
            "organization_id": tn.id,
            "category": "product_standard",
            "issued_on": date(2026, 1, 10),
            "expires_on": date(2029, 1, 9),
            **extra,
        }
        return certificates.create_certificate(actor, data)

    declarer = world.user("producer", organization_id=tn.id)
    cert = certificate(admin, "M-1")
    suspended = certificate(admin, "M-3")
    certificates.transition_certificate(admin, suspended.id, "suspend", "Kiểm tra")
    declared = certificate(declarer, "M-4")
    declaration = certificate(
        declarer, "CB-1/2026", category="declaration_standard", certification_body_id=None, expires_on=None
    )
    batch = batches.create_batch(admin, {"product_id": product.id, "lot": "L1"})
    gl_batch = batches.create_batch(admin, {"product_id": gl_product.id, "lot": "G1"})
    shipped_batch = batches.create_batch(admin, {"product_id": gl_product.id, "lot": "G2"})
    batches.add_event(
        admin,
        shipped_batch.id,
        {
            "biz_step": "shipping",
            "occurred_at": datetime(2026, 2, 1, 8, tzinfo=UTC),
            "gln": "8938600000101",
            "destination_organization_id": tn.id,
        },
    )
    activity = activities.create_activity(
        admin, {"organization_id": tn.id, "kind": "guidance", "held_on": date(2026, 2, 1)}
    )
    inactive = world.user("producer", organization_id=tn.id)
    users.set_user_active(admin, inactive.id, False)
    report = consumer_reports.create_report(None, product.id, None, {"kind": "label", "message": "Nhãn mờ"})
    return {
        "tn": tn,
        "gl": gl,
        "body": body,
        "other_body": other_body,
        "product": product,
        "tccs": tccs,
        "national": national,
        "cert": cert,
        "suspended": suspended,
        "declared": declared,
        "declaration": declaration,
        "batch": batch,
        "gl_batch": gl_batch,
        "shipped_batch": shipped_batch,
        "activity": activity,
        "declarer": declarer,
        "inactive": inactive,
        "report": report,
    }


def _role_user(world, records: dict[str, Any], role: str) -> Any:
    if role == "anonymous":
        return None
    if role == "admin":
        return world.admin
    kind, scope = ROLE_SCOPES[role]
    if "body" in scope:
        return world.user(kind, body_id=records[scope["body"]].id)
    if "organization" in scope:
        return world.user(kind, organization_id=records[scope["organization"]].id)
    return world.user(kind, **scope)


def _database() -> dict[str, list[str]]:
    """Every row of every table, as text: two reads are equal only if nothing at all was written."""
    db.session.rollback()  # read what is committed now, not this session's snapshot
    state = {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
        for table in db.metadata.sorted_tables
    }
    db.session.rollback()
    return state


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(WRITES))
def test_every_forbidden_write_is_refused(records, world, client, action, role):
    """One cell of the table: the role's answer to the action, and what it left in the database."""
    write = WRITES[action]
    user = _role_user(world, records, role)
    headers = world.headers(user) if user else {}
    before = _database()
    audit_before = client.get("/api/v1/audit/head").get_json()["size"]
    kwargs: dict[str, Any] = {}
    if write.upload is not None:
        kwargs = {"data": write.upload(records), "content_type": "multipart/form-data"}
    elif write.body is not None:
        kwargs = {"json": write.body(records)}
    res = client.open(write.path(records), method=write.method, headers=headers, **kwargs)
    after = _database()
    if role in write.allowed:
        assert res.status_code in (200, 201, 204), (role, action, res.status_code, res.get_json())
        assert after != before, (role, action, "an allowed write changed nothing")
        assert client.get("/api/v1/audit/head").get_json()["size"] > audit_before, (role, action)
        return
    expected = 401 if user is None else write.refused.get(role, 403)
    assert res.status_code == expected, (role, action, res.status_code, res.get_json())
    assert res.mimetype == "application/problem+json"
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == [], (role, action, changed)
    assert client.get("/api/v1/audit/head").get_json()["size"] == audit_before, (role, action)


def test_admin_may_make_every_write(scene, world, client):
    headers = world.headers(world.admin)
    for action, (method, path, body) in _writes(scene).items():
        res = client.open(path, method=method, headers=headers, json=body)
        assert res.status_code in (200, 201), (action, res.get_json())


def test_producer_record_of_a_certificate_is_declared_until_confirmed(scene, world, client):
    _method, path, body = _writes(scene)["issue_certificate"]
    res = client.post(path, headers=world.headers(scene["users"]["producer_own"]), json=body)
    assert res.status_code == 201 and res.get_json()["is_confirmed"] is False
    cid = res.get_json()["id"]
    refused = client.post(f"/api/v1/certificates/{cid}/confirm", headers=world.headers(scene["users"]["producer_own"]))
    assert refused.status_code == 403
    ok = client.post(f"/api/v1/certificates/{cid}/confirm", headers=world.headers(scene["users"]["body_staff_own"]))
    assert ok.status_code == 200 and ok.get_json()["is_confirmed"] is True


def test_session_writes_need_the_csrf_token(world, client, app):
    """A browser session may call the API, but only with the CSRF token of its pages."""
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.admin.id)
        sess["_fresh"] = True
    body = {"name": "Tổ chức qua phiên", "accreditation_number": "X"}
    assert client.post("/api/v1/certification-bodies", json=body).status_code == 401
    with app.test_request_context():
        from flask_wtf.csrf import generate_csrf

        token = generate_csrf()
        with client.session_transaction() as sess:
            from flask import session

            sess.update({k: v for k, v in session.items() if k == "csrf_token"})
    assert client.post("/api/v1/certification-bodies", json=body, headers={"X-CSRFToken": token}).status_code == 201
