"""Expiry reminders of certificates and OCOP ratings (90, 30 and 7 days), per province and organisation."""

from __future__ import annotations

from typing import Any

from registry.schemas.fields import QInt, QuerySchema, Str
from registry.services import reminders
from registry.services.timefmt import today_vn

from .blueprint import Blueprint
from .common import actor, province_id

blp = Blueprint("reminders", __name__, url_prefix="/api/v1", description="Expiry reminders")


class ReminderArgs(QuerySchema):
    province = Str()
    organization_id = QInt()


@blp.route("/reminders")
@blp.arguments(ReminderArgs, location="query")
@blp.doc(
    security=[{"bearer": []}],
    responses={"200": {"description": "today, thresholds, total, counts and provinces → organizations → items"}},
)
def list_reminders(args: dict[str, Any]) -> dict[str, Any]:
    """Confirmed certificates and OCOP ratings still valid today that lapse within 90 days, bucketed at 7,
    30 and 90. A producer sees their organisation's, a DOST officer their province's, an admin all."""
    return reminders.list_reminders(actor(), today_vn(), province_id(args), args.get("organization_id"))
