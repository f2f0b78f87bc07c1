"""Consumer reports of suspected counterfeits or defects, for the inspectors' queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, utcnow
from registry.extensions import Model
from registry.models.batch import Batch
from registry.models.product import Product

REPORT_KINDS = ("counterfeit", "defect", "label", "other")
REPORT_STATUSES = ("open", "investigating", "closed")


class ConsumerReport(Model):
    __tablename__ = "consumer_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(255))
    place: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
