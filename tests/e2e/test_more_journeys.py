"""More journeys in a real browser: an XLSX import, the admin's work, and keyboard and accessibility checks.

The accessibility checks read the rendered page (getComputedStyle, the accessibility names of
controls) rather than the templates, so they hold for whatever the templates become.
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from registry.services import seeding
from tests.conftest import PASSWORD
from tests.helpers import valid_gtin13

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The accessible name of an element, as far as these pages need it (aria-label, aria-labelledby,
# <label>, a button's or link's text, title), with runs of white space collapsed.
NAME_JS = """() => { window.__name = el => {
  const clean = s => (s || '').replace(/\\s+/g, ' ').trim();
  if (el.getAttribute('aria-label')) return clean(el.getAttribute('aria-label'));
  const by = el.getAttribute('aria-labelledby');
  if (by) return clean(by.split(/\\s+/).map(id => (document.getElementById(id) || {}).textContent).join(' '));
  if (el.labels && el.labels.length) return clean(Array.from(el.labels).map(l => l.textContent).join(' '));
  if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName.toUpperCase())) return clean(el.textContent);  // SVG: 'a'
  if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) return clean(el.value);
  return clean(el.getAttribute('title'));
}; }"""

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const box = el.getBoundingClientRect();
  return {
    name: window.__name(el).replace(/ \\*$/, ''), tag: el.tagName.toLowerCase(), id: el.id,
    visible: outline || s.boxShadow !== 'none', focusVisible: el.matches(':focus-visible'),
    onScreen: box.right > 0 && box.bottom > 0 && box.left < innerWidth,
  };
}"""

UNNAMED_CONTROLS_JS = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href]'))
  .filter(el => !window.__name(el)
    || (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)
        && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')))
  .map(el => el.outerHTML.slice(0, 160))"""

# Text colour against the colour actually behind it (semi-transparent layers composited, white
# canvas last); WCAG 2 ratios: 4.5:1 for body text, 3:1 for large text (24px, or 18.66px bold).
CONTRAST_JS = """() => {
  const rgba = c => { const m = /rgba?\\(([^)]+)\\)/.exec(c); if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const behind = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none') return null;  // an image or gradient: not computable here
      const c = rgba(s.backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]); };
  const out = []; let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, option, script, style, noscript')) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(el), box = el.getBoundingClientRect();
    if (s.visibility !== 'visible' || !box.width || box.right <= 0 || box.left >= innerWidth) continue;
    const bg = behind(el); if (!bg) continue;
    const fg = over(rgba(s.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), large = size >= 24 || (size >= 18.66 && +s.fontWeight >= 700);
    checked++;
    if (ratio < (large ? 3 : 4.5)) out.push({text: el.textContent.trim().slice(0, 50), tag: el.tagName.toLowerCase(),
      cls: el.className, color: s.color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')',
      ratio: Math.round(ratio * 100) / 100});
  }
  return {checked, failures: out};
}"""


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def login(page: Page, base: str, email: str, password: str) -> None:
    """Sign in through the login form, found by its fields' ids (its wording may change)."""
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/workspace")


def _wrong_check_digit(gtin: str) -> str:
    return gtin[:-1] + str((int(gtin[-1]) + 1) % 10)


def _tab_walk(page: Page, until: Any, typing: dict[str, str] | None = None, limit: int = 60) -> list[dict[str, Any]]:
    """Press Tab until `until(focused)` holds; type `typing[id]` into fields on the way."""
    page.evaluate(NAME_JS)
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        assert focused is not None, f"Tab left the page after {[f['name'] for f in seen]}"
        if seen and focused["id"] and focused["id"] == seen[-1]["id"]:
            continue  # the parts of a date field are one control
        seen.append(focused)
        if typing and focused["id"] in typing:
            page.keyboard.type(typing[focused["id"]])
        if until(focused):
            return seen
    raise AssertionError(f"{until!r} never got focus: {[f['name'] for f in seen]}")


def _assert_focus_shows(walk: list[dict[str, Any]]) -> None:
    hidden = [f["name"] for f in walk if not (f["visible"] and f["onScreen"])]
    assert not hidden, f"focus is not visible on {hidden}"


def _audit(page: Page, lang: str) -> list[dict[str, Any]]:
    """Images have alt text, controls have names, <html lang> is the chosen language; returns text short of contrast."""
    page.evaluate(NAME_JS)
    assert page.locator("html").get_attribute("lang") == lang, page.url
    no_alt = page.eval_on_selector_all("img:not([alt])", "els => els.map(e => e.outerHTML.slice(0, 120))")
    assert not no_alt, f"{page.url}: images without alt: {no_alt}"
    unnamed = page.evaluate(UNNAMED_CONTROLS_JS)
    assert not unnamed, f"{page.url}: controls without an accessible name or label: {unnamed}"
    contrast = page.evaluate(CONTRAST_JS)
    assert contrast["checked"] >= 5, f"{page.url}: too little text checked ({contrast['checked']})"
    return [{"url": page.url, **failure} for failure in contrast["failures"]]


# --- import an XLSX file ----------------------------------------------------------------------


def test_officer_imports_an_xlsx_sees_every_bad_row_then_imports_the_corrected_file(
    app, world, live_server, desktop, shots
):
    org = world.organization(province="thai-nguyen")
    officer = world.user("dost_officer", province="thai-nguyen")
    header = ["organization_id", "name", "ocop_group", "gtin"]
    good = [
        [org.id, "Miến dong Việt Cường", "food", valid_gtin13(601)],
        [org.id, "Chè Đại Từ", "beverage", valid_gtin13(602)],
        [org.id, "Mật ong Võ Nhai", "food", valid_gtin13(603)],
    ]
    bad = [good[0], [org.id, "Chè Đại Từ", "beverage", _wrong_check_digit(valid_gtin13(602))], good[2]]
    bad.append([org.id, "X", "food", valid_gtin13(604)])  # a name needs at least two characters
    names = [row[1] for row in good]
    login(desktop, live_server, officer.email, PASSWORD)

    def upload(rows: list[list[Any]], kind: str, dry_run: str, button: str, step: str) -> None:
        desktop.get_by_label("Loại dữ liệu" if "Sản" in kind else "Kind of records").select_option(label=kind)
        desktop.get_by_label(dry_run).uncheck()
        file = {"name": "san-pham.xlsx", "mimeType": XLSX, "buffer": _xlsx([header, *rows])}
        desktop.get_by_label(re.compile("Tệp|File")).set_input_files(file)
        shots(desktop, step)
        desktop.get_by_role("button", name=button).click()

    def bad_rows_listed(rejected: str) -> None:
        expect(desktop.locator("#import-rejected")).to_contain_text(rejected)
        rows = desktop.locator("table.bad tbody tr")
        expect(rows).to_have_count(2)
        for i, (row, fld, rule) in enumerate((("3", "gtin", "gtin_check_digit"), ("5", "name", "length"))):
            cells = rows.nth(i).locator("td")
            expect(cells.nth(0)).to_have_text(row)
            expect(cells.nth(1)).to_have_text(fld)
            expect(cells.nth(2)).to_have_text(rule)
            expect(cells.nth(3)).not_to_be_empty()

    desktop.goto(f"{live_server}/imports")
    upload(bad, "Sản phẩm", "Chạy thử: chỉ kiểm tra, không ghi gì", "Tải lên và kiểm tra", "xlsx-bad-vi")
    bad_rows_listed("2 dòng có lỗi; không dòng nào được nhập.")
    expect(desktop.locator("table.bad tbody tr").nth(0)).to_contain_text("Số kiểm tra của mã GTIN sai")
    shots(desktop, "xlsx-rejected-vi")
    desktop.goto(f"{live_server}/workspace/products?org={org.id}")
    expect(desktop.locator("main")).to_contain_text("0 sản phẩm")  # not even the good rows

    desktop.goto(f"{live_server}/imports")
    desktop.get_by_role("link", name="EN", exact=True).click()  # the language switch
    expect(desktop.locator("html")).to_have_attribute("lang", "en")
    upload(bad, "Products", "Dry run: check only, write nothing", "Upload and check", "xlsx-bad-en")
    bad_rows_listed("2 bad row(s); nothing was imported.")
    expect(desktop.locator("table.bad tbody tr").nth(1)).to_contain_text("must be 2 to 255 characters")
    shots(desktop, "xlsx-rejected-en")

    desktop.goto(f"{live_server}/imports")
    upload(good, "Products", "Dry run: check only, write nothing", "Upload and check", "xlsx-good-en")
    expect(desktop.locator("#import-done")).to_have_text("Created 3 products from 3 rows.")
    expect(desktop.locator("table.bad")).to_have_count(0)
    shots(desktop, "xlsx-imported-en")
    desktop.goto(f"{live_server}/workspace/products?org={org.id}")
    expect(desktop.locator("main")).to_contain_text("3 products")
    for name in names:
        expect(desktop.get_by_role("link", name=name)).to_be_visible()
    desktop.get_by_role("link", name="VI", exact=True).click()
    expect(desktop.locator("main")).to_contain_text("3 sản phẩm")
    shots(desktop, "products-listed-vi")


# --- admin ------------------------------------------------------------------------------------


def test_admin_adds_a_body_and_its_staff_locks_an_account_and_rotates_the_signing_key(
    app, world, live_server, desktop, shots
):
    login(desktop, live_server, world.admin.email, PASSWORD)
    desktop.get_by_role("link", name="Quản trị").click()
    shots(desktop, "admin")

    desktop.get_by_role("navigation", name="Mục quản trị").get_by_role("link", name="Tổ chức chứng nhận").click()
    body_name = "Trung tâm Chứng nhận Phù hợp Miền Bắc"
    form = desktop.locator("form.panel").filter(has=desktop.get_by_role("button", name="Thêm"))
    form.get_by_label("Tên").fill(body_name)
    form.get_by_label("Email").fill("lienhe@chungnhan.example.vn")
    form.get_by_role("button", name="Thêm").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Đã thêm tổ chức chứng nhận")
    expect(desktop.get_by_role("link", name=body_name)).to_be_visible()
    shots(desktop, "body-added")

    desktop.get_by_role("navigation", name="Mục quản trị").get_by_role("link", name="Tài khoản").click()
    new = desktop.locator("form").filter(has=desktop.get_by_role("button", name="Tạo tài khoản"))
    new.get_by_label("Email").fill("nhanvien@chungnhan")  # no dot in the domain: the server refuses it
    new.get_by_label("Mật khẩu").fill("mật khẩu đủ dài 2026")
    new.get_by_label("Vai trò").select_option("body_staff")
    new.get_by_label("Tổ chức chứng nhận").select_option(label=body_name)
    shots(desktop, "user-typed-bad-email")
    new.get_by_role("button", name="Tạo tài khoản").click()
    error = desktop.locator("#e-email")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(new.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(new.get_by_label("Email")).to_have_value("nhanvien@chungnhan")
    expect(new.get_by_label("Vai trò")).to_have_value("body_staff")
    expect(new.get_by_label("Tổ chức chứng nhận").locator("option:checked")).to_have_text(body_name)
    expect(new.get_by_label("Mật khẩu")).to_have_value("")  # a password is never sent back
    shots(desktop, "user-refused-beside-field")

    email = "nhanvien.chungnhan@example.vn"
    new.get_by_label("Email").fill(email)
    new.get_by_label("Mật khẩu").fill("mật khẩu đủ dài 2026")
    new.get_by_role("button", name="Tạo tài khoản").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Đã tạo tài khoản")
    row = desktop.locator("table tbody tr").filter(has_text=email)
    expect(row).to_contain_text(body_name)
    expect(row).to_contain_text("Đang hoạt động")
    shots(desktop, "user-created")

    def token_status() -> int:
        res = desktop.request.post(
            f"{live_server}/api/v1/auth/token", data={"email": email, "password": "mật khẩu đủ dài 2026"}
        )
        return res.status

    assert token_status() == 201
    row.get_by_role("button", name=f"Khoá {email}").click()
    expect(desktop.get_by_role("status").first).to_contain_text(f"Đã khoá tài khoản {email}")
    expect(row).to_contain_text("Đã khoá")
    assert token_status() == 401  # a locked account gets no token
    shots(desktop, "user-deactivated")
    row.get_by_role("button", name=f"Mở lại {email}").click()
    expect(desktop.get_by_role("status").first).to_contain_text(f"Đã mở lại tài khoản {email}")
    expect(row).to_contain_text("Đang hoạt động")
    assert token_status() == 201
    shots(desktop, "user-reactivated")

    desktop.get_by_role("navigation", name="Mục quản trị").get_by_role("link", name="Khoá ký mã QR").click()
    keys = desktop.locator("table tbody tr")
    expect(keys).to_have_count(1)
    old = keys.first.locator("td").first.inner_text()
    desktop.get_by_role("button", name="Đổi khoá ký").click()  # not confirmed: refused beside the box
    expect(desktop.locator("#e-confirm")).to_be_visible()
    expect(keys).to_have_count(1)
    shots(desktop, "rotate-unconfirmed")
    desktop.locator("#f-confirm").check()
    desktop.get_by_role("button", name="Đổi khoá ký").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Khoá ký mới")
    expect(keys).to_have_count(2)
    active = keys.filter(has_text="Đang dùng")
    expect(active).to_have_count(1)
    new_kid = active.locator("td").first.inner_text()
    assert new_kid != old
    expect(desktop.get_by_role("status").first).to_contain_text(new_kid)
    expect(keys.filter(has_text=old)).to_contain_text("Đã nghỉ")
    published = desktop.request.get(f"{live_server}/.well-known/registry-keys.json").text()
    assert new_kid in published and old in published
    shots(desktop, "key-rotated")


# --- keyboard and focus -----------------------------------------------------------------------


def test_login_by_keyboard_alone_in_a_sensible_order_with_visible_focus(app, world, live_server, desktop, shots):
    desktop.goto(f"{live_server}/login")
    walk = _tab_walk(
        desktop,
        until=lambda f: f["tag"] == "button",
        typing={"email": world.admin.email, "password": PASSWORD},
    )
    names = [f["name"] for f in walk]
    nav = ["Chuyển đến nội dung chính", "Cơ sở dữ liệu OCOP và tiêu chuẩn", "Tra cứu chứng chỉ", "Đăng nhập"]
    assert names[:6] == [*nav, "VI", "EN"], names
    assert [f["id"] for f in walk[6:8]] == ["email", "password"], names
    assert names[6:8] == [desktop.locator(f"label[for={i}]").inner_text() for i in ("email", "password")]
    assert len(walk) == 9 and walk[8]["name"] == desktop.locator("main form button").inner_text(), names
    _assert_focus_shows(walk)
    shots(desktop, "login-button-focused", full_page=False)
    desktop.keyboard.press("Shift+Tab")
    desktop.keyboard.press("Enter")  # from the password field
    desktop.wait_for_url("**/workspace")

    desktop.evaluate(NAME_JS)
    desktop.keyboard.press("Tab")
    skip = desktop.evaluate(FOCUSED_JS)
    assert skip["name"] == "Chuyển đến nội dung chính" and skip["onScreen"] and skip["visible"], skip
    shots(desktop, "workspace-skip-link", full_page=False)
    desktop.keyboard.press("Enter")
    assert desktop.evaluate("document.activeElement.id") == "main"


def test_producer_registers_a_product_by_keyboard_alone(app, world, live_server, desktop, shots):
    producer = world.user("producer", organization_id=world.organization().id)
    login(desktop, live_server, producer.email, PASSWORD)
    desktop.goto(f"{live_server}/workspace/products/new")
    desktop.evaluate(NAME_JS)
    unlabelled = desktop.evaluate(UNNAMED_CONTROLS_JS)
    assert not unlabelled, unlabelled

    desktop.keyboard.press("Tab")  # the skip link, then straight to the form
    desktop.keyboard.press("Enter")
    gtin = valid_gtin13(4711)
    typing = {"f-name": "Trà hoa vàng Ba Chẽ", "f-gtin": gtin}
    walk = _tab_walk(desktop, until=lambda f: f["tag"] == "button", typing=typing)
    names = [f["name"] for f in walk]
    assert names == [
        "‹ Danh sách sản phẩm",
        "Tên",
        "Nhóm sản phẩm OCOP",
        "Mã GTIN (mã vạch)",
        "Mô tả",
        "Sản phẩm chủ lực của tỉnh",
        "Đặc sản địa phương",
        "Có nhãn hiệu tập thể/chứng nhận",
        "Hàng hoá có nguy cơ cao",
        "Số sao OCOP",
        "Số quyết định OCOP",
        "Ngày quyết định OCOP",
        "Đăng ký",
    ], names
    _assert_focus_shows(walk)
    expect(desktop.locator("#gtin-live")).to_contain_text("Số kiểm tra đúng")
    shots(desktop, "product-submit-focused", full_page=False)
    desktop.keyboard.press("Enter")
    expect(desktop.get_by_role("status").first).to_contain_text("Đã đăng ký sản phẩm")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Trà hoa vàng Ba Chẽ")
    shots(desktop, "product-saved")


# --- automatic checks on a handful of pages -------------------------------------------------------


def test_pages_have_alt_text_named_controls_their_language_and_enough_contrast(app, world, live_server, desktop, shots):
    seeding.seed_demo(world.admin)
    officer = world.user("dost_officer", province="thai-nguyen")
    public = ["/", "/login", "/01/08938600000019", "/verify", "/search", "/stats", "/open-data/", "/verify/changes"]
    low: list[dict[str, Any]] = []
    for lang in ("en", "vi"):  # Vietnamese last: the login form below is read in Vietnamese
        for path in public:
            desktop.goto(f"{live_server}{path}?lang={lang}")
            shots(desktop, f"{lang}{path.replace('/', '-')}")
            low += _audit(desktop, lang)
    login(desktop, live_server, officer.email, PASSWORD)
    for lang in ("vi", "en"):
        for path in ("/workspace", "/dost"):
            desktop.goto(f"{live_server}{path}?lang={lang}")
            shots(desktop, f"{lang}{path.replace('/', '-')}")
            low += _audit(desktop, lang)
    assert low == [], "text below the contrast ratio"
