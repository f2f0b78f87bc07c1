"""Batches (lots) and their trace events, modelled on GS1 EPCIS 2.0."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, utcnow
from registry.extensions import Model, db
from registry.models.epcis import EpcisEvent
from registry.models.organization import Organization
from registry.models.place import Commune
from registry.models.product import Product

# CBV 2.0 business steps and dispositions the pages offer; others are accepted as CBV URIs.
BIZ_STEPS = (
    "harvesting",
    "commissioning",
    "processing",
    "transforming",
    "packing",
    "storing",
    "shipping",
    "receiving",
    "inspecting",
    "retail_selling",
    "destroying",
    "other",
)
DISPOSITIONS = ("active", "in_progress", "in_transit", "sellable_accessible", "conformant", "destroyed", "recalled")
EVENT_TYPES = ("ObjectEvent", "TransformationEvent")
# UN/ECE Recommendation 20 codes for units of measure (EPCIS `uom`); the X-codes are Recommendation 21
# package types, which Rec 20 (since Rev. 11) takes in prefixed with "X". Labels: registry/vocabulary.py.
UNITS = ("KGM", "GRM", "TNE", "LTR", "MLT", "H87", "XBO", "XBX", "XPK", "XBG", "XJR", "XCT", "XSA", "XTN")

trace_event_inputs = Table(
    "trace_event_inputs",
    db.metadata,
    Column("event_id", ForeignKey("trace_events.id"), primary_key=True),
    Column("batch_id", ForeignKey("batches.id"), primary_key=True, index=True),
)


# The largest quantity `Numeric(14, 3)` holds: 11 digits before the decimal mark, 3 after.
QUANTITY_MAX = 99_999_999_999.999


class Batch(Model):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("product_id", "lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot: Mapped[str] = mapped_column(String(20))
    produced_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[float | None] = mapped_column(Numeric(14, 3))  # below QUANTITY_MAX
    unit: Mapped[str | None] = mapped_column(String(16))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    events: Mapped[list[TraceEvent]] = relationship(order_by="TraceEvent.occurred_at", back_populates="batch")


class TraceEvent(Model):
    __tablename__ = "trace_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(32), default="ObjectEvent")
    biz_step: Mapped[str] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # EPCIS keeps the offset the event was recorded in (eventTimeZoneOffset).
    tz_offset: Mapped[str] = mapped_column(String(6), default="+07:00")
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))
    gln: Mapped[str | None] = mapped_column(String(13))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # Where a shipment goes (EPCIS destination, owning party): the organisation may then use the lot as an input.
    destination_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # Set when the event came in through EPCIS capture: its full JSON lives there, and the export gives it back.
    epcis_event_id: Mapped[int | None] = mapped_column(ForeignKey("epcis_events.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="events")
    commune: Mapped[Commune | None] = relationship()
    organization: Mapped[Organization | None] = relationship(foreign_keys=[organization_id])
    destination_organization: Mapped[Organization | None] = relationship(foreign_keys=[destination_organization_id])
    inputs: Mapped[list[Batch]] = relationship(secondary=trace_event_inputs)
    epcis_event: Mapped[EpcisEvent | None] = relationship()
