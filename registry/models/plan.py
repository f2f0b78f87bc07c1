"""Provincial plans, their targets and the figures agencies report for them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import JSONType, UTCDateTime, utcnow
from registry.extensions import Model
from registry.models.place import Province

TARGET_KINDS = ("annual_minimum", "annual_average", "cumulative", "share")
TARGET_SOURCES = ("registry", "activity", "reported")
TARGET_STATUSES = ("met", "on_track", "at_risk", "behind", "no_data")


class Plan(Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    implements: Mapped[str | None] = mapped_column(String(64))
    implements_date: Mapped[date | None] = mapped_column(Date)
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    report_to: Mapped[str | None] = mapped_column(String(255))
    report_to_en: Mapped[str | None] = mapped_column(String(255))
    report_deadline: Mapped[str] = mapped_column(String(5))  # MM-DD
    report_deadline_note: Mapped[str | None] = mapped_column(Text)

    province: Mapped[Province] = relationship()
    targets: Mapped[list[Target]] = relationship(order_by="Target.position", back_populates="plan")


class Target(Model):
    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    clause: Mapped[str] = mapped_column(String(128))
    wording: Mapped[str] = mapped_column(Text)
    wording_en: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)  # None: "rising year on year"
    unit: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="targets")


class ReportedFigure(Model):
    """A figure an agency enters for a target the registry cannot compute."""

    __tablename__ = "reported_figures"
    __table_args__ = (UniqueConstraint("target_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    as_of: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship()
