"""Products, their OCOP rating and the standards they apply."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, utcnow
from registry.extensions import Model
from registry.models.organization import Organization

if TYPE_CHECKING:
    from registry.models.standard import Standard

PRODUCT_STATUSES = ("active", "withdrawn")
OCOP_VALIDITY_MONTHS = 36
# The six OCOP product groups of Decision 148/QĐ-TTg (2023).
OCOP_GROUPS = ("food", "beverage", "herbal", "textile_handicraft", "rural_tourism", "other")


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class ProductStandard(Model):
    __tablename__ = "product_standards"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("ocop_stars IS NULL OR ocop_stars BETWEEN 3 AND 5", name="stars"),
        # Withdrawn products, in name order, for the list filtered by status. Nearly every product is
        # active, so an index of every row's status would never be used to find active ones, yet every
        # insert (100,000 in one import) would pay for it.
        Index(
            "ix_products_withdrawn",
            "name_folded",
            "id",
            postgresql_where=text("status = 'withdrawn'"),
            sqlite_where=text("status = 'withdrawn'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    name_folded: Mapped[str] = mapped_column(String(255), index=True)
    ocop_group: Mapped[str | None] = mapped_column(String(32))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_key_product: Mapped[bool] = mapped_column(Boolean, default=False)
    is_specialty: Mapped[bool] = mapped_column(Boolean, default=False)
    has_collective_trademark: Mapped[bool] = mapped_column(Boolean, default=False)
    is_high_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    ocop_stars: Mapped[int | None] = mapped_column(Integer)
    ocop_decision_number: Mapped[str | None] = mapped_column(String(64))
    ocop_decision_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    standards: Mapped[list[Standard]] = relationship(
        secondary="product_standards", order_by="Standard.code", viewonly=True
    )

    @property
    def ocop_expires_on(self) -> date | None:
        """An OCOP rating is valid for 36 months from its decision date."""
        if self.ocop_decision_date is None:
            return None
        return add_months(self.ocop_decision_date, OCOP_VALIDITY_MONTHS)

    def ocop_valid_on(self, day: date) -> bool:
        expires = self.ocop_expires_on
        return bool(
            self.ocop_stars and expires and self.ocop_decision_date and self.ocop_decision_date <= day < expires
        )
