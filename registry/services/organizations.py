"""Registering producers and certification bodies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from stdnum.vn import mst

from registry.errors import Conflict, FieldError, InvalidInput
from registry.extensions import db
from registry.models import CertificationBody, Organization, User
from registry.services import audit, permissions
from registry.services.common import get_or_404
from registry.services.places import resolve_commune, resolve_province
from registry.services.text import fold, like_pattern, nfc


def tax_code_error(raw: str, field: str = "tax_code") -> FieldError | None:
    if not mst.is_valid(raw):
        return FieldError(field, "tax_code")
    return None


def _apply(org: Organization, data: dict[str, Any], errors: list[FieldError]) -> None:
    if "name" in data:
        org.name = nfc(data["name"])
        org.name_folded = fold(org.name)
    if "kind" in data:
        org.kind = data["kind"]
    if "tax_code" in data:
        err = tax_code_error(data["tax_code"])
        if err:
            errors.append(err)
        else:
            org.tax_code = mst.format(mst.compact(data["tax_code"]))
    province = org.province if org.province_id else None
    if "province" in data:
        found = resolve_province(data["province"])
        if isinstance(found, FieldError):
            errors.append(found)
            province = None
        else:
            province = found
            org.province = found
            org.province_id = found.id
    if data.get("commune") and province is not None:
        commune = resolve_commune(province, data["commune"])
        if isinstance(commune, FieldError):
            errors.append(commune)
        else:
            org.commune = commune
            org.commune_id = commune.id
    elif "commune" in data and not data["commune"]:
        org.commune_id = None
    for key in ("address", "phone", "email", "website"):
        if key in data:
            setattr(org, key, nfc(data[key]) if data[key] else None)
    if "is_sme" in data:
        org.is_sme = bool(data["is_sme"])
    if "gs1_company_prefix" in data:
        prefix = (data["gs1_company_prefix"] or "").strip()
        if prefix and not (prefix.isdigit() and 6 <= len(prefix) <= 12):
            errors.append(FieldError("gs1_company_prefix", "gs1_prefix_format"))
        org.gs1_company_prefix = prefix or None


def _check_unique_tax_code(org: Organization) -> None:
    clash = db.session.scalar(
        select(Organization.id).where(Organization.tax_code == org.tax_code, Organization.id != (org.id or 0))
    )
    if clash:
        raise Conflict("duplicate", [FieldError("tax_code", "duplicate", {"value": org.tax_code})])


def create_organization(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> Organization:
    user = permissions.require_role(actor, "dost_officer")
    errors: list[FieldError] = []
    org = Organization(is_sme=True)
    _apply(org, data, errors)
    if errors:
        raise InvalidInput(errors)
    if user.role == "dost_officer" and org.province_id != user.province_id:
        permissions.require_province_officer(user, org.province_id)
    _check_unique_tax_code(org)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "create", "organization", org.id, None, audit.snapshot(org))
    if commit:
        db.session.commit()
    return org


def update_organization(actor: User | None, org_id: int, data: dict[str, Any]) -> Organization:
    org = get_or_404(Organization, org_id)
    permissions.require_organization_writer(actor, org.id, org.province_id)
    before = audit.snapshot(org)
    old_province = org.province_id
    errors: list[FieldError] = []
    _apply(org, data, errors)
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    if actor is not None and actor.role == "dost_officer" and org.province_id != old_province:
        db.session.rollback()
        permissions.require_province_officer(actor, -1)
    _check_unique_tax_code(org)
    audit.record(actor, "update", "organization", org.id, before, audit.snapshot(org))
    db.session.commit()
    return org


def organization_query(
    province_id: int | None = None, kind: str | None = None, q: str | None = None, is_sme: bool | None = None
) -> Select[Organization]:
    stmt = select(Organization).order_by(Organization.name_folded, Organization.id)
    if province_id is not None:
        stmt = stmt.where(Organization.province_id == province_id)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if is_sme is not None:
        stmt = stmt.where(Organization.is_sme == is_sme)
    if q:
        stmt = stmt.where(Organization.name_folded.like(like_pattern(q)) | (Organization.tax_code == q.strip()))
    return stmt


def create_body(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> CertificationBody:
    permissions.require_role(actor)  # admins only
    body = CertificationBody()
    _apply_body(body, data)
    db.session.add(body)
    db.session.flush()
    audit.record(actor, "create", "certification_body", body.id, None, audit.snapshot(body))
    if commit:
        db.session.commit()
    return body


def _apply_body(body: CertificationBody, data: dict[str, Any]) -> None:
    if "name" in data:
        body.name = nfc(data["name"])
        body.name_folded = fold(body.name)
    for key in ("accreditation_number", "designation_number", "address", "phone", "email", "website", "note"):
        if key in data:
            setattr(body, key, nfc(data[key]) if data[key] else None)


def update_body(actor: User | None, body_id: int, data: dict[str, Any]) -> CertificationBody:
    body = get_or_404(CertificationBody, body_id)
    user = permissions.require_user(actor)
    if not (user.role == "admin" or (user.role == "body_staff" and user.body_id == body.id)):
        permissions.require_role(user)
    before = audit.snapshot(body)
    _apply_body(body, data)
    audit.record(actor, "update", "certification_body", body.id, before, audit.snapshot(body))
    db.session.commit()
    return body


def body_query(q: str | None = None) -> Select[CertificationBody]:
    stmt = select(CertificationBody).order_by(CertificationBody.name_folded, CertificationBody.id)
    if q:
        stmt = stmt.where(CertificationBody.name_folded.like(like_pattern(q)))
    return stmt
