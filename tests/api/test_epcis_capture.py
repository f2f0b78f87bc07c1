"""EPCIS 2.0 capture and query (REST binding): GS1's 47 official examples go in and come back equal in meaning."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pyld.jsonld import JsonLdError

from registry.extensions import db
from registry.models import Batch, TraceEvent
from registry.services import products
from registry.services.epcis_capture import CAPTURE_LIMIT, events_of, identifiers, parse_time
from registry.services.epcis_ids import parse_key
from tests.standards_dir import epcis_validator, expand, load, need_epcis

# Every GS1 company prefix the official examples use, each given to an organisation of the test world.
PREFIXES = (
    "0614141", "4012345", "4023333", "4000001", "9520001", "0012345",
    "0037000", "952005385", "9524567", "9529999", "9506000", "95252084",
)  # fmt: skip
# The examples the capture interface refuses, and the reason the standard gives for it.
REFUSED = {
    # EPCIS 2.0 §8.2 / REST binding: capture takes an EPCISDocument; a query document is what a query answers.
    "EPCISQueryDocument.jsonld": (400, "epcisException:ValidationException"),
    # JSON-LD 1.1 §4.1.11: its @context redefines `cbvmda`, a protected term of GS1's context, after that context;
    # a JSON-LD processor (pyld here) stops with "protected term redefinition", so the document has no meaning.
    "WithFullCombinationOfFields/transformation_event_all_possible_fields.jsonld": (
        400,
        "epcisException:ValidationException",
    ),
}
QUERY_EXAMPLES = (
    "Example_9.6.1-ObjectEvent.jsonld",
    "Example_9.6.3-AggregationEvent.jsonld",
    "Example_9.6.4-TransformationEvent.jsonld",
    "Example-TransactionEvents-2020_07_03y.jsonld",
)
RECORD_TIME = "https://ref.gs1.org/epcis/recordTime"


def examples() -> list[Path]:
    root = need_epcis() / "JSON"
    return sorted(root.rglob("*.jsonld"))


def _example_ids() -> list[str]:
    try:
        return [str(p.relative_to(need_epcis() / "JSON")) for p in examples()]
    except pytest.skip.Exception:
        return []


@pytest.fixture
def gs1_world(world):
    """Organisations owning the examples' company prefixes, and a product for every GTIN whose lots they name."""
    orgs = {p: world.organization(name=f"Công ty GS1 {p}", gs1_company_prefix=p) for p in PREFIXES}
    gtins: set[str] = set()
    for path in examples():
        for event in events_of(load(path)):
            for _, value in identifiers(event):
                key = parse_key(value)
                if key is not None and key.gtin and key.lot:
                    gtins.add(key.gtin)
    for n, gtin in enumerate(sorted(gtins)):
        owner = max((p for p in PREFIXES if gtin[1:].startswith(p)), key=len)
        products.create_product(world.admin, {"organization_id": orgs[owner].id, "name": f"Sản phẩm {n}", "gtin": gtin})
    return orgs


def _canon(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _expanded_events(document: dict[str, Any]) -> Counter[str]:
    """Each event expanded (JSON-LD) in its document's context, recordTime left out (EPCIS 2.0: the repository sets
    it, a captured one is ignored)."""
    found: Counter[str] = Counter()
    body = document["epcisBody"]
    events = body["queryResults"]["resultsBody"]["eventList"] if "queryResults" in body else body["eventList"]
    for event in events:
        wrapped = {"@context": document["@context"], **{k: v for k, v in event.items() if k != "recordTime"}}
        if "@context" in event:
            own = event["@context"] if isinstance(event["@context"], list) else [event["@context"]]
            top = document["@context"] if isinstance(document["@context"], list) else [document["@context"]]
            wrapped["@context"] = top + own
        [node] = expand(wrapped)
        node.pop(RECORD_TIME, None)
        found[_canon(node)] += 1
    return found


def _all_events(client, headers, per_page: int = 50) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every event the query answers, following the Link rel=next pages; each page validated."""
    validator = epcis_validator()
    url, events, first = f"/epcis/events?perPage={per_page}", [], None
    while url:
        res = client.get(url, headers=headers)
        assert res.status_code == 200, res.get_json()
        page = res.get_json()
        assert [e.message for e in validator.iter_errors(page)] == []
        first = first or page
        events += page["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        link = res.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    return events, first


@pytest.mark.parametrize("name", _example_ids())
def test_each_official_example_is_captured_and_read_back_equal_in_meaning(name, gs1_world, world, client):
    h = world.headers(world.admin)
    document = load(need_epcis() / "JSON" / name)
    res = client.post("/epcis/capture", headers=h, json=document)
    if name in REFUSED:
        status, kind = REFUSED[name]
        assert res.status_code == status and res.get_json()["type"] == kind
        assert db.session.scalar(db.select(db.func.count()).select_from(TraceEvent)) == 0
        if document["type"] == "EPCISDocument":  # the reason holds: a JSON-LD processor refuses it too
            with pytest.raises(JsonLdError):
                _expanded_events(document)
        return
    assert res.status_code == 202, res.get_json()
    job = client.get(res.headers["Location"], headers=h).get_json()
    assert job["success"] is True and job["running"] is False and job["errors"] == [], job
    events, page = _all_events(client, h, per_page=1)
    assert len(events) == len(events_of(document))
    for event in events:
        assert "recordTime" in event
    back = {**page, "epcisBody": {"queryResults": {"resultsBody": {"eventList": events}}}}
    assert _expanded_events(back) == _expanded_events(document)


def test_captured_lots_become_batches_and_trace_events(gs1_world, world, client):
    h = world.headers(world.admin)
    document = load(need_epcis() / "JSON" / "Example_9.6.4-TransformationEvent.jsonld")
    assert client.post("/epcis/capture", headers=h, json=document).status_code == 202
    [event] = document["epcisBody"]["eventList"]
    outputs = {parse_key(q["epcClass"]).lot for q in event.get("outputQuantityList", [])}
    inputs = {parse_key(q["epcClass"]).lot for q in event.get("inputQuantityList", [])} - {None}
    made = db.session.scalars(db.select(TraceEvent)).all()
    # its outputs are serialised items (no lot): the event is then a trace event of each input lot
    assert outputs == set() and {t.batch.lot for t in made} == inputs == {"4444", "987"}
    for t in made:
        assert t.inputs == []
        assert t.biz_step == "commissioning" and t.disposition == "in_progress" and t.gln == "4012345000016"
        assert t.event_type == "TransformationEvent" and t.epcis_event is not None
    # the batch's own EPCIS export gives the captured event back, and it still validates
    doc = client.get(f"/api/v1/batches/{made[0].batch_id}/epcis").get_json()
    assert list(epcis_validator().iter_errors(doc)) == []
    assert doc["epcisBody"]["eventList"][0]["eventID"] == event["eventID"]


def test_a_producer_may_capture_only_its_own_keys_and_is_told_whose_it_is(gs1_world, world, client):
    producer = world.user("producer", organization_id=gs1_world["4012345"].id)
    h = world.headers(producer)
    own = load(need_epcis() / "JSON" / "Example_9.6.4-TransformationEvent.jsonld")
    other = load(need_epcis() / "JSON" / "Example_9.6.1-ObjectEvent.jsonld")
    before = db.session.scalar(db.select(db.func.count()).select_from(Batch))
    res = client.post("/epcis/capture", headers=h, json=other)
    assert res.status_code == 403
    body = res.get_json()
    assert body["type"] == "epcisException:SecurityException" and "Công ty GS1 0614141" in body["detail"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == before
    res = client.post("/epcis/capture", headers=h, json=own)
    assert res.status_code == 403 and "Công ty GS1 4000001" in res.get_json()["detail"]  # one input is theirs
    only_own = load(need_epcis() / "JSON" / "WithSensorData" / "SensorDataExample1.jsonld")
    res = client.post("/epcis/capture", headers=h, json=only_own)
    assert res.status_code == 202
    assert client.get(res.headers["Location"], headers=h).get_json()["success"] is True


def test_capture_refuses_without_a_token_and_before_reading_the_body(client):
    res = client.post("/epcis/capture", data="not json", content_type="application/json")
    assert res.status_code == 401 and res.headers["WWW-Authenticate"] == "Bearer"


def test_a_document_that_breaks_the_schema_is_refused_with_its_errors_and_nothing_is_stored(gs1_world, world, client):
    h = world.headers(world.admin)
    document = copy.deepcopy(load(need_epcis() / "JSON" / "Example_9.6.1-ObjectEvent.jsonld"))
    document["epcisBody"]["eventList"][1]["action"] = "MOVE"
    del document["epcisBody"]["eventList"][0]["eventTime"]
    res = client.post("/epcis/capture", headers=h, json=document)
    assert res.status_code == 400
    body = res.get_json()
    assert body["type"] == "epcisException:ValidationException"
    fields = {e["field"] for e in body["errors"]}
    assert any(f.startswith("epcisBody.eventList[0]") for f in fields)
    assert any(f.startswith("epcisBody.eventList[1]") for f in fields)
    assert client.get("/epcis/events", headers=h).get_json()["epcisBody"]["queryResults"]["resultsBody"] == {
        "eventList": []
    }
    res = client.post("/epcis/capture", headers=h, data="{", content_type="application/ld+json")
    assert res.status_code == 400
    res = client.post("/epcis/capture", headers=h, data="<x/>", content_type="application/xml")
    assert res.status_code == 415


def test_more_events_than_the_capture_limit_are_refused_with_the_limit(gs1_world, world, client):
    h = world.headers(world.admin)
    document = copy.deepcopy(load(need_epcis() / "JSON" / "Example_9.6.1-ObjectEvent.jsonld"))
    event = document["epcisBody"]["eventList"][0]
    document["epcisBody"]["eventList"] = [{**event, "eventID": f"urn:uuid:{n:08d}-0000-4000-8000-000000000000"}
                                          for n in range(CAPTURE_LIMIT + 1)]  # fmt: skip
    res = client.post("/epcis/capture", headers=h, json=document)
    assert res.status_code == 413 and res.headers["GS1-CAPTURE-limit"] == str(CAPTURE_LIMIT)
    assert res.get_json()["type"] == "epcisException:CaptureLimitExceededException"


def test_one_bad_lot_fails_the_whole_capture_job(gs1_world, world, client):
    h = world.headers(world.admin)
    document = copy.deepcopy(load(need_epcis() / "JSON" / "Example_9.6.4-TransformationEvent.jsonld"))
    event = document["epcisBody"]["eventList"][0]
    second = event["inputQuantityList"][1]["epcClass"]  # the first input's lot is made before this one fails
    event["inputQuantityList"][1]["epcClass"] = second.rsplit(".", 1)[0] + ".LOT-LONGER-THAN-TWENTY-CHARS"
    batches_before = db.session.scalar(db.select(db.func.count()).select_from(Batch))
    res = client.post("/epcis/capture", headers=h, json=document)
    assert res.status_code == 202
    job = client.get(res.headers["Location"], headers=h).get_json()
    assert job["success"] is False and job["errors"][0]["field"] == "lot"
    assert db.session.scalar(db.select(db.func.count()).select_from(TraceEvent)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == batches_before
    events = client.get("/epcis/events", headers=h).get_json()
    assert events["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_an_event_captured_twice_fails_the_second_job_unless_it_declares_an_error(gs1_world, world, client):
    h = world.headers(world.admin)
    document = load(need_epcis() / "JSON" / "Example_9.6.1-ObjectEvent.jsonld")
    assert client.post("/epcis/capture", headers=h, json=document).status_code == 202
    res = client.post("/epcis/capture", headers=h, json=document)
    job = client.get(res.headers["Location"], headers=h).get_json()
    assert job["success"] is False and job["errors"][0]["rule"] == "epcis_duplicate_event"
    events, _ = _all_events(client, h)
    assert len(events) == len(events_of(document))
    declared = copy.deepcopy(document)
    declared["epcisBody"]["eventList"] = declared["epcisBody"]["eventList"][:1]
    declared["epcisBody"]["eventList"][0]["errorDeclaration"] = {
        "declarationTime": "2026-11-20T10:00:00+07:00",
        "reason": "incorrect_data",
    }
    res = client.post("/epcis/capture", headers=h, json=declared)
    assert client.get(res.headers["Location"], headers=h).get_json()["success"] is True


def test_the_simple_query_parameters_filter_the_captured_events(gs1_world, world, client):
    h = world.headers(world.admin)
    sent: list[dict[str, Any]] = []
    for name in QUERY_EXAMPLES:
        document = load(need_epcis() / "JSON" / name)
        assert client.post("/epcis/capture", headers=h, json=document).status_code == 202
        sent += events_of(document)

    def ids(query: str) -> list[str]:
        res = client.get(f"/epcis/events?{query}", headers=h)
        assert res.status_code == 200, res.get_json()
        assert list(epcis_validator().iter_errors(res.get_json())) == []
        found = res.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        return sorted(e.get("eventID", e["eventTime"]) for e in found)

    def expect(pred) -> list[str]:
        return sorted(e.get("eventID", e["eventTime"]) for e in sent if pred(e))

    assert ids("eventType=AggregationEvent") == expect(lambda e: e["type"] == "AggregationEvent")
    assert ids("eventType=ObjectEvent|TransactionEvent") == expect(
        lambda e: e["type"] in ("ObjectEvent", "TransactionEvent")
    )
    times = sorted(e["eventTime"] for e in sent)
    middle = times[len(times) // 2]
    cut = parse_time(middle)
    assert ids(f"GE_eventTime={middle.replace('+', '%2B')}") == expect(lambda e: parse_time(e["eventTime"]) >= cut)
    assert ids(f"LT_eventTime={middle.replace('+', '%2B')}") == expect(lambda e: parse_time(e["eventTime"]) < cut)
    shipping = expect(lambda e: e.get("bizStep", "").endswith("shipping"))
    assert shipping and ids("EQ_bizStep=shipping") == shipping
    assert ids("EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping") == shipping
    epc = sent[0]["epcList"][0]
    assert ids(f"MATCH_anyEPC={epc}") == expect(lambda e: epc in e.get("epcList", []) + e.get("childEPCs", []))
    stem = epc.rsplit(".", 1)[0].replace("urn:epc:id:", "urn:epc:idpat:") + ".*"
    assert ids(f"MATCH_anyEPC={stem}") == expect(
        lambda e: any(
            x.startswith(stem[:-1].replace("idpat", "id")) for x in e.get("epcList", []) + e.get("childEPCs", [])
        )
    )
    classes = [q["epcClass"] for e in sent for q in e.get("inputQuantityList", [])]
    assert ids(f"MATCH_epcClass={classes[0]}") == expect(
        lambda e: classes[0] in [q["epcClass"] for k in ("quantityList", "inputQuantityList", "outputQuantityList",
                                                         "childQuantityList") for q in e.get(k, [])]
    )  # fmt: skip
    place = next(e["bizLocation"]["id"] for e in sent if "bizLocation" in e)
    assert ids(f"EQ_bizLocation={place}") == expect(lambda e: e.get("bizLocation", {}).get("id") == place)
    events, _ = _all_events(client, h, per_page=2)
    assert len(events) == len(sent)
    res = client.get("/epcis/events?EQ_colour=red", headers=h)
    assert res.status_code == 400 and res.get_json()["type"] == "epcisException:QueryParameterException"
    assert client.get("/epcis/events?nextPageToken=@@", headers=h).status_code == 400
    assert client.get("/epcis/events?perPage=0", headers=h).status_code == 400


def test_a_producer_reads_only_its_own_organisations_captures(gs1_world, world, client):
    admin = world.headers(world.admin)
    assert (
        client.post(
            "/epcis/capture", headers=admin, json=load(need_epcis() / "JSON" / "Example_9.6.1-ObjectEvent.jsonld")
        ).status_code
        == 202
    )
    producer = world.headers(world.user("producer", organization_id=gs1_world["4012345"].id))
    page = client.get("/epcis/events", headers=producer).get_json()
    assert page["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
    assert client.get("/epcis/capture/1", headers=producer).status_code == 404
    assert client.get("/epcis/events").status_code == 401
