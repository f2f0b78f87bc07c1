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
from registry.models.certificate import DECLARATION_CATEGORIES, certificate_products
from registry.models.lifecycle import TRANSITIONS, next_lifecycle
from registry.observability import STATUS_CHANGES
from registry.services import audit, permissions
from registry.services.common import get_or_404, in_order, not_in_future, reference, refuse
from registry.services.text import fold, like_pattern, nfc
from registry.services.timefmt import today_vn


def _snapshot(cert: Certificate) -> dict[str, Any]:
    data = audit.snapshot(cert)
    data["standard_ids"] = [s.id for s in cert.standards]
    data["product_ids"] = [p.id for p in cert.products]
    return data


def _duplicate_number(body_id: int | None, organization_id: int, number: str) -> FieldError | None:
    """A body numbers its certificates once, an organisation its own declarations (no body) once: the
    same number again, or a look-alike, is a duplicate."""
    same_issuer = (
        Certificate.certification_body_id == body_id
        if body_id is not None
        else (Certificate.certification_body_id.is_(None) & (Certificate.organization_id == organization_id))
    )
    clash = db.session.scalar(select(Certificate.id).where(same_issuer, Certificate.number_folded == fold(number)))
    return FieldError("number", "duplicate", {"value": number}) if clash and number else None


def create_certificate(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> Certificate:
    user = permissions.require_user(actor)
    errors: list[FieldError] = []
    declaration = data.get("category") in DECLARATION_CATEGORIES
    body_id = data.get("certification_body_id")
    body: CertificationBody | None = None
    if declaration and body_id is not None:
        # A declaration is the producer's own statement: no certification body issues it.
        errors.append(FieldError("certification_body_id", "declaration_has_no_body"))
    elif not declaration and body_id is None:
        errors.append(FieldError("certification_body_id", "required"))
    else:
        body = reference(CertificationBody, body_id, "certification_body_id", errors)
    org = reference(Organization, data.get("organization_id"), "organization_id", errors)
    standards = [s for i in data.get("standard_ids", []) if (s := reference(Standard, i, "standard_ids", errors))]
    products = [p for i in data.get("product_ids", []) if (p := reference(Product, i, "product_ids", errors))]
    issued_on: date | None = data.get("issued_on")
    expires_on: date | None = data.get("expires_on")
    if issued_on is None:
        errors.append(FieldError("issued_on", "required"))
    not_in_future(issued_on, "issued_on", errors)
    in_order(issued_on, expires_on, "expires_on", "issued_on", errors, strict=True)
    if org is not None:
        for product in products:
            if product.organization_id != org.id:
                errors.append(FieldError("product_ids", "unknown_reference", {"value": product.id}))
        for standard in standards:
            if standard.organization_id not in (None, org.id):  # another organisation's TCCS
                errors.append(FieldError("standard_ids", "unknown_reference", {"value": standard.id}))
    if org is None or (body is None and not declaration):  # who may record it depends on both
        raise InvalidInput(
            errors or [FieldError("organization_id" if org is None else "certification_body_id", "required")]
        )
    if user.role == "producer":
        if user.organization_id != org.id:
            raise Forbidden()
        confirmed = False
    elif permissions.can_issue_certificate(user, body.id if body else None, org.province_id):
        confirmed = True
    else:
        raise Forbidden()
    number = nfc(data.get("number") or "")
    if not number:
        errors.append(FieldError("number", "required"))
    refuse(errors, [_duplicate_number(body.id if body else None, org.id, number)])
    assert issued_on is not None
    cert = Certificate(
        number=number,
        number_folded=fold(number),
        certification_body_id=body.id if body is not None else None,
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
    if user.role == "producer" or not permissions.can_issue_certificate(
        user, cert.certification_body_id, cert.organization.province_id
    ):
        raise Forbidden()
    if cert.is_confirmed:
        raise Conflict("transition", action="confirm", status="confirmed")
    before = _snapshot(cert)
    cert.is_confirmed = True
    db.session.add(CertificateEvent(certificate_id=cert.id, action="confirm", actor_id=user.id, reason=reason))
    audit.record(actor, "confirm", "certificate", cert.id, before, _snapshot(cert))
    db.session.commit()
    STATUS_CHANGES.labels("confirm").inc()
    return cert


def may_change_status(actor: User | None, cert: Certificate) -> bool:
    return permissions.can_change_certificate_status(actor, cert.certification_body_id)


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
    result = next_lifecycle(cert.lifecycle, action)
    if result is None:
        raise Conflict("transition", action=action, status=cert.lifecycle)
    before = _snapshot(cert)
    cert.lifecycle = result
    db.session.add(CertificateEvent(certificate_id=cert.id, action=action, actor_id=user.id, reason=nfc(reason)))
    audit.record(actor, action, "certificate", cert.id, before, _snapshot(cert))
    db.session.commit()
    STATUS_CHANGES.labels(action).inc()
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
