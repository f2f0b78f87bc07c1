"""The main journeys, in a real browser, with a screenshot of each step."""

from __future__ import annotations

from registry.services import seeding
from tests.conftest import PASSWORD


def test_consumer_scans_a_product_on_a_phone_in_vietnamese_then_english(app, world, live_server, phone, shots):
    seeding.seed_demo(world.admin)
    phone.goto(f"{live_server}/01/08938600000019")
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert "Chè xanh Tân Cương đặc biệt" in phone.content()
    assert "Hợp tác xã Chè Tân Cương Xanh" in phone.content()
    shots(phone, "scan-vi")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    phone.get_by_role("link", name="English").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    shots(phone, "scan-en")


def test_suspended_certificate_shows_a_warning_on_the_scan_page(app, world, live_server, phone, shots):
    seeding.seed_demo(world.admin)
    phone.goto(f"{live_server}/01/08938612000014")  # the demo coffee, whose certificate is suspended
    warning = phone.get_by_role("alert")
    assert warning.count() >= 1
    shots(phone, "suspended-warning")


def test_batch_shows_its_timeline(app, world, live_server, phone, shots):
    seeding.seed_demo(world.admin)
    phone.goto(f"{live_server}/01/08938623000010/10/XL2608B")
    html = phone.content()
    assert "XL2608B" in html and "XL26RAW07" in html  # the transformation's input lot
    shots(phone, "batch-timeline")


def test_officer_signs_in_and_reaches_the_workspace(app, world, live_server, desktop, shots):
    desktop.goto(f"{live_server}/login")
    shots(desktop, "login")
    desktop.get_by_label("Email").fill(world.admin.email)
    desktop.get_by_label("Mật khẩu", exact=True).fill("wrong password")
    desktop.locator("main form").get_by_role("button", name="Đăng nhập").click()
    assert "Email hoặc mật khẩu không đúng" in desktop.content()
    assert desktop.get_by_label("Email").input_value() == world.admin.email  # what was typed is kept
    shots(desktop, "login-refused")
    desktop.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    desktop.locator("main form").get_by_role("button", name="Đăng nhập").click()
    desktop.wait_for_url("**/workspace")
    assert "admin" in desktop.content()
    shots(desktop, "workspace")


def test_anyone_verifies_a_certificate_by_number(app, world, live_server, phone, shots):
    seeding.seed_demo(world.admin)
    phone.goto(f"{live_server}/verify")
    shots(phone, "verify-form")
    phone.locator("input[name=q]").fill("DEMO-GL-2026-0012")
    phone.locator("form button, form input[type=submit]").first.click()
    phone.wait_for_load_state()
    if "/verify/" not in phone.url:
        phone.get_by_role("link", name="DEMO-GL-2026-0012").first.click()
    assert "DEMO-GL-2026-0012" in phone.content()
    shots(phone, "verify-result")


def test_a_person_with_no_qr_code_finds_a_product_a_producer_and_a_certificate_from_the_home_page(
    app, world, live_server, phone, shots
):
    seeding.seed_demo(world.admin)
    for lang, producers in (("vi", "Nhà sản xuất"), ("en", "Producers")):
        phone.goto(f"{live_server}/?lang={lang}")
        phone.locator("#home-q").fill("che tan cuong")  # typed without accents, as on a phone
        phone.locator("form[role=search] button").click()
        phone.wait_for_url("**/search?**")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.locator("#producers").inner_text().startswith(producers)
        shots(phone, f"search-{lang}")
        assert "Hợp tác xã Chè Tân Cương Xanh" in phone.locator("#producers + ul").inner_text()
        phone.locator("#certificates + ul a").first.click()
        phone.wait_for_url("**/verify/**")
        assert "DEMO-TN-2026-0001" in phone.content()
        phone.go_back()
        phone.locator("#products + ul a").first.click()
        phone.wait_for_url("**/01/**")
        assert "Tân Cương" in phone.content()
        shots(phone, f"search-product-{lang}")
    phone.goto(f"{live_server}/?lang=en")
    phone.locator("#home-q").fill("8938600000019")  # a barcode typed from the pack
    phone.locator("form[role=search] button").click()
    phone.wait_for_url("**/01/08938600000019**")
