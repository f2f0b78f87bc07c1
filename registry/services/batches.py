"""Batches (lots) and their trace events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.errors import Conflict, FieldError, InvalidInput, NotFound
from registry.extensions import db
from registry.models import Batch, Commune, EpcisEvent, Organization, Product, TraceEvent, User
from registry.models.batch import UNITS
from registry.services import audit, gs1, permissions
from registry.services.common import get_or_404, reference
from registry.services.text import nfc

LOT_ALLOWED = set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


def lot_error(lot: str, field: str = "lot") -> FieldError | None:
    """GS1 AI (10): up to 20 characters of the GS1 AI encodable set 82."""
    if not lot or len(lot) > 20 or any(ch not in LOT_ALLOWED for ch in lot):
        return FieldError(field, "invalid")
    return None


def _writer(actor: User | None, product: Product) -> User:
    return permissions.require_organization_writer(actor, product.organization_id, product.organization.province_id)


def create_batch(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> Batch:
    errors: list[FieldError] = []
    product = reference(Product, data.get("product_id"), "product_id", errors)
    if product is None:
        permissions.require_user(actor)
        raise InvalidInput(errors)
    _writer(actor, product)
    lot = (data.get("lot") or "").strip()
    if err := lot_error(lot):
        errors.append(err)
    produced, expires = data.get("produced_on"), data.get("expires_on")
    if produced and expires and expires < produced:
        errors.append(FieldError("expires_on", "date_order", {"other": "produced_on"}))
    unit = data.get("unit") or None
    if unit is not None and unit not in UNITS:
        errors.append(FieldError("unit", "enum", {"choices": list(UNITS)}))
    if errors:
        raise InvalidInput(errors)
    if db.session.scalar(select(Batch.id).where(Batch.product_id == product.id, Batch.lot == lot)):
        raise Conflict("duplicate", [FieldError("lot", "duplicate", {"value": lot})])
    batch = Batch(
        product_id=product.id,
        lot=lot,
        produced_on=produced,
        expires_on=expires,
        quantity=data.get("quantity"),
        unit=unit,
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "create", "batch", batch.id, None, audit.snapshot(batch))
    if commit:
        db.session.commit()
    return batch


def add_event(actor: User | None, batch_id: int, data: dict[str, Any], *, commit: bool = True) -> TraceEvent:
    batch = get_or_404(Batch, batch_id)
    _writer(actor, batch.product)
    errors: list[FieldError] = []
    commune = reference(Commune, data.get("commune_id"), "commune_id", errors) if data.get("commune_id") else None
    gln = (data.get("gln") or "").strip() or None
    if gln and (err := gs1.gln_error(gln)):
        errors.append(err)
    if commune is None and gln is None and "commune_id" not in {e.field for e in errors}:
        errors.append(FieldError("commune_id", "where_required"))
    org = reference(Organization, data.get("organization_id"), "organization_id", errors)
    inputs: list[Batch] = []
    for i in data.get("input_batch_ids", []) or []:
        if i == batch.id:
            errors.append(FieldError("input_batch_ids", "self_input"))
        elif (b := reference(Batch, i, "input_batch_ids", errors)) is not None:
            inputs.append(b)
    if errors:
        raise InvalidInput(errors)
    occurred = data["occurred_at"]
    offset = occurred.strftime("%z")
    event = TraceEvent(
        batch_id=batch.id,
        event_type="TransformationEvent" if inputs else "ObjectEvent",
        biz_step=data["biz_step"],
        disposition=data.get("disposition"),
        occurred_at=occurred,
        tz_offset=f"{offset[:3]}:{offset[3:]}" if offset else "+00:00",
        commune_id=commune.id if commune else None,
        gln=gln,
        organization_id=org.id if org else batch.product.organization_id,
        note=nfc(data["note"]) if data.get("note") else None,
    )
    event.inputs = inputs
    db.session.add(event)
    db.session.flush()
    after = audit.snapshot(event)
    after["input_batch_ids"] = [b.id for b in inputs]
    audit.record(actor, "create", "trace_event", event.id, None, after)
    if commit:
        db.session.commit()
    return event


def record_captured_event(
    actor: User,
    batch: Batch,
    source: EpcisEvent,
    *,
    biz_step: str,
    disposition: str | None,
    occurred_at: datetime,
    tz_offset: str,
    gln: str | None,
    inputs: list[Batch],
) -> TraceEvent:
    """A trace event of `batch` from an EPCIS event captured (and checked) by services.epcis_capture; the caller
    owns the transaction. Its full JSON stays on `source`."""
    _writer(actor, batch.product)
    event = TraceEvent(
        batch_id=batch.id,
        event_type=source.event_type,
        biz_step=biz_step,
        disposition=disposition,
        occurred_at=occurred_at,
        tz_offset=tz_offset,
        gln=gln,
        organization_id=batch.product.organization_id,
        epcis_event_id=source.id,
    )
    event.inputs = inputs
    db.session.add(event)
    db.session.flush()
    after = audit.snapshot(event)
    after["input_batch_ids"] = [b.id for b in inputs]
    audit.record(actor, "create", "trace_event", event.id, None, after)
    return event


def get_event(batch_id: int, event_id: int) -> TraceEvent:
    """One trace event of a batch (its EPCIS eventID names it so); NotFound if it belongs to another."""
    event = get_or_404(TraceEvent, event_id)
    if event.batch_id != batch_id:
        raise NotFound()
    return event


def batch_query(
    product_id: int | None = None, organization_id: int | None = None, lot: str | None = None
) -> Select[Batch]:
    stmt = select(Batch).order_by(Batch.id.desc())
    if product_id is not None:
        stmt = stmt.where(Batch.product_id == product_id)
    if organization_id is not None:
        stmt = stmt.join(Product).where(Product.organization_id == organization_id)
    if lot:
        stmt = stmt.where(Batch.lot == lot)
    return stmt
