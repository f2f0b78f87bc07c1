"""Every Digital Link the registry writes percent-encodes its AI values (GS1 Digital Link URI syntax): a lot
`NM-2611/A` is written `NM-2611%2FA`, and each link a page, a QR code or a linkset carries resolves to that lot."""

from __future__ import annotations

import io
import re
from html import unescape

import zxingcpp
from flask import g
from PIL import Image

from registry.services import consumer_reports
from registry.services.digital_link import build_path, build_uri
from tests.conftest import PASSWORD
from tests.helpers import valid_gtin13
from tests.web.staff import csrf

BASE = "https://registry.example.vn"
LOT, INPUT_LOT = "NM-2611/A", "NM/IN-1+2"
JSON = {"Accept": "application/json"}


def test_the_builder_encodes_every_reserved_character():
    assert build_path("09506000134352", lot="NM-2611/A") == "/01/09506000134352/10/NM-2611%2FA"
    assert build_uri(BASE + "/", "09506000134352", lot="A&B?C#D%", serial="1 2") == (
        f"{BASE}/01/09506000134352/10/A%26B%3FC%23D%25/21/1%202"
    )
    assert build_path("09506000134352", cpv="V", tpx="T/1") == "/01/09506000134352/22/V/235/T%2F1"


def _digital_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="((?:https?://[^"/]+)?/01/[^"]+)"', html)]


def test_every_page_that_links_a_lot_writes_its_digital_link_encoded_and_the_link_resolves(app, world, client):
    h = world.headers(world.admin)
    org = world.organization()
    producer = world.user("producer", organization_id=org.id)
    inspector = world.user("inspector")
    gtin = valid_gtin13(41).zfill(14)
    product = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Nước mắm", "gtin": gtin}
    ).get_json()
    raw = client.post(
        "/api/v1/products",
        headers=h,
        json={"organization_id": org.id, "name": "Cá cơm", "gtin": valid_gtin13(42).zfill(14)},
    ).get_json()
    source = client.post(
        "/api/v1/batches", headers=h, json={"product_id": raw["id"], "lot": INPUT_LOT, "produced_on": "2026-04-01"}
    ).get_json()
    batch = client.post(
        "/api/v1/batches", headers=h, json={"product_id": product["id"], "lot": LOT, "produced_on": "2026-04-02"}
    ).get_json()
    event = client.post(
        f"/api/v1/batches/{batch['id']}/events",
        headers=h,
        json={
            "biz_step": "transforming",
            "occurred_at": "2026-04-02T08:30:00+07:00",
            "gln": "8938600000101",
            "input_batch_ids": [source["id"]],
        },
    )
    assert event.status_code == 201, event.get_json()
    consumer_reports.create_report(None, product["id"], batch["id"], {"kind": "counterfeit", "message": "Nghi giả"})
    encoded = {LOT: "NM-2611%2FA", INPUT_LOT: "NM%2FIN-1%2B2"}

    pages: dict[str, list[str]] = {}
    scan = client.get(build_path(gtin, lot=LOT), headers={"Accept": "text/html"})
    assert scan.status_code == 200
    pages["scan page"] = _digital_links(scan.get_data(as_text=True))
    for user, name, url in (
        (producer, "workspace batch", f"/workspace/batches/{batch['id']}"),
        (producer, "workspace product", f"/workspace/products/{product['id']}"),
        (inspector, "inspector reports", "/inspect/reports"),
    ):
        for cached in ("_login_user", "csrf_token"):  # the fixture's app context outlives requests: reset what
            g.pop(cached, None)  # flask-login and flask-wtf keep on g for one visitor
        staff = app.test_client()
        form = staff.get("/login").get_data(as_text=True)
        res = staff.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(form)})
        assert res.status_code == 302, res.get_data(as_text=True)[-3000:]
        page = staff.get(url)
        assert page.status_code == 200, url
        pages[name] = _digital_links(page.get_data(as_text=True))

    assert any(u.endswith(f"/01/{gtin}") for u in pages.pop("workspace product"))
    lot_links = {name: [u for u in urls if "/10/" in u] for name, urls in pages.items()}
    assert all(lot_links.values()), lot_links
    for name, urls in lot_links.items():
        for url in urls:
            lot = next(v for k, v in encoded.items() if v in url)
            path = url.removeprefix(BASE).split("?")[0].removesuffix("/report")
            assert "/" not in path.split("/10/", 1)[1], (name, url)
            res = client.get(path, headers=JSON)
            assert res.status_code == 200, (name, url)
            assert res.get_json()["batch"]["lot"] in (LOT, INPUT_LOT) and lot in url

    qr = client.get(f"/api/v1/batches/{batch['id']}/qr.png")
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)).convert("L"))
    assert decoded.text == f"{BASE}/01/{gtin}/10/NM-2611%2FA"
    [entry] = client.get(build_path(gtin, lot=LOT) + "?linkType=linkset").get_json()["linkset"]
    assert entry["anchor"] == decoded.text
