"""A batch's trace events as a GS1 EPCIS 2.0 JSON-LD document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from biip import ParseError
from biip.gln import Gln
from biip.gtin import Gtin

from registry.models import Batch, TraceEvent
from registry.services.common import get_or_404
from registry.services.linked_data import commune_uri, term_uri
from registry.services.timefmt import local_iso

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# EPC Tag Data Standard: these characters of a lot must be %-escaped inside an EPC URN.
_URN_SAFE = "-._!'()*+,:;="


def _company_prefix(gtin14: str, recorded: str | None) -> str | None:
    """The GS1 company prefix: the producer's if recorded and it fits, else GS1's prefix-length table."""
    body = gtin14[1:13]
    if recorded and body.startswith(recorded):
        return recorded
    try:
        found = Gtin.parse(gtin14).company_prefix
    except ParseError:
        return None
    return found.value if found and body.startswith(found.value) else None


def lot_class(gtin14: str, lot: str, prefix: str | None, base_url: str) -> str:
    """`urn:epc:class:lgtin:` when the company prefix is known, else the Digital Link URI."""
    gcp = _company_prefix(gtin14, prefix)
    if gcp is None:
        return f"{base_url}/01/{gtin14}/10/{quote(lot, safe='')}"
    item = gtin14[0] + gtin14[1 + len(gcp) : 13]
    return f"urn:epc:class:lgtin:{gcp}.{item}.{quote(lot, safe=_URN_SAFE)}"


def location(event: TraceEvent, base_url: str) -> str:
    """`urn:epc:id:sgln:` for a GLN (extension 0), else the commune's URI (by its official code), which resolves."""
    if event.gln:
        try:
            gcp = Gln.parse(event.gln).company_prefix
        except ParseError:
            gcp = None
        if gcp is not None:
            return f"urn:epc:id:sgln:{gcp.value}.{event.gln[len(gcp.value) : 12]}.0"
        return f"https://id.gs1.org/414/{event.gln}"
    assert event.commune is not None
    return commune_uri(event.commune.code, base_url)


def _class(batch: Batch, base_url: str) -> dict[str, Any]:
    product = batch.product
    entry: dict[str, Any] = {
        "epcClass": lot_class(product.gtin or "", batch.lot, product.organization.gs1_company_prefix, base_url)
    }
    if batch.quantity is not None:
        entry["quantity"] = float(batch.quantity)
        if batch.unit:
            entry["uom"] = batch.unit
    return entry


def event_document(event: TraceEvent, base_url: str) -> dict[str, Any]:
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
