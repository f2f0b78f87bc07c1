"""The figures plan targets are measured by, computed from records per province and calendar year.

Every metric takes ``(province_id, first, last, **params)`` and measures the years ``first..last``
(calendar years; dates are Vietnamese dates, so a year is the half-open range
``[first-01-01, last+1-01-01)`` on a date column and an index lookup, never ``extract(year)``).
The count metrics also have a ``BY_YEAR`` form giving every year's figure from one grouped query
over the same filter (each year bucketed by the year of its date).
Counts return an int for the range; shares return a percentage (0-100) measured as at the end of
``last`` (or ``as_of`` when given, e.g. today for the current year), or None when the population
is empty. Certificates count only when confirmed, in the year issued whatever their status today,
for the province their holder was in when they were issued (``Certificate.holder_province_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Subquery, and_, cast, distinct, exists, func, or_, select
from sqlalchemy.orm import selectinload

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
from registry.models.product import OCOP_VALIDITY_MONTHS, add_months
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


# The bare boolean column, as the partial indexes' predicate spells it (typed as the expression it is in SQL).
_CONFIRMED: ColumnElement[bool] = Certificate.is_confirmed  # type: ignore[assignment]


def _issued_in(province_id: int, first: int, last: int | None) -> list[ColumnElement[bool]]:
    start, stop = year_bounds(first, last)
    return [
        Certificate.holder_province_id == province_id,
        Certificate.issued_on >= start,
        Certificate.issued_on < stop,
        _CONFIRMED,  # spelled as the partial indexes' predicate
    ]


def _year_of(column: Any) -> ColumnElement[int]:
    """The calendar year of a date column, to group a range by year."""
    return cast(func.extract("year", column), Integer)


def _yearly(stmt: Select[Any, Any], first: int, last: int) -> dict[int, int]:
    """Every year of first..last with the figure `stmt` (year, figure) found, zero when none."""
    found = {int(y): int(n or 0) for y, n in db.session.execute(stmt)}
    return {y: found.get(y, 0) for y in range(first, last + 1)}


# ---- certificates ----------------------------------------------------------------------------


def _certificates_in(
    province_id: int, first: int, last: int | None, categories: Iterable[str] | None
) -> list[ColumnElement[bool]]:
    where = _issued_in(province_id, first, last)
    if categories:
        where.append(Certificate.category.in_(list(categories)))
    return where


def certificates_issued(
    province_id: int, first: int, last: int | None = None, *, categories: Iterable[str] | None = None, **_: Any
) -> int:
    """Confirmed certificates issued in the years, optionally in some categories."""
    stmt = select(func.count(Certificate.id)).where(*_certificates_in(province_id, first, last, categories))
    return int(db.session.scalar(stmt) or 0)


def certificates_issued_by_year(
    province_id: int, first: int, last: int, *, categories: Iterable[str] | None = None, **_: Any
) -> dict[int, int]:
    year = _year_of(Certificate.issued_on)
    where = _certificates_in(province_id, first, last, categories)
    return _yearly(select(year, func.count(Certificate.id)).where(*where).group_by(year), first, last)


def organizations_certified(
    province_id: int, first: int, last: int | None = None, *, categories: Iterable[str] | None = None, **_: Any
) -> int:
    """Distinct holders of a confirmed certificate issued in the years (in the categories)."""
    where = _certificates_in(province_id, first, last, categories)
    stmt = select(func.count(distinct(Certificate.organization_id))).where(*where)
    return int(db.session.scalar(stmt) or 0)


def organizations_certified_by_year(
    province_id: int, first: int, last: int, *, categories: Iterable[str] | None = None, **_: Any
) -> dict[int, int]:
    year = _year_of(Certificate.issued_on)
    where = _certificates_in(province_id, first, last, categories)
    stmt = select(year, func.count(distinct(Certificate.organization_id))).where(*where).group_by(year)
    return _yearly(stmt, first, last)


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
    `province_id` is None (then also per province). Two grouped reads of one covering index range."""
    start, stop = year_bounds(year)
    where: list[ColumnElement[bool]] = [
        Certificate.issued_on >= start,
        Certificate.issued_on < stop,
        _CONFIRMED,  # spelled as the partial indexes' predicate
    ]
    if province_id is not None:
        where.insert(0, Certificate.holder_province_id == province_id)
    month = cast(func.extract("month", Certificate.issued_on), Integer)
    keys = (Certificate.holder_province_id, Certificate.category, month)
    by_category: dict[str, int] = {}
    by_month: dict[int, int] = {}
    by_province: dict[int, int] = {}
    for province, category, m, n in db.session.execute(select(*keys, func.count()).where(*where).group_by(*keys)):
        by_category[category] = by_category.get(category, 0) + n
        by_month[int(m)] = by_month.get(int(m), 0) + n
        by_province[province] = by_province.get(province, 0) + n
    per_body = (
        select(Certificate.certification_body_id.label("body_id"), func.count().label("n"))
        .where(*where)
        .group_by(Certificate.certification_body_id)
        .subquery()
    )
    by_body = db.session.execute(
        select(CertificationBody.id, CertificationBody.name, per_body.c.n)
        .join(per_body, per_body.c.body_id == CertificationBody.id)
        .order_by(per_body.c.n.desc(), CertificationBody.name)
    ).all()
    result: dict[str, Any] = {
        "year": year,
        "count": sum(by_category.values()),
        "by_category": {c: int(by_category.get(c, 0)) for c in CERTIFICATE_CATEGORIES},
        "by_month": [{"month": m, "count": int(by_month.get(m, 0))} for m in range(1, 13)],
        "by_body": [{"id": i, "name": n, "count": int(c)} for i, n, c in by_body],
    }
    if province_id is None:
        result["provinces"] = [
            {"province": p.slug, "name": p.name, "count": int(by_province.get(p.id, 0))}
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
    stmt = select(func.count(distinct(Standard.id))).join(Organization, Organization.id == Standard.organization_id)
    return int(db.session.scalar(stmt.where(*_tccs_in(province_id, first, last, product_scope))) or 0)


def tccs_published_by_year(
    province_id: int, first: int, last: int, *, product_scope: Iterable[str] = (), **_: Any
) -> dict[int, int]:
    year = _year_of(Standard.published_on)
    stmt = (
        select(year, func.count(distinct(Standard.id)))
        .join(Organization, Organization.id == Standard.organization_id)
        .where(*_tccs_in(province_id, first, last, product_scope))
        .group_by(year)
    )
    return _yearly(stmt, first, last)


def _tccs_in(province_id: int, first: int, last: int | None, product_scope: Iterable[str]) -> list[ColumnElement[bool]]:
    """The filter of `tccs_published` (with Standard joined to its owner Organization)."""
    start, stop = year_bounds(first, last)
    applied = (
        select(ProductStandard.standard_id)
        .join(Product, Product.id == ProductStandard.product_id)
        .where(_product_scope(product_scope))
    )
    return [
        Standard.kind == "tccs",
        Organization.province_id == province_id,
        Standard.published_on >= start,
        Standard.published_on < stop,
        Standard.id.in_(applied),
    ]


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
    return _share_of(*_readiness(province_id, first, last, product_scope, as_of))


def _share_of(population: Subquery, part_of: ColumnElement[bool]) -> float | None:
    whole = db.session.scalar(select(func.count()).select_from(population)) or 0
    part = db.session.scalar(select(func.count()).select_from(population).where(part_of)) or 0
    return _share(part, whole)


def _readiness(
    province_id: int, first: int, last: int | None, product_scope: Iterable[str], as_of: date | None
) -> tuple[Subquery, ColumnElement[bool]]:
    """The population of `product_readiness_share` and the condition of its numerator."""
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
    return population, or_(and_(population.c.gtin.is_not(None), has_standard, has_trace), guided)


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
    return _share_of(*_high_risk(province_id, first, last, kinds, as_of))


def _high_risk(
    province_id: int, first: int, last: int | None, kinds: Iterable[str], as_of: date | None
) -> tuple[Subquery, ColumnElement[bool]]:
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
    return orgs, guided


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
    return _share_of(*_certified(province_id, first, last, product_scope, categories, as_of))


def _certified(
    province_id: int,
    first: int,
    last: int | None,
    product_scope: Iterable[str],
    categories: Iterable[str],
    as_of: date | None,
) -> tuple[Subquery, ColumnElement[bool]]:
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
    return population, holding


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
    stmt = select(func.count(distinct(SupportActivity.organization_id))).join(
        Organization, Organization.id == SupportActivity.organization_id
    )
    where = _supported_in(province_id, first, last, kinds, sme_only, key_product_only)
    return int(db.session.scalar(stmt.where(*where)) or 0)


def organizations_supported_by_year(
    province_id: int,
    first: int,
    last: int,
    *,
    kinds: Iterable[str] = GUIDANCE_KINDS,
    sme_only: bool = False,
    key_product_only: bool = False,
    **_: Any,
) -> dict[int, int]:
    year = _year_of(SupportActivity.held_on)
    stmt = (
        select(year, func.count(distinct(SupportActivity.organization_id)))
        .join(Organization, Organization.id == SupportActivity.organization_id)
        .where(*_supported_in(province_id, first, last, kinds, sme_only, key_product_only))
        .group_by(year)
    )
    return _yearly(stmt, first, last)


def _supported_in(
    province_id: int, first: int, last: int | None, kinds: Iterable[str], sme_only: bool, key_product_only: bool
) -> list[ColumnElement[bool]]:
    """The filter of `organizations_supported` (with SupportActivity joined to its Organization)."""
    where = _activities_in(province_id, first, last, kinds)
    if sme_only:
        where.append(Organization.is_sme.is_(True))
    if key_product_only:
        where.append(
            exists().where(
                Product.organization_id == Organization.id,
                Product.is_key_product.is_(True),
                Product.status == "active",
            )
        )
    return where


def _attendances() -> ColumnElement[int]:
    return func.coalesce(func.sum(func.coalesce(SupportActivity.attendees, 1)), 0)


def activity_attendances(
    province_id: int, first: int, last: int | None = None, *, kinds: Iterable[str] = ("training",), **_: Any
) -> int:
    """Attendances at activities of `kinds`: the attendees recorded, or one for an activity
    recorded for a single organisation without a head count."""
    stmt = select(_attendances()).where(*_activities_in(province_id, first, last, kinds))
    return int(db.session.scalar(stmt) or 0)


def activity_attendances_by_year(
    province_id: int, first: int, last: int, *, kinds: Iterable[str] = ("training",), **_: Any
) -> dict[int, int]:
    year = _year_of(SupportActivity.held_on)
    stmt = select(year, _attendances()).where(*_activities_in(province_id, first, last, kinds)).group_by(year)
    return _yearly(stmt, first, last)


def experts_trained(province_id: int, first: int, last: int | None = None, **_: Any) -> int:
    """People who attended expert training (each expert should be recorded once)."""
    return activity_attendances(province_id, first, last, kinds=("expert_training",))


def experts_trained_by_year(province_id: int, first: int, last: int, **_: Any) -> dict[int, int]:
    return activity_attendances_by_year(province_id, first, last, kinds=("expert_training",))


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
# Every year's figure of a count metric from one grouped query: {year: figure} for first..last,
# equal to calling the metric for each year alone.
BY_YEAR: dict[str, Callable[..., dict[int, int]]] = {
    "certificates_issued": certificates_issued_by_year,
    "organizations_certified": organizations_certified_by_year,
    "tccs_published": tccs_published_by_year,
    "organizations_supported": organizations_supported_by_year,
    "activity_attendances": activity_attendances_by_year,
    "experts_trained": experts_trained_by_year,
}
# Count metrics whose figure over several years is the sum of the years' figures (each record
# falls in one year); the others count distinct organisations across years.
ADDITIVE_METRICS = frozenset({"certificates_issued", "tccs_published", "activity_attendances", "experts_trained"})
assert set(BY_YEAR) == set(COMPUTED) - SHARE_METRICS and set(BY_YEAR) >= ADDITIVE_METRICS


# ---- the records behind a figure (drill-down) ------------------------------------------------


@dataclass
class MetricRecords:
    """The records a figure counts, built from the same filters as the figure.

    `entity` is certificate, organization, standard, activity or product. For a share the rows are
    the population and `counted` the ids in its numerator; for attendances `weights` holds what each
    activity adds (its head count, or one)."""

    entity: str
    rows: list[Any]
    counted: frozenset[int] | None = None
    weights: dict[int, int] | None = None

    @property
    def figure(self) -> float | None:
        if self.counted is not None:
            return _share(len(self.counted), len(self.rows))
        if self.weights is not None:
            return float(sum(self.weights.values()))
        return float(len(self.rows))


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1))


def certificate_records(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    categories: Iterable[str] | None = None,
    month: int | None = None,
    **_: Any,
) -> MetricRecords:
    """The certificates `certificates_issued` counts; `month` narrows a single year to one month."""
    where = _certificates_in(province_id, first, last, categories)
    if month is not None:
        start, stop = _month_bounds(first, month)
        where += [Certificate.issued_on >= start, Certificate.issued_on < stop]
    stmt = (
        select(Certificate)
        .where(*where)
        .options(selectinload(Certificate.organization), selectinload(Certificate.body))
        .order_by(Certificate.issued_on, Certificate.number, Certificate.id)
    )
    return MetricRecords("certificate", list(db.session.scalars(stmt)))


def certified_organization_records(
    province_id: int, first: int, last: int | None = None, *, categories: Iterable[str] | None = None, **_: Any
) -> MetricRecords:
    """The distinct holders `organizations_certified` counts."""
    holders = select(Certificate.organization_id).where(*_certificates_in(province_id, first, last, categories))
    stmt = select(Organization).where(Organization.id.in_(holders)).order_by(Organization.name, Organization.id)
    return MetricRecords("organization", list(db.session.scalars(stmt)))


def tccs_records(
    province_id: int, first: int, last: int | None = None, *, product_scope: Iterable[str] = (), **_: Any
) -> MetricRecords:
    stmt = (
        select(Standard)
        .join(Organization, Organization.id == Standard.organization_id)
        .where(*_tccs_in(province_id, first, last, product_scope))
        .options(selectinload(Standard.organization))
        .order_by(Standard.published_on, Standard.code, Standard.id)
    )
    return MetricRecords("standard", list(db.session.scalars(stmt).unique()))


def _share_records(entity: str, population: Subquery, part_of: ColumnElement[bool]) -> MetricRecords:
    model: Any = Product if entity == "product" else Organization
    stmt = select(model).where(model.id.in_(select(population.c.id))).order_by(model.name, model.id)
    if entity == "product":
        stmt = stmt.options(selectinload(Product.organization))
    counted = frozenset(db.session.scalars(select(population.c.id).where(part_of)))
    return MetricRecords(entity, list(db.session.scalars(stmt)), counted=counted)


def readiness_records(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    product_scope: Iterable[str] = ("ocop_key", "collective_trademark"),
    as_of: date | None = None,
    **_: Any,
) -> MetricRecords:
    return _share_records("product", *_readiness(province_id, first, last, product_scope, as_of))


def high_risk_records(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    kinds: Iterable[str] = GUIDANCE_KINDS,
    as_of: date | None = None,
    **_: Any,
) -> MetricRecords:
    return _share_records("organization", *_high_risk(province_id, first, last, kinds, as_of))


def certified_product_records(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    product_scope: Iterable[str] = ("key", "ocop"),
    categories: Iterable[str] = CONFORMITY_CATEGORIES,
    as_of: date | None = None,
    **_: Any,
) -> MetricRecords:
    return _share_records("product", *_certified(province_id, first, last, product_scope, categories, as_of))


def supported_records(
    province_id: int,
    first: int,
    last: int | None = None,
    *,
    kinds: Iterable[str] = GUIDANCE_KINDS,
    sme_only: bool = False,
    key_product_only: bool = False,
    **_: Any,
) -> MetricRecords:
    """The distinct organisations `organizations_supported` counts."""
    supported = (
        select(SupportActivity.organization_id)
        .join(Organization, Organization.id == SupportActivity.organization_id)
        .where(*_supported_in(province_id, first, last, kinds, sme_only, key_product_only))
    )
    stmt = select(Organization).where(Organization.id.in_(supported)).order_by(Organization.name, Organization.id)
    return MetricRecords("organization", list(db.session.scalars(stmt)))


def attendance_records(
    province_id: int, first: int, last: int | None = None, *, kinds: Iterable[str] = ("training",), **_: Any
) -> MetricRecords:
    """The activities `activity_attendances` sums, each weighted as the sum weighs it."""
    stmt = (
        select(SupportActivity)
        .where(*_activities_in(province_id, first, last, kinds))
        .options(selectinload(SupportActivity.organization))
        .order_by(SupportActivity.held_on, SupportActivity.id)
    )
    rows = list(db.session.scalars(stmt))
    return MetricRecords("activity", rows, weights={a.id: a.attendees if a.attendees is not None else 1 for a in rows})


def expert_records(province_id: int, first: int, last: int | None = None, **_: Any) -> MetricRecords:
    return attendance_records(province_id, first, last, kinds=("expert_training",))


# The row lists behind each computed metric, by the same names as COMPUTED.
RECORDS: dict[str, Callable[..., MetricRecords]] = {
    "certificates_issued": certificate_records,
    "organizations_certified": certified_organization_records,
    "tccs_published": tccs_records,
    "product_readiness_share": readiness_records,
    "high_risk_organizations_guided_share": high_risk_records,
    "certified_product_share": certified_product_records,
    "organizations_supported": supported_records,
    "activity_attendances": attendance_records,
    "experts_trained": expert_records,
}
assert set(RECORDS) == set(COMPUTED)


# ---- public figures of a province ------------------------------------------------------------


def certificates_by_year(province_id: int, first: int, last: int) -> dict[int, int]:
    """Confirmed certificates issued in each year (one grouped read of the index range)."""
    return certificates_issued_by_year(province_id, first, last)


def ocop_products_by_stars(province_id: int, day: date) -> dict[int, int]:
    """Active products of the province whose OCOP rating is valid on `day`, per star count."""
    # The 36-month rule clamps to month ends, so select a slightly wider window and apply it exactly.
    earliest = add_months(day, -OCOP_VALIDITY_MONTHS) - timedelta(days=4)
    rows = db.session.execute(
        select(Product.ocop_stars, Product.ocop_decision_date)
        .join(Organization, Organization.id == Product.organization_id)
        .where(
            Organization.province_id == province_id,
            Product.status == "active",
            Product.ocop_stars.is_not(None),
            Product.ocop_decision_date <= day,
            Product.ocop_decision_date >= earliest,
        )
    ).all()
    counts = dict.fromkeys((3, 4, 5), 0)
    for stars, decided in rows:
        if decided is not None and day < add_months(decided, OCOP_VALIDITY_MONTHS) and stars in counts:
            counts[stars] += 1
    return counts


def tccs_by_year(province_id: int, first: int, last: int) -> dict[int, int]:
    """Base standards (TCCS) published each year by the province's organisations, whatever they apply to."""
    start, stop = year_bounds(first, last)
    year = _year_of(Standard.published_on)
    rows = db.session.execute(
        select(year, func.count(Standard.id))
        .join(Organization, Organization.id == Standard.organization_id)
        .where(
            Standard.kind == "tccs",
            Organization.province_id == province_id,
            Standard.published_on >= start,
            Standard.published_on < stop,
        )
        .group_by(year)
    ).all()
    found = {int(y): int(n) for y, n in rows}
    return {y: found.get(y, 0) for y in range(first, last + 1)}
