"""Support activities."""

from __future__ import annotations

from typing import Any

from registry.models import SupportActivity
from registry.schemas.resources import ActivityArgs, ActivityIn, ActivityOut, page_schema
from registry.services import activities
from registry.services.common import get_or_404, paginate

from .blueprint import Blueprint
from .common import actor, envelope, province_id

blp = Blueprint("activities", __name__, url_prefix="/api/v1", description="Guidance, training and other support")


@blp.route("/support-activities")
@blp.arguments(ActivityArgs, location="query")
@blp.response(200, page_schema(ActivityOut, "ActivityPage"))
def list_activities(args: dict[str, Any]) -> dict[str, Any]:
    stmt = activities.activity_query(province_id(args), args.get("organization_id"), args.get("kind"), args.get("year"))
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/support-activities", methods=["POST"])
@blp.arguments(ActivityIn)
@blp.response(201, ActivityOut)
def create_activity(data: dict[str, Any]) -> Any:
    return activities.create_activity(actor(), data)


@blp.route("/support-activities/<int:activity_id>")
@blp.response(200, ActivityOut)
def get_activity(activity_id: int) -> Any:
    return get_or_404(SupportActivity, activity_id)


@blp.route("/support-activities/<int:activity_id>", methods=["PATCH"])
@blp.arguments(ActivityIn(partial=True))
@blp.response(200, ActivityOut)
def update_activity(data: dict[str, Any], activity_id: int) -> Any:
    return activities.update_activity(actor(), activity_id, data)
