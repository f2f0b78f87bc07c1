"""The inspectors' queue of consumer reports: list, take (investigating) and close with an outcome."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput
from registry.extensions import db
from registry.models import ConsumerReport, Organization, Product, User
from registry.models.report import REPORT_STATUSES
from registry.services import audit, permissions
from registry.services.common import get_or_404

# action: (allowed from, resulting status); closed is final.
REPORT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "investigate": (("open",), "investigating"),
    "close": (("open", "investigating"), "closed"),
}
OUTCOME_MAX = 4000
HANDLERS = ("admin", "inspector")


def _reader(actor: User | None) -> User:
    """Inspectors and admins read the whole queue; a DOST officer reads their province's."""
    user = permissions.require_user(actor)
    if user.role in HANDLERS or user.role == "dost_officer":
        return user
    raise Forbidden()


def _province_of(report: ConsumerReport) -> int | None:
    return report.product.organization.province_id if report.product is not None else None


def may_see_contact(actor: User) -> bool:
    """The consumer's contact is for whoever follows the report up, not for every reader."""
    return actor.role in HANDLERS


def report_query(
    actor: User | None,
    status: str | None = None,
    province_id: int | None = None,
    product_id: int | None = None,
) -> Select[ConsumerReport]:
    user = _reader(actor)
    if user.role == "dost_officer":
        if province_id is not None and province_id != user.province_id:
            raise Forbidden()
        province_id = user.province_id
    if status is not None and status not in REPORT_STATUSES:
        raise InvalidInput.one("status", "enum", choices=list(REPORT_STATUSES))
    stmt = (
        select(ConsumerReport)
        .options(
            selectinload(ConsumerReport.product).selectinload(Product.organization).selectinload(Organization.province),
            selectinload(ConsumerReport.batch),
        )
        .order_by(ConsumerReport.created_at.desc(), ConsumerReport.id.desc())
    )
    if status:
        stmt = stmt.where(ConsumerReport.status == status)
    if product_id is not None:
        stmt = stmt.where(ConsumerReport.product_id == product_id)
    if province_id is not None:
        stmt = stmt.where(
            ConsumerReport.product_id.in_(
                select(Product.id)
                .join(Organization, Organization.id == Product.organization_id)
                .where(Organization.province_id == province_id)
            )
        )
    return stmt


def get_report(actor: User | None, report_id: int) -> ConsumerReport:
    user = _reader(actor)
    report = get_or_404(ConsumerReport, report_id)
    if user.role == "dost_officer" and _province_of(report) != user.province_id:
        raise Forbidden()
    return report


def _snapshot(report: ConsumerReport) -> dict[str, Any]:
    return audit.snapshot(report, exclude=("contact", "message"))


def transition_report(actor: User | None, report_id: int, action: str, outcome: str | None = None) -> ConsumerReport:
    """`investigate` takes an open report; `close` needs an outcome and is final. Inspectors and admins only."""
    user = permissions.require_user(actor)
    if user.role not in HANDLERS:
        raise Forbidden()
    report = get_or_404(ConsumerReport, report_id)
    if action not in REPORT_TRANSITIONS:
        raise InvalidInput.one("action", "enum", choices=list(REPORT_TRANSITIONS))
    # NFC but keep the inspector's line breaks (text.nfc would collapse them).
    text = unicodedata.normalize("NFC", outcome or "").strip()
    if action == "close":
        if not text:
            raise InvalidInput.one("outcome", "required")
        if len(text) > OUTCOME_MAX:
            raise InvalidInput.one("outcome", "length", min=1, max=OUTCOME_MAX)
    allowed_from, result = REPORT_TRANSITIONS[action]
    if report.status not in allowed_from:
        raise Conflict(
            "report_transition",
            [FieldError("action", "report_transition", {"action": action, "status": report.status})],
        )
    before = _snapshot(report)
    report.status = result
    report.handled_by_id = user.id
    if action == "close":
        report.outcome = text
        report.closed_at = datetime.now(UTC)
    audit.record(user, action, "consumer_report", report.id, before, _snapshot(report))
    db.session.commit()
    return report
