"""Forms read numbers as people type them in Vietnam: "1.000,5" is one thousand and a half."""

from __future__ import annotations

import re

import pytest

from registry.extensions import db
from registry.models import Batch, Product
from registry.services.timefmt import today_vn
from tests.helpers import plan_year
from tests.web.test_producer_pages import _csrf, _field_error, _login, _post, _producer


@pytest.mark.parametrize(("typed", "stored"), [("1.000,5", 1000.5), ("1 000,5", 1000.5), ("12,5", 12.5), ("3.5", 3.5)])
def test_a_batch_quantity_typed_the_vietnamese_way_is_stored_as_that_number(world, client, typed, stored):
    _producer(world, client)
    _post(client, "/workspace/products/new", {"name": "Mật ong rừng"})
    product = db.session.query(Product).one()
    res = _post(client, "/workspace/batches", {"product_id": str(product.id), "lot": "M-01", "quantity": typed})
    assert res.status_code == 302, res.get_data(as_text=True)
    assert db.session.query(Batch).one().quantity == stored


def test_a_quantity_that_is_no_number_is_refused_beside_the_field(world, client):
    _producer(world, client)
    _post(client, "/workspace/products/new", {"name": "Mật ong rừng"})
    product = db.session.query(Product).one()
    res = _post(client, "/workspace/batches", {"product_id": str(product.id), "lot": "M-01", "quantity": "1,000.5"})
    assert res.status_code == 422
    assert "1.000,5" in _field_error(res.get_data(as_text=True), "quantity")
    assert db.session.query(Batch).count() == 0


def test_a_reported_figure_typed_the_vietnamese_way_is_stored_as_that_number(world, client):
    officer = world.user("dost_officer", province="thai-nguyen")
    _login(client, officer)
    token = _csrf(client.get("/dost/figures?province=thai-nguyen").get_data(as_text=True))
    form = {"year": str(plan_year()), "value": "87,5", "as_of": today_vn().isoformat(), "evidence": "Báo cáo"}
    res = client.post("/dost/figures/TN-DISSEM?province=thai-nguyen", data={**form, "csrf_token": token})
    assert res.status_code in (302, 303), res.get_data(as_text=True)
    figures = client.get("/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures").get_json()
    assert [f["value"] for f in figures] == [87.5]
    assert re.match(r"\d{4}", str(figures[0]["year"]))
