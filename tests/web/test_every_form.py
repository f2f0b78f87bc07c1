"""Every server-rendered form refuses bad input beside the field, in the page's language, keeping what was
typed and changing nothing — in Vietnamese and in English.

One row per form (or per kind of bad value) the other page tests do not already refuse this way; one test
posts it as a browser would, after opening the page in the language, and checks the whole promise.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models.place import Commune
from registry.services import audit, batches, certificates, consumer_reports, products, standards
from tests.conftest import PASSWORD, REFERENCE_TABLES
from tests.helpers import valid_gtin13
from tests.web.staff import csrf, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb"
BAD_GTIN = valid_gtin13(41)[:-1] + str((int(valid_gtin13(41)[-1]) + 1) % 10)
# Letters only Vietnamese uses: an English message holding one of them was not translated.
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịĩọỏốồổỗộớờởỡợụủũứừửữựỳỵỷỹ]", re.I)


@dataclass(frozen=True)
class Form:
    """A form, the bad input typed into it, and the field whose message must stand beside it."""

    role: str | None  # who signs in (None: an anonymous visitor)
    page: str  # the page holding the form; `{name}` is filled from the scene
    data: dict[str, Any]  # everything typed, good and bad
    field: str  # the field named: its message is the element with id `e-<field>` (`<field>-error` on scan pages)
    says: tuple[str, str]  # a piece of the message in Vietnamese, and in English
    action: str | None = None  # where the form posts, when not to the page itself
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    not_kept: tuple[str, ...] = ()  # typed values a page must not echo (passwords)


LONG = "Ư" * 256  # one past the 255 characters of a name
FORMS = {
    # --- producers ----------------------------------------------------------------------------------
    "organisation-name-too-long": Form(
        "producer", "/workspace/organization",
        {"name": LONG, "address": "Xóm 3, Tân Cương", "phone": "0208 3855 111", "email": "htx@chetancuong.vn"},
        "name", ("từ 2 đến 255 ký tự", "2 to 255 characters"),
    ),
    "product-name-left-empty": Form(
        "producer", "/workspace/products/new",
        {"name": "", "gtin": valid_gtin13(42), "ocop_group": "beverage", "description": "Chè búp khô loại 1",
         "is_specialty": "y"},
        "name", ("bắt buộc", "required"),
    ),
    "product-edit-gtin-check-digit": Form(
        "producer", "/workspace/products/{product}",
        {"name": "Chè búp Tân Cương loại đặc biệt", "gtin": BAD_GTIN, "ocop_group": "beverage",
         "ocop_decision_number": "12/QĐ-UBND"},
        "gtin", ("Số kiểm tra", "check digit"),
    ),
    "product-edit-date-31-feb": Form(
        "producer", "/workspace/products/{product}",
        {"name": "Chè búp Tân Cương", "ocop_stars": "4", "ocop_decision_number": "12/QĐ-UBND",
         "ocop_decision_date": "31/02/2026"},
        "ocop_decision_date", ("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    "product-withdraw-without-reason": Form(
        "producer", "/workspace/products/{product}", {"reason": "  "},
        "reason", ("bắt buộc", "required"), action="/workspace/products/{product}/withdraw",
    ),
    "product-apply-no-standard": Form(
        "producer", "/workspace/products/{product}", {"standard_id": ""},
        "standard_id", ("bắt buộc", "required"), action="/workspace/products/{product}/standards",
    ),
    "standard-code-left-empty-with-its-pdf": Form(
        "producer", "/workspace/standards",
        {"kind": "tccs", "code": "", "title": "Chè xanh sao suốt", "published_on": "2026-03-01",
         "note": "Ban hành nội bộ"},
        "code", ("bắt buộc", "required"), files={"document": (PDF, "tccs.pdf")},
    ),
    "standard-document-an-image": Form(
        "producer", "/workspace/standards",
        {"kind": "tccs", "code": "TCCS 02:2026/HTX", "title": "Chè xanh sao suốt", "published_on": "2026-03-01"},
        "document", ("PDF", "PDF"), files={"document": (PNG, "tccs.png")},
    ),
    "certificate-number-too-long": Form(
        "producer", "/workspace/certificates",
        {"number": "VC-" + "9" * 62, "certification_body_id": "{body}", "category": "gap",
         "issued_on": "2026-01-10", "expires_on": "2029-01-10", "scope": "Vùng chè 5 ha"},
        "number", ("1 đến 64", "1 to 64"),
    ),
    "batch-date-31-feb": Form(
        "producer", "/workspace/batches",
        {"product_id": "{product}", "lot": "T-31", "produced_on": "31/02/2026", "quantity": "12,5", "unit": "KGM"},
        "produced_on", ("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    "batch-negative-quantity": Form(
        "producer", "/workspace/batches",
        {"product_id": "{product}", "lot": "T-32", "produced_on": "2026-02-20", "quantity": "-5", "unit": "XBX"},
        "quantity", ("0", "0"),
    ),
    "batch-lot-too-long": Form(
        "producer", "/workspace/batches",
        {"product_id": "{product}", "lot": "L" * 21, "quantity": "3", "unit": "KGM"},
        "lot", ("1 đến 20", "1 to 20"),
    ),
    "trace-event-time-left-empty": Form(
        "producer", "/workspace/batches/{batch}",
        {"biz_step": "packing", "occurred_at": "", "commune_id": "{commune}", "note": "Đóng gói 200 hộp"},
        "occurred_at", ("bắt buộc", "required"),
    ),
    "trace-event-gln-check-digit": Form(
        "producer", "/workspace/batches/{batch}",
        {"biz_step": "shipping", "occurred_at": "2026-11-20T08:30", "gln": "8938600000013", "note": "Xe 20C-123"},
        "gln", ("GLN", "GLN"),
    ),
    # --- certification bodies -------------------------------------------------------------------------
    "issue-date-31-feb": Form(
        "body_staff", "/body/certificates/new?holder={org}",
        {"number": "VICB-31", "category": "organic", "issued_on": "31/02/2026", "expires_on": "2029-03-01",
         "product_ids": "{product}", "scope": "Chè hữu cơ"},
        "issued_on", ("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    "body-status-reason-too-long": Form(
        "body_staff", "/body/certificates/{cert}", {"action": "suspend", "reason": "Mẫu không đạt. " * 200},
        "reason", ("1 đến 2000", "1 to 2000"), action="/body/certificates/{cert}/status",
    ),
    # --- inspectors -----------------------------------------------------------------------------------
    "inspector-withdraw-without-reason": Form(
        "inspector", "/inspect/certificates/{cert}", {"action": "withdraw", "reason": ""},
        "reason", ("lý do", "reason"), action="/inspect/certificates/{cert}/status",
    ),
    "report-outcome-too-long": Form(
        "inspector", "/inspect/reports", {"outcome": "Đã xác minh. " * 400},
        "outcome-{report}", ("ký tự", "characters"), action="/inspect/reports/{report}/close",
    ),
    # --- DOST -----------------------------------------------------------------------------------------
    "activity-negative-attendees": Form(
        "dost_officer", "/dost/activities/new",
        {"kind": "training", "organization_id": "", "held_on": "2026-04-01", "attendees": "-3",
         "agency": "Sở KH&CN Thái Nguyên", "note": "Lớp tập huấn TCCS"},
        "attendees", ("0", "0"),
    ),
    "activity-date-31-feb": Form(
        "dost_officer", "/dost/activities/new",
        {"kind": "guidance", "organization_id": "{tax_code}", "held_on": "31/02/2026", "agency": "Chi cục TĐC"},
        "held_on", ("YYYY-MM-DD", "YYYY-MM-DD"),
    ),
    "figure-negative-value": Form(
        "dost_officer", "/dost/figures", {"year": "2026", "value": "-5", "as_of": "2026-10-31",
                                          "evidence": "Báo cáo số 12/BC-SKHCN"},
        "TN-DISSEM-value", ("0", "0"), action="/dost/figures/TN-DISSEM",
    ),
    "figure-date-31-feb": Form(
        "dost_officer", "/dost/figures", {"year": "2026", "value": "40", "as_of": "31/02/2026",
                                          "evidence": "Báo cáo số 13/BC-SKHCN"},
        "TN-DISSEM-as_of", ("YYYY-MM-DD", "YYYY-MM-DD"), action="/dost/figures/TN-DISSEM",
    ),
    "province-user-bad-email": Form(
        "dost_officer", "/dost/users",
        {"email": "grower-at-htx.vn", "password": PASSWORD, "role": "producer", "organization": "{org}"},
        "email", ("email", "email"), not_kept=("password",),
    ),
    "province-user-email-too-long": Form(
        "dost_officer", "/dost/users", {"email": "a" * 250 + "@htx.vn", "password": "", "role": "inspector"},
        "email", ("255", "255"),
    ),
    # --- admins ---------------------------------------------------------------------------------------
    "admin-user-email-left-empty": Form(
        "admin", "/admin/users", {"email": "", "password": PASSWORD, "role": "dost_officer", "province": "gia-lai"},
        "email", ("email", "email"), not_kept=("password",),
    ),
    "admin-user-password-too-long": Form(
        "admin", "/admin/users", {"email": "clerk@cb.vn", "password": "p" * 513, "role": "inspector"},
        "password", ("512", "512"), not_kept=("password",),
    ),
    "admin-body-edit-name-left-empty": Form(
        "admin", "/admin/bodies/{body}",
        {"name": "", "accreditation_number": "VICAS 009", "phone": "024 3791 1234", "website": "https://cb.vn"},
        "name", ("bắt buộc", "required"),
    ),
    # --- imports, consumers, signing in ---------------------------------------------------------------
    "import-a-photo": Form(
        "dost_officer", "/imports", {"kind": "support-activities", "dry_run": "1"},
        "file", ("CSV", "CSV"), files={"file": (JPEG, "rows.csv")},
    ),
    "consumer-report-contact-too-long": Form(
        None, "/01/{gtin}/report", {"kind": "defect", "message": "Nắp chai bị hở", "contact": "0912 " * 60},
        "contact", ("255", "255"),
    ),
    "login-password-left-empty": Form(
        None, "/login", {"email": "someone@htx.vn", "password": ""},
        "password", ("bắt buộc", "required"), not_kept=("password",),
    ),
}  # fmt: skip


@pytest.fixture
def scene(world: Any) -> dict[str, Any]:
    org = world.organization("thai-nguyen")
    product = products.create_product(
        world.admin, {"organization_id": org.id, "name": "Chè búp Tân Cương", "gtin": valid_gtin13(40)}
    )
    standard = standards.create_standard(
        world.admin, {"kind": "tccs", "code": "TCCS 01:2026/HTX", "title": "Chè búp", "organization_id": org.id}
    )
    body = world.body()
    cert = certificates.create_certificate(
        world.admin,
        {"number": "VICB-1", "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
         "issued_on": date(2026, 3, 1), "expires_on": date(2029, 3, 1)},
    )  # fmt: skip
    batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": "L-01"})
    report = consumer_reports.create_report(None, product.id, None, {"kind": "defect", "message": "Vỡ nắp"})
    scopes = {
        "producer": {"organization_id": org.id},
        "body_staff": {"body_id": body.id},
        "dost_officer": {"province": "thai-nguyen"},
    }
    commune = db.session.scalar(select(Commune.id).where(Commune.province_id == org.province_id).limit(1))
    return {
        "user": lambda role: world.admin if role == "admin" else world.user(role, **scopes.get(role, {})),
        "ids": {"org": org.id, "tax_code": org.tax_code, "product": product.id, "standard": standard.id,
                "body": body.id, "cert": cert.id, "batch": batch.id, "report": report.id, "gtin": product.gtin,
                "commune": commune},
    }  # fmt: skip


class _Controls(HTMLParser):
    """The values each form on a page shows, by the path it posts to: {path: {name: [values]}}."""

    def __init__(self, here: str) -> None:
        super().__init__(convert_charrefs=True)
        self.here = here  # where a form without an action posts
        self.forms: dict[str, dict[str, list[str]]] = {}
        self._form: dict[str, list[str]] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = self.forms.setdefault(urlsplit(a.get("action", "")).path or self.here, {})
        if self._form is None or (not a.get("name") and tag != "option"):
            return
        if tag == "input" and a.get("type") not in ("hidden", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:  # a box counts when ticked
                self._form.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.setdefault(a["name"], []).append("")
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form[self._textarea][-1] += data


def _fill(text: str, ids: dict[str, Any]) -> str:
    return text.format(**ids) if "{" in text else text


def _everything() -> dict[str, list[tuple]]:
    """Every row of every table the application writes (not the reference data), to see that nothing changed."""
    db.session.rollback()
    return {
        t.name: sorted(map(tuple, db.session.execute(select(t)).all()), key=repr)
        for t in db.metadata.sorted_tables
        if t.name not in REFERENCE_TABLES
    }


def _message(page: str, name: str, anonymous_scan_page: bool) -> str:
    element = f"{name}-error" if anonymous_scan_page else f"e-{name}"
    match = re.search(rf'<p class="err" id="{element}"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no message beside {name}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def _refused(client: Any, form: Form, ids: dict[str, Any], lang: str) -> str:
    """Open the form's page in `lang`, post the bad input, check the promise; the message shown."""
    page_url = _fill(form.page, ids)
    opened = client.get(f"{page_url}{'&' if '?' in page_url else '?'}lang={lang}", headers={"Accept": "text/html"})
    assert opened.status_code == 200, opened.status_code
    token = csrf(opened.get_data(as_text=True))
    before = (audit.head(), _everything())  # after the visit, which remembers the user's language

    typed = {k: _fill(v, ids) for k, v in form.data.items()}
    files = {k: (io.BytesIO(content), filename) for k, (content, filename) in form.files.items()}
    action = _fill(form.action or form.page, ids)
    res = client.post(
        f"{action}{'&' if '?' in action else '?'}lang={lang}",
        data={**typed, **files, "csrf_token": token},
        content_type="multipart/form-data" if files else None,
        headers={"Accept": "text/html"},
    )
    page = res.get_data(as_text=True)

    assert res.status_code in (400, 422), (lang, res.status_code, page[:300])
    assert f'<html lang="{lang}"' in page
    message = _message(page, _fill(form.field, ids), anonymous_scan_page=form.page.startswith("/01/"))
    assert form.says[0 if lang == "vi" else 1] in message, (lang, message)
    if lang == "en":
        assert not VIETNAMESE.search(message), f"Vietnamese in the English message: {message}"
    else:
        assert VIETNAMESE.search(message), f"not Vietnamese: {message}"

    parser = _Controls(urlsplit(action).path)
    parser.feed(page)
    shown = parser.forms.get(urlsplit(action).path)
    assert shown is not None, f"the form posting to {action} is not on the page again"
    for key, value in typed.items():
        if key in form.not_kept:
            assert value == "" or value not in shown.get(key, []), f"{key} echoed"
            continue
        want = value.strip()
        assert want in [v.strip() for v in shown.get(key, [])] or (want == "" and not shown.get(key)), (
            lang,
            key,
            value[:40],
            shown.get(key),
        )
    assert (audit.head(), _everything()) == before, f"{lang}: something was written"
    return message


@pytest.mark.parametrize("name", list(FORMS))
def test_bad_input_is_refused_beside_the_field_in_the_pages_language_keeping_what_was_typed(
    scene, world, client, name
) -> None:
    form = FORMS[name]
    if form.role:
        login(client, scene["user"](form.role))
    vietnamese = _refused(client, form, scene["ids"], "vi")
    english = _refused(client, form, scene["ids"], "en")
    assert vietnamese != english
