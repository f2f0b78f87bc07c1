"""Role × page matrix for the server-rendered staff pages: nothing is reachable that a role should not reach.

`STAFF_PAGES` names, for every (method, rule) of the staff pages, the roles that reach it; `PUBLIC_PAGES` the
pages open to everyone by design. A web route in neither fails `test_every_web_route_is_classified`, so the
table stays complete. Every other role is refused (403 signed in, the login page when not) and a refused POST,
made with a valid CSRF token, leaves the audit chain as it was. The ownership tests then check, within a role,
that another organisation's, province's or body's records are neither shown nor changed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from registry.services import batches, certificates, consumer_reports, products, standards
from tests.helpers import valid_gtin13
from tests.web.staff import audit_size, csrf, login, refused

ANON, PRODUCER, BODY, INSPECTOR, DOST, ADMIN = (
    "anonymous",
    "producer",
    "body_staff",
    "inspector",
    "dost_officer",
    "admin",
)
ROLES = (ANON, PRODUCER, BODY, INSPECTOR, DOST, ADMIN)
SIGNED_IN = {PRODUCER, BODY, INSPECTOR, DOST, ADMIN}
WRITERS = {PRODUCER, DOST, ADMIN}  # producers' records: their own organisation, an officer's province, all
OFFICERS = {DOST, ADMIN}
INSPECTORS = {INSPECTOR, ADMIN}

STAFF_PAGES: dict[tuple[str, str], set[str]] = {
    ("GET", "/workspace"): SIGNED_IN,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    # producer workspace
    ("GET", "/workspace/organization"): WRITERS,
    ("POST", "/workspace/organization"): WRITERS,
    ("GET", "/workspace/products"): WRITERS,
    ("GET", "/workspace/products/new"): WRITERS,
    ("POST", "/workspace/products/new"): WRITERS,
    ("GET", "/workspace/products/<int:product_id>"): WRITERS,
    ("POST", "/workspace/products/<int:product_id>"): WRITERS,
    ("POST", "/workspace/products/<int:product_id>/withdraw"): WRITERS,
    ("POST", "/workspace/products/<int:product_id>/standards"): WRITERS,
    ("POST", "/workspace/products/<int:product_id>/standards/<int:standard_id>/remove"): WRITERS,
    ("GET", "/workspace/standards"): WRITERS,
    ("POST", "/workspace/standards"): WRITERS,
    ("GET", "/workspace/certificates"): WRITERS,
    ("POST", "/workspace/certificates"): WRITERS,
    ("GET", "/workspace/batches"): WRITERS,
    ("POST", "/workspace/batches"): WRITERS,
    ("GET", "/workspace/batches/<int:batch_id>"): WRITERS,
    ("POST", "/workspace/batches/<int:batch_id>"): WRITERS,
    # certification bodies (their own staff only: an admin has no body to act for)
    ("GET", "/body"): {BODY},
    ("GET", "/body/certificates"): {BODY},
    ("GET", "/body/certificates/new"): {BODY},
    ("POST", "/body/certificates/new"): {BODY},
    ("GET", "/body/certificates/<int:cert_id>"): {BODY},
    ("POST", "/body/certificates/<int:cert_id>/confirm"): {BODY},
    ("POST", "/body/certificates/<int:cert_id>/status"): {BODY},
    # inspectors
    ("GET", "/inspect"): INSPECTORS,
    ("GET", "/inspect/certificates"): INSPECTORS,
    ("GET", "/inspect/certificates/<int:cert_id>"): INSPECTORS,
    ("POST", "/inspect/certificates/<int:cert_id>/status"): INSPECTORS,
    ("GET", "/inspect/reports"): INSPECTORS,
    ("POST", "/inspect/reports/<int:report_id>/<any(investigate, close):action>"): INSPECTORS,
    # DOST officers
    ("GET", "/dost"): OFFICERS,
    ("GET", "/dost/records"): OFFICERS,
    ("GET", "/dost/activities"): OFFICERS,
    ("GET", "/dost/activities/new"): OFFICERS,
    ("POST", "/dost/activities/new"): OFFICERS,
    ("GET", "/dost/figures"): OFFICERS,
    ("GET", "/dost/figures/<code>"): OFFICERS,
    ("POST", "/dost/figures/<code>"): OFFICERS,
    ("GET", "/dost/users"): OFFICERS,
    ("POST", "/dost/users"): OFFICERS,
    ("POST", "/dost/users/<int:user_id>/<any(deactivate, activate):action>"): OFFICERS,
    # imports (the service checks every row's organisation, province or body)
    ("GET", "/imports"): {PRODUCER, BODY, DOST, ADMIN},
    ("POST", "/imports"): {PRODUCER, BODY, DOST, ADMIN},
    # admins
    ("GET", "/admin"): {ADMIN},
    ("GET", "/admin/users"): {ADMIN},
    ("POST", "/admin/users"): {ADMIN},
    ("POST", "/admin/users/<int:user_id>/<any(deactivate, activate):action>"): {ADMIN},
    ("GET", "/admin/bodies"): {ADMIN},
    ("POST", "/admin/bodies"): {ADMIN},
    ("GET", "/admin/bodies/<int:body_id>"): {ADMIN},
    ("POST", "/admin/bodies/<int:body_id>"): {ADMIN},
    ("GET", "/admin/keys"): {ADMIN},
    ("POST", "/admin/keys/rotate"): {ADMIN},
}

# Open to everyone by design: signing in and out, consumers' scan, report and verify pages, public
# statistics, linked data. Anything under /api/ (tests/api/test_permissions.py), /epcis/ (the EPCIS REST binding,
# bearer tokens: tests/api/test_epcis_capture.py) or /static/ is left out.
PUBLIC_PAGES = {
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),  # no account: a bearer METRICS_TOKEN or an allowed address (tests/web/test_observability.py)
    ("GET", "/favicon.ico"),
    ("GET", "/manifest.webmanifest"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/.well-known/gs1resolver"),
    ("GET", "/.well-known/linkset-context.jsonld"),
    ("GET", "/<string(minlength=8):segment>"),  # compressed GS1 Digital Links
    ("GET", "/01/"),
    ("GET", "/01//<path:rest>"),
    ("GET", "/.well-known/registry-keys.json"),
    ("GET", "/.well-known/registry-status-list.json"),
    ("GET", "/.well-known/registry-log/checkpoint"),
    ("GET", "/.well-known/registry-log/consistency"),
    ("GET", "/01/<path:rest>"),
    ("GET", "/01/<path:rest>/report"),
    ("POST", "/01/<path:rest>/report"),
    ("GET", "/verify"),
    ("GET", "/verify/changes"),
    ("GET", "/verify/changes.json"),
    ("GET", "/verify/changes.atom"),
    ("GET", "/stats"),
    ("GET", "/search"),
    ("GET", "/open-data/"),
    ("GET", "/open-data/catalog.jsonld"),
    (
        "GET",
        "/open-data/<scope>/<any(certificates, products, organizations, standards, targets):name>.<any(csv, json):fmt>",
    ),
    ("GET", "/verify/<int:cert_id>"),
    ("GET", "/stats/<slug>"),
    ("GET", "/places/<path:rest>"),
    ("GET", "/places/communes/<code>"),
    ("GET", "/places/provinces/<slug>"),
    ("GET", "/voc/"),
    ("GET", "/voc/<any(BizStep, Disp):scheme>-<code>"),
    ("GET", "/voc/<path:rest>"),
}

# Query strings a page needs to get past its own input checks for the roles it lets in.
QUERY = {"/dost/records": "?metric=certificates"}


def web_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(("/api/", "/epcis/", "/static/"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def concrete(rule: str, values: dict[str, Any]) -> str:
    """The rule with each `<converter:name>` replaced by `values[name]`."""
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", lambda m: str(values[m.group(1)]), rule) + QUERY.get(rule, "")


def test_every_web_route_is_classified(app):
    routes = web_routes(app)
    assert not STAFF_PAGES.keys() & PUBLIC_PAGES
    assert routes - STAFF_PAGES.keys() - PUBLIC_PAGES == set(), (
        "new web routes: add them to STAFF_PAGES or PUBLIC_PAGES"
    )
    assert (STAFF_PAGES.keys() | PUBLIC_PAGES) - routes == set(), "routes that no longer exist"


# --- the records both kinds of test act on ------------------------------------------------------


@pytest.fixture
def scene(world) -> dict[str, Any]:
    """Two organisations in two provinces, each with a product, a TCCS applied to it, a certificate from
    its own body and a batch; a consumer report; and one user per role scoped to each side."""
    out: dict[str, Any] = {}
    for side, province, n in (("a", "thai-nguyen", 1), ("b", "gia-lai", 2)):
        org = world.organization(province)
        body = world.body()
        product = products.create_product(
            world.admin, {"organization_id": org.id, "name": f"Sản phẩm riêng {side.upper()}", "gtin": valid_gtin13(n)}
        )
        standard = standards.create_standard(
            world.admin,
            {"kind": "tccs", "code": f"TCCS {n}:2026/{side.upper()}", "title": "Chè búp", "organization_id": org.id},
        )
        products.apply_standard(world.admin, product.id, standard.id)
        cert = certificates.create_certificate(
            world.admin,
            {
                "number": f"SO-CHUNG-CHI-{side.upper()}",
                "certification_body_id": body.id,
                "organization_id": org.id,
                "category": "gap",
                "issued_on": date(2026, 2, 1),
                "product_ids": [product.id],
            },
        )
        batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": f"LO-{side.upper()}-2026"})
        out[side] = {
            "org": org,
            "body": body,
            "product": product,
            "standard": standard,
            "cert": cert,
            "batch": batch,
            "province": province,
            "users": {
                PRODUCER: world.user(PRODUCER, organization_id=org.id),
                BODY: world.user(BODY, body_id=body.id),
                INSPECTOR: world.user(INSPECTOR, province=province),
                DOST: world.user(DOST, province=province),
                ADMIN: world.admin,
            },
        }
    a = out["a"]
    out["report"] = consumer_reports.create_report(
        None, a["product"].id, a["batch"].id, {"kind": "label", "message": "Nhãn mờ", "contact": "0912 345 678"}
    )
    out["target_user"] = world.user(PRODUCER, organization_id=a["org"].id)  # to deactivate
    out["values"] = {
        "product_id": a["product"].id,
        "standard_id": a["standard"].id,
        "batch_id": a["batch"].id,
        "cert_id": a["cert"].id,
        "body_id": a["body"].id,
        "report_id": out["report"].id,
        "user_id": out["target_user"].id,
        "action": "deactivate",
        "code": "TN-DISSEM",
    }
    return out


def sign_in(client: Any, user: Any | None) -> str:
    """Signs `user` in (or out, for None) and returns a CSRF token from a page they reach."""
    client.post("/logout", data={"csrf_token": csrf(client.get("/login").get_data(as_text=True))})
    if user is None:
        return csrf(client.get("/login").get_data(as_text=True))
    login(client, user)
    return csrf(client.get("/verify").get_data(as_text=True))  # the sign-out form carries one


def _values(scene: dict[str, Any], rule: str) -> dict[str, Any]:
    values = dict(scene["values"])
    if rule.startswith("/inspect/reports/"):
        values["action"] = "investigate"
    return values


def test_every_role_outside_a_page_s_set_is_refused_and_the_roles_inside_reach_it(app, client, scene):
    """Records of side A, and users scoped to side A, so a refusal can only come from the role."""
    users = {ANON: None, **scene["a"]["users"]}
    for role in ROLES:
        token = sign_in(client, users[role])
        for (method, rule), allowed in sorted(STAFF_PAGES.items(), key=lambda kv: kv[0][::-1]):
            url = concrete(rule, _values(scene, rule))
            if role not in allowed:
                try:
                    refused(client, method, url, token, signed_in=role != ANON)
                except AssertionError as err:
                    raise AssertionError((role, *err.args)) from None
            elif method == "GET":
                res = client.get(url)
                assert res.status_code in (200, 302), (role, url, res.status_code)
                assert "/login" not in res.headers.get("Location", ""), (role, url)


def test_an_admin_choosing_the_province_of_a_figure_page_gets_links_that_keep_the_target(client, world):
    sign_in(client, world.admin)
    res = client.get("/dost/figures/TN-DISSEM")
    assert res.status_code == 200 and 'href="/dost/figures/TN-DISSEM?province=thai-nguyen"' in res.get_data(
        as_text=True
    )


# --- ownership within a role ------------------------------------------------------------------------


def _refused_all(client: Any, token: str, who: str, urls: list[tuple[Any, ...]]) -> None:
    """Each (method, url[, form data]) is refused to the signed-in `who`."""
    for method, url, *data in urls:
        try:
            refused(client, method, url, token, signed_in=True, data=data[0] if data else None)
        except AssertionError as err:
            raise AssertionError((who, *err.args)) from None


def _other_organisations_pages(a: dict[str, Any]) -> list[tuple[str, str]]:
    """Every workspace page of side A's organisation and records, as someone outside it would open them."""
    org, p, s, b = a["org"].id, a["product"].id, a["standard"].id, a["batch"].id
    urls = [
        ("GET", f"/workspace/products/{p}"),
        ("POST", f"/workspace/products/{p}"),
        ("POST", f"/workspace/products/{p}/withdraw"),
        ("POST", f"/workspace/products/{p}/standards"),
        ("POST", f"/workspace/products/{p}/standards/{s}/remove"),
        ("GET", f"/workspace/batches/{b}"),
        ("POST", f"/workspace/batches/{b}"),
    ]
    for page in ("organization", "products", "products/new", "standards", "certificates", "batches"):
        urls.append(("GET", f"/workspace/{page}?org={org}"))
        if page != "products":
            urls.append(("POST", f"/workspace/{page}?org={org}"))
    return urls


def test_a_producer_neither_sees_nor_changes_another_organisation_s_records(client, scene):
    a, b = scene["a"], scene["b"]
    token = sign_in(client, b["users"][PRODUCER])
    _refused_all(client, token, "producer B", _other_organisations_pages(a))
    # on their own pages, naming A's product as a batch's product
    _refused_all(
        client, token, "producer B", [("POST", "/workspace/batches", {"product_id": a["product"].id, "lot": "X"})]
    )
    # their own lists show their own records only
    for page, mine, theirs in (
        ("products", b["product"].name, a["product"].name),
        ("standards", b["standard"].code, a["standard"].code),
        ("certificates", b["cert"].number, a["cert"].number),
        ("batches", b["batch"].lot, a["batch"].lot),
    ):
        html = client.get(f"/workspace/{page}").get_data(as_text=True)
        assert mine in html and theirs not in html, page


def test_a_producer_cannot_tie_another_organisation_s_records_to_their_own(client, scene):
    """A's TCCS on B's product or certificate, or A's product in B's certificate (forged forms: the pages offer
    none of them) are refused and nothing is recorded; the same forms with B's own records go through."""
    a, b = scene["a"], scene["b"]
    token = sign_in(client, b["users"][PRODUCER])
    cert = {"certification_body_id": b["body"].id, "category": "gap", "issued_on": "2026-03-01"}
    cases = [
        (f"/workspace/products/{b['product'].id}/standards", {}, "standard_id", "standard"),
        ("/workspace/certificates", {**cert, "number": "GIA-1"}, "standard_ids", "standard"),
        ("/workspace/certificates", {**cert, "number": "GIA-2"}, "product_ids", "product"),
    ]
    for url, form, field, record in cases:
        before = audit_size(client)
        res = client.post(url, data={**form, field: a[record].id, "csrf_token": token})
        assert res.status_code == 422, (url, field, res.status_code)
        assert audit_size(client) == before, (url, field)
        res = client.post(url, data={**form, field: b[record].id, "csrf_token": token})
        assert res.status_code == 302, (url, field, res.status_code)


def test_a_dost_officer_neither_sees_nor_manages_another_province_s_users_or_records(client, scene):
    a, b = scene["a"], scene["b"]
    officer = b["users"][DOST]
    token = sign_in(client, officer)
    tn = f"province={a['province']}"
    a_producer = a["users"][PRODUCER]
    _refused_all(
        client,
        token,
        "officer B",
        [
            *_other_organisations_pages(a),
            ("GET", f"/dost?{tn}"),
            ("GET", f"/dost/records?{tn}&metric=certificates"),
            ("GET", f"/dost/activities?{tn}"),
            ("GET", f"/dost/activities/new?{tn}"),
            ("POST", f"/dost/activities/new?{tn}"),
            ("GET", f"/dost/figures?{tn}"),
            ("GET", f"/dost/figures/TN-DISSEM?{tn}"),
            ("POST", f"/dost/figures/TN-DISSEM?{tn}"),
            ("GET", f"/dost/users?{tn}"),
            ("POST", f"/dost/users?{tn}"),
            ("POST", f"/dost/users/{a_producer.id}/deactivate"),
            ("POST", f"/dost/users/{a['users'][INSPECTOR].id}/deactivate"),
            ("POST", f"/dost/users/{a['users'][DOST].id}/deactivate"),
            # roles an officer never manages, in any province
            ("POST", f"/dost/users/{b['users'][BODY].id}/deactivate"),
            ("POST", f"/dost/users/{b['users'][ADMIN].id}/deactivate"),
            # a producer account for A's organisation, from their own page
            ("POST", "/dost/users", {"email": "new@test.vn", "role": "producer", "organization": a["org"].id}),
        ],
    )
    users_page = client.get("/dost/users").get_data(as_text=True)
    assert b["users"][PRODUCER].email in users_page
    for role in (PRODUCER, INSPECTOR, DOST):
        assert a["users"][role].email not in users_page, role
    records = client.get("/dost/records?metric=certificates&year=2026").get_data(as_text=True)
    assert b["cert"].number in records and a["cert"].number not in records
    chooser = client.get("/workspace/products").get_data(as_text=True)
    assert b["org"].name in chooser and a["org"].name not in chooser
    # a support activity for A's organisation, from their own page
    before = audit_size(client)
    res = client.post(
        "/dost/activities/new",
        data={"kind": "guidance", "held_on": "2026-03-01", "organization_id": a["org"].id, "csrf_token": token},
    )
    assert res.status_code == 422 and audit_size(client) == before


def test_body_staff_see_and_change_only_their_own_body_s_certificates(client, scene):
    a, b = scene["a"], scene["b"]
    token = sign_in(client, b["users"][BODY])
    cert = a["cert"].id
    _refused_all(
        client,
        token,
        "body staff B",
        [
            ("GET", f"/body/certificates/{cert}"),
            ("POST", f"/body/certificates/{cert}/confirm"),
            ("POST", f"/body/certificates/{cert}/status", {"action": "suspend", "reason": "Thử"}),
        ],
    )
    listing = client.get("/body/certificates").get_data(as_text=True)
    assert b["cert"].number in listing and a["cert"].number not in listing
