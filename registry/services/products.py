"""Registering products, their OCOP rating and the standards they apply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from registry.errors import Conflict, FieldError, InvalidInput, NotFound
from registry.extensions import db
from registry.models import Organization, Product, ProductStandard, Standard, User
from registry.services import audit, gs1, permissions
from registry.services.common import MAX_ID, get_or_404, reference
from registry.services.text import fold, like_pattern, nfc

FLAGS = ("is_key_product", "is_specialty", "has_collective_trademark", "is_high_risk")


def _apply(product: Product, data: dict[str, Any], errors: list[FieldError]) -> None:
    if "name" in data:
        product.name = nfc(data["name"])
        product.name_folded = fold(product.name)
    for key in ("ocop_group", "description", "ocop_decision_number"):
        if key in data:
            value = data[key]
            setattr(product, key, nfc(value) if isinstance(value, str) and value.strip() else None)
    for key in (*FLAGS, "ocop_stars", "ocop_decision_date"):
        if key in data:
            setattr(product, key, data[key])
    if "gtin" in data:
        raw = (data["gtin"] or "").strip()
        if not raw:
            product.gtin = None
        elif err := gs1.gtin_error(raw):
            errors.append(err)
        else:
            product.gtin = gs1.normalize_gtin(raw)
    if product.ocop_stars is not None and product.ocop_stars not in (3, 4, 5):
        errors.append(FieldError("ocop_stars", "stars"))
    if product.ocop_stars and not (product.ocop_decision_number and product.ocop_decision_date):
        missing = "ocop_decision_number" if not product.ocop_decision_number else "ocop_decision_date"
        errors.append(FieldError(missing, "ocop_decision_required"))


def _check_prefix(product: Product, org: Organization, errors: list[FieldError]) -> None:
    prefix = org.gs1_company_prefix
    if product.gtin and prefix and not gs1.prefix_matches(product.gtin, prefix):
        errors.append(FieldError("gtin", "gs1_prefix_mismatch", {"prefix": prefix}))


def _check_unique_gtin(product: Product) -> None:
    if product.gtin is None:
        return
    clash = db.session.scalar(select(Product.id).where(Product.gtin == product.gtin, Product.id != (product.id or 0)))
    if clash:
        raise Conflict("duplicate", [FieldError("gtin", "duplicate", {"value": product.gtin})])


def create_product(actor: User | None, data: dict[str, Any], *, commit: bool = True) -> Product:
    errors: list[FieldError] = []
    org = reference(Organization, data.get("organization_id"), "organization_id", errors)
    if org is None and not errors:
        errors.append(FieldError("organization_id", "required"))
    if org is not None:
        permissions.require_organization_writer(actor, org.id, org.province_id)
    else:
        permissions.require_user(actor)
    product = Product(
        status="active", is_key_product=False, is_specialty=False, has_collective_trademark=False, is_high_risk=False
    )
    _apply(product, data, errors)
    if org is not None:
        _check_prefix(product, org, errors)
    if errors:
        raise InvalidInput(errors)
    assert org is not None
    product.organization_id = org.id
    _check_unique_gtin(product)
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "create", "product", product.id, None, audit.snapshot(product))
    if commit:
        db.session.commit()
    return product


def update_product(actor: User | None, product_id: int, data: dict[str, Any]) -> Product:
    product = get_or_404(Product, product_id)
    org = product.organization
    permissions.require_organization_writer(actor, org.id, org.province_id)
    if "organization_id" in data and data["organization_id"] != product.organization_id:
        raise InvalidInput.one("organization_id", "invalid")
    before = audit.snapshot(product)
    errors: list[FieldError] = []
    with db.session.no_autoflush:
        _apply(product, {k: v for k, v in data.items() if k != "status"}, errors)
        _check_prefix(product, org, errors)
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    _check_unique_gtin(product)
    audit.record(actor, "update", "product", product.id, before, audit.snapshot(product))
    db.session.commit()
    return product


def withdraw_product(actor: User | None, product_id: int, reason: str) -> Product:
    """Products are never deleted: they are withdrawn, and stay readable."""
    product = get_or_404(Product, product_id)
    permissions.require_organization_writer(actor, product.organization_id, product.organization.province_id)
    if not reason or not reason.strip():
        raise InvalidInput.one("reason", "reason_required")
    before = audit.snapshot(product)
    product.status = "withdrawn"
    product.withdrawn_reason = nfc(reason)
    audit.record(actor, "withdraw", "product", product.id, before, audit.snapshot(product))
    db.session.commit()
    return product


def apply_standard(actor: User | None, product_id: int, standard_id: Any) -> Product:
    product = get_or_404(Product, product_id)
    permissions.require_organization_writer(actor, product.organization_id, product.organization.province_id)
    errors: list[FieldError] = []
    standard = reference(Standard, standard_id, "standard_id", errors)
    if standard is not None and standard.organization_id not in (None, product.organization_id):
        # A TCCS is its publisher's own: another organisation's reads as unknown, as for certificates.
        errors.append(FieldError("standard_id", "unknown_reference", {"value": standard.id}))
    if errors or standard is None:
        raise InvalidInput(errors or [FieldError("standard_id", "required")])
    if db.session.get(ProductStandard, (product.id, standard.id)) is None:
        db.session.add(ProductStandard(product_id=product.id, standard_id=standard.id))
        audit.record(actor, "apply_standard", "product", product.id, None, {"standard_id": standard.id})
        db.session.commit()
        db.session.refresh(product)
    return product


def remove_standard(actor: User | None, product_id: int, standard_id: int) -> None:
    product = get_or_404(Product, product_id)
    permissions.require_organization_writer(actor, product.organization_id, product.organization.province_id)
    link = db.session.get(ProductStandard, (product.id, standard_id)) if 0 < standard_id <= MAX_ID else None
    if link is None:
        raise NotFound()
    db.session.delete(link)
    audit.record(actor, "remove_standard", "product", product.id, {"standard_id": standard_id}, None)
    db.session.commit()


def product_query(
    organization_id: int | None = None,
    province_id: int | None = None,
    status: str | None = None,
    q: str | None = None,
    gtin: str | None = None,
    ocop_stars: int | None = None,
    is_key_product: bool | None = None,
) -> Select[Product]:
    stmt = select(Product).order_by(Product.name_folded, Product.id)
    if organization_id is not None:
        stmt = stmt.where(Product.organization_id == organization_id)
    if province_id is not None:
        stmt = stmt.join(Organization).where(Organization.province_id == province_id)
    if status:
        stmt = stmt.where(Product.status == status)
    if ocop_stars is not None:
        stmt = stmt.where(Product.ocop_stars == ocop_stars)
    if is_key_product is not None:
        stmt = stmt.where(Product.is_key_product == is_key_product)
    if gtin:
        stmt = stmt.where(Product.gtin == gtin.strip().zfill(14))
    if q:
        stmt = stmt.where(Product.name_folded.like(like_pattern(q)))
    return stmt
