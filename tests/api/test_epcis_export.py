"""The EPCIS 2.0 export of batches validates against GS1's schema, with Rec 20 units, SGLNs and CBV terms."""

from __future__ import annotations

import re

from registry.extensions import db
from registry.models import Commune
from registry.services import gs1
from registry.services.epcis_capture import CONTEXT_PATH, SCHEMA_PATH
from tests.helpers import valid_gtin13
from tests.standards_dir import cbv_terms, epcis_validator, load, need_epcis

CBV = "https://ref.gs1.org/cbv/"


def _gln(body12: str) -> str:
    return body12 + str(gs1.check_digit(body12))


def _world(world, client, prefix: str | None = "8938600"):
    h = world.headers(world.admin)
    org = world.organization(**({"gs1_company_prefix": prefix} if prefix else {}))
    leaf, tea = (
        client.post(
            "/api/v1/products",
            headers=h,
            json={"organization_id": org.id, "name": name, "gtin": valid_gtin13(n, prefix or "893860")},
        ).get_json()
        for n, name in ((11, "Chè búp tươi"), (12, "Chè xanh"))
    )
    commune_id = db.session.scalar(db.select(Commune.id).where(Commune.name == "Xã Tân Cương"))
    harvest = client.post(
        "/api/v1/batches",
        headers=h,
        json={"product_id": leaf["id"], "lot": "BT/01", "quantity": 120.5, "unit": "KGM"},
    ).get_json()
    made = client.post(
        "/api/v1/batches",
        headers=h,
        json={"product_id": tea["id"], "lot": "L-26", "quantity": 400, "unit": "XPK"},
    ).get_json()
    gln = _gln(("8938600" if prefix else "8938699") + "00010")
    events = [
        (
            harvest["id"],
            {"biz_step": "harvesting", "occurred_at": "2026-04-01T06:00:00+07:00", "commune_id": commune_id},
        ),
        (
            made["id"],
            {
                "biz_step": "transforming",
                "occurred_at": "2026-04-02T08:30:00+07:00",
                "gln": gln,
                "input_batch_ids": [harvest["id"]],
                "disposition": "in_progress",
            },
        ),
        (
            made["id"],
            {
                "biz_step": "shipping",
                "occurred_at": "2026-04-03T14:00:00+07:00",
                "gln": gln,
                "disposition": "in_transit",
            },
        ),
    ]
    for batch_id, event in events:
        res = client.post(f"/api/v1/batches/{batch_id}/events", headers=h, json=event)
        assert res.status_code == 201, res.get_json()
    return harvest, made, gln


def test_the_vendored_schema_and_context_are_gs1s_files():
    assert load(SCHEMA_PATH) == load(need_epcis() / "EPCIS-JSON-Schema.json")
    assert load(CONTEXT_PATH) == load(need_epcis() / "epcis-context.jsonld")


def test_exports_of_harvest_transformation_and_shipping_validate_against_gs1s_schema(world, client):
    validator = epcis_validator()
    harvest, made, gln = _world(world, client)
    steps, dispositions = cbv_terms("bizstep"), cbv_terms("disposition")
    for batch in (harvest, made):
        doc = client.get(f"/api/v1/batches/{batch['id']}/epcis").get_json()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert errors == [], errors
        for event in doc["epcisBody"]["eventList"]:
            if event["bizStep"].startswith(CBV):
                assert event["bizStep"].removeprefix(CBV + "BizStep-") in steps
            if "disposition" in event:
                assert event["disposition"].removeprefix(CBV + "Disp-") in dispositions
    transform, ship = client.get(f"/api/v1/batches/{made['id']}/epcis").get_json()["epcisBody"]["eventList"]
    assert transform["type"] == "TransformationEvent"
    assert transform["inputQuantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:8938600.000011.BT%2F01", "quantity": 120.5, "uom": "KGM"}
    ]
    assert transform["outputQuantityList"][0]["uom"] == "XPK"
    # the organisation's prefix splits the GLN: 7 digits of company prefix, 5 of location reference
    assert ship["readPoint"] == {"id": f"urn:epc:id:sgln:8938600.{gln[7:12]}.0"}
    assert ship["bizStep"] == CBV + "BizStep-shipping" and ship["disposition"] == CBV + "Disp-in_transit"
    assert ship["action"] == "OBSERVE"


def test_without_a_known_company_prefix_the_export_uses_digital_link_forms(world, client):
    validator = epcis_validator()
    _, made, gln = _world(world, client, prefix=None)
    doc = client.get(f"/api/v1/batches/{made['id']}/epcis").get_json()
    assert list(validator.iter_errors(doc)) == []
    transform, ship = doc["epcisBody"]["eventList"]
    assert ship["readPoint"] == {"id": f"https://id.gs1.org/414/{gln}"}
    assert re.fullmatch(
        r"https://registry\.example\.vn/01/0\d{13}/10/L-26", transform["outputQuantityList"][0]["epcClass"]
    )
    assert transform["inputQuantityList"][0]["epcClass"].endswith("/10/BT%2F01")


def test_a_batch_unit_must_be_a_rec20_code_named_in_both_languages(world, client):
    h = world.headers(world.admin)
    org = world.organization()
    product = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong", "gtin": valid_gtin13(21)}
    ).get_json()
    res = client.post("/api/v1/batches", headers=h, json={"product_id": product["id"], "lot": "M1", "unit": "kg"})
    assert res.status_code == 422 and res.get_json()["errors"][0]["field"] == "unit"
    res = client.post("/api/v1/batches", headers=h, json={"product_id": product["id"], "lot": "M1", "unit": "LTR"})
    assert res.status_code == 201 and res.get_json()["unit"] == "LTR"


def test_the_registrys_own_trace_events_answer_the_simple_query_too(world, client):
    harvest, made, gln = _world(world, client)
    h = world.headers(world.admin)
    exported = {
        e["eventID"]: e
        for b in (harvest, made)
        for e in client.get(f"/api/v1/batches/{b['id']}/epcis").get_json()["epcisBody"]["eventList"]
    }
    validator = epcis_validator()

    def found(query: str) -> list[dict]:
        res = client.get(f"/epcis/events?{query}", headers=h)
        assert res.status_code == 200, res.get_json()
        assert list(validator.iter_errors(res.get_json())) == []
        return res.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]

    every = found("")
    assert [e["eventTime"][:10] for e in every] == ["2026-04-01", "2026-04-02", "2026-04-03"]
    for event in every:
        assert {k: v for k, v in event.items() if k != "recordTime"} == exported[event["eventID"]]
    steps = {"shipping": 1, "https://ref.gs1.org/cbv/BizStep-shipping": 1, "harvesting": 1, "packing": 0}
    for step, n in steps.items():
        assert len(found(f"EQ_bizStep={step}")) == n, step
    assert [e["type"] for e in found("eventType=TransformationEvent")] == ["TransformationEvent"]
    assert found("eventType=AggregationEvent") == []
    harvest_class = "urn:epc:class:lgtin:8938600.000011.BT%2F01"
    assert len(found(f"MATCH_epcClass={harvest_class.replace('%', '%25')}")) == 2  # harvested, then an input
    assert found("MATCH_anyEPC=urn:epc:id:sgtin:8938600.000011.1") == []
    assert len(found(f"EQ_bizLocation=urn:epc:id:sgln:8938600.{gln[7:12]}.0")) == 2
    assert len(found("GE_eventTime=2026-04-02T00:00:00%2B07:00&LT_eventTime=2026-04-03T00:00:00%2B07:00")) == 1
    # a captured event at the very time of the transformation: pages keep one order, nothing twice or lost
    captured = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-04-02T09:00:00+07:00",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventID": "urn:uuid:5f0c1f1e-7d3c-4c55-9a55-2f9d1b6a0c01",
                    "eventTime": "2026-04-02T08:30:00+07:00",
                    "eventTimeZoneOffset": "+07:00",
                    "action": "OBSERVE",
                    "bizStep": "inspecting",
                    "quantityList": [{"epcClass": harvest_class, "quantity": 2, "uom": "KGM"}],
                    "readPoint": {"id": f"urn:epc:id:sgln:8938600.{gln[7:12]}.0"},
                }
            ]
        },
    }
    assert client.post("/epcis/capture", headers=h, json=captured).status_code == 202
    for per_page in (1, 2, 3):
        pages, url = [], f"/epcis/events?perPage={per_page}"
        while url:
            res = client.get(url, headers=h)
            pages += res.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            link = res.headers.get("Link")
            url = link[1 : link.index(">")] if link else None
        ids = [e["eventID"] for e in pages]
        assert ids == [e["eventID"] for e in found("perPage=10")] and len(ids) == len(set(ids)) == 4
    assert len(found(f"MATCH_epcClass={harvest_class.replace('%', '%25')}")) == 3
