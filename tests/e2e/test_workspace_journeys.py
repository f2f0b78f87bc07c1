"""The workspace journey of each role, in a real browser, in Vietnamese with a step in English.

Records the journey does not itself create are made through the services first; everything the
journey checks is then done by clicking and typing, with a screenshot of each step.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Product, SupportActivity
from registry.services import certificates, products
from registry.services.timefmt import today_vn
from tests.conftest import PASSWORD
from tests.helpers import valid_gtin13

from .conftest import login


def _wrong_check_digit(gtin: str) -> str:
    return gtin[:-1] + str((int(gtin[-1]) + 1) % 10)


def _no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def _certificate(world: Any, org: Any, body: Any, number: str, category: str = "gap", **extra: Any) -> Any:
    data = {
        "number": number,
        "certification_body_id": body.id,
        "organization_id": org.id,
        "category": category,
        "issued_on": today_vn(),
        **extra,
    }
    return certificates.create_certificate(world.admin, data)


def _product(world: Any, org: Any, name: str, item: int) -> Any:
    data = {"organization_id": org.id, "name": name, "ocop_group": "beverage", "gtin": valid_gtin13(item)}
    return products.create_product(world.admin, data)


# --- producer ---------------------------------------------------------------------------------


def test_producer_registers_a_product_prints_its_labels_and_traces_a_batch_on_a_phone(
    app, world, live_server, phone, shots
):
    org = world.organization()
    producer = world.user("producer", organization_id=org.id)
    login(phone, live_server, producer.email, PASSWORD)
    shots(phone, "workspace")

    phone.goto(f"{live_server}/workspace/products/new")
    gtin = valid_gtin13(4242)
    phone.get_by_role("textbox", name="Tên", exact=True).fill("Chè búp Tân Cương")
    phone.get_by_label("Nhóm sản phẩm OCOP").select_option(label="Đồ uống")
    phone.get_by_label("Mã GTIN (mã vạch)").fill(_wrong_check_digit(gtin))
    expect(phone.locator("#gtin-live")).to_contain_text(f"phải là {gtin[-1]}")  # checked as they type
    phone.get_by_label("Mô tả").fill("Chè xanh sao tay, vụ xuân")
    shots(phone, "product-typed-wrong-gtin")
    phone.get_by_role("button", name="Đăng ký").click()

    error = phone.locator("#e-gtin")  # beside the field, and what was typed is kept
    expect(error).to_be_visible()
    expect(error).to_contain_text(f"đúng phải là {gtin[-1]}")
    expect(phone.get_by_label("Mã GTIN (mã vạch)")).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_role("textbox", name="Tên", exact=True)).to_have_value("Chè búp Tân Cương")
    expect(phone.get_by_label("Mô tả")).to_have_value("Chè xanh sao tay, vụ xuân")
    expect(phone.get_by_label("Nhóm sản phẩm OCOP")).to_have_value("beverage")
    _no_sideways_scroll(phone)
    shots(phone, "product-refused-beside-field")

    phone.get_by_label("Mã GTIN (mã vạch)").fill(gtin)
    expect(phone.locator("#gtin-live")).to_contain_text("Số kiểm tra đúng")
    phone.get_by_role("button", name="Đăng ký").click()
    expect(phone.get_by_role("status").first).to_contain_text("Đã đăng ký sản phẩm")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Chè búp Tân Cương")
    _no_sideways_scroll(phone)
    shots(phone, "product-saved")

    # The label sheet is a PDF; the barcode and QR code are images.
    pdf_href = phone.get_by_role("link", name="Tờ nhãn để in (PDF)").get_attribute("href")
    pdf = phone.request.get(live_server + pdf_href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    for name in ("Mã vạch EAN-13 (SVG)", "Mã QR GS1 Digital Link (SVG)"):
        response = phone.request.get(live_server + phone.get_by_role("link", name=name).get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    phone.get_by_role("link", name="Mã vạch EAN-13 (SVG)").click()
    shots(phone, "barcode", full_page=False)
    phone.go_back()
    phone.get_by_role("link", name="Mã QR GS1 Digital Link (SVG)").click()
    shots(phone, "qr-code", full_page=False)
    phone.go_back()

    phone.get_by_role("link", name="Tạo lô hàng cho sản phẩm này").click()
    expect(phone.get_by_label("Sản phẩm")).to_have_value(re.compile(r"\d+"))  # this product is chosen
    phone.get_by_label("Số lô").fill("TC2611A")
    phone.get_by_label("Số lượng").fill("120,5")
    phone.get_by_label("Đơn vị").select_option("KGM")  # UN/ECE Rec 20: kilogram
    phone.get_by_role("button", name="Tạo lô").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("TC2611A")
    _no_sideways_scroll(phone)
    shots(phone, "batch-created")

    phone.get_by_label("Công đoạn").select_option(label="Thu hoạch")
    phone.get_by_label("Thời điểm").fill("2026-11-20T06:30")
    phone.get_by_label("Ghi chú").fill("Hái một tôm hai lá")
    phone.get_by_role("button", name="Thêm sự kiện").click()  # no place yet: refused beside the field
    expect(phone.locator("#e-commune_id")).to_contain_text("xã/phường hoặc mã GLN")
    expect(phone.get_by_label("Ghi chú")).to_have_value("Hái một tôm hai lá")
    shots(phone, "trace-event-refused")
    phone.get_by_label("Xã/phường nơi diễn ra").select_option(index=1)
    phone.get_by_role("button", name="Thêm sự kiện").click()
    expect(phone.get_by_role("status").first).to_contain_text("Đã thêm sự kiện truy xuất")
    event = phone.locator("ol li").first
    expect(event).to_contain_text("Thu hoạch")
    expect(event).to_contain_text("2026-11-20 06:30 (UTC+07:00)")
    shots(phone, "trace-event-added")

    phone.get_by_role("link", name="EN", exact=True).click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("ol li").first).to_contain_text("Harvesting")
    expect(phone.get_by_role("button", name="Add the event")).to_be_visible()
    _no_sideways_scroll(phone)
    shots(phone, "batch-en")


# --- certification body -----------------------------------------------------------------------


def test_body_staff_issue_and_suspend_a_certificate_which_the_verify_page_shows_suspended(
    app, world, live_server, desktop, phone, shots
):
    org = world.organization()
    body = world.body()
    staff = world.user("body_staff", body_id=body.id)
    login(desktop, live_server, staff.email, PASSWORD)
    expect(desktop).to_have_url(re.compile(r"/workspace$"))
    desktop.goto(f"{live_server}/body")
    shots(desktop, "body-list")

    desktop.get_by_role("link", name="Cấp chứng chỉ").first.click()
    desktop.get_by_label("Tìm đơn vị được chứng nhận").fill(org.tax_code)
    desktop.get_by_role("button", name="Tìm").click()
    desktop.get_by_role("link", name=org.name).click()
    shots(desktop, "issue-form")
    desktop.get_by_label("Số chứng chỉ").fill("VG-2026-0042")
    desktop.get_by_label("Loại chứng nhận").select_option("gap")
    desktop.get_by_label("Ngày hết hạn").fill("2025-01-01")  # before the issue date
    desktop.get_by_role("button", name="Cấp chứng chỉ").click()
    expect(desktop.locator("#e-expires_on")).to_be_visible()
    expect(desktop.get_by_label("Số chứng chỉ")).to_have_value("VG-2026-0042")
    shots(desktop, "issue-refused")
    desktop.get_by_label("Ngày hết hạn").fill(date(today_vn().year + 3, 1, 1).isoformat())
    desktop.get_by_role("button", name="Cấp chứng chỉ").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Đã cấp chứng chỉ")
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("VG-2026-0042")
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Còn hiệu lực")
    shots(desktop, "issued")

    desktop.get_by_label("Đình chỉ").check()
    desktop.get_by_label("Lý do").fill("Đánh giá giám sát phát hiện dư lượng thuốc bảo vệ thực vật")
    desktop.get_by_role("button", name="Đổi trạng thái").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Tạm đình chỉ")
    last = desktop.locator("#history ~ table tbody tr").last
    expect(last).to_contain_text("Đình chỉ")
    expect(last).to_contain_text("dư lượng thuốc bảo vệ thực vật")
    expect(last).to_contain_text(staff.email)
    shots(desktop, "suspended-history")
    cert_path = desktop.get_by_role("link", name="Trang tra cứu công khai").get_attribute("href")
    assert cert_path and re.fullmatch(r"/verify/\d+", cert_path)

    phone.goto(live_server + cert_path)  # anyone, signed out, on a phone
    verdict = phone.get_by_role("status").filter(has_text="ĐÌNH CHỈ")
    expect(verdict).to_have_text("ĐÃ BỊ ĐÌNH CHỈ — KHÔNG CÒN HIỆU LỰC")
    assert float(verdict.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20  # shown prominently
    expect(phone.get_by_text("dư lượng thuốc bảo vệ thực vật")).to_be_visible()
    _no_sideways_scroll(phone)
    shots(phone, "verify-suspended")
    phone.get_by_role("link", name="English").click()
    expect(phone.get_by_role("status").filter(has_text="SUSPENDED")).to_have_text("SUSPENDED — NOT VALID")
    shots(phone, "verify-suspended-en")


# --- inspector --------------------------------------------------------------------------------


def test_inspector_reinstates_a_certificate_and_closes_a_consumer_report(
    app, world, live_server, desktop, phone, shots
):
    org = world.organization()
    cert = _certificate(world, org, world.body(), "HC-2026-0007", category="organic")
    certificates.transition_certificate(world.admin, cert.id, "suspend", "Chờ kết quả thử nghiệm lại")
    product = _product(world, org, "Mật ong rừng Võ Nhai", 77)
    inspector = world.user("inspector")

    # A consumer reports a problem from the scan page on a phone, signed out, through its report link.
    phone.goto(f"{live_server}/01/{product.gtin}")
    phone.get_by_role("link", name="Báo cáo vấn đề").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Báo cáo vấn đề")
    expect(phone.locator("main")).to_contain_text("Mật ong rừng Võ Nhai")
    phone.get_by_label("Loại vấn đề").select_option("counterfeit")
    phone.get_by_label("Mô tả").fill("Tem chống giả bị bóc, vị khác hẳn lần trước")
    shots(phone, "report-typed")
    phone.get_by_role("button", name="Gửi báo cáo").click()
    expect(phone.get_by_text("Cảm ơn bạn. Báo cáo đã được gửi tới cơ quan kiểm tra.")).to_be_visible()
    _no_sideways_scroll(phone)
    shots(phone, "report-sent")

    login(desktop, live_server, inspector.email, PASSWORD)
    desktop.goto(f"{live_server}/inspect")
    desktop.get_by_role("searchbox", name="Số chứng chỉ").fill("HC-2026-0007")
    desktop.get_by_role("button", name="Lọc").click()
    expect(desktop.locator("table tbody tr")).to_have_count(1)
    shots(desktop, "inspect-found")
    desktop.get_by_role("link", name="HC-2026-0007").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Tạm đình chỉ")
    desktop.get_by_label("Khôi phục").check()
    desktop.get_by_label("Lý do").fill("Kết quả thử nghiệm lại đạt")
    shots(desktop, "reinstate-typed")
    desktop.get_by_role("button", name="Đổi trạng thái").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Còn hiệu lực")
    expect(desktop.locator("#history ~ table tbody tr").last).to_contain_text("Kết quả thử nghiệm lại đạt")
    shots(desktop, "reinstated")

    desktop.get_by_role("link", name="Phản ánh", exact=True).click()
    report = desktop.get_by_role("article").filter(has_text="Tem chống giả bị bóc")
    expect(report).to_contain_text("Nghi hàng giả")
    expect(report).to_contain_text("Mật ong rừng Võ Nhai")
    report.get_by_role("button", name="Nhận xử lý").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Bạn đã nhận xử lý phản ánh")
    expect(report).to_contain_text("Đang xử lý")
    shots(desktop, "report-taken")
    desktop.goto(f"{live_server}/inspect/reports?lang=en")
    report.get_by_label("Outcome").fill("Sampled at the shop; the batch is genuine, the seal was damaged in transit.")
    report.get_by_role("button", name="Close the report").click()
    expect(desktop.get_by_role("status").first).to_have_text("The report is closed.")
    expect(desktop.get_by_role("article")).to_have_count(0)  # no work left in the queue
    shots(desktop, "report-closed-en")


# --- DOST officer -----------------------------------------------------------------------------


def test_dost_officer_drills_into_a_figure_records_an_activity_and_downloads_the_report(
    app, world, live_server, desktop, shots
):
    org = world.organization(province="thai-nguyen")
    body = world.body()
    for n, category in enumerate(("gap", "gap", "organic")):
        _certificate(world, org, body, f"TN-2026-{n:04d}", category=category)
    _certificate(world, world.organization(province="gia-lai"), body, "GL-2026-0001")  # another province
    officer = world.user("dost_officer", province="thai-nguyen")
    login(desktop, live_server, officer.email, PASSWORD)
    desktop.get_by_role("link", name="Tiến độ kế hoạch").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Thái Nguyên")
    shots(desktop, "dashboard")

    total = desktop.locator("#cert-total")
    assert total.inner_text() == "3"
    total.click()
    expect(desktop.locator("tr.record")).to_have_count(3)
    expect(desktop.locator("[data-figure-shown]")).to_have_text("3")
    shots(desktop, "drill-down-all")
    desktop.go_back()
    gap = desktop.locator("a[data-category=gap]")
    figure = int(gap.inner_text())
    assert figure == 2
    gap.click()
    expect(desktop.locator("tr.record")).to_have_count(figure)
    shots(desktop, "drill-down-gap")

    desktop.get_by_role("link", name="Hoạt động hỗ trợ").click()
    desktop.get_by_role("link", name="Ghi nhận hoạt động mới").click()
    desktop.get_by_label("Loại hoạt động").select_option("guidance")
    desktop.get_by_label("Tổ chức được hỗ trợ").fill("987654")  # no such organisation
    desktop.get_by_label("Cơ quan thực hiện").fill("Chi cục Tiêu chuẩn Đo lường Chất lượng")
    desktop.get_by_role("button", name="Lưu").click()
    expect(desktop.locator("#e-organization_id")).to_contain_text("987654")
    expect(desktop.get_by_label("Cơ quan thực hiện")).to_have_value("Chi cục Tiêu chuẩn Đo lường Chất lượng")
    expect(desktop.get_by_label("Loại hoạt động")).to_have_value("guidance")
    shots(desktop, "activity-refused")
    desktop.get_by_label("Tổ chức được hỗ trợ").fill(org.tax_code)
    desktop.get_by_role("button", name="Lưu").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Đã ghi nhận hoạt động hỗ trợ")
    expect(desktop.locator("main")).to_contain_text(org.name)
    assert db.session.scalar(select(func.count()).select_from(SupportActivity)) == 1
    shots(desktop, "activity-saved")

    desktop.get_by_role("link", name="Bảng điều khiển").click()
    desktop.get_by_role("link", name="EN", exact=True).click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Standards plan progress")
    shots(desktop, "dashboard-en")
    with desktop.expect_download() as info:
        desktop.get_by_role("link", name="XLSX").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        assert fh.read(2) == b"PK"  # an Office Open XML (zip) workbook


# --- import with errors -----------------------------------------------------------------------


def test_an_import_with_two_bad_rows_lists_both_and_creates_nothing(app, world, live_server, desktop, shots):
    org = world.organization(province="thai-nguyen")
    officer = world.user("dost_officer", province="thai-nguyen")
    good, bad = valid_gtin13(501), _wrong_check_digit(valid_gtin13(502))
    csv = (
        "organization_id,name,ocop_group,gtin\n"
        f"{org.id},Miến dong Việt Cường,food,{good}\n"
        f"{org.id},Chè Đại Từ,beverage,{bad}\n"
        f"{org.id},X,food,\n"  # a name needs at least two characters
    ).encode()
    before = db.session.scalar(select(func.count()).select_from(Product))
    login(desktop, live_server, officer.email, PASSWORD)

    for lang, kind, dry_run, button, rejected in (
        ("vi", "Sản phẩm", "Chạy thử: chỉ kiểm tra, không ghi gì", "Tải lên và kiểm tra", "2 dòng có lỗi"),
        ("en", "Products", "Dry run: check only, write nothing", "Upload and check", "2 bad row(s)"),
    ):
        desktop.goto(f"{live_server}/imports?lang={lang}")
        desktop.get_by_label("Loại dữ liệu" if lang == "vi" else "Kind of records").select_option(label=kind)
        desktop.get_by_label(dry_run).uncheck()  # a real import, not a dry run
        desktop.locator("#f-file").set_input_files({"name": "san-pham.csv", "mimeType": "text/csv", "buffer": csv})
        shots(desktop, f"import-form-{lang}")
        desktop.get_by_role("button", name=button).click()
        expect(desktop.locator("#import-rejected")).to_contain_text(rejected)
        rows = desktop.locator("table.bad tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator("td").nth(0)).to_have_text("3")
        expect(rows.nth(0).locator("td").nth(1)).to_have_text("gtin")
        expect(rows.nth(1).locator("td").nth(0)).to_have_text("4")
        expect(rows.nth(1).locator("td").nth(1)).to_have_text("name")
        shots(desktop, f"import-rejected-{lang}")

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Product)) == before  # not even the good row


# --- access -----------------------------------------------------------------------------------


def test_a_producer_cannot_reach_staff_pages_and_anonymous_visitors_are_sent_to_login(
    app, world, live_server, desktop, phone, shots
):
    producer = world.user("producer", organization_id=world.organization().id)
    login(desktop, live_server, producer.email, PASSWORD)
    for path in ("/admin", "/body", "/inspect", "/dost", "/admin?lang=en"):
        response = desktop.goto(live_server + path)
        assert response is not None and response.status == 403, path
        text = "Your account may not see or change this." if "lang=en" in path else "không có quyền xem"
        expect(desktop.locator("main")).to_contain_text(text)
        shots(desktop, "forbidden-" + path.strip("/").replace("?lang=", "-"))

    phone.goto(f"{live_server}/workspace")  # signed out
    expect(phone).to_have_url(re.compile(r"/login\?next=%2Fworkspace$"))
    expect(phone.get_by_label("Email")).to_be_visible()
    _no_sideways_scroll(phone)
    shots(phone, "anonymous-to-login")
