"""The public search: words without accents, filters and facets, barcodes and Digital Links, pages and JSON."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.services import products as product_service
from tests.helpers import valid_gtin13

JSON = {"Accept": "application/json"}


def _product(client, h, org, name, item, **extra):
    if "ocop_stars" in extra:
        extra |= {
            "ocop_decision_number": f"{item}/QĐ-UBND",
            "ocop_decision_date": (date.today() - timedelta(days=30)).isoformat(),
        }
    res = client.post(
        "/api/v1/products",
        headers=h,
        json={"organization_id": org.id, "name": name, "gtin": valid_gtin13(item), **extra},
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


@pytest.fixture
def catalogue(world, client):
    h = world.headers(world.admin)
    tn = world.organization("thai-nguyen", name="Hợp tác xã Chè Đồng Hỷ")
    gl = world.organization("gia-lai", name="Công ty Nước mắm Biển Đông")
    made = {
        "sauce": _product(client, h, gl, "Nước mắm cá cơm", 1, ocop_stars=4, ocop_group="food", is_key_product=True),
        "sauce2": _product(client, h, gl, "Nước mắm", 2, ocop_stars=3, ocop_group="food"),
        "tea": _product(client, h, tn, "Chè búp Đồng Hỷ", 3, ocop_stars=5, ocop_group="beverage"),
        "wine": _product(client, h, tn, "Rượu men lá nước mắm", 4, ocop_group="beverage"),
    }
    body = world.body()
    res = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "NM-9/GL",
            "certification_body_id": body.id,
            "organization_id": gl.id,
            "category": "product_standard",
            "issued_on": (date.today() - timedelta(days=10)).isoformat(),
            "product_ids": [made["sauce"]["id"]],
        },
    )
    assert res.status_code == 201, res.get_json()
    return {"tn": tn, "gl": gl, **made}


def _names(client, **args):
    res = client.get("/search", query_string=args, headers=JSON)
    assert res.status_code == 200
    return [p["name"] for p in res.get_json()["products"]["items"]]


@pytest.mark.parametrize("q", ["nuoc mam", "NUOC MAM", "Nước mắm", "nước  MẮM"])
def test_words_find_products_whatever_the_accents_and_case_best_match_first(client, catalogue, q):
    assert _names(client, q=q) == ["Nước mắm", "Nước mắm cá cơm", "Rượu men lá nước mắm"]


def test_a_place_name_in_the_product_finds_it_and_producers_and_certificates_are_found_too(client, catalogue):
    assert _names(client, q="dong hy") == ["Chè búp Đồng Hỷ"]
    data = client.get("/search?q=nuoc+mam", headers=JSON).get_json()
    assert [o["name"] for o in data["producers"]["items"]] == ["Công ty Nước mắm Biển Đông"]
    assert [c["number"] for c in data["certificates"]] == ["NM-9/GL"]
    by_tax = client.get(f"/search?q={catalogue['tn'].tax_code}", headers=JSON).get_json()
    assert [o["name"] for o in by_tax["producers"]["items"]] == ["Hợp tác xã Chè Đồng Hỷ"]


def test_filters_narrow_and_facets_count_with_the_other_filters(client, catalogue):
    assert _names(client, q="nuoc mam", province="thai-nguyen") == ["Rượu men lá nước mắm"]
    assert _names(client, q="nuoc mam", stars="4") == ["Nước mắm cá cơm"]
    assert _names(client, q="nuoc mam", group="beverage") == ["Rượu men lá nước mắm"]
    assert _names(client, q="nuoc mam", key="1") == ["Nước mắm cá cơm"]
    assert _names(client, q="nuoc mam", certified="1") == ["Nước mắm cá cơm"]
    assert _names(client, stars="5") == ["Chè búp Đồng Hỷ"]  # no words: the filters alone
    data = client.get("/search?q=nuoc+mam&province=gia-lai", headers=JSON).get_json()
    facets = {k: {f["value"]: f["count"] for f in v} for k, v in data["facets"].items()}
    assert facets["province"] == {"gia-lai": 2, "thai-nguyen": 1}  # the province's own filter left out
    assert facets["stars"] == {4: 1, 3: 1} and facets["group"] == {"food": 2}
    odd = client.get("/search?q=nuoc&stars=9&province=atlantis&group=cars", headers=JSON).get_json()
    assert sorted(odd["ignored"]) == ["group", "province", "stars"] and odd["products"]["total"] == 3


def test_a_withdrawn_product_is_not_offered(world, client, catalogue):
    product_service.withdraw_product(world.admin, catalogue["sauce2"]["id"], "Ngừng sản xuất")
    assert "Nước mắm" not in _names(client, q="nuoc mam")


def test_a_barcode_or_a_digital_link_goes_straight_to_the_product(client, catalogue):
    gtin13 = valid_gtin13(1)
    res = client.get(f"/search?q={gtin13}")
    assert res.status_code == 303 and res.headers["Location"] == f"/01/0{gtin13}"
    pasted = client.get("/search", query_string={"q": f"https://shop.example/01/0{gtin13}/10/L%2F1?x=1"})
    assert pasted.status_code == 303 and pasted.headers["Location"] == f"/01/0{gtin13}/10/L%2F1"
    bad_digit = gtin13[:-1] + str((int(gtin13[-1]) + 1) % 10)
    assert client.get(f"/search?q={bad_digit}").status_code == 200  # not a barcode: searched as words


def test_results_come_in_pages(world, client):
    h = world.headers(world.admin)
    org = world.organization()
    for i in range(25):
        _product(client, h, org, f"Mật ong rừng {i:02d}", 100 + i)
    first = client.get("/search?q=mat+ong", headers=JSON).get_json()
    assert first["products"]["total"] == 25 and first["pages"] == 2 and len(first["products"]["items"]) == 20
    second = client.get("/search?q=mat+ong&page=2", headers=JSON).get_json()
    assert len(second["products"]["items"]) == 5
    page = client.get("/search?q=mat+ong").get_data(as_text=True)
    assert 'rel="next"' in page and "Trang 1 / 2" in page


def test_the_page_reads_in_both_languages_and_the_home_page_offers_the_search(client, catalogue):
    vi = client.get("/search?q=nuoc+mam").get_data(as_text=True)
    assert "Nước mắm cá cơm" in vi and "Nhà sản xuất" in vi and "4 ★ OCOP" in vi
    en = client.get("/search?q=nuoc+mam&lang=en").get_data(as_text=True)
    assert "Producers" in en and "Food" in en
    assert 'action="/search"' in client.get("/").get_data(as_text=True)
