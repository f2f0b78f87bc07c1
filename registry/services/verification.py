"""The public verification of a certificate: its live record, a scanned token's check, and the search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import selectinload

from registry.errors import Conflict, FieldError
from registry.extensions import db
from registry.models import Certificate, CertificateEvent, CertificationBody, Organization, Product, Standard, User
from registry.models.certificate import certificate_products, certificate_standards
from registry.services import audit, signing
from registry.services.common import get_or_404
from registry.services.text import fold, like_pattern
from registry.services.timefmt import VN, local_iso


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    rule: str | None
    params: dict[str, Any]
    claims: signing.Claims | None
    differences: list[str]


def load_certificate(cert_id: int) -> Certificate:
    return get_or_404(Certificate, cert_id)


def _actor_roles(events: list[CertificateEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    return {uid: role for uid, role in db.session.execute(select(User.id, User.role).where(User.id.in_(ids)))}


def verdict(status: str, is_confirmed: bool, signature: SignatureCheck | None, self_declared: bool = False) -> str:
    """One word for the reader: a suspension, withdrawal or expiry always wins over a good signature.

    A self-declaration is never "valid" (certified): unconfirmed it is "declared" like any record a producer
    made itself; once an authority has recorded it, "self_declared"."""
    if status != "valid":
        return status
    if signature is not None and not signature.valid:
        return "signature_invalid"
    if not is_confirmed:
        return "declared"
    return "self_declared" if self_declared else "valid"


def check_token(cert: Certificate, token: str, keyset: dict[str, Any]) -> SignatureCheck:
    """Check a token against the published keys, then compare its claims with the live record."""
    try:
        claims = signing.verify_token(token, keyset, expected_id=cert.id)
    except signing.TokenRejected as err:
        return SignatureCheck(False, err.rule, err.params, None, [])
    live = signing.certificate_claims(cert, claims.kid, claims.iat)
    fields = ["number", "category", "tax_code", "gtins", "issued_on", "expires_on"]
    if not claims.names_shortened:
        fields += ["body", "holder"]
    differences = [f for f in fields if getattr(live, f) != getattr(claims, f)]
    return SignatureCheck(True, None, {}, claims, differences)


def public_record(cert: Certificate, today: date, signature: SignatureCheck | None = None) -> dict[str, Any]:
    """Everything the public may read about a certificate, with its status on `today`."""
    status = cert.status_on(today)
    roles = _actor_roles(cert.history)
    org = cert.organization
    record: dict[str, Any] = {
        "id": cert.id,
        "number": cert.number,
        "category": cert.category,
        "status": status,
        "is_confirmed": cert.is_confirmed,
        "confirmation": "confirmed" if cert.is_confirmed else "declared",
        "is_self_declared": cert.is_self_declared,
        "verdict": verdict(status, cert.is_confirmed, signature, cert.is_self_declared),
        "checked_on": today.isoformat(),
        "holder": {
            "id": org.id,
            "name": org.name,
            "tax_code": org.tax_code,
            "province": org.province.slug,
            "province_name": org.province.name,
        },
        "body": {
            "id": cert.body.id,
            "name": cert.body.name,
            "accreditation_number": cert.body.accreditation_number,
            "designation_number": cert.body.designation_number,
        }
        if cert.body is not None
        else None,
        "standards": [{"id": s.id, "kind": s.kind, "code": s.code, "title": s.title} for s in cert.standards],
        "products": [{"id": p.id, "name": p.name, "gtin": p.gtin} for p in cert.products],
        "scope": cert.scope,
        "issued_on": cert.issued_on.isoformat(),
        "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
        # Who acted is shown only by role: the public gets no personal data of staff.
        "history": [
            {
                "action": e.action,
                "reason": e.reason,
                "at": local_iso(e.at),
                "actor_role": roles.get(e.actor_id) if e.actor_id is not None else None,
            }
            for e in cert.history
        ],
    }
    record["log_entries"] = [
        {"id": e.id, "action": e.action, "at": local_iso(e.at), "proof": f"/api/v1/audit/entries/{e.id}/proof"}
        for e in audit.entries_of("certificate", cert.id)
    ]
    if signature is not None:
        record["signature"] = {
            "valid": signature.valid,
            "reason": signature.rule,
            "params": {k: str(v) for k, v in signature.params.items()},
            "claims": signature.claims.as_dict() if signature.claims else None,
            "differences": signature.differences,
        }
    return record


def bodies() -> list[CertificationBody]:
    return list(db.session.scalars(select(CertificationBody).order_by(CertificationBody.name)))


def signed_link(cert: Certificate, today: date, instance_path: str | Path, base_url: str) -> dict[str, Any]:
    """A fresh token and verify URL; only a certificate valid today gets one (no new proof for a revoked one)."""
    status = cert.status_on(today)
    if status != "valid":
        raise Conflict("not_signable", [FieldError("status", "not_signable", {"status": status})])
    token, url, claims = signing.sign_certificate(cert, instance_path, base_url)
    return {
        "certificate_id": cert.id,
        "token": token,
        "url": url,
        "kid": claims.kid,
        "qr_version": signing.qr_version(url),
        "claims": claims.as_dict(),
    }


# ---- the public lookup and the feed of changes -------------------------------------------------

CHANGES_DAYS = 90


def find_certificates(
    q: str, body_id: int | None = None, limit: int = 20, province_id: int | None = None
) -> list[Certificate]:
    """Certificates matching `q` in their number, holder's name or tax code, a product's name or GTIN,
    a standard's code or title, or the body's name (diacritics and case ignored); exact number and
    tax code matches first, then the newest."""
    q = q.strip()
    if not q:
        return []
    pattern = like_pattern(q)
    if pattern.strip("%") == "":
        return []
    digits = "".join(ch for ch in q if ch.isdigit())
    gtin = digits.zfill(14) if len(digits) in (8, 12, 13, 14) else None
    products = select(certificate_products.c.certificate_id).join(
        Product, Product.id == certificate_products.c.product_id
    )
    product_match: ColumnElement[bool] = Product.name_folded.like(pattern)
    if gtin:
        product_match = product_match | (Product.gtin == gtin)
    standards = select(certificate_standards.c.certificate_id).join(
        Standard, Standard.id == certificate_standards.c.standard_id
    )
    standard_match = Standard.title_folded.like(pattern) | Standard.code_key.like(pattern.replace(" ", ""))
    exact = (Certificate.number_folded == fold(q)) | (Organization.tax_code == q)
    stmt = (
        select(Certificate)
        .join(Organization, Organization.id == Certificate.organization_id)
        .outerjoin(CertificationBody, CertificationBody.id == Certificate.certification_body_id)
        .where(
            or_(
                Certificate.number_folded.like(pattern),
                Organization.name_folded.like(pattern),
                Organization.tax_code == q,
                CertificationBody.name_folded.like(pattern),
                Certificate.id.in_(products.where(product_match)),
                Certificate.id.in_(standards.where(standard_match)),
            )
        )
        .order_by(case((exact, 0), else_=1), Certificate.issued_on.desc(), Certificate.id.desc())
        .options(selectinload(Certificate.body), selectinload(Certificate.organization))
        .limit(limit)
    )
    if body_id is not None:
        stmt = stmt.where(Certificate.certification_body_id == body_id)
    if province_id is not None:
        stmt = stmt.where(Certificate.holder_province_id == province_id)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class StatusChange:
    """A suspension or withdrawal of the last `CHANGES_DAYS` days, with the certificate's status now."""

    event: CertificateEvent
    certificate: Certificate
    status_now: str


def recent_changes(today: date, days: int = CHANGES_DAYS, limit: int = 500) -> list[StatusChange]:
    """Suspensions and withdrawals recorded in the last `days` days (Vietnam dates), newest first."""
    since = datetime.combine(today - timedelta(days=days), time(0), VN).astimezone(UTC)
    stmt = (
        select(CertificateEvent)
        .where(CertificateEvent.action.in_(("suspend", "withdraw")), CertificateEvent.at >= since)
        .options(
            selectinload(CertificateEvent.certificate).selectinload(Certificate.organization),
            selectinload(CertificateEvent.certificate).selectinload(Certificate.body),
        )
        .order_by(CertificateEvent.at.desc(), CertificateEvent.id.desc())
        .limit(limit)
    )
    return [StatusChange(e, e.certificate, e.certificate.status_on(today)) for e in db.session.scalars(stmt)]
