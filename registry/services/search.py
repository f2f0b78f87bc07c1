"""The public search: products, producers and certificates by words typed without accents, with filters and
facets, and a barcode or a GS1 Digital Link taken straight to its product."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import Certificate, Commune, Organization, Product, Province
from registry.models.certificate import certificate_products
from registry.models.product import OCOP_GROUPS
from registry.services import digital_link, gs1, verification
from registry.services.text import fold, like_pattern

PER_PAGE = 20
SIDE_LIMIT = 10  # producers and certificates shown beside the products


@dataclass(frozen=True)
class Filters:
    province: Province | None = None
    commune: Commune | None = None
    stars: int | None = None
    group: str | None = None
    key_only: bool = False
    certified_only: bool = False

    def args(self) -> dict[str, Any]:
        """The filters as query-string values."""
        out: dict[str, Any] = {}
        if self.province:
            out["province"] = self.province.slug
        if self.commune:
            out["commune"] = self.commune.code
        if self.stars:
            out["stars"] = self.stars
        if self.group:
            out["group"] = self.group
        if self.key_only:
            out["key"] = 1
        if self.certified_only:
            out["certified"] = 1
        return out


@dataclass
class Results:
    q: str
    filters: Filters
    page: int
    products: list[Product] = field(default_factory=list)
    product_total: int = 0
    producers: list[Organization] = field(default_factory=list)
    producer_total: int = 0
    certificates: list[Certificate] = field(default_factory=list)
    facets: dict[str, list[tuple[Any, str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.product_total // PER_PAGE))


_DIGITS = re.compile(r"\d{8}|\d{12,14}")


def jump_target(q: str) -> str | None:
    """The consumer page a typed barcode or a pasted Digital Link stands for, or None."""
    text = q.strip()
    compact = re.sub(r"[\s-]", "", text)
    if _DIGITS.fullmatch(compact):
        gtin = compact.zfill(14)
        return f"/01/{gtin}" if gs1.gtin_error(gtin) is None else None
    if "/01/" in text:
        path = urlsplit(text if "://" in text else "https://x/" + text.lstrip("/")).path
        try:
            link = digital_link.parse_path(path[path.index("/01/") :])
        except digital_link.InvalidDigitalLink:
            return None
        return link.path
    return None


def _certified_today(today: date) -> ColumnElement[bool]:
    return exists(
        select(Certificate.id)
        .join(certificate_products, certificate_products.c.certificate_id == Certificate.id)
        .where(
            certificate_products.c.product_id == Product.id,
            Certificate.is_confirmed.is_(True),
            Certificate.lifecycle == "valid",
            Certificate.issued_on <= today,
            or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today),
        )
    )


def _product_conditions(pattern: str | None, f: Filters, today: date, skip: str = "") -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Product.status == "active"]
    if pattern:
        where.append(Product.name_folded.like(pattern))
    if f.province and skip != "province":
        where.append(Organization.province_id == f.province.id)
    if f.commune and skip != "province":
        where.append(Organization.commune_id == f.commune.id)
    if f.stars and skip != "stars":
        where.append(Product.ocop_stars == f.stars)
    if f.group and skip != "group":
        where.append(Product.ocop_group == f.group)
    if f.key_only:
        where.append(Product.is_key_product.is_(True))
    if f.certified_only:
        where.append(_certified_today(today))
    return where


def _products(stmt: Any) -> Any:
    return stmt.select_from(Product).join(Organization, Organization.id == Product.organization_id)


def search(q: str, f: Filters, page: int, today: date) -> Results:
    """Products (ranked: exact name, then names starting with the words, then the rest; more stars first),
    producers and certificates matching `q`, within the filters; an empty `q` lists products by the filters."""
    q = q.strip()[:128]
    folded = fold(q)
    pattern = like_pattern(q) if folded.strip() else None
    if pattern is not None and pattern.strip("%") == "":
        pattern = None
    results = Results(q, f, max(1, page))
    where = _product_conditions(pattern, f, today)
    rank = case((Product.name_folded == folded, 0), (Product.name_folded.like(folded + "%"), 1), else_=2)
    stmt = (
        _products(select(Product))
        .where(*where)
        .options(selectinload(Product.organization).selectinload(Organization.province))
        .order_by(rank, Product.ocop_stars.desc().nulls_last(), Product.name, Product.id)
        .limit(PER_PAGE)
        .offset((results.page - 1) * PER_PAGE)
    )
    results.products = list(db.session.scalars(stmt))
    results.product_total = int(db.session.scalar(_products(select(func.count(Product.id))).where(*where)) or 0)
    results.facets = _facets(pattern, f, today)
    if pattern is not None:
        results.producers, results.producer_total = _producers(q, pattern, f)
        results.certificates = verification.find_certificates(
            q, limit=SIDE_LIMIT, province_id=f.province.id if f.province else None
        )
    return results


def _producers(q: str, pattern: str, f: Filters) -> tuple[list[Organization], int]:
    where: list[ColumnElement[bool]] = [or_(Organization.name_folded.like(pattern), Organization.tax_code == q)]
    if f.province:
        where.append(Organization.province_id == f.province.id)
    if f.commune:
        where.append(Organization.commune_id == f.commune.id)
    stmt = (
        select(Organization)
        .where(*where)
        .options(selectinload(Organization.province))
        .order_by(Organization.name, Organization.id)
        .limit(SIDE_LIMIT)
    )
    total = int(db.session.scalar(select(func.count(Organization.id)).where(*where)) or 0)
    return list(db.session.scalars(stmt)), total


def _facets(pattern: str | None, f: Filters, today: date) -> dict[str, list[tuple[Any, str, int]]]:
    """Counts of the products found by province, OCOP stars and product group, each counted with the
    other filters applied (so choosing one province still shows how many each other province has)."""
    out: dict[str, list[tuple[Any, str, int]]] = {}
    by_province = (
        _products(select(Province.slug, Province.name, func.count(Product.id)))
        .join(Province, Province.id == Organization.province_id)
        .where(*_product_conditions(pattern, f, today, skip="province"))
        .group_by(Province.slug, Province.name)
        .order_by(func.count(Product.id).desc(), Province.name)
    )
    out["province"] = [(slug, name, int(n)) for slug, name, n in db.session.execute(by_province)]
    stars = (
        _products(select(Product.ocop_stars, func.count(Product.id)))
        .where(*_product_conditions(pattern, f, today, skip="stars"), Product.ocop_stars.is_not(None))
        .group_by(Product.ocop_stars)
    )
    found = {int(s): int(n) for s, n in db.session.execute(stars)}
    out["stars"] = [(s, str(s), found[s]) for s in (5, 4, 3) if found.get(s)]
    groups = (
        _products(select(Product.ocop_group, func.count(Product.id)))
        .where(*_product_conditions(pattern, f, today, skip="group"), Product.ocop_group.is_not(None))
        .group_by(Product.ocop_group)
    )
    found_groups = {str(g): int(n) for g, n in db.session.execute(groups)}
    out["group"] = [(g, g, found_groups[g]) for g in OCOP_GROUPS if found_groups.get(g)]
    return out


def filters_from(args: Any) -> tuple[Filters, list[str]]:
    """The filters of a query string; unknown values are dropped and named in the second list."""
    ignored: list[str] = []
    province = commune = None
    if slug := args.get("province"):
        province = db.session.scalar(select(Province).where(Province.slug == slug))
        if province is None:
            ignored.append("province")
    if code := args.get("commune"):
        commune = db.session.scalar(select(Commune).where(Commune.code == code))
        if commune is None or (province is not None and commune.province_id != province.id):
            ignored.append("commune")
            commune = None
    stars = args.get("stars", type=int)
    if stars is not None and stars not in (3, 4, 5):
        ignored.append("stars")
        stars = None
    group = args.get("group") or None
    if group is not None and group not in OCOP_GROUPS:
        ignored.append("group")
        group = None
    flags = {name: args.get(name) in ("1", "true", "on") for name in ("key", "certified")}
    return Filters(province, commune, stars, group, flags["key"], flags["certified"]), ignored
