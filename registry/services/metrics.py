"""The figures plan targets are measured by, computed from records per province and calendar year.

Each metric is defined once, as a `Count` or a `Share` in `METRICS`, and that one definition gives
its figure for the years ``first..last``, its yearly series (counts: one grouped query) and the
records behind the figure (drill-down), so the three can never disagree.
Years are calendar years of Vietnamese dates: a year is the half-open range
``[first-01-01, last+1-01-01)`` on a date column and an index lookup, never ``extract(year)``.
Counts return an int for the range; shares return a percentage (0-100) measured as at the end of
``last`` (or ``as_of`` when given, e.g. today for the current year), or None when the population
is empty. Certificates count only when confirmed, in the year issued whatever their status today,
for the province their holder was in when they were issued (``Certificate.holder_province_id``).
Parameters a target gives (``categories``, ``kinds``, ``product_scope``, …) override a metric's
defaults; parameters a metric does not know are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


def year_of(column: Any) -> ColumnElement[int]:
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


def _share_records(entity: str, population: Subquery, part_of: ColumnElement[bool]) -> MetricRecords:
    model: Any = Product if entity == "product" else Organization
    stmt = select(model).where(model.id.in_(select(population.c.id))).order_by(model.name, model.id)
    if entity == "product":
        stmt = stmt.options(selectinload(Product.organization))
    counted = frozenset(db.session.scalars(select(population.c.id).where(part_of)))
    return MetricRecords(entity, list(db.session.scalars(stmt)), counted=counted)


# ---- the metrics: one definition each --------------------------------------------------------

Filters = Callable[[int, int, "int | None", Mapping[str, Any]], list[ColumnElement[bool]]]
Rows = Callable[[list[ColumnElement[bool]], Mapping[str, Any], int], MetricRecords]
Parts = Callable[[int, int, "int | None", Mapping[str, Any]], tuple[Subquery, ColumnElement[bool]]]


@dataclass(frozen=True)
class _Metric:
    defaults: Mapping[str, Any]

    def options(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The metric's parameters: its defaults, overridden by those it knows of `params`."""
        return {key: params.get(key, value) for key, value in self.defaults.items()}


@dataclass(frozen=True)
class Count(_Metric):
    """Records of one kind, filtered by province and years and counted in the year of `date`.

    `value` aggregates the filtered rows (a count, a distinct count or a sum); `join` is what the
    filters need joined to the counted entity; `rows` lists the records the value counts. When
    `additive`, the figure over several years is the sum of the years' figures (each record falls in
    one year); otherwise it counts distinct organisations across the years."""

    date: Any
    value: Callable[[], ColumnElement[Any]]
    filters: Filters
    rows: Rows
    join: tuple[Any, Any] | None = None
    additive: bool = False

    def _select(self, *columns: Any) -> Select[Any]:
        stmt = select(*columns)
        return stmt.join(*self.join) if self.join else stmt

    def figure(self, province_id: int, first: int, last: int | None = None, **params: Any) -> int:
        where = self.filters(province_id, first, last, self.options(params))
        return int(db.session.scalar(self._select(self.value()).where(*where)) or 0)

    def by_year(self, province_id: int, first: int, last: int, **params: Any) -> dict[int, int]:
        """Every year's figure from one grouped query: {year: figure} for first..last, equal to the
        figure of each year alone."""
        year = year_of(self.date)
        where = self.filters(province_id, first, last, self.options(params))
        return _yearly(self._select(year, self.value()).where(*where).group_by(year), first, last)

    def records(self, province_id: int, first: int, last: int | None = None, **params: Any) -> MetricRecords:
        options = self.options(params)
        return self.rows(self.filters(province_id, first, last, options), options, first)


@dataclass(frozen=True)
class Share(_Metric):
    """A percentage of a population (products or organisations, `entity`) on the day measured:
    `parts` gives the population and the condition of its numerator."""

    entity: str
    parts: Parts

    def figure(self, province_id: int, first: int, last: int | None = None, **params: Any) -> float | None:
        return _share_of(*self.parts(province_id, first, last, self.options(params)))

    def records(self, province_id: int, first: int, last: int | None = None, **params: Any) -> MetricRecords:
        return _share_records(self.entity, *self.parts(province_id, first, last, self.options(params)))


def _certificate_rows(where: list[ColumnElement[bool]], o: Mapping[str, Any], first: int) -> MetricRecords:
    """`month` narrows a single year to one month."""
    if o["month"] is not None:
        start, stop = _month_bounds(first, o["month"])
        where = [*where, Certificate.issued_on >= start, Certificate.issued_on < stop]
    stmt = (
        select(Certificate)
        .where(*where)
        .options(selectinload(Certificate.organization), selectinload(Certificate.body))
        .order_by(Certificate.issued_on, Certificate.number, Certificate.id)
    )
    return MetricRecords("certificate", list(db.session.scalars(stmt)))


def _organizations_among(ids: Select[Any]) -> MetricRecords:
    stmt = select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name, Organization.id)
    return MetricRecords("organization", list(db.session.scalars(stmt)))


def _tccs_rows(where: list[ColumnElement[bool]], _o: Mapping[str, Any], _first: int) -> MetricRecords:
    stmt = (
        select(Standard)
        .join(Organization, Organization.id == Standard.organization_id)
        .where(*where)
        .options(selectinload(Standard.organization))
        .order_by(Standard.published_on, Standard.code, Standard.id)
    )
    return MetricRecords("standard", list(db.session.scalars(stmt).unique()))


def _activity_rows(where: list[ColumnElement[bool]], _o: Mapping[str, Any], _first: int) -> MetricRecords:
    """The activities an attendance figure sums, each weighted as the sum weighs it."""
    stmt = (
        select(SupportActivity)
        .where(*where)
        .options(selectinload(SupportActivity.organization))
        .order_by(SupportActivity.held_on, SupportActivity.id)
    )
    rows = list(db.session.scalars(stmt))
    return MetricRecords("activity", rows, weights={a.id: a.attendees if a.attendees is not None else 1 for a in rows})


_BY_ORGANIZATION = (Organization, Organization.id == SupportActivity.organization_id)

# Metrics the registry computes, by the name plan files give them; "reported" is handled apart.
METRICS: dict[str, Count | Share] = {
    # Confirmed certificates issued in the years, optionally in some categories.
    "certificates_issued": Count(
        defaults={"categories": None, "month": None},
        date=Certificate.issued_on,
        value=lambda: func.count(Certificate.id),
        filters=lambda p, f, last, o: _certificates_in(p, f, last, o["categories"]),
        rows=_certificate_rows,
        additive=True,
    ),
    # Distinct holders of a confirmed certificate issued in the years (in the categories).
    "organizations_certified": Count(
        defaults={"categories": None},
        date=Certificate.issued_on,
        value=lambda: func.count(distinct(Certificate.organization_id)),
        filters=lambda p, f, last, o: _certificates_in(p, f, last, o["categories"]),
        rows=lambda where, _o, _f: _organizations_among(select(Certificate.organization_id).where(*where)),
    ),
    # Distinct base standards (TCCS) published in the years by an organisation of the province and
    # applied by at least one of its products in scope (OCOP, key or specialty).
    "tccs_published": Count(
        defaults={"product_scope": ()},
        date=Standard.published_on,
        value=lambda: func.count(distinct(Standard.id)),
        filters=lambda p, f, last, o: _tccs_in(p, f, last, o["product_scope"]),
        join=(Organization, Organization.id == Standard.organization_id),
        rows=_tccs_rows,
        additive=True,
    ),
    # Share of products in scope that are ready: they apply a standard, carry a GTIN and have a
    # trace event, or their organisation was guided or trained (from `first` to the day measured).
    "product_readiness_share": Share(
        defaults={"product_scope": ("ocop_key", "collective_trademark"), "as_of": None},
        entity="product",
        parts=lambda p, f, last, o: _readiness(p, f, last, o["product_scope"], o["as_of"]),
    ),
    # Share of the province's organisations with an active high-risk product that received guidance
    # or training from `first` to the day measured.
    "high_risk_organizations_guided_share": Share(
        defaults={"kinds": GUIDANCE_KINDS, "as_of": None},
        entity="organization",
        parts=lambda p, f, last, o: _high_risk(p, f, last, o["kinds"], o["as_of"]),
    ),
    # Share of products in scope holding, on the day measured, a confirmed conformity certificate:
    # issued by then, not expired and not withdrawn by then (a later withdrawal does not rewrite the past).
    "certified_product_share": Share(
        defaults={"product_scope": ("key", "ocop"), "categories": CONFORMITY_CATEGORIES, "as_of": None},
        entity="product",
        parts=lambda p, f, last, o: _certified(p, f, last, o["product_scope"], o["categories"], o["as_of"]),
    ),
    # Distinct organisations given one of `kinds` of support in the years; optionally only SMEs, or
    # only producers of a key product.
    "organizations_supported": Count(
        defaults={"kinds": GUIDANCE_KINDS, "sme_only": False, "key_product_only": False},
        date=SupportActivity.held_on,
        value=lambda: func.count(distinct(SupportActivity.organization_id)),
        filters=lambda p, f, last, o: _supported_in(p, f, last, o["kinds"], o["sme_only"], o["key_product_only"]),
        join=_BY_ORGANIZATION,
        rows=lambda where, _o, _f: _organizations_among(
            select(SupportActivity.organization_id).join(*_BY_ORGANIZATION).where(*where)
        ),
    ),
    # Attendances at activities of `kinds`: the attendees recorded, or one for an activity recorded
    # for a single organisation without a head count.
    "activity_attendances": Count(
        defaults={"kinds": ("training",)},
        date=SupportActivity.held_on,
        value=_attendances,
        filters=lambda p, f, last, o: _activities_in(p, f, last, o["kinds"]),
        rows=_activity_rows,
        additive=True,
    ),
    # People who attended expert training (each expert should be recorded once).
    "experts_trained": Count(
        defaults={},
        date=SupportActivity.held_on,
        value=_attendances,
        filters=lambda p, f, last, _o: _activities_in(p, f, last, ("expert_training",)),
        rows=_activity_rows,
        additive=True,
    ),
}
COMPUTED: dict[str, Callable[..., Any]] = {name: m.figure for name, m in METRICS.items()}
RECORDS: dict[str, Callable[..., MetricRecords]] = {name: m.records for name, m in METRICS.items()}
BY_YEAR: dict[str, Callable[..., dict[int, int]]] = {n: m.by_year for n, m in METRICS.items() if isinstance(m, Count)}
SHARE_METRICS = frozenset(name for name, m in METRICS.items() if isinstance(m, Share))
ADDITIVE_METRICS = frozenset(name for name, m in METRICS.items() if isinstance(m, Count) and m.additive)

# Each metric's figure under its own name, for callers that ask for one metric.
certificates_issued = METRICS["certificates_issued"].figure
organizations_certified = METRICS["organizations_certified"].figure
tccs_published = METRICS["tccs_published"].figure
product_readiness_share = METRICS["product_readiness_share"].figure
high_risk_organizations_guided_share = METRICS["high_risk_organizations_guided_share"].figure
certified_product_share = METRICS["certified_product_share"].figure
organizations_supported = METRICS["organizations_supported"].figure
activity_attendances = METRICS["activity_attendances"].figure
experts_trained = METRICS["experts_trained"].figure


# ---- public figures of a province ------------------------------------------------------------


def certificates_by_year(province_id: int, first: int, last: int) -> dict[int, int]:
    """Confirmed certificates issued in each year (one grouped read of the index range)."""
    return BY_YEAR["certificates_issued"](province_id, first, last)


# The national goal the provincial plans quote (Decision 876/QĐ-TTg): conformity certificates a year
# across all provinces, 50,000 by 2030 and 70,000 by 2035.
NATIONAL_GOALS = ((2030, 50_000), (2035, 70_000))


def national_goal(year: int) -> tuple[int, int]:
    """(certificates a year, the year it is set for) in force for `year`; the last goal after 2035."""
    return next(((value, by) for by, value in NATIONAL_GOALS if year <= by), NATIONAL_GOALS[-1][::-1])


def certificates_by_province_and_year(first: int, last: int) -> dict[int, dict[int, int]]:
    """{province id: {year: confirmed certificates issued}} for every province, zero when none."""
    year = year_of(Certificate.issued_on)
    start, stop = year_bounds(first, last)
    found: dict[int, dict[int, int]] = {}
    stmt = (
        select(Certificate.holder_province_id, year, func.count())
        .where(Certificate.issued_on >= start, Certificate.issued_on < stop, _CONFIRMED)
        .group_by(Certificate.holder_province_id, year)
    )
    for province_id, y, n in db.session.execute(stmt):
        found.setdefault(province_id, {})[int(y)] = int(n)
    return {
        p.id: {y: found.get(p.id, {}).get(y, 0) for y in range(first, last + 1)}
        for p in db.session.scalars(select(Province))
    }


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
    year = year_of(Standard.published_on)
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
