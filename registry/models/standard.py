"""Standards (TCCS, TCVN, QCVN, ISO, GAP schemes, ...) and the links between them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import UTCDateTime, utcnow
from registry.extensions import Model
from registry.models.organization import Organization

STANDARD_KINDS = ("tccs", "tcvn", "qcvn", "iso", "vietgap", "globalgap", "organic", "haccp", "other")
LINK_RELATIONS = ("supersedes", "references")


class Standard(Model):
    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[str] = mapped_column(String(128))
    # "<owner id or 0>:<code folded>": one code per owner, enforced by the database.
    code_key: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(512))
    title_folded: Mapped[str] = mapped_column(String(640), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    document_path: Mapped[str | None] = mapped_column(String(255))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_size: Mapped[int | None] = mapped_column(Integer)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()


class StandardLink(Model):
    """`standard` supersedes or references `target`."""

    __tablename__ = "standard_links"
    __table_args__ = (UniqueConstraint("standard_id", "target_id", "relation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
