"""The GS1 Digital Link resolver and the consumer scan page, as a phone and a GS1 scanner see them."""

from __future__ import annotations

import re

import pytest

from registry.extensions import db
from registry.models import Commune, ConsumerReport
from tests.helpers import days_from_today, today, valid_gtin13, years_after


def _ocop_dates() -> tuple[str, str]:
    """The OCOP decision a year ago and the day it lapses, 36 months after it."""
    decided = years_after(today(), -1)
    return decided.isoformat(), years_after(decided, 3).isoformat()


def _cert_dates() -> tuple[str, str]:
    issued = days_from_today(-265)
    return issued.isoformat(), years_after(issued, 3).isoformat()


BASE = "https://registry.example.vn"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def scene(world, client):
    """A producer's product with a TCCS, two certificates, an input batch and a batch made from it."""
    h = world.headers(world.admin)
    org = world.organization(commune="Xã Tân Cương", phone="0208 3855 123")
    gtin = valid_gtin13(7)
    product = client.post(
        "/api/v1/products",
        headers=h,
        json={
            "organization_id": org.id,
            "name": "Chè xanh Tân Cương",
            "gtin": gtin,
            "ocop_stars": 4,
            "ocop_decision_number": "12/QĐ-UBND",
            "ocop_decision_date": _ocop_dates()[0],
        },
    ).get_json()
    leaf = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Chè búp tươi", "gtin": valid_gtin13(8)}
    ).get_json()
    tccs = client.post(
        "/api/v1/standards",
        headers=h,
        json={"kind": "tccs", "code": "TCCS 01:2026/HTX", "title": "Chè xanh", "organization_id": org.id},
    ).get_json()
    client.post(f"/api/v1/products/{product['id']}/standards", headers=h, json={"standard_id": tccs["id"]})
    body = client.post("/api/v1/certification-bodies", headers=h, json={"name": "Trung tâm Chứng nhận"}).get_json()
    certs = [
        client.post(
            "/api/v1/certificates",
            headers=h,
            json={
                "number": number,
                "certification_body_id": body["id"],
                "organization_id": org.id,
                "category": "product_standard",
                "standard_ids": [tccs["id"]],
                "product_ids": [product["id"]],
                "issued_on": _cert_dates()[0],
                "expires_on": _cert_dates()[1],
            },
        ).get_json()
        for number in ("CN-001", "CN-002")
    ]
    commune_id = db.session.scalar(db.select(Commune.id).where(Commune.name == "Xã Tân Cương"))
    harvest = client.post(
        "/api/v1/batches", headers=h, json={"product_id": leaf["id"], "lot": "BT-01", "produced_on": "2026-04-01"}
    ).get_json()
    batch = client.post(
        "/api/v1/batches",
        headers=h,
        json={"product_id": product["id"], "lot": "L/26-A", "produced_on": "2026-04-02", "expires_on": "2027-04-02"},
    ).get_json()
    client.post(
        f"/api/v1/batches/{batch['id']}/events",
        headers=h,
        json={
            "biz_step": "transforming",
            "occurred_at": "2026-04-02T08:30:00+07:00",
            "commune_id": commune_id,
            "input_batch_ids": [harvest["id"]],
        },
    )
    client.post(
        f"/api/v1/batches/{batch['id']}/events",
        headers=h,
        json={"biz_step": "packing", "occurred_at": "2026-04-03T10:00:00+07:00", "gln": "8938600000064"},
    )
    return {"h": h, "gtin": "0" + gtin, "gtin13": gtin, "product": product, "certs": certs, "batch": batch, "org": org}


@pytest.mark.travel
def test_browser_gets_the_vietnamese_page_and_can_switch_to_english(scene, client):
    res = client.get(f"/01/{scene['gtin']}", headers=HTML)
    assert res.status_code == 200 and res.mimetype == "text/html"
    page = res.get_data(as_text=True)
    assert len(res.data) < 50_000 and "<script" not in page
    assert "Chè xanh Tân Cương" in page and scene["gtin13"] in page and "Xã Tân Cương" in page
    lapses = _ocop_dates()[1]
    shown = "/".join(reversed(lapses.split("-")))  # dd/mm/yyyy
    assert "Thái Nguyên" in page and "0208 3855 123" in page and "12/QĐ-UBND" in page and shown in page
    assert "TCCS 01:2026/HTX" in page and "Còn hiệu lực" in page and "CN-002" in page
    assert "Cảnh báo" not in page and 'href="/01/' + scene["gtin"] + '?lang=en"' in page
    english = client.get(f"/01/{scene['gtin']}?lang=en", headers=HTML).get_data(as_text=True)
    assert "Certificates" in english and "Valid" in english and lapses in english
    assert "Certificates" in client.get(f"/01/{scene['gtin']}", headers={**HTML, "Accept-Language": "en"}).text


def test_a_suspended_certificate_shows_a_warning_at_once(scene, client):
    cert = scene["certs"][0]
    res = client.post(
        f"/api/v1/certificates/{cert['id']}/transitions",
        headers=scene["h"],
        json={"action": "suspend", "reason": "Vi phạm"},
    )
    assert res.status_code in (200, 201), res.get_json()
    page = client.get(f"/01/{scene['gtin']}", headers=HTML).get_data(as_text=True)
    assert 'class="warn"' in page and "Tạm đình chỉ" in page
    data = client.get(f"/01/{scene['gtin']}", headers=JSON).get_json()
    assert {c["number"]: c["status"] for c in data["certificates"]} == {"CN-001": "suspended", "CN-002": "valid"}
    assert data["warning"] is True


def test_a_withdrawn_product_shows_a_warning(scene, client):
    client.post(f"/api/v1/products/{scene['product']['id']}/withdraw", headers=scene["h"], json={"reason": "Ngừng"})
    page = client.get(f"/01/{scene['gtin']}", headers=HTML).get_data(as_text=True)
    assert "sản phẩm này đã bị thu hồi" in page


def test_json_clients_get_the_product_producer_standards_and_certificates(scene, client):
    res = client.get(f"/01/{scene['gtin']}", headers=JSON)
    assert res.status_code == 200 and res.mimetype == "application/json"
    data = res.get_json()
    assert data["digital_link"] == f"{BASE}/01/{scene['gtin']}"
    assert data["product"]["gtin"] == scene["gtin"] and data["product"]["gtin13"] == scene["gtin13"]
    assert data["producer"]["commune"] == "Xã Tân Cương" and data["producer"]["province_slug"] == "thai-nguyen"
    assert data["ocop"] == {
        "stars": 4,
        "decision_number": "12/QĐ-UBND",
        "decision_date": _ocop_dates()[0],
        "expires_on": _ocop_dates()[1],
        "is_valid": data["ocop"]["is_valid"],
    }
    assert [s["code"] for s in data["standards"]] == ["TCCS 01:2026/HTX"]
    assert data["standards"][0]["document_url"] is None
    assert {c["verify_url"] for c in data["certificates"]} == {f"{BASE}/verify/{c['id']}" for c in scene["certs"]}
    assert data["batch"] is None and "Link" in res.headers


def test_a_batch_shows_its_dates_and_timeline_with_inputs(scene, client):
    url = f"/01/{scene['gtin']}/10/L%2F26-A"
    data = client.get(url, headers=JSON).get_json()
    batch = data["batch"]
    assert (batch["lot"], batch["produced_on"], batch["expires_on"]) == ("L/26-A", "2026-04-02", "2027-04-02")
    steps = [(e["biz_step"], e["occurred_at"], e["commune"], e["gln"]) for e in batch["events"]]
    assert steps == [
        ("transforming", "2026-04-02T08:30:00+07:00", "Xã Tân Cương", None),
        ("packing", "2026-04-03T10:00:00+07:00", None, "8938600000064"),
    ]
    assert [i["lot"] for i in batch["events"][0]["inputs"]] == ["BT-01"]
    page = client.get(url, headers=HTML).get_data(as_text=True)
    assert "Hành trình của lô" in page and "BT-01" in page and "8938600000064" in page and "02/04/2027" in page
    assert "Đóng gói" in page and scene["org"].name in page


def test_shorter_gtin_forms_redirect_permanently_to_14_digits(scene, client):
    res = client.get(f"/01/{scene['gtin13']}/10/L%2F26-A?lang=en")
    assert res.status_code == 301
    assert res.headers["Location"].endswith(f"/01/{scene['gtin']}/10/L%2F26-A?lang=en")


def test_the_linkset_follows_rfc_9264_and_gs1_link_types(scene, client):
    for kwargs in ({"query_string": {"linkType": "linkset"}}, {"query_string": {"linkType": "all"}}):
        res = client.get(f"/01/{scene['gtin']}/10/L%2F26-A", **kwargs)
        assert res.status_code == 200 and res.mimetype == "application/linkset+json"
    res = client.get(f"/01/{scene['gtin']}/10/L%2F26-A", headers={"Accept": "application/linkset+json"})
    assert res.mimetype == "application/linkset+json"
    [entry] = res.get_json()["linkset"]
    assert entry["anchor"] == f"{BASE}/01/{scene['gtin']}/10/L%2F26-A"
    voc = "https://gs1.org/voc/"
    assert {voc + "pip", voc + "defaultLink", voc + "certificationInfo", voc + "traceability"} <= set(entry)
    for key, targets in entry.items():
        if key != "anchor":
            assert all(t["href"].startswith(BASE) and t["title"] for t in targets)
    assert entry[voc + "traceability"][0]["href"] == f"{BASE}/api/v1/batches/{scene['batch']['id']}/events"


def test_known_link_types_redirect_and_unknown_ones_are_404(scene, client):
    res = client.get(f"/01/{scene['gtin']}?linkType=gs1:certificationInfo")
    assert res.status_code == 307 and re.search(r"/verify/\d+$", res.headers["Location"])
    res = client.get(f"/01/{scene['gtin']}?linkType=https://gs1.org/voc/pip&lang=en")
    assert res.status_code == 307 and res.headers["Location"] == f"{BASE}/01/{scene['gtin']}?lang=en"
    res = client.get(f"/01/{scene['gtin']}?linkType=gs1:recipeInfo", headers=JSON)
    assert res.status_code == 404 and "gs1:recipeInfo" in res.get_json()["detail"]
    # traceability needs a lot
    assert client.get(f"/01/{scene['gtin']}?linkType=gs1:traceability").status_code == 404


@pytest.mark.parametrize(
    ("path", "field", "rule"),
    [
        ("/01/8938600000018", "01", "gtin_check_digit"),
        ("/01/89386000", "01", "gtin_check_digit"),
        ("/01/123", "01", "gtin_format"),
        ("/01/08938600000019/21/S1/10/L1", "10", "dl_qualifier_order"),
        ("/01/08938600000019/17/270101", "17", "dl_qualifier_unknown"),
        ("/01/08938600000019/10/" + "A" * 21, "10", "dl_charset"),
        ("/01/08938600000019/10", "10", "dl_value_missing"),
        ("/01/08938600000019?17=271399", "17", "dl_attribute_format"),
    ],
)
def test_malformed_paths_get_a_400_that_says_what_is_wrong(client, path, field, rule):
    res = client.get(path, headers={**JSON, "Accept-Language": "en"})
    assert res.status_code == 400 and res.mimetype == "application/problem+json"
    [error] = res.get_json()["errors"]
    assert (error["field"], error["rule"]) == (field, rule) and field in error["message"]
    page = client.get(path, headers=HTML)
    assert page.status_code == 400 and "Đường dẫn mã sản phẩm không hợp lệ" in page.get_data(as_text=True)


def test_unknown_gtin_or_lot_is_a_friendly_404(scene, client):
    res = client.get(f"/01/{valid_gtin13(99).zfill(14)}", headers=HTML)
    assert res.status_code == 404 and "chưa được đăng ký" in res.get_data(as_text=True)
    res = client.get(f"/01/{scene['gtin']}/10/NOPE", headers={**JSON, "Accept-Language": "en"})
    assert res.status_code == 404 and "no lot NOPE" in res.get_json()["detail"]


def test_a_consumer_follows_the_scan_pages_link_to_report_a_problem_with_the_csrf_token_and_no_login(scene, client):
    url = f"/01/{scene['gtin']}/10/L%2F26-A"
    page = client.get(url, headers=HTML).get_data(as_text=True)
    assert "csrf_token" not in page and "<form" not in page
    link = re.search(r'<a class="btn" href="([^"]+)">Báo cáo vấn đề</a>', page).group(1)
    assert link == url + "/report?lang=vi"
    form = client.get(link, headers=HTML)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "private, no-store"
    text = form.get_data(as_text=True)
    assert "Chè xanh Tân Cương" in text and "L/26-A" in text and 'name="kind"' in text
    assert f'action="{url}/report?lang=vi"' in text and f'href="{url}?lang=vi"' in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    assert client.post(url + "/report", data={"kind": "counterfeit", "message": "x"}).status_code == 400
    bad = client.post(url + "/report", data={"csrf_token": token, "kind": "spam", "message": "", "contact": "0911"})
    assert bad.status_code == 422
    bad_text = bad.get_data(as_text=True)
    # each error sits beside its field, and what was typed is kept
    assert re.search(r'<label for="message">Mô tả</label><p class="err" id="message-error" role="alert">\w', bad_text)
    assert re.search(r'<label for="kind">Loại vấn đề</label><p class="err" id="kind-error"', bad_text)
    assert 'name="contact" maxlength="255" value="0911"' in bad_text and "L/26-A" in bad_text
    assert db.session.scalar(db.select(db.func.count(ConsumerReport.id))) == 0
    res = client.post(
        url + "/report",
        data={"csrf_token": token, "kind": "counterfeit", "message": "Bao bì khác\nmàu", "contact": "0900"},
    )
    assert res.status_code == 200 and "Cảm ơn" in res.get_data(as_text=True)
    assert f'href="{url}?lang=vi"' in res.get_data(as_text=True)
    report = db.session.scalars(db.select(ConsumerReport)).one()
    assert (report.product_id, report.batch_id) == (scene["product"]["id"], scene["batch"]["id"])
    assert (report.kind, report.message, report.contact, report.status) == (
        "counterfeit",
        "Bao bì khác\nmàu",
        "0900",
        "open",
    )


def test_the_report_page_speaks_the_scan_pages_language_and_knows_unknown_products(scene, client):
    url = f"/01/{scene['gtin']}"
    page = client.get(url + "?lang=en", headers=HTML).get_data(as_text=True)
    link = re.search(r'<a class="btn" href="([^"]+)">Report a problem</a>', page).group(1)
    text = client.get(link, headers=HTML).get_data(as_text=True)
    assert 'lang="en"' in text and "Kind of problem" in text and "Send report" in text
    assert client.get(f"/01/{valid_gtin13(98).zfill(14)}/report", headers=HTML).status_code == 404
    assert client.get("/01/08938600000018/report", headers=HTML).status_code == 400  # bad check digit
    # a lot spelled "report" is a batch's scan page, and its form is one step further
    made = client.post(
        "/api/v1/batches",
        headers=scene["h"],
        json={"product_id": scene["product"]["id"], "lot": "report", "produced_on": "2026-04-01"},
    )
    assert made.status_code == 201
    lot = client.get(url + "/10/report?lang=en", headers=HTML)
    assert lot.status_code == 200 and lot.headers["Vary"] == "Accept, Accept-Language" and "csrf_token" not in lot.text
    assert client.get(url + "/10/report/report", headers=HTML).status_code == 200


def test_a_scan_answer_sets_no_cookie_and_varies_only_on_accept_and_language(scene, client):
    url = f"/01/{scene['gtin']}/10/L%2F26-A"
    for headers, query in ((HTML, ""), (HTML, "?lang=en"), (JSON, ""), ({"Accept": "application/linkset+json"}, "")):
        res = client.get(url + query, headers=headers)
        assert res.status_code == 200 and res.headers.getlist("Set-Cookie") == []
        assert res.headers["Vary"] == "Accept, Accept-Language"
    # the page the form is on does set the session cookie its CSRF token needs
    assert client.get(url + "/report", headers=HTML).headers.getlist("Set-Cookie")


def test_the_resolver_describes_itself_at_well_known(client):
    data = client.get("/.well-known/gs1resolver").get_json()
    assert data["resolverRoot"] == BASE and data["supportedPrimaryKeys"] == ["gtin"]
    assert data["linkTypeDefaultCanBeLinkset"] is True


def test_the_epcis_link_gives_the_batch_events_as_epcis_2_json_ld(scene, client):
    res = client.get(f"/01/{scene['gtin']}/10/L%2F26-A?linkType=gs1:epcis")
    assert res.status_code == 307
    doc = client.get(res.headers["Location"].removeprefix(BASE))
    assert doc.status_code == 200 and doc.mimetype == "application/ld+json"
    body = doc.get_json()
    assert body["type"] == "EPCISDocument" and body["schemaVersion"] == "2.0"
    transform, pack = body["epcisBody"]["eventList"]
    # the organisation has no GS1 company prefix on record: GS1 Digital Link URIs, not EPC URNs split by guesswork
    # (tests/api/test_epcis_export.py covers the URN forms and GS1's schema)
    assert transform["outputQuantityList"][0]["epcClass"] == f"{BASE}/01/{scene['gtin']}/10/L%2F26-A"
    assert transform["inputQuantityList"][0]["epcClass"].endswith("/10/BT-01")
    assert transform["type"] == "TransformationEvent" and "action" not in transform
    assert transform["eventTime"] == "2026-04-02T08:30:00+07:00" and transform["eventTimeZoneOffset"] == "+07:00"
    assert pack["type"] == "ObjectEvent" and pack["action"] == "OBSERVE"
    assert pack["bizStep"] == "https://ref.gs1.org/cbv/BizStep-packing"
    assert pack["readPoint"]["id"] == "https://id.gs1.org/414/8938600000064"
