"""Yearly certificate statistics, plan progress and reported figures through the API."""

from __future__ import annotations

from datetime import date

import pytest

from registry.services.timefmt import today_vn
from tests.helpers import in_year, plan_year, this_year
from tests.helpers import post_certificate as _cert


@pytest.mark.travel
def test_certificate_stats_count_a_province_year_with_breakdowns(world, client):
    year = this_year() - 1  # a finished year: every day of it is in the past
    h = world.headers(world.admin)
    body, tn, dn = world.body(), world.organization("thai-nguyen"), world.organization("dong-nai")
    _cert(client, h, body.id, tn.id, "A-1", f"{year}-01-01", "gap")
    _cert(client, h, body.id, tn.id, "A-2", f"{year}-03-15")
    _cert(client, h, body.id, tn.id, "A-3", f"{year - 1}-12-31")
    _cert(client, h, body.id, dn.id, "A-4", f"{year}-03-20")
    producer = world.user("producer", organization_id=tn.id)
    _cert(client, world.headers(producer), body.id, tn.id, "A-5", f"{year}-04-01")  # declared: not counted

    res = client.get(f"/api/v1/stats/certificates?province=thai-nguyen&year={year}")
    assert res.status_code == 200, res.get_json()
    data = res.get_json()
    assert data["province"] == "thai-nguyen" and data["count"] == 2
    assert data["by_category"]["gap"] == 1 and data["by_category"]["product_standard"] == 1
    assert [m["count"] for m in data["by_month"]] == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert data["by_body"] == [{"id": body.id, "name": body.name, "count": 2}]
    previous = client.get(f"/api/v1/stats/certificates?province=thai-nguyen&year={year - 1}").get_json()
    assert previous["count"] == 1


def test_certificate_stats_without_a_province_roll_up_every_province_beside_the_national_goal(world, client):
    year = this_year() - 1
    h = world.headers(world.admin)
    body = world.body()
    _cert(client, h, body.id, world.organization("gia-lai").id, "B-1", f"{year}-05-01")
    _cert(client, h, body.id, world.organization("dong-nai").id, "B-2", f"{year}-06-01")
    data = client.get(f"/api/v1/stats/certificates?year={year}").get_json()
    assert data["count"] == 2 and data["province"] is None
    counts = {p["province"]: p["count"] for p in data["provinces"]}
    assert len(counts) == 34 and counts["gia-lai"] == 1 and counts["dong-nai"] == 1 and counts["thai-nguyen"] == 0
    assert data["national_goal"] == ({"value": 50000, "by": 2030} if year <= 2030 else {"value": 70000, "by": 2035})


@pytest.mark.travel
def test_bad_province_or_year_is_a_422_naming_the_field(client):
    res = client.get("/api/v1/stats/certificates?province=atlantis", headers={"Accept-Language": "vi"})
    assert res.status_code == 422 and res.mimetype == "application/problem+json"
    assert res.get_json()["errors"][0]["field"] == "province"
    assert "atlantis" in res.get_json()["errors"][0]["message"]
    for year in (this_year() + 1, 1999, "abc"):
        res = client.get(f"/api/v1/stats/progress?province=thai-nguyen&year={year}")
        assert res.status_code == 422, year
        assert res.get_json()["errors"][0]["field"] == "year"
    res = client.get("/api/v1/stats/progress")
    assert res.status_code == 422
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("province", "required")]


@pytest.mark.travel
def test_progress_lists_every_target_and_moves_with_activities_entered_through_the_api(world, client):
    year = plan_year()  # TN-GUIDED runs 2026–2030
    officer = world.user("dost_officer", province="thai-nguyen")
    h = world.headers(officer)
    before = client.get(f"/api/v1/stats/progress?province=thai-nguyen&year={year}")
    assert before.status_code == 200, before.get_json()
    doc = before.get_json()
    ids = [t["id"] for t in doc["targets"]]
    assert ids == ["TN-CERT-2030", "TN-CERT-2035", "TN-GUIDED", "TN-OCOP-100", "TN-DISSEM", "TN-STRAT-20"]
    guided = next(t for t in doc["targets"] if t["id"] == "TN-GUIDED")
    assert guided["value"] == 70 and guided["actual"] == 0
    assert set(guided) >= {"period_actual", "per_year", "projection", "status"}
    assert doc["deadline"] == f"{year}-12-01"
    assert doc["days_left"] == (date(year, 12, 1) - today_vn()).days

    for _ in range(3):
        org = world.organization("thai-nguyen")
        res = client.post(
            "/api/v1/support-activities",
            headers=h,
            json={"organization_id": org.id, "kind": "guidance", "held_on": in_year(year, 1, 15).isoformat()},
        )
        assert res.status_code == 201, res.get_json()
    after = client.get(f"/api/v1/stats/progress?province=thai-nguyen&year={year}").get_json()
    guided = next(t for t in after["targets"] if t["id"] == "TN-GUIDED")
    assert guided["actual"] == 3 and guided["per_year"][str(year)] == 3 and guided["period_actual"] == 3


def test_a_dost_officer_records_a_reported_figure_that_moves_the_target(world, client):
    year = plan_year()  # TN-DISSEM runs 2026–2030
    officer = world.user("dost_officer", province="thai-nguyen")
    url = "/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures"
    body = {"year": year, "value": 100, "as_of": today_vn().isoformat(), "evidence": "Báo cáo 7/BC-SKHCN"}
    assert client.post(url, json=body).status_code == 401
    other = world.user("dost_officer", province="gia-lai")
    assert client.post(url, json=body, headers=world.headers(other)).status_code == 403
    res = client.post(url, json=body, headers=world.headers(officer))
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["target_id"] == "TN-DISSEM" and res.get_json()["value"] == 100
    doc = client.get(f"/api/v1/stats/progress?province=thai-nguyen&year={year}").get_json()
    dissem = next(t for t in doc["targets"] if t["id"] == "TN-DISSEM")
    assert dissem["actual"] == 100 and dissem["status"] == "met"
    listed = client.get(url).get_json()
    assert [f["evidence"] for f in listed] == ["Báo cáo 7/BC-SKHCN"]


def test_bad_reported_figures_are_refused_naming_each_field(world, client):
    year = plan_year()
    h = world.headers(world.user("dost_officer", province="thai-nguyen"))
    res = client.post(
        "/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures",
        headers=h,
        json={"year": year, "value": 140, "as_of": f"{this_year() + 1}-01-01", "evidence": "x"},
    )
    assert res.status_code == 422
    assert {(e["field"], e["rule"]) for e in res.get_json()["errors"]} == {("value", "range"), ("as_of", "future_date")}
    res = client.post(
        "/api/v1/plans/thai-nguyen/targets/TN-GUIDED/figures",
        headers=h,
        json={"year": year, "value": 10, "as_of": today_vn().isoformat(), "evidence": "x"},
    )
    assert res.status_code == 422 and res.get_json()["errors"][0]["rule"] == "target_not_reported"
    res = client.post(
        "/api/v1/plans/thai-nguyen/targets/GL-TBT-100/figures",
        headers=h,
        json={"year": year, "value": 10, "as_of": today_vn().isoformat(), "evidence": "x"},
    )
    assert res.status_code == 404  # a target of another province's plan
    res = client.post("/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures", headers=h, json={"year": year})
    assert res.status_code == 422
    assert {e["field"] for e in res.get_json()["errors"]} == {"value", "as_of", "evidence"}
