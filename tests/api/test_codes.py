"""Barcode and QR images that an independent decoder (zxing-cpp) reads back exactly."""

from __future__ import annotations

from io import BytesIO
from xml.etree import ElementTree

import cairosvg
import pytest
import zxingcpp
from PIL import Image

from tests.helpers import valid_gtin13

BASE = "https://registry.example.vn"


def decode(res) -> list[tuple[str, str]]:
    """(format, text) of every symbol in a PNG or SVG response."""
    if res.mimetype == "image/svg+xml":
        ElementTree.fromstring(res.data)  # well-formed XML
        png = cairosvg.svg2png(bytestring=res.data, output_width=800, background_color="white")
    else:
        png = res.data
    image = Image.open(BytesIO(png)).convert("L")
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def product(world, client):
    h = world.headers(world.admin)
    org = world.organization()
    created = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong", "gtin": valid_gtin13(5)}
    ).get_json()
    batch = client.post("/api/v1/batches", headers=h, json={"product_id": created["id"], "lot": "MO/26-01"})
    return {"h": h, "org": org, **created, "batch_id": batch.get_json().get("id")}


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_ean13_decodes_to_the_gtin13(product, client, fmt):
    res = client.get(f"/api/v1/products/{product['id']}/barcode.{fmt}")
    assert res.status_code == 200 and res.mimetype == f"image/{'svg+xml' if fmt == 'svg' else 'png'}"
    assert decode(res) == [("EAN13", valid_gtin13(5))]


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_product_qr_decodes_to_its_digital_link(product, client, fmt):
    res = client.get(f"/api/v1/products/{product['id']}/qr.{fmt}")
    assert res.status_code == 200
    assert decode(res) == [("QRCode", f"{BASE}/01/0{valid_gtin13(5)}")]


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_batch_qr_decodes_to_the_lot_link_which_resolves(product, client, fmt):
    res = client.get(f"/api/v1/batches/{product['batch_id']}/qr.{fmt}")
    [(kind, url)] = decode(res)
    assert kind == "QRCode" and url == f"{BASE}/01/0{valid_gtin13(5)}/10/MO%2F26-01"
    scanned = client.get(url.removeprefix(BASE), headers={"Accept": "application/json"})
    assert scanned.status_code == 200 and scanned.get_json()["batch"]["lot"] == "MO/26-01"


def test_images_carry_an_etag_and_answer_304(product, client):
    url = f"/api/v1/products/{product['id']}/qr.png"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_product_without_gtin_has_no_barcode_and_an_unknown_one_is_404(world, client):
    h = world.headers(world.admin)
    org = world.organization()
    pid = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Nấm"}).get_json()["id"]
    res = client.get(f"/api/v1/products/{pid}/barcode.svg")
    assert res.status_code == 409 and res.get_json()["errors"][0]["rule"] == "gtin13_required"
    assert client.get(f"/api/v1/products/{pid}/qr.png").status_code == 409
    assert client.get("/api/v1/products/999999/qr.png").status_code == 404
    assert client.get(f"/api/v1/products/{pid}/qr.gif").status_code == 404


def test_a_repeat_request_is_served_from_the_cache(product, client):
    from registry.services import codes

    url = f"/api/v1/products/{product['id']}/barcode.png"
    first = client.get(url).data
    hits = codes.ean13.cache_info().hits
    assert client.get(url).data == first and codes.ean13.cache_info().hits == hits + 1


def test_the_batch_label_sheet_is_an_a4_pdf_whose_codes_decode(product, client):
    import pypdf

    res = client.get(f"/api/v1/batches/{product['batch_id']}/labels.pdf")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    pdf = pypdf.PdfReader(BytesIO(res.data))
    [page] = pdf.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = page.extract_text()
    assert text.count("Mật ong") == 24 and "Lô/Lot: MO/26-01" in text and product["org"].name in text
    decoded = set()
    for image in page.images[:2]:
        decoded |= {(r.format.name, r.text) for r in zxingcpp.read_barcodes(image.image.convert("L"))}
    gtin = valid_gtin13(5)
    assert decoded == {("EAN13", gtin), ("QRCode", f"{BASE}/01/0{gtin}/10/MO%2F26-01")}
    sheets = pypdf.PdfReader(BytesIO(client.get(f"/api/v1/products/{product['id']}/labels.pdf?count=30").data))
    assert len(sheets.pages) == 2
