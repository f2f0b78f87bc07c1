"""The batch forms offer UN/ECE Rec 20 units and CBV dispositions, named in Vietnamese and English."""

from __future__ import annotations

import re

from registry.extensions import db
from registry.models import Batch, Product, TraceEvent
from tests.web.test_producer_pages import _post, _producer


def test_a_batch_takes_a_rec20_unit_and_an_event_a_disposition_both_shown_in_the_pages_language(world, client):
    _producer(world, client)
    _post(client, "/workspace/products/new", {"name": "Nước mắm"})
    product = db.session.query(Product).one()
    page = client.get("/workspace/batches").get_data(as_text=True)
    assert '<option value="LTR">lít</option>' in page and '<option value="XBO">chai</option>' in page
    page = client.get("/workspace/batches?lang=en").get_data(as_text=True)
    assert '<option value="LTR">l (litre)</option>' in page and '<option value="H87">piece</option>' in page
    res = _post(
        client, "/workspace/batches", {"product_id": str(product.id), "lot": "NM-1", "quantity": "2", "unit": "lít"}
    )
    assert res.status_code == 422 and db.session.query(Batch).count() == 0  # a spelling is not a code
    res = _post(
        client, "/workspace/batches", {"product_id": str(product.id), "lot": "NM-1", "quantity": "20", "unit": "XBO"}
    )
    assert res.status_code == 302 and db.session.query(Batch).one().unit == "XBO"
    batch_url = res.headers["Location"]
    html = client.get(batch_url + "?lang=vi").get_data(as_text=True)
    assert "20 chai" in html and '<option value="in_transit">Đang vận chuyển</option>' in html
    commune = re.search(r'<select id="f-commune_id".*?<option value="(\d+)"', html, re.S).group(1)
    res = _post(client, batch_url, {"biz_step": "shipping", "disposition": "in_transit",
                                    "occurred_at": "2026-11-20T08:30", "commune_id": commune})  # fmt: skip
    assert res.status_code == 302 and db.session.query(TraceEvent).one().disposition == "in_transit"
    html = client.get(batch_url + "?lang=en").get_data(as_text=True)
    assert "Shipping</strong> · In transit" in html and "20 bottle" in html
