"""The DOST officer's pages and the public statistics page, driven through the test client."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Province, SupportActivity, Target
from registry.services import activities, certificates, metrics, products, progress, standards
from tests.conftest import PASSWORD
from tests.helpers import days_from_today, in_year, plan_year, today, valid_gtin13, years_after

# The pages are read for `plan_year()`: this year within the 2026–2030 targets. Records are dated in
# it (never after today) and in the year before it.


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _login(client: Any, user: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(page)})
    assert res.status_code == 302


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    token = _csrf(client.get(url, follow_redirects=True).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _province(slug: str) -> Province:
    return db.session.scalar(select(Province).where(Province.slug == slug))


class Data:
    """Records in all three provinces touching every registry and activity metric."""

    def __init__(self, world: Any) -> None:
        self.world, self.admin, self.body, self.n = world, world.admin, world.body(), 0

    def cert(self, org: Any, issued: str, category: str, **extra: Any) -> Any:
        self.n += 1
        data = {"number": f"CN-{self.n:04d}", "certification_body_id": self.body.id, "organization_id": org.id,
                "category": category, "issued_on": date.fromisoformat(issued), **extra}  # fmt: skip
        return certificates.create_certificate(self.admin, data)

    def product(self, org: Any, **flags: Any) -> Any:
        self.n += 1
        data = {"organization_id": org.id, "name": f"Sản phẩm {self.n}", **flags}
        if flags.get("ocop_stars"):
            data |= {"ocop_decision_number": f"{self.n}/QĐ-UBND", "ocop_decision_date": years_after(today(), -1)}
        return products.create_product(self.admin, data)

    def activity(self, org: Any | None, kind: str, held_on: str, province: str | None = None, **extra: Any) -> Any:
        data = {"kind": kind, "held_on": date.fromisoformat(held_on), **extra}
        data |= {"organization_id": org.id} if org is not None else {"province": province}
        return activities.create_activity(self.admin, data)


@pytest.fixture
def data(world: Any) -> Data:
    d = Data(world)
    year = plan_year()
    tn_a = world.organization("thai-nguyen", is_sme=True)
    tn_b = world.organization("thai-nguyen")
    d.cert(tn_a, f"{year - 1}-12-31", "product_standard")  # the year before: not counted in the report year
    d.cert(tn_a, in_year(year, 3, 2).isoformat(), "product_standard")
    d.cert(tn_b, in_year(year, 3, 20).isoformat(), "gap")
    d.cert(tn_a, in_year(year, 7, 1).isoformat(), "management_system")
    d.product(tn_a, ocop_stars=4, is_key_product=True)
    d.product(tn_b, has_collective_trademark=True, gtin=valid_gtin13(11))
    d.activity(tn_a, "guidance", in_year(year, 2, 1).isoformat())
    d.activity(None, "training", in_year(year, 4, 1).isoformat(), province="thai-nguyen", attendees=25)
    d.activity(tn_b, "productivity_tool", in_year(year, 5, 1).isoformat())

    gl = world.organization("gia-lai")
    gl_product = d.product(gl, ocop_stars=3, is_key_product=True, is_high_risk=True)
    d.cert(gl, in_year(year, 1, 15).isoformat(), "management_system")
    d.cert(gl, in_year(year, 6, 15).isoformat(), "traceability")
    tccs = standards.create_standard(
        d.admin, {"kind": "tccs", "code": "TCCS 01:2026/GL", "title": "Cà phê nhân", "organization_id": gl.id,
                  "published_on": in_year(year, 2, 1)}
    )  # fmt: skip
    products.apply_standard(d.admin, gl_product.id, tccs.id)
    d.activity(gl, "pilot_model", in_year(year, 3, 1).isoformat())
    d.activity(gl, "productivity_tool", in_year(year, 3, 5).isoformat())
    d.activity(gl, "guidance", in_year(year, 3, 9).isoformat())

    dn = world.organization("dong-nai", is_sme=True)
    dn_other = world.organization("dong-nai")
    dn_product = d.product(dn, is_key_product=True)
    d.product(dn_other, ocop_stars=5)
    d.cert(dn, in_year(year, 4, 1).isoformat(), "product_standard", product_ids=[dn_product.id])
    d.activity(dn, "financing", in_year(year, 2, 2).isoformat())
    d.activity(dn, "training", in_year(year, 2, 3).isoformat())
    d.activity(None, "training", in_year(year, 5, 3).isoformat(), province="dong-nai", attendees=12)
    d.activity(None, "expert_training", in_year(year, 6, 3).isoformat(), province="dong-nai", attendees=3)
    return d


def _cards(page: str) -> dict[str, str]:
    return dict(re.findall(r'<article class="tcard" id="t-[^"]+" data-target="([^"]+)">(.*?)</article>', page, re.S))


def _number(text: str) -> float | None:
    return None if text.strip() == "–" else float(text)


def _listed(page: str) -> list[float | None]:
    """The figure each section of a records page reaches by counting its rows."""
    out = []
    for section in re.findall(r'<section class="panel" data-section.*?</section>', page, re.S):
        opening = section.split(">", 1)[0]
        rows = re.findall(r'<tr class="record( counted)?"(?: data-weight="(\d+)")?', section)
        if any(weight for _, weight in rows):
            out.append(float(sum(int(weight) for _, weight in rows)))
        elif "data-share" in opening:
            counted = sum(1 for c, _ in rows if c)
            out.append(round(100.0 * counted / len(rows), 2) if rows else None)
        else:
            out.append(float(len(rows)))
    return out


# ---- access ----------------------------------------------------------------------------------


def test_an_officer_sees_their_provinces_dashboard_and_is_refused_another(world, client):
    year = plan_year()
    officer = world.user("dost_officer", province="thai-nguyen")
    assert client.get("/dost").status_code == 302  # to the sign-in page
    _login(client, officer)
    page = client.get(f"/dost?year={year}").get_data(as_text=True)
    assert "Thái Nguyên" in page and 'data-target="TN-GUIDED"' in page and 'data-target="GL-MGMT-30"' not in page
    assert client.get("/dost?province=gia-lai").status_code == 403
    assert client.get(f"/dost/records?province=gia-lai&target=GL-MGMT-30&year={year}").status_code == 403
    assert client.get("/dost/activities?province=dong-nai").status_code == 403
    assert client.get("/dost?province=thai-nguyen").status_code == 200


def test_other_roles_are_refused_and_an_admin_picks_a_province(world, client):
    org = world.organization()
    _login(client, world.user("producer", organization_id=org.id))
    assert client.get("/dost").status_code == 403
    client.post("/logout", data={"csrf_token": _csrf(client.get("/workspace/products").get_data(as_text=True))})
    _login(client, world.admin)
    chooser = client.get("/dost").get_data(as_text=True)
    assert "/dost?province=gia-lai" in chooser
    assert 'data-target="GL-TCCS-40"' in client.get("/dost?province=gia-lai").get_data(as_text=True)


# ---- figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["thai-nguyen", "gia-lai", "dong-nai"])
def test_dashboard_numbers_equal_the_progress_service_and_every_figure_lists_exactly_its_records(
    world, client, data, slug
):
    year = plan_year()
    _login(client, world.admin)
    page = client.get(f"/dost?province={slug}&year={year}").get_data(as_text=True)
    report = progress.plan_progress(_province(slug), year)
    cards = _cards(page)
    assert set(cards) == {tp.target.code for tp in report.targets}
    wording = report.deadline_text[0]  # "còn N ngày", "hạn chót hôm nay" or "quá hạn N ngày"
    assert f'<strong id="days-left" data-days-left="{report.days_left}">{wording}</strong>' in page
    shown_total = 0.0
    for tp in report.targets:
        card = cards[tp.target.code]
        assert f'data-status="{tp.status}"' in card, tp.target.code
        for year, value in tp.per_year.items():
            href, text = re.search(rf'<a data-year="{year}" href="([^"]+)">([^<]+)</a>', card).groups()
            assert _number(text) == value, (tp.target.code, year)
            if tp.target.metric == "reported":
                continue
            listed = _listed(client.get(html.unescape(href)).get_data(as_text=True))
            assert listed == [value], (tp.target.code, year)
            shown_total += value or 0
        if tp.per_year and tp.target.metric != "reported":
            href, text = re.search(r'<a data-period href="([^"]+)">([^<]+)</a>', card).groups()
            assert _number(text) == tp.period_actual
            listed = _listed(client.get(html.unescape(href)).get_data(as_text=True))
            expected = [tp.period_actual]
            if tp.target.kind == "annual_average" and len(tp.per_year) > 1:
                # An average over several years (a report year after 2026) lists each year in its own section.
                expected = list(tp.per_year.values())
                assert round(sum(expected) / len(expected), 2) == tp.period_actual, tp.target.code
            assert listed == expected, tp.target.code
    assert shown_total > 0  # the data moved the figures, so the comparisons above are not all zeros


def test_certificate_counts_by_category_and_month_list_exactly_their_certificates(world, client, data):
    year = plan_year()
    _login(client, world.admin)
    page = client.get(f"/dost?province=thai-nguyen&year={year}").get_data(as_text=True)
    breakdown = metrics.certificate_breakdown(_province("thai-nguyen").id, year)
    assert breakdown["count"] == 3
    href, text = re.search(r'<a id="cert-total" href="([^"]+)">(\d+)</a>', page).groups()
    assert int(text) == 3 and _listed(client.get(html.unescape(href)).get_data(as_text=True)) == [3.0]
    for attr, figures in (
        ("category", breakdown["by_category"]),
        ("month", {str(m["month"]): m["count"] for m in breakdown["by_month"]}),
    ):
        for name, count in figures.items():
            href, text = re.search(rf'<a data-{attr}="{name}" href="([^"]+)">(\d+)</a>', page).groups()
            assert int(text) == count
            assert _listed(client.get(html.unescape(href)).get_data(as_text=True)) == [float(count)], (attr, name)
    assert "svg" in page and 'role="img"' in page


def test_every_metrics_record_list_gives_the_same_figure_as_the_metric_over_years_and_ranges(data):
    year = plan_year()
    today_ = today()
    for target in db.session.scalars(select(Target).where(Target.metric != "reported")):
        province_id = target.plan.province_id
        params = dict(target.params or {})
        extra = {"as_of": today_} if target.metric in metrics.SHARE_METRICS else {}
        for first, last in ((year - 1, year - 1), (year, year), (year - 1, year)):
            figure = metrics.COMPUTED[target.metric](province_id, first, last, **params, **extra)
            found = metrics.RECORDS[target.metric](province_id, first, last, **params, **extra)
            assert found.figure == (float(figure) if figure is not None else None), (target.code, first, last)


# ---- support activities ----------------------------------------------------------------------


def _error(page: str, field: str) -> str:
    match = re.search(rf'<p class="err" id="e-{field}">(.*?)</p>', page, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_the_activity_form_refuses_bad_input_beside_the_field_keeping_what_was_typed(world, client):
    held = days_from_today(-30).isoformat()
    officer = world.user("dost_officer", province="thai-nguyen")
    other = world.organization("gia-lai")
    _login(client, officer)
    form = {"kind": "training", "organization_id": "", "held_on": "2026-13-01", "attendees": "",
            "agency": "Sở KH&CN Thái Nguyên", "note": "Lớp tập huấn TCCS"}  # fmt: skip
    res = _post(client, "/dost/activities/new", form)
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "YYYY-MM-DD" in html.unescape(_error(page, "held_on"))
    assert 'value="2026-13-01"' in page and "Sở KH&amp;CN Thái Nguyên" in page and "Lớp tập huấn TCCS" in page
    assert '<option value="training" selected>' in page

    res = _post(client, "/dost/activities/new", {**form, "held_on": held})
    assert res.status_code == 422
    assert _error(res.get_data(as_text=True), "attendees") == "Trường này là bắt buộc."

    res = _post(client, "/dost/activities/new?lang=en", {**form, "held_on": held, "organization_id": other.tax_code})
    assert res.status_code == 422
    assert "is not in" in _error(res.get_data(as_text=True), "organization_id")
    assert db.session.query(SupportActivity).count() == 0

    res = _post(client, "/dost/activities/new", {**form, "held_on": held, "attendees": "30"})
    assert res.status_code == 302
    activity = db.session.query(SupportActivity).one()
    assert (activity.attendees, activity.province.slug, activity.agency) == (30, "thai-nguyen", "Sở KH&CN Thái Nguyên")
    listing = client.get(res.headers["Location"]).get_data(as_text=True)
    assert held in listing and "Lớp tập huấn TCCS" in listing


def test_an_activity_for_an_organisation_is_found_by_tax_code(world, client):
    officer = world.user("dost_officer", province="thai-nguyen")
    org = world.organization("thai-nguyen")
    _login(client, officer)
    held = days_from_today(-3).isoformat()
    res = _post(client, "/dost/activities/new", {"kind": "guidance", "organization_id": org.tax_code, "held_on": held})
    assert res.status_code == 302
    assert db.session.query(SupportActivity).one().organization_id == org.id


# ---- reported figures ------------------------------------------------------------------------


def test_a_reported_figure_is_refused_without_evidence_then_saved_and_shown_on_the_dashboard(world, client):
    year = plan_year()
    _login(client, world.user("dost_officer", province="thai-nguyen"))
    form = {"year": str(year), "value": "80", "as_of": in_year(year, 10, 31).isoformat(), "evidence": ""}
    res = _post(client, "/dost/figures/TN-DISSEM", form)
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and "bắt buộc" in _error(page, "TN-DISSEM-evidence")
    assert 'id="f-TN-DISSEM-value" name="value" type="text" value="80"' in page

    res = _post(client, "/dost/figures/TN-DISSEM", {**form, "evidence": "Báo cáo số 12/BC-SKHCN"})
    assert res.status_code == 302
    dashboard = client.get(f"/dost?year={year}").get_data(as_text=True)
    assert re.search(rf'<a data-year="{year}" href="[^"]+">80</a>', _cards(dashboard)["TN-DISSEM"])


# ---- public page -----------------------------------------------------------------------------


def test_the_public_statistics_page_works_anonymously_in_vietnamese_and_english(client, data):
    year = plan_year()
    res = client.get(f"/stats/gia-lai?year={year}")
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and '<html lang="vi">' in page
    assert "Chứng chỉ được cấp mỗi năm" in page and "Gia Lai" in page
    assert re.search(rf'<tr data-year="{year}"><td>{year}</td><td class="num">2</td>', page)
    assert '<tr data-stars="3"><td>3 sao</td><td class="num">1</td>' in page
    assert "<span data-tccs-total>1</span>" in page and "<svg" in page
    english = client.get(f"/stats/gia-lai?year={year}&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Certificates issued per year" in english
    assert client.get("/stats/atlantis").status_code == 404
