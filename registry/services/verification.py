"""The public verification of a certificate: its live record, a scanned token's check, and the search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.errors import Conflict, FieldError
from registry.extensions import db
from registry.models import Certificate, CertificateEvent, CertificationBody, User
from registry.services import audit, signing
from registry.services.certificates import certificate_query
from registry.services.common import get_or_404
from registry.services.timefmt import local_iso


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


def verdict(status: str, is_confirmed: bool, signature: SignatureCheck | None) -> str:
    """One word for the reader: a suspension, withdrawal or expiry always wins over a good signature."""
    if status != "valid":
        return status
    if signature is not None and not signature.valid:
        return "signature_invalid"
    return "valid" if is_confirmed else "declared"


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
        "verdict": verdict(status, cert.is_confirmed, signature),
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
        },
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


def search_certificates(number: str, body_id: int | None = None, limit: int = 20) -> list[Certificate]:
    """Certificates whose number contains `number` (diacritics and case ignored), optionally of one body."""
    if not number.strip():
        return []
    stmt = (
        certificate_query(body_id=body_id, q=number.strip())
        .options(selectinload(Certificate.body), selectinload(Certificate.organization))
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


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
