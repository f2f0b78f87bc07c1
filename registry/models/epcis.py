"""EPCIS 2.0 capture jobs and the events they captured, kept as sent so a query returns them unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import JSONType, UTCDateTime, utcnow
from registry.extensions import Model
from registry.models.user import User

CAPTURE_STATUSES = ("running", "success", "failure")


class EpcisCapture(Model):
    """One `POST /epcis/capture`: a capture job of the REST binding, all-or-nothing."""

    __tablename__ = "epcis_captures"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    event_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class EpcisEvent(Model):
    """A captured event: the JSON as sent (with its document's @context), and the fields the simple query filters on."""

    __tablename__ = "epcis_events"
    __table_args__ = (Index("ix_epcis_events_time_id", "event_time", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("epcis_captures.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(String(512), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    record_time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The CBV web URI (`https://ref.gs1.org/cbv/BizStep-shipping`) whichever way the event wrote it.
    biz_step: Mapped[str | None] = mapped_column(String(512), index=True)
    biz_location: Mapped[str | None] = mapped_column(String(512), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)

    epcs: Mapped[list[EpcisEventEpc]] = relationship(cascade="all, delete-orphan")


class EpcisEventEpc(Model):
    """An EPC (`kind` "epc": epcList, childEPCs, parentID, input/output EPCs) or class ("class": the quantity
    lists) an event names, for MATCH_anyEPC and MATCH_epcClass."""

    __tablename__ = "epcis_event_epcs"

    event_id: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(512), primary_key=True, index=True)
