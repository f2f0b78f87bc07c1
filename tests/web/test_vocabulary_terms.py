"""Every URI the EPCIS export mints under the public base URL dereferences: our vocabulary terms, the
communes and provinces events happen in, and the events themselves (JSON-LD for programs, pages for people)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from registry import vocabulary
from registry.extensions import db
from registry.models import Commune
from tests.helpers import valid_gtin13

BASE = "https://registry.example.vn"
CBV = "https://ref.gs1.org/cbv/"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
LD = {"Accept": "application/ld+json"}


@pytest.fixture
def traced(world, client) -> dict[str, Any]:
    """Tea leaves harvested and processed, then made into a packed, shipped and received lot of tea."""
    h = world.headers(world.admin)
    org = world.organization(commune="Xã Tân Cương")
    made = []
    for n, name in ((21, "Chè búp tươi"), (22, "Chè xanh Tân Cương")):
        product = {"organization_id": org.id, "name": name, "gtin": valid_gtin13(n)}
        made.append(client.post("/api/v1/products", headers=h, json=product).get_json())
    leaf = client.post("/api/v1/batches", headers=h, json={"product_id": made[0]["id"], "lot": "BT-7"}).get_json()
    tea = client.post("/api/v1/batches", headers=h, json={"product_id": made[1]["id"], "lot": "CX/26"}).get_json()
    commune = db.session.scalar(db.select(Commune).where(Commune.name == "Xã Tân Cương"))
    steps = [
        (leaf, {"biz_step": "harvesting", "disposition": "active"}),
        (leaf, {"biz_step": "processing", "disposition": "in_progress"}),
        (tea, {"biz_step": "transforming", "input_batch_ids": [leaf["id"]]}),
        (tea, {"biz_step": "packing"}),
        (tea, {"biz_step": "shipping", "disposition": "in_transit"}),
        (tea, {"biz_step": "receiving", "disposition": "sellable_accessible"}),
    ]
    for day, (batch, event) in enumerate(steps, start=1):
        event |= {"occurred_at": f"2026-05-{day:02d}T08:00:00+07:00", "commune_id": commune.id}
        res = client.post(f"/api/v1/batches/{batch['id']}/events", headers=h, json=event)
        assert res.status_code == 201, res.get_json()
    return {"leaf": leaf, "tea": tea, "commune": commune, "h": h}


def export(client, batch: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    res = client.get(f"/api/v1/batches/{batch['id']}/epcis")
    assert res.status_code == 200 and res.mimetype == "application/ld+json"
    return res.get_json()


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def ours(node: Any) -> set[str]:
    return {s for s in strings(node) if s.startswith(BASE + "/")}


def test_every_uri_the_epcis_export_mints_under_the_base_url_answers_200(traced, client):
    minted = ours(export(client, traced["leaf"])) | ours(export(client, traced["tea"]))
    assert {f"{BASE}/voc/BizStep-{step}" for step in ("harvesting", "processing", "transforming")} <= minted
    assert f"{BASE}/places/communes/{traced['commune'].code}" in minted
    assert sum("/events/" in uri for uri in minted) == 6
    # Follow them, and whatever our JSON-LD answers link to under the base URL in turn.
    seen: set[str] = set()
    todo = sorted(minted)
    while todo:
        uri = todo.pop()
        if uri in seen:
            continue
        seen.add(uri)
        res = client.get(uri.removeprefix(BASE), headers=LD)
        assert res.status_code == 200, uri
        body = res.get_json()
        if res.mimetype == "application/ld+json":
            if "linkset" in body:  # a Digital Link (a lot's LGTIN): the resolver's linkset, anchored at it
                assert body["linkset"][0]["anchor"] == uri.split("?")[0]
            elif set(body) == {"@context"}:  # a JSON-LD context (the linkset's), a document without a subject
                pass
            elif body.get("type") == "EPCISDocument":  # a lot's whole EPCIS document, which has no @id
                assert uri.endswith("/epcis")
            else:
                assert body.get("@id") == uri, (uri, sorted(body))
            todo.extend(sorted(ours(body) - seen))
        page = client.get(uri.removeprefix(BASE), headers=HTML)
        assert page.status_code == 200, uri
    assert f"{BASE}/places/provinces/thai-nguyen" in seen and f"{BASE}/voc/" in seen


def test_standard_steps_and_dispositions_use_cbv_and_only_the_missing_steps_are_ours(traced, client):
    events = export(client, traced["leaf"])["epcisBody"]["eventList"]
    events += export(client, traced["tea"])["epcisBody"]["eventList"]
    steps = [e["bizStep"] for e in events]
    assert steps == [
        f"{BASE}/voc/BizStep-harvesting",
        f"{BASE}/voc/BizStep-processing",
        f"{BASE}/voc/BizStep-transforming",
        f"{CBV}BizStep-packing",
        f"{CBV}BizStep-shipping",
        f"{CBV}BizStep-receiving",
    ]
    assert [e.get("disposition") for e in events] == [
        f"{CBV}Disp-active",
        f"{CBV}Disp-in_progress",
        None,
        None,
        f"{CBV}Disp-in_transit",
        f"{CBV}Disp-sellable_accessible",
    ]
    # The harvest is where the lot begins to exist (ADD); later steps observe it.
    assert [e.get("action") for e in events] == ["ADD", "OBSERVE", None, "OBSERVE", "OBSERVE", "OBSERVE"]


def test_a_term_is_defined_in_json_ld_in_vietnamese_and_english_with_the_nearest_gs1_term(client):
    res = client.get("/voc/BizStep-harvesting")
    assert res.status_code == 200 and res.mimetype == "application/ld+json"
    assert res.headers["Access-Control-Allow-Origin"] == "*" and "Accept" in res.headers["Vary"]
    term = res.get_json()
    assert term["@id"] == f"{BASE}/voc/BizStep-harvesting" and "skos:Concept" in term["@type"]
    assert term["@context"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    assert term["skos:inScheme"] == {"@id": f"{BASE}/voc/"} and term["skos:notation"] == "harvesting"
    labels = {t["@language"]: t["@value"] for t in term["rdfs:label"]}
    assert labels == {"vi": "Thu hoạch", "en": "Harvesting"}
    comments = {t["@language"]: t["@value"] for t in term["rdfs:comment"]}
    assert set(comments) == {"vi", "en"} and all(len(c) > 40 for c in comments.values())
    assert {"@id": f"{CBV}BizStep-commissioning"} in term["rdfs:seeAlso"]
    transforming = client.get("/voc/BizStep-transforming", headers={"Accept": "application/json"})
    assert transforming.mimetype == "application/json"
    assert transforming.get_json()["rdfs:seeAlso"] == [{"@id": "https://ref.gs1.org/epcis/TransformationEvent"}]


def test_the_index_lists_every_own_term_and_the_cbv_terms_in_use(client):
    scheme = client.get("/voc/").get_json()
    assert scheme["@type"] == "skos:ConceptScheme" and scheme["@id"] == f"{BASE}/voc/"
    own = {f"{BASE}/voc/BizStep-{code}" for code in vocabulary.OWN_BIZ_STEPS}
    assert {t["@id"] for t in scheme["skos:hasTopConcept"]} == own
    assert {"@id": f"{CBV}BizStep-shipping"} in scheme["rdfs:seeAlso"]
    assert {"@id": f"{CBV}Disp-recalled"} in scheme["rdfs:seeAlso"]
    page = client.get("/voc/", headers=HTML).get_data(as_text=True)
    for code in vocabulary.OWN_BIZ_STEPS:
        assert f'href="/voc/BizStep-{code}"' in page
    assert f'href="{CBV}BizStep-packing"' in page and "Chế biến từ nguyên liệu" in page


def nonces_match(res) -> bool:  # type: ignore[no-untyped-def]
    """Every inline <style>/<script> carries the nonce the CSP header names, and the CSP allows no inline code."""
    policy = res.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    tags = re.findall(r"<(?:style|script)\b([^>]*)>", res.get_data(as_text=True))
    return (
        nonce is not None
        and "unsafe-inline" not in policy
        and all(f'nonce="{nonce.group(1)}"' in attrs for attrs in tags)
    )


def test_a_browser_gets_the_term_page_in_vietnamese_then_english(client):
    res = client.get("/voc/BizStep-processing", headers=HTML)
    assert res.status_code == 200 and res.mimetype == "text/html" and nonces_match(res)
    page = res.get_data(as_text=True)
    assert '<html lang="vi">' in page and '<h1><span lang="vi">Chế biến</span>' in page
    assert "Processing" in page and "Định nghĩa" in page and "Definition" in page and "<script" not in page
    english = client.get("/voc/BizStep-processing?lang=en", headers=HTML).get_data(as_text=True)
    assert '<html lang="en">' in english and '<h1><span lang="en">Processing</span>' in english
    assert "Traceability vocabulary" in english
    by_header = client.get("/voc/", headers={**HTML, "Accept-Language": "en"})
    assert "<h1>Traceability vocabulary</h1>" in by_header.get_data(as_text=True)


def test_a_cbv_term_asked_for_under_our_prefix_moves_to_gs1(client):
    res = client.get("/voc/BizStep-shipping")
    assert res.status_code == 301 and res.headers["Location"] == f"{CBV}BizStep-shipping"
    res = client.get("/voc/Disp-in_transit", headers=HTML)
    assert res.status_code == 301 and res.headers["Location"] == f"{CBV}Disp-in_transit"


@pytest.mark.parametrize(
    "path",
    [
        "/voc/BizStep-fishing",
        "/voc/Disp-harvesting",
        "/voc/Foo-harvesting",
        "/voc/BizStep-",
        "/voc/a/b",
        "/places/communes/99999",
        "/places/communes/abc",
        "/places/provinces/atlantis",
        "/places/districts/1",
    ],
)
def test_an_unknown_term_or_place_is_404_as_a_problem_or_a_page(client, path):
    res = client.get(path, headers={**LD, "Accept-Language": "en"})
    assert res.status_code == 404 and res.mimetype == "application/problem+json"
    assert res.get_json() == {
        "type": "https://registry.invalid/problems/not_found",
        "title": "Not found",
        "status": 404,
        "instance": path,
    }
    assert client.get(path, headers={"Accept": "application/json"}).get_json()["title"] == "Không tìm thấy"
    page = client.get(path, headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html" and "Không tìm thấy" in page.get_data(as_text=True)


def test_a_commune_is_a_place_inside_its_province_in_json_ld(client):
    commune = db.session.scalar(db.select(Commune).where(Commune.name == "Xã Tân Cương"))
    place = client.get(f"/places/communes/{commune.code}").get_json()
    assert place["@id"] == f"{BASE}/places/communes/{commune.code}" and place["@type"] == "schema:AdministrativeArea"
    names = {t["@language"]: t["@value"] for t in place["schema:name"]}
    assert names == {"vi": "Xã Tân Cương", "en": "Tân Cương Commune"}
    assert place["schema:identifier"]["schema:value"] == commune.code
    province = place["schema:containedInPlace"]
    assert province["@id"] == f"{BASE}/places/provinces/thai-nguyen"
    assert {t["@language"]: t["@value"] for t in province["schema:name"]}["vi"] == "Tỉnh Thái Nguyên"
    about = {t["@language"]: t["@value"] for t in place["schema:description"]}
    assert "Tỉnh Thái Nguyên" in about["vi"] and "Thai Nguyen Province" in about["en"] and "geo" not in place
    assert place["schema:address"]["schema:addressCountry"] == "VN"
    whole = client.get("/places/provinces/thai-nguyen").get_json()
    count = len(client.get("/api/v1/provinces/thai-nguyen/communes").get_json())
    assert f"{count} xã" in {t["@language"]: t["@value"] for t in whole["schema:description"]}["vi"]


def test_a_browser_gets_the_commune_and_province_pages_in_both_languages(client):
    commune = db.session.scalar(db.select(Commune).where(Commune.name == "Xã Tân Cương"))
    res = client.get(f"/places/communes/{commune.code}", headers=HTML)
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and nonces_match(res) and '<html lang="vi">' in page
    assert '<h1><span lang="vi">Xã Tân Cương</span>' in page and 'href="/places/provinces/thai-nguyen"' in page
    english = client.get(f"/places/communes/{commune.code}?lang=en", headers=HTML).get_data(as_text=True)
    assert '<h1><span lang="en">Tân Cương Commune</span>' in english and "Administrative unit code" in english
    province = client.get("/places/provinces/thai-nguyen", headers=HTML).get_data(as_text=True)
    assert f'href="/places/communes/{commune.code}"' in province and "Tỉnh Thái Nguyên" in province


def test_the_epcis_event_id_is_the_event_in_the_api(traced, client):
    event = export(client, traced["tea"])["epcisBody"]["eventList"][0]
    res = client.get(event["eventID"].removeprefix(BASE))
    assert res.status_code == 200
    data = res.get_json()
    assert data["biz_step"] == "transforming" and data["input_batch_ids"] == [traced["leaf"]["id"]]
    assert data["batch_id"] == traced["tea"]["id"]
    wrong_batch = (
        event["eventID"]
        .removeprefix(BASE)
        .replace(f"/batches/{traced['tea']['id']}/", f"/batches/{traced['leaf']['id']}/")
    )
    assert client.get(wrong_batch).status_code == 404
