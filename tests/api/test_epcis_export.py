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
