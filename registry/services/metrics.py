"""The figures plan targets are measured by, computed from records per province and calendar year.

Every metric takes ``(province_id, first, last, **params)`` and measures the years ``first..last``
(calendar years; dates are Vietnamese dates, so a year is the half-open range
``[first-01-01, last+1-01-01)`` on a date column and an index lookup, never ``extract(year)``).
Counts return an int for the range; shares return a percentage (0-100) measured as at the end of
``last`` (or ``as_of`` when given, e.g. today for the current year), or None when the population
is empty. Certificates count only when confirmed, in the year issued whatever their status today,
for the province their holder was in when they were issued (``Certificate.holder_province_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, cast, distinct, exists, func, or_, select

from registry.extensions import db
from registry.models import (
    Batch,
    Certificate,
    CertificateEvent,
    CertificationBody,
    Organization,
    Product,
    ProductStandard,
    Province,
    ReportedFigure,
    Standard,
    SupportActivity,
    TraceEvent,
)
from registry.models.certificate import CERTIFICATE_CATEGORIES, certificate_products
from registry.services.timefmt import VN

CONFORMITY_CATEGORIES = ("product_standard", "product_regulation")
GUIDANCE_KINDS = ("guidance", "training")


def year_bounds(first: int, last: int | None = None) -> tuple[date, date]:
    """The half-open date range [first-01-01, (last+1)-01-01)."""
    return date(first, 1, 1), date((last if last is not None else first) + 1, 1, 1)


def _as_of(last: int, as_of: date | None) -> date:
    """The day a share is measured on: the end of `last`, or an earlier `as_of`."""
    end = date(last, 12, 31)
    return min(end, as_of) if as_of else end


def _moment_after(day: date) -> datetime:
    """The first instant (UTC) after `day` ends in Vietnam, to compare with stored timestamps."""
    return datetime.combine(day + timedelta(days=1), time(0), VN).astimezone(UTC)


def _issued_in(province_id: int, first: int, last: int | None) -> list[ColumnElement[bool]]:
    start, stop = year_bounds(first, last)
    return [
        Certificate.holder_province_id == province_id,
        Certificate.issued_on >= start,
        Certificate.issued_on < stop,
        Certificate.is_confirmed.is_(True),
    ]


# ---- certificates ----------------------------------------------------------------------------


def certificates_issued(
    province_id: int, first: int, last: int | None = None, *, categories: Iterable[str] | None = None, **_: Any
) -> int:
    """Confirmed certificates issued in the years, optionally in some categories."""
    stmt = select(func.count(Certificate.id)).where(*_issued_in(province_id, first, last))
    if categories:
        stmt = stmt.where(Certificate.category.in_(list(categories)))
    return int(db.session.scalar(stmt) or 0)


def organizations_certified(
    province_id: int, first: int, last: int | None = None, *, categories: Iterable[str] | None = None, **_: Any
) -> int:
    """Distinct holders of a confirmed certificate issued in the years (in the categories)."""
    stmt = select(func.count(distinct(Certificate.organization_id))).where(*_issued_in(province_id, first, last))
    if categories:
        stmt = stmt.where(Certificate.category.in_(list(categories)))
    return int(db.session.scalar(stmt) or 0)


def counted_certificates(province_id: int, year: int) -> list[Certificate]:
    """The certificates behind the year's count, for reports and drill-down."""
    stmt = (
        select(Certificate)
        .where(*_issued_in(province_id, year, year))
        .order_by(Certificate.issued_on, Certificate.number, Certificate.id)
    )
    return list(db.session.scalars(stmt))


def certificate_breakdown(province_id: int | None, year: int) -> dict[str, Any]:
    """The year's count with breakdowns by category, month (1-12) and body; every province when
    `province_id` is None (then also per province)."""
    start, stop = year_bounds(year)
    where: list[ColumnElement[bool]] = [
        Certificate.issued_on >= start,
        Certificate.issued_on < stop,
        Certificate.is_confirmed.is_(True),
    ]
    if province_id is not None:
        where.insert(0, Certificate.holder_province_id == province_id)
    by_category = dict(
        db.session.execute(
            select(Certificate.category, func.count()).where(*where).group_by(Certificate.category)
        ).all()
    )
    month = cast(func.extract("month", Certificate.issued_on), Integer)
    months = dict(db.session.execute(select(month, func.count()).where(*where).group_by(month)).all())
    by_body = db.session.execute(
        select(CertificationBody.id, CertificationBody.name, func.count(Certificate.id))
        .join(Certificate, Certificate.certification_body_id == CertificationBody.id)
        .where(*where)
        .group_by(CertificationBody.id, CertificationBody.name)
        .order_by(func.count(Certificate.id).desc(), CertificationBody.name)
    ).all()
    result: dict[str, Any] = {
        "year": year,
        "count": sum(by_category.values()),
        "by_category": {c: int(by_category.get(c, 0)) for c in CERTIFICATE_CATEGORIES},
        "by_month": [{"month": m, "count": int(months.get(m, 0))} for m in range(1, 13)],
        "by_body": [{"id": i, "name": n, "count": int(c)} for i, n, c in by_body],
    }
    if province_id is None:
        rows = db.session.execute(
            select(Province.slug, Province.name, func.count(Certificate.id))
            .join(Certificate, Certificate.holder_province_id == Province.id)
            .where(*where)
            .group_by(Province.slug, Province.name)
        ).all()
        counts = {slug: int(n) for slug, _name, n in rows}
        result["provinces"] = [
            {"province": p.slug, "name": p.name, "count": counts.get(p.slug, 0)}
            for p in db.session.scalars(select(Province).order_by(Province.name))
        ]
    return result


# ---- standards and products ------------------------------------------------------------------


def _product_scope(scope: Iterable[str]) -> ColumnElement[bool]:
    """Products in a plan's scope: ocop (rated), key, specialty, ocop_key (rated and key), collective_trademark."""
    clauses: dict[str, ColumnElement[bool]] = {
        "ocop": Product.ocop_stars.is_not(None),
        "key": Product.is_key_product.is_(True),
        "specialty": Product.is_specialty.is_(True),
        "ocop_key": and_(Product.ocop_stars.is_not(None), Product.is_key_product.is_(True)),
        "collective_trademark": Product.has_collective_trademark.is_(True),
    }
    chosen = [clauses[s] for s in scope]
    return or_(*chosen) if chosen else Product.id.is_not(None)


def tccs_published(
    province_id: int, first: int, last: int | None = None, *, product_scope: Iterable[str] = (), **_: Any
) -> int:
    """Distinct base standards (TCCS) published in the years by an organisation of the province
    and applied by at least one of its products in scope (OCOP, key or specialty)."""
    start, stop = year_bounds(first, last)
    applied = (
        select(ProductStandard.standard_id)
        .join(Product, Product.id == ProductStandard.product_id)
        .where(_product_scope(product_scope))
    )
    stmt = (
        select(func.count(distinct(Standard.id)))
        .join(Organization, Organization.id == Standard.organization_id)
        .where(
            Standard.kind == "tccs",
            Organization.province_id == province_id,
            Standard.published_on >= start,
            Standard.published_on < stop,
            Standard.id.in_(applied),
        )
    )
    return int(db.session.scalar(stmt) or 0)


def _products_in_scope(province_id: int, scope: Iterable[str], day: date) -> Any:
    return (
        select(Product.id, Product.organization_id, Product.gtin)
        .join(Organization, Organization.id == Product.organization_id)
        .where(
            Organization.province_id == province_id,
            Product.status == "active",
            Product.created_at < _moment_after(day),
            _product_scope(scope),
        )
    )


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def product_readiness_share(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    product_scope: Iterable[str] = ("ocop_key", "collective_trademark"),
    as_of: date | None = None,
    **_: Any,
) -> float | None:
    """Share of products in scope that are ready: they apply a standard, carry a GTIN and have a
    trace event, or their organisation was guided or trained (from `first` to the day measured)."""
    day = _as_of(last if last is not None else first, as_of)
    moment = _moment_after(day)
    population = _products_in_scope(province_id, product_scope, day).subquery()
    has_standard = exists().where(ProductStandard.product_id == population.c.id, ProductStandard.created_at < moment)
    has_trace = exists(
        select(TraceEvent.id)
        .join(Batch, Batch.id == TraceEvent.batch_id)
        .where(Batch.product_id == population.c.id, TraceEvent.occurred_at < moment)
    )
    guided = exists().where(
        SupportActivity.organization_id == population.c.organization_id,
        SupportActivity.kind.in_(GUIDANCE_KINDS),
        SupportActivity.held_on >= date(first, 1, 1),
        SupportActivity.held_on <= day,
    )
    ready = or_(and_(population.c.gtin.is_not(None), has_standard, has_trace), guided)
    whole = db.session.scalar(select(func.count()).select_from(population)) or 0
    part = db.session.scalar(select(func.count()).select_from(population).where(ready)) or 0
    return _share(part, whole)


def high_risk_organizations_guided_share(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    kinds: Iterable[str] = GUIDANCE_KINDS,
    as_of: date | None = None,
    **_: Any,
) -> float | None:
    """Share of the province's organisations with an active high-risk product that received
    guidance or training from `first` to the day measured."""
    day = _as_of(last if last is not None else first, as_of)
    orgs = (
        select(Organization.id)
        .distinct()
        .join(Product, Product.organization_id == Organization.id)
        .where(
            Organization.province_id == province_id,
            Product.is_high_risk.is_(True),
            Product.status == "active",
            Product.created_at < _moment_after(day),
        )
        .subquery()
    )
    guided = exists().where(
        SupportActivity.organization_id == orgs.c.id,
        SupportActivity.kind.in_(list(kinds)),
        SupportActivity.held_on >= date(first, 1, 1),
        SupportActivity.held_on <= day,
    )
    whole = db.session.scalar(select(func.count()).select_from(orgs)) or 0
    part = db.session.scalar(select(func.count()).select_from(orgs).where(guided)) or 0
    return _share(part, whole)


def certified_product_share(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    product_scope: Iterable[str] = ("key", "ocop"),
    categories: Iterable[str] = CONFORMITY_CATEGORIES,
    as_of: date | None = None,
    **_: Any,
) -> float | None:
    """Share of products in scope holding, on the day measured, a confirmed conformity certificate:
    issued by then, not expired and not withdrawn by then (a later withdrawal does not rewrite
    the past)."""
    day = _as_of(last if last is not None else first, as_of)
    population = _products_in_scope(province_id, product_scope, day).subquery()
    withdrawn = exists().where(
        CertificateEvent.certificate_id == Certificate.id,
        CertificateEvent.action == "withdraw",
        CertificateEvent.at < _moment_after(day),
    )
    holding = exists(
        select(Certificate.id)
        .join(certificate_products, certificate_products.c.certificate_id == Certificate.id)
        .where(
            certificate_products.c.product_id == population.c.id,
            Certificate.is_confirmed.is_(True),
            Certificate.category.in_(list(categories)),
            Certificate.issued_on <= day,
            or_(Certificate.expires_on.is_(None), Certificate.expires_on >= day),
            ~withdrawn,
        )
    )
    whole = db.session.scalar(select(func.count()).select_from(population)) or 0
    part = db.session.scalar(select(func.count()).select_from(population).where(holding)) or 0
    return _share(part, whole)


# ---- support activities ----------------------------------------------------------------------


def _activities_in(province_id: int, first: int, last: int | None, kinds: Iterable[str]) -> list[ColumnElement[bool]]:
    start, stop = year_bounds(first, last)
    return [
        SupportActivity.province_id == province_id,
        SupportActivity.held_on >= start,
        SupportActivity.held_on < stop,
        SupportActivity.kind.in_(list(kinds)),
    ]


def organizations_supported(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    kinds: Iterable[str] = GUIDANCE_KINDS,
    sme_only: bool = False,
    key_product_only: bool = False,
    **_: Any,
) -> int:
    """Distinct organisations given one of `kinds` of support in the years; optionally only SMEs,
    or only producers of a key product."""
    stmt = (
        select(func.count(distinct(SupportActivity.organization_id)))
        .join(Organization, Organization.id == SupportActivity.organization_id)
        .where(*_activities_in(province_id, first, last, kinds))
    )
    if sme_only:
        stmt = stmt.where(Organization.is_sme.is_(True))
    if key_product_only:
        stmt = stmt.where(
            exists().where(
                Product.organization_id == Organization.id,
                Product.is_key_product.is_(True),
                Product.status == "active",
            )
        )
    return int(db.session.scalar(stmt) or 0)


def activity_attendances(
    province_id: int, first: int, last: int | None = None, *, kinds: Iterable[str] = ("training",), **_: Any
) -> int:
    """Attendances at activities of `kinds`: the attendees recorded, or one for an activity
    recorded for a single organisation without a head count."""
    stmt = select(func.coalesce(func.sum(func.coalesce(SupportActivity.attendees, 1)), 0)).where(
        *_activities_in(province_id, first, last, kinds)
    )
    return int(db.session.scalar(stmt) or 0)


def experts_trained(province_id: int, first: int, last: int | None = None, **_: Any) -> int:
    """People who attended expert training (each expert should be recorded once)."""
    return activity_attendances(province_id, first, last, kinds=("expert_training",))


# ---- reported figures ------------------------------------------------------------------------


def reported(target_id: int, first: int, last: int | None = None) -> ReportedFigure | None:
    """The latest figure entered for the target in the years, or None."""
    stmt = (
        select(ReportedFigure)
        .where(
            ReportedFigure.target_id == target_id,
            ReportedFigure.year >= first,
            ReportedFigure.year <= (last if last is not None else first),
        )
        .order_by(ReportedFigure.year.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


# Metrics the registry computes, by the name plan files give them; "reported" is handled apart.
COMPUTED: dict[str, Callable[..., Any]] = {
    "certificates_issued": certificates_issued,
    "organizations_certified": organizations_certified,
    "tccs_published": tccs_published,
    "product_readiness_share": product_readiness_share,
    "high_risk_organizations_guided_share": high_risk_organizations_guided_share,
    "certified_product_share": certified_product_share,
    "organizations_supported": organizations_supported,
    "activity_attendances": activity_attendances,
    "experts_trained": experts_trained,
}
SHARE_METRICS = frozenset(
    {"product_readiness_share", "high_risk_organizations_guided_share", "certified_product_share"}
)
