"""A batch's trace events as a GS1 EPCIS 2.0 JSON-LD document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from registry.models import Batch, TraceEvent
from registry.models.batch import UNITS
from registry.services.common import get_or_404
from registry.services.epcis_ids import company_prefix_for
from registry.services.linked_data import commune_uri, term_uri
from registry.services.timefmt import local_iso

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# EPC Tag Data Standard: these characters of a lot must be %-escaped inside an EPC URN.
_URN_SAFE = "-._!'()*+,:;="


def lot_class(gtin14: str, lot: str, prefix: str | None, base_url: str) -> str:
    """`urn:epc:class:lgtin:` when the company prefix is known, else the GS1 Digital Link URI (as EPCIS 2.0 allows)."""
    if prefix is None or not gtin14[1:13].startswith(prefix):
        return f"{base_url}/01/{gtin14}/10/{quote(lot, safe='')}"
    item = gtin14[0] + gtin14[1 + len(prefix) : 13]
    return f"urn:epc:class:lgtin:{prefix}.{item}.{quote(lot, safe=_URN_SAFE)}"


def location(event: TraceEvent, base_url: str) -> str:
    """`urn:epc:id:sgln:` for a GLN (extension 0) whose company prefix is registered, else its Digital Link
    (`https://id.gs1.org/414/…`): the split of a GLN cannot be guessed from its digits. A commune's URI otherwise."""
    if event.gln:
        gcp = company_prefix_for(event.gln[:12], event.organization, event.batch.product.organization)
        if gcp is not None:
            return f"urn:epc:id:sgln:{gcp}.{event.gln[len(gcp) : 12]}.0"
        return f"https://id.gs1.org/414/{event.gln}"
    assert event.commune is not None
    return commune_uri(event.commune.code, base_url)


def _class(batch: Batch, base_url: str) -> dict[str, Any]:
    product = batch.product
    gtin = product.gtin or ""
    prefix = company_prefix_for(gtin[1:13], product.organization)
    entry: dict[str, Any] = {"epcClass": lot_class(gtin, batch.lot, prefix, base_url)}
    if batch.quantity is not None:
        entry["quantity"] = float(batch.quantity)
        if batch.unit in UNITS:  # a unit the migration could not map stays out: uom must be a Rec 20 code
            entry["uom"] = batch.unit
    return entry


def event_document(event: TraceEvent, base_url: str) -> dict[str, Any]:
    if event.epcis_event is not None:
        # Captured through /epcis/capture: the event as it was sent, which says more than the trace event can.
        body = dict(event.epcis_event.document)
        body["recordTime"] = event.epcis_event.record_time.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return body
    batch = event.batch
    doc: dict[str, Any] = {
        "type": event.event_type,
        "eventID": f"{base_url}/api/v1/batches/{batch.id}/events/{event.id}",
        "eventTime": local_iso(event.occurred_at, event.tz_offset),
        "eventTimeZoneOffset": event.tz_offset,
    }
    if event.event_type == "TransformationEvent":
        doc["inputQuantityList"] = [_class(b, base_url) for b in event.inputs]
        doc["outputQuantityList"] = [_class(batch, base_url)]
    else:
        # ADD where the lot begins to exist (a harvest, or its codes commissioned); OBSERVE after that.
        doc["action"] = "ADD" if event.biz_step in ("commissioning", "harvesting") else "OBSERVE"
        doc["quantityList"] = [_class(batch, base_url)]
    # CBV 2.0 terms where it has one; the others are ours, under /voc/ (registry/vocabulary.py).
    doc["bizStep"] = term_uri("BizStep", event.biz_step, base_url)
    if event.disposition:
        doc["disposition"] = term_uri("Disp", event.disposition, base_url)
    where = location(event, base_url)
    doc["readPoint"] = {"id": where}
    doc["bizLocation"] = {"id": where}
    return doc


def batch_document(batch_id: int, base_url: str) -> dict[str, Any]:
    """Public, like the batch's events: what (lot), when (with offset), where (SGLN or commune), why (CBV)."""
    batch = get_or_404(Batch, batch_id)
    base = base_url.rstrip("/")
    if not batch.product.gtin:
        events: list[TraceEvent] = []  # without a GTIN nothing can be identified in GS1 terms
    else:
        events = list(batch.events)
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "epcisBody": {"eventList": [event_document(e, base) for e in events]},
    }
