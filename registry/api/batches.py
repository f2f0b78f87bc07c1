"""Batches and their trace events."""

from __future__ import annotations

from typing import Any

from registry.models import Batch
from registry.schemas.resources import BatchArgs, BatchIn, BatchOut, EventIn, EventOut, page_schema
from registry.services import batches
from registry.services.common import get_or_404, paginate

from .blueprint import Blueprint
from .common import actor, envelope

blp = Blueprint("batches", __name__, url_prefix="/api/v1", description="Batches (lots) and trace events")


@blp.route("/batches")
@blp.arguments(BatchArgs, location="query")
@blp.response(200, page_schema(BatchOut, "BatchPage"))
def list_batches(args: dict[str, Any]) -> dict[str, Any]:
    stmt = batches.batch_query(args.get("product_id"), args.get("organization_id"), args.get("lot"))
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/batches", methods=["POST"])
@blp.arguments(BatchIn)
@blp.response(201, BatchOut)
def create_batch(data: dict[str, Any]) -> Any:
    return batches.create_batch(actor(), data)


@blp.route("/batches/<int:batch_id>")
@blp.response(200, BatchOut)
def get_batch(batch_id: int) -> Any:
    return get_or_404(Batch, batch_id)


@blp.route("/batches/<int:batch_id>/events")
@blp.response(200, EventOut(many=True))
def list_events(batch_id: int) -> Any:
    return get_or_404(Batch, batch_id).events


@blp.route("/batches/<int:batch_id>/events/<int:event_id>")
@blp.response(200, EventOut)
def get_event(batch_id: int, event_id: int) -> Any:
    """One trace event; the EPCIS export's `eventID` is this URL."""
    return batches.get_event(batch_id, event_id)


@blp.route("/batches/<int:batch_id>/events", methods=["POST"])
@blp.arguments(EventIn)
@blp.response(201, EventOut)
def add_event(data: dict[str, Any], batch_id: int) -> Any:
    return batches.add_event(actor(), batch_id, data)
