"""Support activities that DOST and other agencies record."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from registry.errors import FieldError, InvalidInput
from registry.extensions import db
from registry.models import Organization, SupportActivity, User
from registry.services import audit, permissions
from registry.services.common import get_or_404, reference
from registry.services.places import resolve_province
from registry.services.text import nfc


def create_activity(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> SupportActivity:
    user = permissions.require_role(actor, "dost_officer")
    errors: list[FieldError] = []
    org = reference(Organization, data.get("organization_id"), "organization_id", errors)
    province_id = org.province_id if org else None
    if org is None and data.get("province"):
        found = resolve_province(data["province"])
        if isinstance(found, FieldError):
            errors.append(found)
        else:
            province_id = found.id
    if org is None and province_id is None and user.role == "dost_officer":
        province_id = user.province_id
    if province_id is None and not errors:
        errors.append(FieldError("province", "required"))
    if data.get("kind") in ("training", "expert_training") and org is None and not data.get("attendees"):
        errors.append(FieldError("attendees", "required"))
    if errors:
        raise InvalidInput(errors)
    assert province_id is not None
    permissions.require_province_officer(user, province_id)
    activity = SupportActivity(
        province_id=province_id,
        organization_id=org.id if org else None,
        kind=data["kind"],
        held_on=data["held_on"],
        attendees=data.get("attendees"),
        agency=nfc(data["agency"]) if data.get("agency") else None,
        note=nfc(data["note"]) if data.get("note") else None,
        created_by_id=user.id,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "create", "support_activity", activity.id, None, audit.snapshot(activity))
    if commit:
        db.session.commit()
    return activity


def update_activity(actor: User | None, activity_id: int, data: dict[str, Any]) -> SupportActivity:
    activity = get_or_404(SupportActivity, activity_id)
    permissions.require_province_officer(actor, activity.province_id)
    before = audit.snapshot(activity)
    for key in ("kind", "held_on", "attendees", "agency", "note"):
        if key in data:
            setattr(activity, key, data[key])
    audit.record(actor, "update", "support_activity", activity.id, before, audit.snapshot(activity))
    db.session.commit()
    return activity


def activity_query(
    province_id: int | None = None, organization_id: int | None = None, kind: str | None = None, year: int | None = None
) -> Select[SupportActivity]:
    stmt = select(SupportActivity).order_by(SupportActivity.held_on.desc(), SupportActivity.id.desc())
    if province_id is not None:
        stmt = stmt.where(SupportActivity.province_id == province_id)
    if organization_id is not None:
        stmt = stmt.where(SupportActivity.organization_id == organization_id)
    if kind:
        stmt = stmt.where(SupportActivity.kind == kind)
    if year is not None:
        stmt = stmt.where(SupportActivity.held_on >= date(year, 1, 1), SupportActivity.held_on <= date(year, 12, 31))
    return stmt
