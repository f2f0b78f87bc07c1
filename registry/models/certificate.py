"""Conformity certificates and declarations, with their append-only status history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.categories import CERTIFICATE_CATEGORIES as CERTIFICATE_CATEGORIES  # re-exported
from registry.database import UTCDateTime, utcnow
from registry.extensions import Model, db
from registry.models.lifecycle import (  # noqa: F401 (the lifecycle's names, where they were first defined)
    ACTIONS,
    CERTIFICATE_STATUSES,
    TRANSITIONS,
    lifecycle_from_history,
    status_on,
)
from registry.models.organization import CertificationBody, Organization

if TYPE_CHECKING:
    from registry.models.product import Product
    from registry.models.standard import Standard

# A producer's own declaration of conformity (công bố hợp chuẩn / hợp quy): no certification body issues it.
DECLARATION_CATEGORIES = ("declaration_standard", "declaration_regulation")

# The predicate of the statistics indexes, as SQLAlchemy renders `.where(Certificate.is_confirmed)`
# on each engine (SQLite uses a partial index only when the query repeats its WHERE term).
CONFIRMED_ONLY: dict[str, Any] = {"postgresql_where": text("is_confirmed"), "sqlite_where": text("is_confirmed = 1")}

certificate_standards = Table(
    "certificate_standards",
    db.metadata,
    Column("certificate_id", ForeignKey("certificates.id"), primary_key=True),
    Column("standard_id", ForeignKey("standards.id"), primary_key=True, index=True),
)
certificate_products = Table(
    "certificate_products",
    db.metadata,
    Column("certificate_id", ForeignKey("certificates.id"), primary_key=True),
    Column("product_id", ForeignKey("products.id"), primary_key=True, index=True),
)


class Certificate(Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # A body numbers its certificates once, judged by the folded key: "DEMO-1", "demo-1" and
        # "DEMO‐1" (U+2010) are one number (registry.services.text.fold).
        UniqueConstraint("certification_body_id", "number_folded"),
        # A declaration has no body: its number is unique within its organisation's declarations.
        Index(
            "ux_certificates_declaration_number",
            "organization_id",
            "number",
            unique=True,
            postgresql_where=text("certification_body_id IS NULL"),
            sqlite_where=text("certification_body_id IS NULL"),
        ),
        # Statistics count confirmed certificates only, by province and issue date, grouped by
        # category, holder, body: partial covering indexes keep every figure an index-only read.
        # Queries must spell the predicate as the index does: `.where(Certificate.is_confirmed)`;
        # SQLite (3.40 here) reads a column of the predicate from the table unless the index holds it too.
        Index(
            "ix_certificates_province_issued",
            "holder_province_id",
            "issued_on",
            "category",
            "organization_id",
            "certification_body_id",
            "is_confirmed",
            postgresql_include=["id"],
            **CONFIRMED_ONLY,
        ),
        # The national roll-up reads one year across every province.
        Index(
            "ix_certificates_issued_province",
            "issued_on",
            "holder_province_id",
            "category",
            "certification_body_id",
            "is_confirmed",
            **CONFIRMED_ONLY,
        ),
        # Listings of every certificate (confirmed or not) sort by issue date.
        Index("ix_certificates_issued_on", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    number_folded: Mapped[str] = mapped_column(String(64), index=True)
    # None for a self-declaration (DECLARATION_CATEGORIES), and only then.
    certification_body_id: Mapped[int | None] = mapped_column(ForeignKey("certification_bodies.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The holder's province when the certificate was issued: the province it counts for.
    holder_province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    category: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str | None] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # Lifecycle state kept in step with the history by the service (valid/suspended/withdrawn);
    # "expired" is never stored: it is read from expires_on.
    lifecycle: Mapped[str] = mapped_column(String(16), default="valid")
    # A certificate a producer records itself is declared until its body or DOST confirms it.
    is_confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[CertificationBody | None] = relationship()
    organization: Mapped[Organization] = relationship()
    standards: Mapped[list[Standard]] = relationship(secondary=certificate_standards, order_by="Standard.code")
    products: Mapped[list[Product]] = relationship(secondary=certificate_products, order_by="Product.name")
    history: Mapped[list[CertificateEvent]] = relationship(order_by="CertificateEvent.id", back_populates="certificate")

    @property
    def is_self_declared(self) -> bool:
        return self.category in DECLARATION_CATEGORIES

    def status_on(self, day: date) -> str:
        """The public status on `day` (see lifecycle.status_on)."""
        return status_on(self.lifecycle, self.expires_on, day)


class CertificateEvent(Model):
    """One entry of a certificate's history; rows are only ever added."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="history")
