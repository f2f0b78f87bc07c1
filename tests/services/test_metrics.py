"""Every plan metric and the progress rules, on hand-made records with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select, text

from registry.errors import Forbidden, InvalidInput
from registry.extensions import db
from registry.models import Certificate, Commune, Product, Province, Target
from registry.services import activities, batches, certificates, metrics, organizations, products, progress, standards
from registry.services.timefmt import VN
from tests.helpers import in_year, this_year, today, valid_gtin13


def pid(slug: str) -> int:
    return db.session.scalar(select(Province.id).where(Province.slug == slug))


def target(code: str) -> Target:
    return db.session.scalar(select(Target).where(Target.code == code))


class Records:
    """Hand-made records created through the services."""

    def __init__(self, world: Any) -> None:
        self.world, self.body, self.n = world, world.body(), 0

    def cert(self, org: Any, issued: str, category: str = "product_standard", actor: Any = None, **extra: Any) -> Any:
        self.n += 1
        data = {
            "number": f"CN-{self.n:04d}",
            "certification_body_id": self.body.id,
            "organization_id": org.id,
            "category": category,
            "issued_on": date.fromisoformat(issued),
            **extra,
        }
        return certificates.create_certificate(actor or self.world.admin, data)

    def product(self, org: Any, **flags: Any) -> Any:
        self.n += 1
        data = {"organization_id": org.id, "name": f"Sản phẩm {self.n}", **flags}
        if flags.get("ocop_stars"):
            data |= {"ocop_decision_number": f"{self.n}/QĐ-UBND", "ocop_decision_date": date(2025, 6, 1)}
        return products.create_product(self.world.admin, data)

    def activity(self, org: Any | None, kind: str, held_on: str, province: str | None = None, **extra: Any) -> Any:
        data = {"kind": kind, "held_on": date.fromisoformat(held_on), **extra}
        if org is not None:
            data["organization_id"] = org.id
        if province:
            data["province"] = province
        return activities.create_activity(self.world.admin, data)

    def tccs(self, org: Any, published: str) -> Any:
        self.n += 1
        data = {"kind": "tccs", "code": f"TCCS {self.n:02d}:2026", "title": f"Tiêu chuẩn {self.n}"}
        return standards.create_standard(
            self.world.admin, {**data, "organization_id": org.id, "published_on": date.fromisoformat(published)}
        )


@pytest.fixture
def rec(world: Any) -> Records:
    return Records(world)


# ---- certificates ------------------------------------------------------------------------------


def test_certificates_count_in_the_year_issued_with_the_year_boundary_exact(world, rec):
    org = world.organization("thai-nguyen")
    rec.cert(org, "2026-12-31")
    rec.cert(org, "2027-01-01")
    rec.cert(org, "2027-12-31")
    tn = pid("thai-nguyen")
    assert metrics.certificates_issued(tn, 2026) == 1
    assert metrics.certificates_issued(tn, 2027) == 2
    assert metrics.certificates_issued(tn, 2026, 2027) == 3
    assert metrics.certificates_issued(tn, 2028) == 0


def test_a_declared_certificate_counts_only_once_confirmed(world, rec):
    org = world.organization("thai-nguyen")
    producer = world.user("producer", organization_id=org.id)
    declared = rec.cert(org, "2026-05-01", actor=producer)
    assert declared.is_confirmed is False
    assert metrics.certificates_issued(pid("thai-nguyen"), 2026) == 0
    certificates.confirm_certificate(world.admin, declared.id)
    assert metrics.certificates_issued(pid("thai-nguyen"), 2026) == 1


def test_a_withdrawn_certificate_still_counts_in_its_issue_year(world, rec):
    org = world.organization("thai-nguyen")
    cert = rec.cert(org, "2026-03-01")
    certificates.transition_certificate(world.admin, cert.id, "withdraw", "Vi phạm điều kiện chứng nhận")
    assert metrics.certificates_issued(pid("thai-nguyen"), 2026) == 1


def test_a_holder_that_moved_province_counts_for_the_province_it_was_in_at_issue(world, rec):
    org = world.organization("thai-nguyen")
    rec.cert(org, "2026-04-01")
    organizations.update_organization(world.admin, org.id, {"province": "gia-lai"})
    rec.cert(org, "2026-09-01")
    assert metrics.certificates_issued(pid("thai-nguyen"), 2026) == 1
    assert metrics.certificates_issued(pid("gia-lai"), 2026) == 1


def test_categories_filter_the_count_and_distinct_holders_are_counted_once(world, rec):
    a, b = world.organization("gia-lai"), world.organization("gia-lai")
    rec.cert(a, "2026-01-10", "management_system")
    rec.cert(a, "2026-02-10", "management_system")
    rec.cert(b, "2026-03-10", "gap")
    rec.cert(b, "2026-03-11", "product_standard")
    gl = pid("gia-lai")
    assert metrics.certificates_issued(gl, 2026, categories=["product_standard", "product_regulation"]) == 1
    assert metrics.organizations_certified(gl, 2026, categories=["management_system"]) == 1
    assert metrics.organizations_certified(gl, 2026, categories=["traceability", "gap", "organic"]) == 1
    assert metrics.organizations_certified(gl, 2026) == 2


def test_the_breakdown_counts_by_category_month_body_and_province(world, rec):
    a, b = world.organization("thai-nguyen"), world.organization("dong-nai")
    rec.cert(a, "2026-01-31", "gap")
    rec.cert(a, "2026-02-01", "organic")
    rec.cert(b, "2026-02-15", "gap")
    one = metrics.certificate_breakdown(pid("thai-nguyen"), 2026)
    assert one["count"] == 2
    assert one["by_category"]["gap"] == 1 and one["by_category"]["organic"] == 1
    assert [m["count"] for m in one["by_month"][:3]] == [1, 1, 0]
    assert one["by_body"] == [{"id": rec.body.id, "name": rec.body.name, "count": 2}]
    every = metrics.certificate_breakdown(None, 2026)
    counts = {p["province"]: p["count"] for p in every["provinces"]}
    assert every["count"] == 3 and counts["thai-nguyen"] == 2 and counts["dong-nai"] == 1 and counts["gia-lai"] == 0
    assert len(every["provinces"]) == 34


# ---- standards and products ------------------------------------------------------------------


def test_tccs_count_only_when_published_in_the_years_and_applied_to_a_product_in_scope(world, rec):
    org = world.organization("gia-lai")
    ocop = rec.product(org, ocop_stars=4)
    plain = rec.product(org)
    applied = rec.tccs(org, "2026-02-01")
    products.apply_standard(world.admin, ocop.id, applied.id)
    products.apply_standard(world.admin, plain.id, rec.tccs(org, "2026-03-01").id)  # product out of scope
    rec.tccs(org, "2026-04-01")  # applied by nothing
    products.apply_standard(world.admin, ocop.id, rec.tccs(org, "2025-12-31").id)  # an earlier year
    scope = ["ocop", "key", "specialty"]
    gl = pid("gia-lai")
    assert metrics.tccs_published(gl, 2026, product_scope=scope) == 1
    assert metrics.tccs_published(gl, 2025, 2026, product_scope=scope) == 2
    assert metrics.tccs_published(pid("thai-nguyen"), 2026, product_scope=scope) == 0


def _trace(world: Any, product: Any) -> None:
    batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": "L01"})
    commune_id = db.session.scalar(
        select(Commune.id).where(Commune.province_id == product.organization.province_id).limit(1)
    )
    day = in_year(this_year(), 5, 1)
    when = datetime(day.year, day.month, day.day, 8, tzinfo=VN)
    batches.add_event(world.admin, batch.id, {"biz_step": "harvesting", "occurred_at": when, "commune_id": commune_id})


@pytest.mark.travel
def test_a_product_is_ready_with_a_standard_a_gtin_and_trace_records_or_when_its_producer_was_guided(world, rec):
    # Shares are measured at the end of the year, today for this one: the records are created today.
    year = this_year()
    a, b = world.organization("thai-nguyen"), world.organization("thai-nguyen")
    ready = rec.product(a, ocop_stars=4, is_key_product=True, gtin=valid_gtin13(11))
    rec.product(b, has_collective_trademark=True)
    rec.product(b, ocop_stars=3)  # OCOP but not key: out of scope
    products.apply_standard(world.admin, ready.id, rec.tccs(a, in_year(year, 1, 5).isoformat()).id)
    tn = pid("thai-nguyen")
    assert metrics.product_readiness_share(tn, year) == 0.0  # no trace records yet
    _trace(world, ready)
    assert metrics.product_readiness_share(tn, year) == 50.0
    rec.activity(b, "guidance", in_year(year, 6, 1).isoformat())
    assert metrics.product_readiness_share(tn, year) == 100.0
    assert metrics.product_readiness_share(tn, year - 1) is None  # no product existed then


@pytest.mark.travel
def test_high_risk_share_is_of_organisations_with_a_high_risk_product_guided_since_the_period_start(world, rec):
    # Shares are measured at the end of the year, today for this one: the records are created today.
    year = this_year()
    a, b, c = (world.organization("gia-lai") for _ in range(3))
    rec.product(a, is_high_risk=True)
    rec.product(a, is_high_risk=True)
    rec.product(b, is_high_risk=True)
    rec.product(c)
    rec.activity(a, "training", in_year(year, 3, 1).isoformat())
    rec.activity(c, "guidance", in_year(year, 3, 1).isoformat())  # not a high-risk producer
    rec.activity(b, "financing", in_year(year, 3, 1).isoformat())  # not guidance
    gl = pid("gia-lai")
    assert metrics.high_risk_organizations_guided_share(gl, year) == 50.0
    assert metrics.high_risk_organizations_guided_share(gl, year + 1, year + 1) == 0.0  # guidance from next year only


@pytest.mark.travel
def test_certified_share_counts_products_holding_a_conformity_certificate_on_the_day(world, rec):
    # Shares are measured at the end of the year, today for this one: the records are created today.
    year = this_year()
    if today() < date(year, 7, 2):  # the test needs a day between the issue (1 June) and today's withdrawal
        with time_machine.travel(f"{year}-11-22T10:00:00+07:00", tick=True):
            _certified_share(world, rec, year)
    else:
        _certified_share(world, rec, year)


def _certified_share(world: Any, rec: Records, year: int) -> None:
    org = world.organization("dong-nai")
    key, ocop, other = rec.product(org, is_key_product=True), rec.product(org, ocop_stars=3), rec.product(org)
    for p in (key, ocop, other):
        db.session.get(Product, p.id).created_at = datetime(year - 1, 1, 1, tzinfo=UTC)
    db.session.commit()
    june = in_year(year, 6, 1).isoformat()
    cert = rec.cert(org, june, product_ids=[key.id])
    rec.cert(org, june, "management_system", product_ids=[ocop.id])  # not a conformity certificate
    rec.cert(org, june, product_ids=[other.id])  # product out of scope
    dn = pid("dong-nai")
    assert metrics.certified_product_share(dn, year - 1) == 0.0
    assert metrics.certified_product_share(dn, year) == 50.0
    certificates.transition_certificate(world.admin, cert.id, "withdraw", "Thu hồi")
    assert metrics.certified_product_share(dn, year) == 0.0
    # The withdrawal is recorded today (after 1 July): the share on that day is unchanged.
    assert metrics.certified_product_share(dn, year, as_of=in_year(year, 7, 1)) == 50.0


# ---- activities ------------------------------------------------------------------------------


def test_organisations_supported_are_distinct_and_filtered_by_kind_sme_and_key_product(world, rec):
    sme = world.organization("dong-nai", is_sme=True)
    big = world.organization("dong-nai", is_sme=False)
    rec.product(big, is_key_product=True)
    rec.activity(sme, "financing", "2026-01-01")
    rec.activity(sme, "training", "2026-05-01")
    rec.activity(big, "guidance", "2026-12-31")
    rec.activity(big, "guidance", "2027-01-01")
    rec.activity(big, "pilot_model", "2026-08-01")
    dn = pid("dong-nai")
    kinds = ["financing", "training", "guidance"]
    assert metrics.organizations_supported(dn, 2026, kinds=kinds) == 2
    assert metrics.organizations_supported(dn, 2026, kinds=kinds, sme_only=True) == 1
    assert metrics.organizations_supported(dn, 2027, kinds=kinds) == 1
    assert metrics.organizations_supported(dn, 2026, kinds=["pilot_model"], key_product_only=True) == 1
    assert metrics.organizations_supported(dn, 2026, kinds=["financing"], key_product_only=True) == 0
    assert metrics.organizations_supported(pid("gia-lai"), 2026, kinds=kinds) == 0


def test_attendances_sum_head_counts_and_experts_are_counted_from_expert_training(world, rec):
    org = world.organization("dong-nai")
    rec.activity(None, "training", "2026-03-01", province="dong-nai", attendees=40)
    rec.activity(org, "training", "2026-04-01")  # one organisation, no head count: one attendance
    rec.activity(None, "training", "2027-01-01", province="dong-nai", attendees=7)
    rec.activity(None, "expert_training", "2026-09-01", province="dong-nai", attendees=3)
    dn = pid("dong-nai")
    assert metrics.activity_attendances(dn, 2026, kinds=["training"]) == 41
    assert metrics.activity_attendances(dn, 2026, 2027, kinds=["training"]) == 48
    assert metrics.experts_trained(dn, 2026) == 3
    assert metrics.experts_trained(dn, 2027) == 0


# ---- every year from one grouped query --------------------------------------------------------


def test_each_years_figure_from_the_grouped_query_equals_the_metric_for_that_year_alone(world, rec):
    a, b = world.organization("gia-lai", is_sme=True), world.organization("gia-lai", is_sme=False)
    rec.product(b, is_key_product=True)
    ocop = rec.product(a, ocop_stars=4)
    producer = world.user("producer", organization_id=a.id)
    for org, day, category in (
        (a, "2025-12-31", "management_system"),
        (a, "2026-01-01", "management_system"),
        (a, "2026-12-31", "gap"),
        (b, "2026-12-31", "management_system"),
        (b, "2027-01-01", "organic"),
        (a, "2028-12-31", "product_standard"),
    ):
        rec.cert(org, day, category)
    rec.cert(a, "2027-06-01", "management_system", actor=producer)  # declared, never confirmed
    rec.cert(world.organization("dong-nai"), "2027-06-01", "management_system")  # another province
    for day in ("2025-12-31", "2026-01-01", "2027-12-31"):
        products.apply_standard(world.admin, ocop.id, rec.tccs(a, day).id)
    rec.activity(a, "training", "2026-12-31", attendees=5)
    rec.activity(b, "training", "2027-01-01")
    rec.activity(a, "guidance", "2027-01-01")
    rec.activity(b, "pilot_model", "2028-12-31")
    rec.activity(None, "expert_training", "2028-01-01", province="gia-lai", attendees=2)
    gl = pid("gia-lai")
    expected = {
        ("certificates_issued", ()): {2025: 1, 2026: 3, 2027: 1, 2028: 1, 2029: 0},
        ("organizations_certified", ("management_system",)): {2025: 1, 2026: 2, 2027: 0, 2028: 0, 2029: 0},
        ("tccs_published", ()): {2025: 1, 2026: 1, 2027: 1, 2028: 0, 2029: 0},
        ("organizations_supported", ()): {2025: 0, 2026: 1, 2027: 2, 2028: 0, 2029: 0},
        ("activity_attendances", ()): {2025: 0, 2026: 5, 2027: 1, 2028: 0, 2029: 0},
        ("experts_trained", ()): {2025: 0, 2026: 0, 2027: 0, 2028: 2, 2029: 0},
    }
    params = {
        "organizations_certified": {"categories": ["management_system"]},
        "tccs_published": {"product_scope": ["ocop"]},
        "organizations_supported": {"kinds": ["training", "guidance"]},
        "activity_attendances": {"kinds": ["training"]},
    }
    for (metric, _), years in expected.items():
        kw = params.get(metric, {})
        grouped = metrics.BY_YEAR[metric](gl, 2025, 2029, **kw)
        assert grouped == years, metric
        assert grouped == {y: metrics.COMPUTED[metric](gl, y, **kw) for y in range(2025, 2030)}, metric
        if metric in metrics.ADDITIVE_METRICS:
            assert sum(grouped.values()) == metrics.COMPUTED[metric](gl, 2025, 2029, **kw), metric
    assert metrics.BY_YEAR["organizations_supported"](gl, 2026, 2028, kinds=["pilot_model"], key_product_only=True) == {
        2026: 0,
        2027: 0,
        2028: 1,
    }
    assert metrics.BY_YEAR["organizations_supported"](gl, 2027, 2027, kinds=["training"], sme_only=True) == {2027: 0}


def test_targets_sharing_a_metric_get_the_same_figures_as_each_measured_alone(world, rec):
    org = world.organization("thai-nguyen")
    for day in ("2027-01-01", "2027-12-31", "2030-12-31", "2031-01-01", "2032-05-05"):
        rec.cert(org, day, "product_regulation")
    plan = progress.plan_for(db.session.get(Province, pid("thai-nguyen")))
    now = datetime(2032, 7, 1, tzinfo=VN)
    shared = {t.target.code: t for t in progress.plan_progress(plan.province, 2032, now).targets}
    for t in plan.targets:
        alone = progress.target_progress(t, plan.province_id, 2032, now)
        assert (alone.per_year, alone.period_actual, alone.status) == (
            shared[t.code].per_year,
            shared[t.code].period_actual,
            shared[t.code].status,
        ), t.code
    assert shared["TN-CERT-2030"].per_year == {2027: 2, 2028: 0, 2029: 0, 2030: 1}
    assert shared["TN-CERT-2035"].per_year == {2031: 1, 2032: 1}


def test_the_province_year_count_reads_only_the_partial_covering_index(app):
    stmt = select(func.count(Certificate.id)).where(*metrics._certificates_in(1, 2029, 2029, None))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = " ".join(db.session.scalars(text("EXPLAIN " + sql)))
        assert "Index Only Scan using ix_certificates_province_issued" in plan, plan
        db.session.rollback()
    else:
        plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "COVERING INDEX ix_certificates_province_issued" in plan, plan


# ---- progress rules --------------------------------------------------------------------------


def test_the_year_fraction_is_judged_in_vietnam_time():
    assert progress.year_fraction(2026, datetime(2026, 1, 1, tzinfo=VN)) == 0.0
    # 17:00 UTC on 31 December is already New Year in Vietnam.
    assert progress.year_fraction(2026, datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 1.0
    assert progress.year_fraction(2026, datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) < 1.0
    assert progress.year_fraction(2026, datetime(2026, 7, 2, 12, tzinfo=VN)) == pytest.approx(0.5, abs=0.002)


@pytest.mark.parametrize(("orgs", "status"), [(6, "on_track"), (5, "at_risk"), (4, "behind")])
def test_a_cumulative_target_is_judged_by_its_projection(world, rec, orgs, status):
    for _ in range(orgs):
        rec.cert(world.organization("gia-lai"), "2026-03-01", "management_system")
    end_of_2026 = datetime(2027, 1, 1, tzinfo=VN)  # 2026 complete: one year of five, pace x5
    result = progress.target_progress(target("GL-MGMT-30"), pid("gia-lai"), 2026, end_of_2026)
    assert result.actual == orgs and result.period_actual == orgs and result.per_year == {2026: orgs}
    assert result.projection == orgs * 5
    assert result.status == status


def test_a_cumulative_target_is_met_when_the_period_figure_reaches_it(world, rec):
    for _ in range(10):
        rec.activity(world.organization("dong-nai"), "expert_training", "2026-02-01", attendees=1)
    result = progress.target_progress(target("DN-EXPERT-10"), pid("dong-nai"), 2026, datetime(2026, 3, 1, tzinfo=VN))
    assert result.period_actual == 10 and result.status == "met"


def test_an_annual_average_uses_the_years_so_far_and_is_met_only_after_its_last_year(world, rec):
    org = world.organization("thai-nguyen")
    for day in range(1, 21):
        rec.cert(org, f"2027-03-{day:02d}")
    for day in range(1, 11):
        rec.cert(org, f"2028-03-{day:02d}")
    t = target("TN-CERT-2030")
    tn = pid("thai-nguyen")
    in_2027 = progress.target_progress(t, tn, 2027, datetime(2028, 1, 5, tzinfo=VN))
    assert in_2027.per_year == {2027: 20} and in_2027.period_actual == 20
    assert in_2027.status == "on_track"  # reached, but three years are still to come
    mid_2028 = datetime(2028, 7, 2, 0, tzinfo=VN)  # half of the leap year 2028 elapsed
    in_2028 = progress.target_progress(t, tn, 2028, mid_2028)
    assert in_2028.per_year == {2027: 20, 2028: 10} and in_2028.period_actual == 15
    assert in_2028.projection == pytest.approx(20, abs=0.1)  # mean of 20 and 10 / 0.5
    before = progress.target_progress(t, tn, 2026, mid_2028)
    assert before.status == "no_data" and before.reason == "not_started" and before.per_year == {}


def test_an_annual_minimum_is_judged_on_the_report_year(world, rec):
    orgs = [world.organization("thai-nguyen") for _ in range(7)]
    for org in orgs:
        rec.activity(org, "guidance", "2026-02-01")
    t = target("TN-GUIDED")
    result = progress.target_progress(t, pid("thai-nguyen"), 2026, datetime(2026, 2, 1, tzinfo=VN))
    assert result.actual == 7 and result.period_actual == 7
    assert result.projection == pytest.approx(7 * 365 / 31, abs=0.01)  # 7 in January: 82 a year
    assert result.status == "on_track"
    late = progress.target_progress(t, pid("thai-nguyen"), 2026, datetime(2027, 1, 2, tzinfo=VN))
    assert late.projection == 7 and late.status == "behind"


def test_a_rising_share_target_compares_with_the_previous_year(world, rec):
    org = world.organization("dong-nai")
    a, b = rec.product(org, is_key_product=True), rec.product(org, ocop_stars=4)
    for p in (a, b):
        db.session.get(Product, p.id).created_at = datetime(2025, 1, 1, tzinfo=UTC)
    db.session.commit()
    rec.cert(org, "2027-02-01", product_ids=[a.id])
    t = target("DN-CERT-SHARE")
    dn = pid("dong-nai")
    result = progress.target_progress(t, dn, 2027, datetime(2027, 6, 1, tzinfo=VN))
    assert result.per_year == {2026: 0.0, 2027: 50.0}
    assert result.status == "on_track" and result.reason == "rising"
    first_year = progress.target_progress(t, dn, 2026, datetime(2027, 6, 1, tzinfo=VN))
    assert first_year.status == "no_data" and first_year.reason == "no_previous_year"


def test_a_reported_target_has_no_data_until_its_figure_is_entered(world):
    officer = world.user("dost_officer", province="thai-nguyen")
    t = target("TN-DISSEM")
    now = datetime(2026, 11, 1, tzinfo=VN)
    assert progress.target_progress(t, pid("thai-nguyen"), 2026, now).status == "no_data"
    data = {"year": 2026, "value": 85.0, "as_of": date(2026, 10, 31), "evidence": "Báo cáo số 12/BC-SKHCN"}
    progress.record_figure(officer, "thai-nguyen", "TN-DISSEM", data, now=now)
    result = progress.target_progress(t, pid("thai-nguyen"), 2026, now)
    assert result.actual == 85.0 and result.period_actual == 85.0 and result.status == "at_risk"
    progress.record_figure(officer, "thai-nguyen", "TN-DISSEM", {**data, "value": 100.0}, now=now)
    assert progress.target_progress(t, pid("thai-nguyen"), 2026, now).status == "met"


def test_only_the_provinces_officer_enters_figures_and_only_for_reported_targets(world):
    now = datetime(2026, 11, 1, tzinfo=VN)
    data = {"year": 2026, "value": 50.0, "as_of": date(2026, 10, 31), "evidence": "Công văn 5"}
    with pytest.raises(Forbidden):
        progress.record_figure(
            world.user("dost_officer", province="gia-lai"), "thai-nguyen", "TN-DISSEM", data, now=now
        )
    officer = world.user("dost_officer", province="thai-nguyen")
    with pytest.raises(InvalidInput) as err:
        progress.record_figure(officer, "thai-nguyen", "TN-GUIDED", data, now=now)
    assert [(e.field, e.rule) for e in err.value.errors] == [("target_id", "target_not_reported")]
    bad = {"year": 2031, "value": 101.0, "as_of": date(2026, 12, 1), "evidence": " "}
    with pytest.raises(InvalidInput) as err:
        progress.record_figure(officer, "thai-nguyen", "TN-DISSEM", bad, now=now)
    assert {(e.field, e.rule) for e in err.value.errors} == {
        ("year", "range"),
        ("value", "range"),
        ("as_of", "future_date"),
        ("evidence", "required"),
    }


def test_the_deadline_and_days_left_come_from_the_plan(app):
    report = progress.plan_progress(
        db.session.scalar(select(Province).where(Province.slug == "dong-nai")), 2026, datetime(2026, 11, 21, tzinfo=VN)
    )
    assert report.deadline == date(2026, 12, 10) and report.days_left == 19
    assert [t.target.code for t in report.targets][:2] == ["DN-CERT-SHARE", "DN-CERT-SHARE-2035"]
