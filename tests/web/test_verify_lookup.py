"""The public certificate lookup (by number, holder, tax code, product, barcode, standard or body) and the
list and feeds of certificates suspended or withdrawn in the last 90 days."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import time_machine

from tests.helpers import valid_gtin13

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def issued(world, client):
    h = world.headers(world.admin)
    today = date.today()
    org = world.organization(name="Hợp tác xã Chè Tân Cương Xanh")
    other = world.organization(name="Công ty Nước mắm Phú Quốc")
    body = world.body("Trung tâm Chứng nhận Phù hợp")
    gtin = valid_gtin13(4242)
    product = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Chè búp Đồng Hỷ", "gtin": gtin}
    ).get_json()
    standard = client.post(
        "/api/v1/standards", headers=h, json={"kind": "tcvn", "code": "TCVN 9740:2013", "title": "Chè xanh"}
    ).get_json()

    def cert(number, holder, **extra):
        res = client.post(
            "/api/v1/certificates",
            headers=h,
            json={
                "number": number,
                "certification_body_id": body.id,
                "organization_id": holder.id,
                "category": "product_standard",
                "issued_on": (today - timedelta(days=30)).isoformat(),
                **extra,
            },
        )
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    tea = cert("ĐC-77/TQ", org, product_ids=[product["id"]], standard_ids=[standard["id"]])
    sauce = cert("NM-0001", other)
    return {"tea": tea, "sauce": sauce, "org": org, "other": other, "gtin": gtin, "body": body}


def _found(client, q, **args):
    res = client.get("/verify", query_string={"q": q, "format": "json", **args})
    assert res.status_code == 200
    return {i["number"] for i in res.get_json()["items"]}


@pytest.mark.parametrize(
    "q",
    [
        "dc-77",  # the number, without its diacritics, in part
        "ĐC-77/TQ",
        "che tan cuong",  # the holder's name, accent-free
        "CHÈ TÂN CƯƠNG",
        "dong hy",  # a product's name
        "TCVN 9740",  # a standard's code
        "che xanh",  # a standard's title (and the holder's name)
    ],
)
def test_a_certificate_is_found_by_what_a_person_has_at_hand(client, issued, q):
    assert _found(client, q) == {"ĐC-77/TQ"}


def test_the_tax_code_barcode_and_body_find_their_certificates(client, issued):
    assert _found(client, issued["org"].tax_code) == {"ĐC-77/TQ"}
    assert _found(client, issued["gtin"]) == {"ĐC-77/TQ"}
    assert _found(client, "0" + issued["gtin"]) == {"ĐC-77/TQ"}  # as GTIN-14
    assert _found(client, "chung nhan phu hop") == {"ĐC-77/TQ", "NM-0001"}
    assert _found(client, "nuoc mam") == {"NM-0001"}
    assert _found(client, "nothing like this") == set()
    assert _found(client, "nuoc mam", body=issued["body"].id + 1000) == set()


def test_the_older_number_parameter_still_searches(client, issued):
    page = client.get("/verify?number=nm-0001").get_data(as_text=True)
    assert "NM-0001" in page and 'name="q"' in page and issued["other"].tax_code in page


def test_suspensions_and_withdrawals_of_the_last_90_days_are_listed_with_their_reason(world, client, issued):
    h = world.headers(world.admin)
    old = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "OLD-1",
            "certification_body_id": issued["body"].id,
            "organization_id": issued["other"].id,
            "category": "gap",
            "issued_on": (date.today() - timedelta(days=400)).isoformat(),
        },
    ).get_json()
    with time_machine.travel(date.today() - timedelta(days=91), tick=False):
        res = client.post(f"/api/v1/certificates/{old['id']}/transitions", headers=h, json={"action": "suspend",
                          "reason": "Long ago"})  # fmt: skip
        assert res.status_code == 200, res.get_json()
    for cert, action, reason in ((issued["tea"], "suspend", "Mẫu thử không đạt"), (issued["sauce"], "withdraw", "Hết")):
        res = client.post(
            f"/api/v1/certificates/{cert['id']}/transitions", headers=h, json={"action": action, "reason": reason}
        )
        assert res.status_code == 200, res.get_json()

    data = client.get("/verify/changes.json").get_json()
    assert [(i["number"], i["action"], i["reason"], i["status_now"]) for i in data["items"]] == [
        ("NM-0001", "withdraw", "Hết", "withdrawn"),
        ("ĐC-77/TQ", "suspend", "Mẫu thử không đạt", "suspended"),
    ]
    page = client.get("/verify/changes").get_data(as_text=True)
    assert "Mẫu thử không đạt" in page and "ĐÃ BỊ THU HỒI" in page and "OLD-1" not in page
    assert "Suspended" in client.get("/verify/changes?lang=en").get_data(as_text=True)

    feed = client.get("/verify/changes.atom?lang=en")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == [f"Withdrawn: NM-0001 — {issued['other'].name}", f"Suspended: ĐC-77/TQ — {issued['org'].name}"]
    assert root.find(f"{ATOM}updated").text.endswith("Z")
    vi = ET.fromstring(client.get("/verify/changes.atom").data)
    assert vi.findall(f"{ATOM}entry")[0].find(f"{ATOM}title").text.startswith("Thu hồi: NM-0001")


def test_no_changes_reads_so(client):
    assert "Không có chứng chỉ nào bị đình chỉ" in client.get("/verify/changes").get_data(as_text=True)
    assert client.get("/verify/changes.json").get_json()["items"] == []
    assert ET.fromstring(client.get("/verify/changes.atom").data).findall(f"{ATOM}entry") == []
