"""Support activities: guidance, training and other help an agency gives producers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, utcnow
from registry.extensions import Model
from registry.models.organization import Organization
from registry.models.place import Province

ACTIVITY_KINDS = ("guidance", "training", "pilot_model", "productivity_tool", "financing", "expert_training")


class SupportActivity(Model):
    __tablename__ = "support_activities"
    # Covers the yearly figures (distinct organisations, attendances) of a province's activities.
    __table_args__ = (
        Index("ix_support_activities_province_held", "province_id", "held_on", "kind", "organization_id", "attendees"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    attendees: Mapped[int | None] = mapped_column(Integer)
    agency: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    province: Mapped[Province] = relationship()
    organization: Mapped[Organization | None] = relationship()
