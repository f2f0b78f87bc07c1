"""Open data: every dataset downloads and parses, holds public fields only, and adds up to the dashboards."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.helpers import in_year, this_year, valid_gtin13
from tests.helpers import post_certificate as _cert

DATASETS = ("certificates", "products", "organizations", "standards", "targets")


def _rows(client, url):
    res = client.get(url)
    assert res.status_code == 200, url
    if url.endswith(".csv"):
        assert res.mimetype == "text/csv"
        return list(csv.DictReader(io.StringIO(res.get_data(as_text=True))))
    assert res.mimetype == "application/json"
    return res.get_json()["records"]


@pytest.fixture
def records(world, client):
    h = world.headers(world.admin)
    body = world.body()
    year = this_year()
    tn, tn2, dn = world.organization("thai-nguyen"), world.organization("thai-nguyen"), world.organization("dong-nai")
    _cert(client, h, body.id, tn.id, "OD-1", in_year(year, 1, 2).isoformat())
    _cert(client, h, body.id, tn2.id, "OD-2", in_year(year, 1, 3).isoformat(), "gap")
    _cert(client, h, body.id, tn.id, "OD-3", f"{year - 1}-06-30")
    _cert(client, h, body.id, dn.id, "OD-4", in_year(year, 1, 4).isoformat())
    producer = world.user("producer", organization_id=tn.id)
    _cert(
        client, world.headers(producer), body.id, tn.id, "OD-DECLARED", in_year(year, 1, 5).isoformat()
    )  # not confirmed
    for i, org in enumerate((tn, tn, dn), 1):
        res = client.post(
            "/api/v1/products",
            headers=h,
            json={"organization_id": org.id, "name": f"Sản phẩm mở {i}", "gtin": valid_gtin13(7000 + i)},
        )
        assert res.status_code == 201, res.get_json()
    return {"tn": tn, "dn": dn}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_certificates_per_province_and_year_equal_the_statistics(client, records, fmt):
    for slug in ("thai-nguyen", "dong-nai"):
        rows = _rows(client, f"/open-data/{slug}/certificates.{fmt}")
        assert "OD-DECLARED" not in {r["number"] for r in rows}
        for year in (this_year() - 1, this_year()):
            stats = client.get(f"/api/v1/stats/certificates?province={slug}&year={year}").get_json()
            assert sum(r["issued_on"].startswith(str(year)) for r in rows) == stats["count"]
    national = _rows(client, f"/open-data/national/certificates.{fmt}")
    rolled = client.get(f"/api/v1/stats/certificates?year={this_year()}").get_json()
    for p in rolled["provinces"]:
        assert (
            sum(r["province"] == p["province"] and r["issued_on"].startswith(str(this_year())) for r in national)
            == (p["count"])
        )
    assert {r["status"] for r in national} == {"valid"}


def test_the_national_page_shows_the_same_counts_and_the_national_goal(client, records):
    page = client.get("/stats").get_data(as_text=True)
    national = _rows(client, "/open-data/national/certificates.csv")

    def cell(row_attr, year):
        row = re.search(rf"<tr {row_attr}>.*?</tr>", page, re.S)
        assert row, row_attr
        return re.search(rf'data-year="{year}">([^<]*)<', row.group(0)).group(1)

    assert cell('data-province="thai-nguyen"', this_year()) == str(
        sum(r["province"] == "thai-nguyen" and r["issued_on"].startswith(str(this_year())) for r in national)
    )
    assert cell("data-total", this_year()) == str(sum(r["issued_on"].startswith(str(this_year())) for r in national))
    assert cell("data-goal", this_year()) == ("50.000" if this_year() <= 2030 else "70.000")
    assert 'href="/stats/thai-nguyen"' in page
    english = client.get("/stats?lang=en").get_data(as_text=True)
    assert ("50,000" if this_year() <= 2030 else "70,000") in english


def test_target_rows_equal_the_progress_the_dashboard_shows(client, records):
    year = this_year()
    rows = _rows(client, "/open-data/thai-nguyen/targets.json")
    progress = client.get(f"/api/v1/stats/progress?province=thai-nguyen&year={this_year()}").get_json()
    this_years = {r["target_id"]: r for r in rows if r["year"] == year}
    running = [t for t in progress["targets"] if t["period_start"] <= this_year() <= t["period_end"]]
    assert running and set(this_years) == {t["id"] for t in running}
    for t in running:
        row = this_years[t["id"]]
        assert (row["figure"], row["period_figure"], row["status"]) == (t["actual"], t["period_actual"], t["status"])
    csv_rows = _rows(client, "/open-data/thai-nguyen/targets.csv")
    assert len(csv_rows) == len(rows)


def test_producers_carry_public_fields_only_and_products_belong_to_their_province(client, records):
    header = client.get("/open-data/thai-nguyen/organizations.csv").get_data(as_text=True).splitlines()[0]
    assert "tax_code" in header and not {"email", "phone", "note", "is_demo"} & set(header.split(","))
    orgs = _rows(client, "/open-data/thai-nguyen/organizations.json")
    assert records["tn"].tax_code in {o["tax_code"] for o in orgs}
    assert {o["province"] for o in orgs} == {"thai-nguyen"}
    products = _rows(client, "/open-data/thai-nguyen/products.csv")
    assert len(products) == 2 and all(p["digital_link"].startswith("https://registry.example.vn/01/") for p in products)
    assert len(_rows(client, "/open-data/national/products.json")) == 3


def test_every_file_has_stable_validators_a_licence_and_answers_304_until_a_record_changes(world, client, records):
    url = "/open-data/thai-nguyen/certificates.csv"
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "creativecommons.org/licenses/by/4.0" in first.headers["Link"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _cert(
        client,
        world.headers(world.admin),
        world.body().id,
        records["tn"].id,
        "OD-9",
        in_year(this_year(), 1, 6).isoformat(),
    )
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "OD-9" in again.get_data(as_text=True)


def test_the_catalogue_lists_every_dataset_with_distributions_that_download(client, records):
    res = client.get("/open-data/catalog.jsonld")
    assert res.status_code == 200 and res.mimetype == "application/ld+json"
    catalog = json.loads(res.get_data(as_text=True))
    assert catalog["@type"] == "dcat:Catalog" and catalog["dct:license"]["@id"].endswith("/by/4.0/")
    datasets = {d["dct:identifier"]: d for d in catalog["dcat:dataset"]}
    assert len(datasets) == 35 * len(DATASETS)
    for scope in ("national", "thai-nguyen"):
        for name in DATASETS:
            for dist in datasets[f"{scope}/{name}"]["dcat:distribution"]:
                path = dist["dcat:downloadURL"]["@id"].removeprefix("https://registry.example.vn")
                assert client.get(path).status_code == 200, path
    index = client.get("/open-data/?lang=en").get_data(as_text=True)
    assert "/open-data/gia-lai/targets.csv" in index and "CC BY 4.0" in index


@pytest.mark.parametrize(
    "url",
    ["/open-data/nowhere/products.csv", "/open-data/thai-nguyen/users.csv", "/open-data/thai-nguyen/products.xml"],
)
def test_unknown_scopes_datasets_and_formats_are_404(client, url):
    assert client.get(url).status_code == 404
