"""Standards, their documents and the links between them."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from registry.errors import Conflict, FieldError, InvalidInput
from registry.extensions import db
from registry.models import Organization, Product, ProductStandard, Standard, StandardLink, User
from registry.services import audit, permissions
from registry.services.common import get_or_404, reference
from registry.services.text import fold, like_pattern, nfc


def code_key(organization_id: int | None, code: str) -> str:
    return f"{organization_id or 0}:{fold(code).replace(' ', '')}"


def _authorise(actor: User | None, standard: Standard) -> None:
    """TCCS belong to their publisher; the national catalogue is shared by writers."""
    if standard.organization_id is not None:
        org = db.session.get(Organization, standard.organization_id)
        permissions.require_organization_writer(actor, standard.organization_id, org.province_id if org else None)
    else:
        permissions.require_role(actor, "dost_officer", "body_staff", "producer", "inspector")


def create_standard(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> Standard:
    errors: list[FieldError] = []
    org = reference(Organization, data.get("organization_id"), "organization_id", errors)
    standard = Standard(
        kind=data.get("kind", ""),
        code=nfc(data.get("code", "")),
        title=nfc(data.get("title", "")),
        organization_id=org.id if org else None,
        published_on=data.get("published_on"),
        note=data.get("note"),
    )
    standard.title_folded = fold(standard.title)
    if standard.kind == "tccs" and org is None and "organization_id" not in {e.field for e in errors}:
        errors.append(FieldError("organization_id", "not_standard_kind"))
    if errors:
        permissions.require_user(actor)
        raise InvalidInput(errors)
    _authorise(actor, standard)
    standard.code_key = code_key(standard.organization_id, standard.code)
    if db.session.scalar(select(Standard.id).where(Standard.code_key == standard.code_key)):
        raise Conflict("duplicate", [FieldError("code", "duplicate", {"value": standard.code})])
    db.session.add(standard)
    db.session.flush()
    for relation in ("supersedes", "references"):
        for target_id in data.get(relation, []) or []:
            target = reference(Standard, target_id, relation, errors)
            if target is not None:
                db.session.add(StandardLink(standard_id=standard.id, target_id=target.id, relation=relation))
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    audit.record(actor, "create", "standard", standard.id, None, audit.snapshot(standard))
    if commit:
        db.session.commit()
    return standard


def update_standard(actor: User | None, standard_id: int, data: dict[str, Any]) -> Standard:
    standard = get_or_404(Standard, standard_id)
    _authorise(actor, standard)
    before = audit.snapshot(standard)
    if "title" in data:
        standard.title = nfc(data["title"])
        standard.title_folded = fold(standard.title)
    if "published_on" in data:
        standard.published_on = data["published_on"]
    if "note" in data:
        standard.note = data["note"]
    if "code" in data:
        standard.code = nfc(data["code"])
        standard.code_key = code_key(standard.organization_id, standard.code)
        clash = db.session.scalar(
            select(Standard.id).where(Standard.code_key == standard.code_key, Standard.id != standard.id)
        )
        if clash:
            db.session.rollback()
            raise Conflict("duplicate", [FieldError("code", "duplicate", {"value": data["code"]})])
    audit.record(actor, "update", "standard", standard.id, before, audit.snapshot(standard))
    db.session.commit()
    return standard


def document_error(content: bytes, max_bytes: int, field: str = "document") -> FieldError | None:
    """A TCCS document must be a real PDF (by its signature, not its name) within the size limit."""
    if not content:
        return FieldError(field, "file_empty")
    if len(content) > max_bytes:
        return FieldError(field, "file_size", {"max": max_bytes // (1024 * 1024)})
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
        return FieldError(field, "file_type", {"expected": "PDF"})
    return None


def attach_document(actor: User | None, standard_id: int, content: bytes, store: Path, max_bytes: int) -> Standard:
    standard = get_or_404(Standard, standard_id)
    _authorise(actor, standard)
    if err := document_error(content, max_bytes):
        raise InvalidInput([err])
    digest = hashlib.sha256(content).hexdigest()
    store.mkdir(parents=True, exist_ok=True)
    path = store / f"{digest}.pdf"
    if not path.exists():
        path.write_bytes(content)
    before = audit.snapshot(standard)
    standard.document_path = path.name
    standard.document_sha256 = digest
    standard.document_size = len(content)
    audit.record(actor, "attach_document", "standard", standard.id, before, audit.snapshot(standard))
    db.session.commit()
    return standard


def standard_query(
    kind: str | None = None,
    organization_id: int | None = None,
    province_id: int | None = None,
    q: str | None = None,
    year: int | None = None,
) -> Select[Standard]:
    stmt = select(Standard).order_by(Standard.code, Standard.id)
    if kind:
        stmt = stmt.where(Standard.kind == kind)
    if organization_id is not None:
        stmt = stmt.where(Standard.organization_id == organization_id)
    if province_id is not None:
        stmt = stmt.join(Organization, Standard.organization_id == Organization.id).where(
            Organization.province_id == province_id
        )
    if year is not None:
        stmt = stmt.where(Standard.published_on >= date(year, 1, 1), Standard.published_on <= date(year, 12, 31))
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(Standard.title_folded.like(pattern) | Standard.code_key.like(pattern.replace(" ", "")))
    return stmt


def products_applying(standard_id: int) -> list[Product]:
    stmt = select(Product).join(ProductStandard).where(ProductStandard.standard_id == standard_id)
    return list(db.session.scalars(stmt.order_by(Product.name)))


def links_of(standard_id: int) -> dict[str, list[int]]:
    rows = db.session.execute(
        select(StandardLink.relation, StandardLink.target_id).where(StandardLink.standard_id == standard_id)
    )
    out: dict[str, list[int]] = {"supersedes": [], "references": []}
    for relation, target_id in rows:
        out.setdefault(relation, []).append(target_id)
    return out
