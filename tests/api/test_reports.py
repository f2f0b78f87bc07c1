"""The annual report in XLSX, CSV and PDF, opened with real readers, from the CLI and the API."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader

from registry.services import certificates
from tests.helpers import in_year, plan_year


@pytest.fixture
def counted(world):
    """Two confirmed certificates of Thái Nguyên in the report year, one declared one and one from the year before.

    The report year is this year within the 2026–2030 targets (`plan_year`), so every target has its figure."""
    year = plan_year()
    body = world.body()
    org = world.organization("thai-nguyen", name="Hợp tác xã Chè Tân Cương")

    def make(number, issued, actor=None):
        data = {
            "number": number,
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "product_standard",
            "issued_on": issued,
        }
        return certificates.create_certificate(actor or world.admin, data)

    make("CN-ĐẠT-01", date(year, 1, 1))
    withdrawn = make("CN-ĐẠT-02", in_year(year, 2, 1))
    certificates.transition_certificate(world.admin, withdrawn.id, "withdraw", "Vi phạm")
    make("CN-KHAI-03", in_year(year, 3, 1), world.user("producer", organization_id=org.id))
    make("CN-CŨ-04", date(year - 1, 12, 31))
    return org


@pytest.mark.travel
def test_the_xlsx_report_follows_the_plan_with_a_chart_and_the_certificates_counted(runner, tmp_path, counted):
    year = plan_year()
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        args=["report", "--province", "thai-nguyen", "--year", str(year), "--format", "xlsx", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Báo cáo", "Chứng nhận"]
    ws = wb["Báo cáo"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Mã chỉ tiêu")
    assert header[:6] == ("Mã chỉ tiêu", "Điều khoản", "Nội dung chỉ tiêu", "Giai đoạn", "Chỉ tiêu", "Đơn vị")
    assert f"Năm {year}" in header and "Trạng thái" in header and "Ghi chú" in header
    by_id = {r[0]: dict(zip(header, r, strict=False)) for r in rows if r[0] and str(r[0]).startswith("TN-")}
    assert list(by_id) == ["TN-CERT-2030", "TN-CERT-2035", "TN-GUIDED", "TN-OCOP-100", "TN-DISSEM", "TN-STRAT-20"]
    assert by_id["TN-GUIDED"]["Điều khoản"] == "II.2.1.c; phụ lục dòng 3"
    assert by_id["TN-GUIDED"]["Nội dung chỉ tiêu"].startswith("Phần đầu hàng năm có ít nhất 70 doanh nghiệp")
    assert by_id["TN-GUIDED"][f"Năm {year}"] == 0 and by_id["TN-GUIDED"]["Trạng thái"] in ("Chậm tiến độ",)
    assert by_id["TN-DISSEM"]["Trạng thái"] == "Chưa có dữ liệu"
    assert by_id["TN-GUIDED"]["Chỉ tiêu"] == 70
    assert len(ws._charts) == 1
    certs = list(wb["Chứng nhận"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in certs] == ["CN-ĐẠT-01", "CN-ĐẠT-02"]
    assert certs[1][-1] == "Đã thu hồi" and certs[0][2] == "Hợp tác xã Chè Tân Cương"


@pytest.mark.travel
def test_the_csv_report_is_utf8_with_a_bom_and_reads_back_in_vietnamese(runner, tmp_path, counted):
    year = plan_year()
    out = tmp_path / "report.csv"
    result = runner.invoke(
        args=["report", "--province", "dong-nai", "--year", str(year), "--format", "csv", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["Mã chỉ tiêu"] for r in rows][:3] == ["DN-CERT-SHARE", "DN-CERT-SHARE-2035", "DN-SME-500"]
    sme = rows[2]
    assert sme["Chỉ tiêu"] == "500.0" and sme["Đơn vị"] == "tổ chức" and sme["Giai đoạn"] == "2026–2030"
    assert "doanh nghiệp nhỏ và vừa" in sme["Nội dung chỉ tiêu"]
    assert rows[0]["Chỉ tiêu"] == "Tăng qua từng năm"


@pytest.mark.travel
def test_the_pdf_report_carries_every_vietnamese_diacritic(runner, tmp_path, counted):
    year = plan_year()
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        args=["report", "--province", "thai-nguyen", "--year", str(year), "--format", "pdf", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # cells wrap their lines
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # A4 landscape
    for phrase in ("Chứng nhận", "Thái Nguyên", "Mã chỉ tiêu", "Chưa có dữ liệu", "TN-GUIDED", "CN-ĐẠT-01"):
        assert phrase in text, phrase
    assert "CN-KHAI-03" not in text  # a declared certificate is not counted
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts), fonts


def test_the_cli_names_an_unknown_province_or_format(runner, tmp_path):
    year = plan_year()
    out = tmp_path / "x.bin"
    bad_province = runner.invoke(
        args=["report", "--province", "atlantis", "--year", str(year), "--format", "pdf", "--output", str(out)]
    )
    assert bad_province.exit_code == 2 and "--province" in bad_province.output and "atlantis" in bad_province.output
    bad_format = runner.invoke(
        args=["report", "--province", "gia-lai", "--year", str(year), "--format", "docx", "--output", str(out)]
    )
    assert bad_format.exit_code == 2 and "--format" in bad_format.output and "xlsx, csv, pdf" in bad_format.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("fmt", "mimetype"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv"),
        ("pdf", "application/pdf"),
    ],
)
def test_the_api_downloads_the_report_with_its_content_type_and_file_name(client, counted, fmt, mimetype):
    year = plan_year()
    res = client.get(f"/api/v1/stats/report?province=gia-lai&year={year}&format={fmt}")
    assert res.status_code == 200
    assert res.mimetype == mimetype
    assert res.headers["Content-Disposition"] == f'attachment; filename="bao-cao-gia-lai-{year}.{fmt}"'
    assert len(res.data) > 100


def test_the_api_refuses_an_unknown_report_format(client):
    year = plan_year()
    res = client.get(f"/api/v1/stats/report?province=gia-lai&year={year}&format=doc")
    assert res.status_code == 422 and res.get_json()["errors"][0]["field"] == "format"
