"""The public search: products, producers and certificates by words typed without accents, with filters and
facets, and a barcode or a GS1 Digital Link taken straight to its product."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
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
    """The products' filter, on the products table alone (a place is a set of organisations: a join would
    let a planner walk every organisation first). `skip` leaves one filter out, for its own facet."""
    where: list[ColumnElement[bool]] = [Product.status == "active"]
    if pattern:
        where.append(Product.name_folded.like(pattern))
    if f.province and skip != "province":
        place = Organization.province_id == f.province.id
        if f.commune:
            place = place & (Organization.commune_id == f.commune.id)
        where.append(Product.organization_id.in_(select(Organization.id).where(place)))
    if f.stars and skip != "stars":
        where.append(Product.ocop_stars == f.stars)
    if f.group and skip != "group":
        where.append(Product.ocop_group == f.group)
    if f.key_only:
        where.append(Product.is_key_product.is_(True))
    if f.certified_only:
        where.append(_certified_today(today))
    return where


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
        select(Product)
        .where(*where)
        .options(selectinload(Product.organization).selectinload(Organization.province))
        .order_by(rank, Product.ocop_stars.desc().nulls_last(), Product.name, Product.id)
        .limit(PER_PAGE)
        .offset((results.page - 1) * PER_PAGE)
    )
    results.products = list(db.session.scalars(stmt))
    results.product_total, results.facets = _counts(pattern, f, today)
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


def _counts(pattern: str | None, f: Filters, today: date) -> tuple[int, dict[str, list[tuple[Any, str, int]]]]:
    """The number of products found, and their counts by province, OCOP stars and product group, each
    counted with the other filters applied (choosing one province still shows how many each other has).

    Two reads: one grouped by (stars, group) without those two filters, from which the total and both
    facets are summed; one for the provinces without the place filter."""
    by_kind = (
        select(Product.ocop_stars, Product.ocop_group, func.count())
        .where(*_product_conditions(pattern, replace(f, stars=None, group=None), today))
        .group_by(Product.ocop_stars, Product.ocop_group)
    )
    total, stars, groups = 0, dict.fromkeys((5, 4, 3), 0), dict.fromkeys(OCOP_GROUPS, 0)
    for star, group, n in db.session.execute(by_kind):
        star_ok, group_ok = f.stars in (None, star), f.group in (None, group)
        total += n if star_ok and group_ok else 0
        if group_ok and star in stars:
            stars[star] += n
        if star_ok and group in groups:
            groups[group] += n
    # The matching products' organisations first (one pass over the products, kept apart so no planner
    # walks the organisations or the products' organisation index instead), then their provinces.
    matched = (
        select(Product.organization_id.label("org"))
        .where(*_product_conditions(pattern, f, today, skip="province"))
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )
    found = func.count()
    by_province = (
        select(Province.slug, Province.name, found)
        .select_from(matched)
        .join(Organization, Organization.id == matched.c.org)
        .join(Province, Province.id == Organization.province_id)
        .group_by(Province.slug, Province.name)
        .order_by(found.desc(), Province.name)
    )
    facets: dict[str, list[tuple[Any, str, int]]] = {
        "province": [(slug, name, int(count)) for slug, name, count in db.session.execute(by_province)],
        "stars": [(s, str(s), c) for s, c in stars.items() if c],
        "group": [(g, g, c) for g, c in groups.items() if c],
    }
    return total, facets


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
