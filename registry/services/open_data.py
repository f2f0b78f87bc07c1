"""Open data: the public records of a province (or of the nation) as datasets for a national roll-up.

Each dataset is a list of flat rows of public fields only (no contact details, no internal notes,
no unconfirmed declarations), the same for CSV and JSON. Certificates are those the statistics
count (confirmed), placed in the province their holder was in when they were issued, with their
status today; `targets` has one row per target and year of its period so far, with the figure,
period figure and status the dashboard shows for that year.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from registry.errors import NotFound
from registry.extensions import db
from registry.models import (
    AuditEntry,
    Certificate,
    Organization,
    Plan,
    Product,
    ProductStandard,
    Province,
    Standard,
)
from registry.services import codes, progress
from registry.services.places import resolve_province
from registry.services.timefmt import VN, today_vn

NATIONAL = "national"
DATASETS = ("certificates", "products", "organizations", "standards", "targets")
FORMATS = ("csv", "json")
LICENSE = {
    "id": "CC-BY-4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "vi": "Dữ liệu mở theo giấy phép Creative Commons Ghi công 4.0 Quốc tế (CC BY 4.0): được tự do sao chép, "
    "phân phối và sử dụng, kể cả cho mục đích thương mại, với điều kiện ghi rõ nguồn.",
    "en": "Open data under the Creative Commons Attribution 4.0 International licence (CC BY 4.0): free to copy, "
    "redistribute and reuse, commercially too, provided the source is credited.",
}
TITLES = {
    "certificates": ("Chứng chỉ và trạng thái hiện tại", "Certificates and their current status"),
    "products": ("Sản phẩm", "Products"),
    "organizations": ("Tổ chức sản xuất (trường công khai)", "Producers (public fields)"),
    "standards": ("Tiêu chuẩn", "Standards"),
    "targets": ("Số liệu từng năm của các chỉ tiêu", "Yearly figures of the plan's targets"),
}


@dataclass(frozen=True)
class Scope:
    """A province, or the nation (`province` None)."""

    slug: str
    province: Province | None

    @property
    def names(self) -> tuple[str, str]:
        if self.province is None:
            return "Toàn quốc", "National"
        return self.province.name, self.province.name_en


@dataclass(frozen=True)
class Dataset:
    name: str
    scope: Scope
    fields: tuple[str, ...]
    rows: Callable[[], Iterator[dict[str, Any]]]


def scope_of(slug: str) -> Scope:
    if slug == NATIONAL:
        return Scope(NATIONAL, None)
    found = resolve_province(slug)
    if not isinstance(found, Province) or found.slug != slug:
        raise NotFound()
    return Scope(slug, found)


def provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.name)))


def last_modified() -> datetime:
    """When any public record last changed (the newest audit entry), or today began in Vietnam if
    later: a certificate's status and a rating's validity also change with the date alone."""
    changed = db.session.scalar(select(func.max(AuditEntry.at)))
    midnight = datetime.combine(today_vn(), time(0), VN).astimezone(UTC)
    if changed is None:
        return midnight
    changed = changed if changed.tzinfo else changed.replace(tzinfo=UTC)
    return max(changed, midnight).replace(microsecond=0)


def etag(name: str, scope: Scope, fmt: str) -> str:
    head = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    key = f"{name}|{scope.slug}|{fmt}|{head}|{today_vn().isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def dataset(name: str, scope: Scope, base_url: str) -> Dataset:
    if name not in DATASETS:
        raise NotFound()
    fields, rows = _BUILDERS[name](scope, base_url.rstrip("/"))
    return Dataset(name, scope, fields, rows)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _in_province(stmt: Select[Any], column: Any, scope: Scope) -> Select[Any]:
    return stmt if scope.province is None else stmt.where(column == scope.province.id)


def _stream(stmt: Select[Any]) -> Iterator[Any]:
    yield from db.session.scalars(stmt.execution_options(yield_per=500))


# ---- the datasets ------------------------------------------------------------------------------


_CERTIFICATE_FIELDS = (
    "id", "number", "status", "category", "issued_on", "expires_on", "province", "holder_name",
    "holder_tax_code", "certification_body", "certification_body_accreditation_number", "standards",
    "product_gtins", "scope", "verify_url",
)  # fmt: skip


def _certificates(scope: Scope, base: str) -> tuple[tuple[str, ...], Callable[[], Iterator[dict[str, Any]]]]:
    slugs = {p.id: p.slug for p in provinces()}

    def rows() -> Iterator[dict[str, Any]]:
        today = today_vn()
        stmt = (
            select(Certificate)
            .where(Certificate.is_confirmed)
            .options(
                selectinload(Certificate.organization),
                selectinload(Certificate.body),
                selectinload(Certificate.standards),
                selectinload(Certificate.products),
            )
            .order_by(Certificate.issued_on, Certificate.id)
        )
        for c in _stream(_in_province(stmt, Certificate.holder_province_id, scope)):
            yield {
                "id": c.id,
                "number": c.number,
                "status": c.status_on(today),
                "category": c.category,
                "issued_on": _iso(c.issued_on),
                "expires_on": _iso(c.expires_on),
                "province": slugs.get(c.holder_province_id),
                "holder_name": c.organization.name,
                "holder_tax_code": c.organization.tax_code,
                "certification_body": c.body.name,
                "certification_body_accreditation_number": c.body.accreditation_number,
                "standards": [s.code for s in c.standards],
                "product_gtins": [p.gtin for p in c.products if p.gtin],
                "scope": c.scope,
                "verify_url": f"{base}/verify/{c.id}",
            }

    return _CERTIFICATE_FIELDS, rows


_PRODUCT_FIELDS = (
    "id", "name", "gtin", "status", "ocop_group", "ocop_stars", "ocop_decision_number", "ocop_decision_date",
    "is_key_product", "has_collective_trademark", "organization_id", "organization_name", "province", "commune",
    "standards", "digital_link",
)  # fmt: skip


def _products(scope: Scope, base: str) -> tuple[tuple[str, ...], Callable[[], Iterator[dict[str, Any]]]]:
    def rows() -> Iterator[dict[str, Any]]:
        stmt = (
            select(Product)
            .join(Organization, Organization.id == Product.organization_id)
            .options(
                selectinload(Product.organization).selectinload(Organization.province),
                selectinload(Product.organization).selectinload(Organization.commune),
                selectinload(Product.standards),
            )
            .order_by(Product.id)
        )
        for p in _stream(_in_province(stmt, Organization.province_id, scope)):
            org = p.organization
            yield {
                "id": p.id,
                "name": p.name,
                "gtin": p.gtin,
                "status": p.status,
                "ocop_group": p.ocop_group,
                "ocop_stars": p.ocop_stars,
                "ocop_decision_number": p.ocop_decision_number,
                "ocop_decision_date": _iso(p.ocop_decision_date),
                "is_key_product": p.is_key_product,
                "has_collective_trademark": p.has_collective_trademark,
                "organization_id": org.id,
                "organization_name": org.name,
                "province": org.province.slug,
                "commune": org.commune.code if org.commune else None,
                "standards": [s.code for s in p.standards],
                "digital_link": codes.product_link(base, p.gtin) if p.gtin else None,
            }

    return _PRODUCT_FIELDS, rows


_ORGANIZATION_FIELDS = (
    "id", "name", "kind", "tax_code", "province", "commune", "address", "gs1_company_prefix", "website",
)  # fmt: skip


def _organizations(scope: Scope, _base: str) -> tuple[tuple[str, ...], Callable[[], Iterator[dict[str, Any]]]]:
    def rows() -> Iterator[dict[str, Any]]:
        stmt = (
            select(Organization)
            .options(selectinload(Organization.province), selectinload(Organization.commune))
            .order_by(Organization.id)
        )
        for o in _stream(_in_province(stmt, Organization.province_id, scope)):
            yield {
                "id": o.id,
                "name": o.name,
                "kind": o.kind,
                "tax_code": o.tax_code,
                "province": o.province.slug,
                "commune": o.commune.code if o.commune else None,
                "address": o.address,
                "gs1_company_prefix": o.gs1_company_prefix,
                "website": o.website,
            }

    return _ORGANIZATION_FIELDS, rows


_STANDARD_FIELDS = ("id", "kind", "code", "title", "published_on", "organization_id", "organization_name")


def _standards(scope: Scope, _base: str) -> tuple[tuple[str, ...], Callable[[], Iterator[dict[str, Any]]]]:
    """A province's: the base standards (TCCS) its organisations publish, and the other standards
    its products apply."""

    def rows() -> Iterator[dict[str, Any]]:
        stmt = select(Standard).options(selectinload(Standard.organization)).order_by(Standard.id)
        if scope.province is not None:
            owned = select(Organization.id).where(Organization.province_id == scope.province.id)
            applied = (
                select(ProductStandard.standard_id)
                .join(Product, Product.id == ProductStandard.product_id)
                .where(Product.organization_id.in_(owned))
            )
            stmt = stmt.where(or_(Standard.organization_id.in_(owned), Standard.id.in_(applied)))
        for s in _stream(stmt):
            yield {
                "id": s.id,
                "kind": s.kind,
                "code": s.code,
                "title": s.title,
                "published_on": _iso(s.published_on),
                "organization_id": s.organization_id,
                "organization_name": s.organization.name if s.organization else None,
            }

    return _STANDARD_FIELDS, rows


_TARGET_FIELDS = (
    "province", "plan", "target_id", "clause", "wording", "kind", "unit", "value", "period_start", "period_end",
    "year", "figure", "period_figure", "status",
)  # fmt: skip


def _targets(scope: Scope, _base: str) -> tuple[tuple[str, ...], Callable[[], Iterator[dict[str, Any]]]]:
    def rows() -> Iterator[dict[str, Any]]:
        stmt = select(Province).join(Plan, Plan.province_id == Province.id).order_by(Province.name)
        current = today_vn().year
        for province in db.session.scalars(_in_province(stmt, Province.id, scope)):
            plan = progress.plan_for(province)
            for year in range(min(t.period_start for t in plan.targets), current + 1):
                for tp in progress.plan_progress(province, year).targets:
                    t = tp.target
                    if not t.period_start <= year <= t.period_end:
                        continue
                    yield {
                        "province": province.slug,
                        "plan": plan.title,
                        "target_id": t.code,
                        "clause": t.clause,
                        "wording": t.wording,
                        "kind": t.kind,
                        "unit": t.unit,
                        "value": t.value,
                        "period_start": t.period_start,
                        "period_end": t.period_end,
                        "year": year,
                        "figure": tp.actual,
                        "period_figure": tp.period_actual,
                        "status": tp.status,
                    }

    return _TARGET_FIELDS, rows


_BUILDERS = {
    "certificates": _certificates,
    "products": _products,
    "organizations": _organizations,
    "standards": _standards,
    "targets": _targets,
}
