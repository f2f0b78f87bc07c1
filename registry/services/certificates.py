"""Issuing, declaring, confirming and changing the status of certificates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput
from registry.extensions import db
from registry.models import (
    Certificate,
    CertificateEvent,
    CertificationBody,
    Organization,
    Product,
    Standard,
    User,
)
from registry.models.certificate import TRANSITIONS, certificate_products
from registry.services import audit, permissions
from registry.services.common import get_or_404, reference
from registry.services.text import fold, like_pattern, nfc
from registry.services.timefmt import today_vn


def _snapshot(cert: Certificate) -> dict[str, Any]:
    data = audit.snapshot(cert)
    data["standard_ids"] = [s.id for s in cert.standards]
    data["product_ids"] = [p.id for p in cert.products]
    return data


def _may_issue(actor: User, body_id: int, org: Organization) -> bool:
    """Whether the actor's record of this certificate counts as confirmed by an authority."""
    if actor.role in ("admin", "inspector"):
        return True
    if actor.role == "body_staff":
        return actor.body_id == body_id
    if actor.role == "dost_officer":
        return actor.province_id == org.province_id
    return False


def create_certificate(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> Certificate:
    user = permissions.require_user(actor)
    errors: list[FieldError] = []
    body = reference(CertificationBody, data.get("certification_body_id"), "certification_body_id", errors)
    org = reference(Organization, data.get("organization_id"), "organization_id", errors)
    standards = [s for i in data.get("standard_ids", []) if (s := reference(Standard, i, "standard_ids", errors))]
    products = [p for i in data.get("product_ids", []) if (p := reference(Product, i, "product_ids", errors))]
    issued_on: date | None = data.get("issued_on")
    expires_on: date | None = data.get("expires_on")
    if issued_on and expires_on and expires_on <= issued_on:
        errors.append(FieldError("expires_on", "date_order", {"other": "issued_on"}))
    if org is not None:
        for product in products:
            if product.organization_id != org.id:
                errors.append(FieldError("product_ids", "unknown_reference", {"value": product.id}))
        for standard in standards:
            if standard.organization_id not in (None, org.id):  # another organisation's TCCS
                errors.append(FieldError("standard_ids", "unknown_reference", {"value": standard.id}))
    if errors:
        raise InvalidInput(errors)
    assert body is not None and org is not None and issued_on is not None
    if user.role == "producer":
        if user.organization_id != org.id:
            raise Forbidden()
        confirmed = False
    elif _may_issue(user, body.id, org):
        confirmed = True
    else:
        raise Forbidden()
    number = nfc(data["number"])
    clash = db.session.scalar(
        select(Certificate.id).where(Certificate.certification_body_id == body.id, Certificate.number == number)
    )
    if clash:
        raise Conflict("duplicate", [FieldError("number", "duplicate", {"value": number})])
    cert = Certificate(
        number=number,
        number_folded=fold(number),
        certification_body_id=body.id,
        organization_id=org.id,
        holder_province_id=org.province_id,
        category=data["category"],
        scope=nfc(data["scope"]) if data.get("scope") else None,
        issued_on=issued_on,
        expires_on=expires_on,
        lifecycle="valid",
        is_confirmed=confirmed,
    )
    cert.standards = standards
    cert.products = products
    db.session.add(cert)
    db.session.flush()
    db.session.add(
        CertificateEvent(
            certificate_id=cert.id,
            action="issue" if confirmed else "declare",
            actor_id=user.id,
            reason=data.get("reason"),
        )
    )
    audit.record(actor, "create", "certificate", cert.id, None, _snapshot(cert))
    if commit:
        db.session.commit()
    return cert


def confirm_certificate(actor: User | None, cert_id: int, reason: str | None = None) -> Certificate:
    cert = get_or_404(Certificate, cert_id)
    user = permissions.require_user(actor)
    if user.role == "producer" or not _may_issue(user, cert.certification_body_id, cert.organization):
        raise Forbidden()
    if cert.is_confirmed:
        raise Conflict("transition", action="confirm", status="confirmed")
    before = _snapshot(cert)
    cert.is_confirmed = True
    db.session.add(CertificateEvent(certificate_id=cert.id, action="confirm", actor_id=user.id, reason=reason))
    audit.record(actor, "confirm", "certificate", cert.id, before, _snapshot(cert))
    db.session.commit()
    return cert


def may_change_status(actor: User | None, cert: Certificate) -> bool:
    if actor is None:
        return False
    if actor.role in ("admin", "inspector"):
        return True
    return actor.role == "body_staff" and actor.body_id == cert.certification_body_id


def transition_certificate(actor: User | None, cert_id: int, action: str, reason: str) -> Certificate:
    """Suspend, withdraw or reinstate; withdrawn is final and a reason is always required."""
    cert = get_or_404(Certificate, cert_id)
    user = permissions.require_user(actor)
    if not may_change_status(user, cert):
        raise Forbidden()
    if action not in TRANSITIONS:
        raise InvalidInput.one("action", "enum", choices=list(TRANSITIONS))
    if not reason or not reason.strip():
        raise InvalidInput.one("reason", "reason_required")
    allowed_from, result = TRANSITIONS[action]
    if cert.lifecycle not in allowed_from:
        raise Conflict("transition", action=action, status=cert.lifecycle)
    before = _snapshot(cert)
    cert.lifecycle = result
    db.session.add(CertificateEvent(certificate_id=cert.id, action=action, actor_id=user.id, reason=nfc(reason)))
    audit.record(actor, action, "certificate", cert.id, before, _snapshot(cert))
    db.session.commit()
    return cert


def certificate_query(
    province_id: int | None = None,
    organization_id: int | None = None,
    body_id: int | None = None,
    category: str | None = None,
    status: str | None = None,
    year: int | None = None,
    product_id: int | None = None,
    q: str | None = None,
    confirmed: bool | None = None,
    today: date | None = None,
) -> Select[Certificate]:
    today = today or today_vn()  # the day in Vietnam, not the server's local day
    stmt = select(Certificate).order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    if province_id is not None:
        stmt = stmt.where(Certificate.holder_province_id == province_id)
    if organization_id is not None:
        stmt = stmt.where(Certificate.organization_id == organization_id)
    if body_id is not None:
        stmt = stmt.where(Certificate.certification_body_id == body_id)
    if category:
        stmt = stmt.where(Certificate.category == category)
    if confirmed is not None:
        stmt = stmt.where(Certificate.is_confirmed == confirmed)
    if year is not None:
        stmt = stmt.where(Certificate.issued_on >= date(year, 1, 1), Certificate.issued_on <= date(year, 12, 31))
    if product_id is not None:
        stmt = stmt.where(
            Certificate.id.in_(
                select(certificate_products.c.certificate_id).where(certificate_products.c.product_id == product_id)
            )
        )
    if status == "expired":
        stmt = stmt.where(Certificate.lifecycle == "valid", Certificate.expires_on < today)
    elif status == "valid":
        stmt = stmt.where(
            Certificate.lifecycle == "valid",
            (Certificate.expires_on.is_(None)) | (Certificate.expires_on >= today),
        )
    elif status:
        stmt = stmt.where(Certificate.lifecycle == status)
    if q:
        stmt = stmt.where(Certificate.number_folded.like(like_pattern(q)))
    return stmt
