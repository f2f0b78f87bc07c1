"""The printable certificate record: Vietnamese text, the live status, the history and a scannable signed QR."""

from __future__ import annotations

import io
import re

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from tests.api.test_verification import _issue, _keys_file, _term
from tests.helpers import days_from_today, valid_gtin13


def _pdf(client, cert_id: int) -> bytes:
    res = client.get(f"/api/v1/certificates/{cert_id}/record.pdf")
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.mimetype == "application/pdf"
    assert res.headers["Cache-Control"] == "no-store"
    return res.data


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    # Layout spacing varies; compare with whitespace collapsed.
    return " ".join(reader.pages[0].extract_text().split())


def _scan_page(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_the_record_is_an_a4_pdf_with_the_vietnamese_record(world, client):
    cert, body, _staff, org = _issue(world, client, number="CN-HỮU-CƠ-2026/01")
    pdf = _pdf(client, cert["id"])
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = _text(pdf)
    assert "CN-HỮU-CƠ-2026/01" in text
    assert "CÒN HIỆU LỰC" in text and "VALID" in text
    assert "Hữu cơ" in text  # the category, in Vietnamese
    assert body.name in text
    assert org.name in text and org.tax_code in text and "Thái Nguyên" in text
    assert "TCVN 11041-7:2017" in text and "Nông nghiệp hữu cơ" in text
    assert f"Chè xanh Tân Cương — GTIN 0{valid_gtin13(7)}" in text
    issued, expires = _term()
    assert issued in text and expires in text
    assert "Lịch sử trạng thái" in text and "Cấp / Issued tổ chức chứng nhận" in text
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d UTC\+07:00 Cấp", text)


def test_the_record_carries_the_signed_qr_that_verifies_offline(world, client, runner, tmp_path):
    cert, _body, _staff, _org = _issue(world, client)
    pdf = _pdf(client, cert["id"])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 1  # the QR is embedded as an image
    (url,) = _scan_page(pdf)
    assert url.startswith(f"https://registry.example.vn/verify/{cert['id']}?t=")
    assert url in _text(pdf).replace(" ", "")  # the same URL is printed under the code
    result = runner.invoke(args=["verify-certificate", url, "--keys", str(_keys_file(client, tmp_path))])
    assert result.exit_code == 0, result.output
    assert "signature valid" in result.output and "number: CN-2026-001" in result.output


def test_a_suspended_certificate_prints_its_status_and_reason_and_no_signed_code(world, client):
    cert, _body, staff, _org = _issue(world, client)
    res = client.post(
        f"/api/v1/certificates/{cert['id']}/transitions",
        headers=world.headers(staff),
        json={"action": "suspend", "reason": "Không duy trì điều kiện chứng nhận"},
    )
    assert res.status_code == 200
    pdf = _pdf(client, cert["id"])
    text = _text(pdf)
    assert "ĐÃ BỊ ĐÌNH CHỈ" in text and "SUSPENDED" in text
    assert "Không duy trì điều kiện chứng nhận" in text and "Đình chỉ" in text
    assert "không được cấp mã QR có chữ ký" in text
    assert f"https://registry.example.vn/verify/{cert['id']}" in text
    assert "?t=" not in text
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0
    assert _scan_page(pdf) == []


def test_a_declared_certificate_says_it_is_not_confirmed(world, client):
    org = world.organization()
    body = world.body()
    producer = world.user("producer", organization_id=org.id)
    res = client.post(
        "/api/v1/certificates",
        headers=world.headers(producer),
        json={
            "number": "TU-KHAI-01",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "declaration_standard",
            "issued_on": days_from_today(-10).isoformat(),
        },
    )
    assert res.status_code == 201, res.get_json()
    text = _text(_pdf(client, res.get_json()["id"]))
    assert "TỰ KHAI — CHƯA XÁC NHẬN" in text and "Công bố hợp chuẩn" in text
    assert "không thời hạn" in text


def test_an_unknown_certificate_is_a_404_problem(client):
    res = client.get("/api/v1/certificates/999999/record.pdf")
    assert res.status_code == 404 and res.mimetype == "application/problem+json"
