"""Every page a role reaches reads wholly in the language chosen: no Vietnamese on an English page, and the other way.

The world's records have English (ASCII) names and values, so any Vietnamese letter left on an English page is
the application's own text (a template string outside `_()`, a label from a rule table shown in the wrong
language), not data. The pages are those of `STAFF_PAGES` (tests/web/test_access_matrix.py) that each role may
open, plus the public pages a consumer or visitor sees.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from registry.services import activities, batches, certificates, consumer_reports, organizations, products, standards
from tests.helpers import valid_gtin13, valid_tax_code
from tests.web.test_access_matrix import ADMIN, ANON, BODY, DOST, INSPECTOR, PRODUCER, STAFF_PAGES, concrete, sign_in

GTIN = valid_gtin13(42)
RECORD_NAMES = {"Green Tea Cooperative", "Green Certification Centre", "Green tea"}
LOT = "LOT-2026-01"

# Data that is Vietnamese by nature and shown as it is in every language. Kept short on purpose: anything else
# Vietnamese on an English page is a text to translate.
DATA_VALUES = (
    "Thái Nguyên",  # the province of the organisation, officers and inspectors: a proper name
    "876/QĐ-TTg",  # the Prime Minister's decision number in the plan's title: an official document code
)

# Pickers whose options are the seeded communes and wards of the province: place names, data like DATA_VALUES.
PLACE_PICKERS = {"commune", "commune_id"}

# After NFD: grave, acute, circumflex, tilde, breve, hook above, horn, dot below; and đ, which has no decomposition.
VIETNAMESE_MARKS = "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"
VIETNAMESE = re.compile(f"[{VIETNAMESE_MARKS}đĐ]")
SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
BUTTON_TYPES = {"submit", "button", "reset"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """The text a person reads (or hears from a screen reader): element text, shown attributes, button labels;
    never scripts, styles, the values of fields (data the page was given), the options of a place picker, or
    what the page itself marks as Vietnamese (`lang="vi"`: the plan's wording quoted verbatim beside its English,
    the name "Tiếng Việt" on a language switch)."""

    def __init__(self, other: str) -> None:
        super().__init__(convert_charrefs=True)
        self.other = other  # the language whose marked parts are left out
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._open: list[tuple[str, bool]] = []  # open elements, and whether their text is left out
        self._heading: list[str] | None = None

    @property
    def _skipped(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = (
            self._skipped
            or tag in ("script", "style")
            or (values.get("lang") or "").startswith(self.other)
            or (tag == "select" and values.get("name") in PLACE_PICKERS)
        )
        if not skip:
            for name in SHOWN_ATTRIBUTES & values.keys():
                self.parts.append(values[name] or "")
            if tag == "input" and values.get("type") in BUTTON_TYPES:
                self.parts.append(values.get("value") or "")
        if tag in VOID:
            return
        self._open.append((tag, skip))
        if tag in ("h1", "h2"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        if any(name == tag for name, _ in self._open):  # close it and whatever it left open (</p>, </li>)
            while self._open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._skipped:
            return
        self.parts.append(data)
        if self._heading is not None:
            self._heading.append(data)


def visible(html: str, page_lang: str = "en") -> _VisibleText:
    parser = _VisibleText(other="vi" if page_lang == "en" else "en")
    parser.feed(html)
    parser.close()
    return parser


def vietnamese_snippets(html: str, page_lang: str = "en") -> list[str]:
    """Each piece of visible text (a text node or a shown attribute) that holds a Vietnamese letter, once."""
    found: list[str] = []
    for part in visible(html, page_lang).parts:
        text = " ".join(part.split())
        for value in DATA_VALUES:
            text = text.replace(value, "…")
        if VIETNAMESE.search(unicodedata.normalize("NFD", text)) and text not in found:
            found.append(text[:100])
    return found


def html_lang(html: str) -> str | None:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
    return match.group(1) if match else None


@pytest.fixture
def english_world(world) -> dict[str, Any]:
    """One organisation of Thai Nguyen with a product, a TCCS, a certificate, a batch with an event, a consumer
    report and a support activity; one user per role; every name and value in ASCII."""
    org = organizations.create_organization(
        world.admin,
        {
            "name": "Green Tea Cooperative",
            "kind": "cooperative",
            "tax_code": valid_tax_code(42),
            "province": "thai-nguyen",
        },
    )
    body = organizations.create_body(world.admin, {"name": "Green Certification Centre"})
    product = products.create_product(
        world.admin,
        {
            "organization_id": org.id,
            "name": "Green tea",
            "gtin": GTIN,
            "ocop_group": "beverage",
            "ocop_stars": 4,
            "ocop_decision_number": "123/QD-UBND",
            "ocop_decision_date": date(2026, 1, 15),
            "is_key_product": True,
        },
    )
    standard = standards.create_standard(
        world.admin, {"kind": "tccs", "code": "TCCS 01:2026/GTC", "title": "Green tea buds", "organization_id": org.id}
    )
    products.apply_standard(world.admin, product.id, standard.id)
    cert = certificates.create_certificate(
        world.admin,
        {
            "number": "GTC-CERT-001",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "gap",
            "issued_on": date(2026, 2, 1),
            "expires_on": date(2029, 2, 1),
            "product_ids": [product.id],
            "standard_ids": [standard.id],
        },
    )
    batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": LOT})
    batches.add_event(
        world.admin,
        batch.id,
        {"biz_step": "harvesting", "occurred_at": datetime(2026, 3, 1, 2, 0, tzinfo=UTC), "gln": valid_gtin13(7)},
    )
    report = consumer_reports.create_report(
        None, product.id, batch.id, {"kind": "label", "message": "The label is blurred", "contact": "0912 345 678"}
    )
    users = {
        ANON: None,
        PRODUCER: world.user(PRODUCER, organization_id=org.id),
        BODY: world.user(BODY, body_id=body.id),
        INSPECTOR: world.user(INSPECTOR, province="thai-nguyen"),
        DOST: world.user(DOST, province="thai-nguyen"),
        ADMIN: world.admin,
    }
    activities.create_activity(
        users[DOST],
        {"kind": "guidance", "held_on": date(2026, 3, 2), "organization_id": org.id, "agency": "Provincial DOST"},
    )
    target = world.user(PRODUCER, organization_id=org.id)
    values = {
        "product_id": product.id,
        "standard_id": standard.id,
        "batch_id": batch.id,
        "cert_id": cert.id,
        "body_id": body.id,
        "report_id": report.id,
        "user_id": target.id,
        "action": "deactivate",
        "code": "TN-DISSEM",
    }
    public = ["/", "/login", "/verify", f"/verify/{cert.id}", f"/01/{GTIN}", f"/01/{GTIN}/10/{LOT}"]
    public += [
        f"/01/{GTIN}/report",
        "/stats/thai-nguyen",
        "/stats",
        "/open-data/",
        "/verify/changes",
        "/search?q=che",
        "/voc/",
        "/voc/BizStep-harvesting",
        "/places/provinces/thai-nguyen",
    ]
    # An officer or an admin first chooses the organisation, an admin also the province: their pages past it.
    workspace = ("organization", "products", "products/new", "standards", "certificates", "batches")
    chosen = [f"/workspace/{page}?org={org.id}" for page in workspace]
    dost = ("", "/records?metric=certificates&", "/activities", "/activities/new", "/figures", "/users")
    extra = {
        DOST: chosen,
        ADMIN: chosen + [f"/dost{page}{'' if page.endswith('&') else '?'}province=thai-nguyen" for page in dost],
    }
    return {"users": users, "values": values, "public": public, "extra": extra}


def pages_of(role: str, world: dict[str, Any]) -> list[str]:
    urls = [
        concrete(rule, world["values"])
        for (method, rule), allowed in sorted(STAFF_PAGES.items())
        if method == "GET" and role in allowed
    ]
    return urls + world["extra"].get(role, []) + world["public"]


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def _fetch(client: Any, url: str, lang: str) -> str:
    res = client.get(with_lang(url, lang), headers={"Accept": "text/html"}, follow_redirects=True)  # as a browser
    assert res.status_code == 200, (url, lang, res.status_code)
    return res.get_data(as_text=True)


def language_problems(role: str, url: str, en: str, vi: str) -> list[str]:
    """What is wrong with the English and the Vietnamese page at `url`, named so it can be found."""
    where = f"{role} {url}"
    problems = [f"{where}: {snippet!r}" for snippet in vietnamese_snippets(en)]
    for lang, html in (("en", en), ("vi", vi)):
        if html_lang(html) != lang:
            problems.append(f"{where}: <html lang={html_lang(html)!r}> on the {lang} page")
    # The other way, loosely: the Vietnamese page is Vietnamese, with its own headings unless they are all names.
    if not vietnamese_snippets(vi, "vi"):
        problems.append(f"{where}: no Vietnamese text on the vi page")
    headings = visible(en).headings
    if headings == visible(vi, "vi").headings and not set(headings) <= RECORD_NAMES:
        problems.append(f"{where}: the same headings in both languages: {headings}")
    return problems


def test_every_page_reads_wholly_in_english_for_every_role_and_in_vietnamese_when_chosen(client, english_world):
    problems: list[str] = []
    for role, user in english_world["users"].items():
        sign_in(client, user)
        for url in pages_of(role, english_world):
            problems += language_problems(role, url, _fetch(client, url, "en"), _fetch(client, url, "vi"))
    assert problems == [], "pages not wholly in their language:\n" + "\n".join(problems)


def test_the_check_names_untranslated_text_but_not_marked_quotes_place_pickers_or_data():
    en = (
        '<html lang="en"><head><title>Products</title><style>p::after{content:"Sản"}</style></head><body>'
        '<h1>Products</h1><nav aria-label="Điều hướng"><a href="?lang=vi" lang="vi">Tiếng Việt</a></nav>'
        '<p lang="vi">Phấn đấu <b>100%</b></p><p>Thái Nguyên</p><input type="text" value="Chè">'
        '<select name="commune_id"><option>Xã Chợ Rã<option>Phường Gia Sàng</select>'
        '<button>Lưu</button><input type="submit" value="Gửi"><p>Ok</p></body></html>'
    )
    vi = '<html lang="vi"><body><h1>Products</h1></body></html>'
    assert vietnamese_snippets(en) == ["Điều hướng", "Lưu", "Gửi"]
    assert language_problems("producer", "/x", en, vi) == [
        "producer /x: 'Điều hướng'",
        "producer /x: 'Lưu'",
        "producer /x: 'Gửi'",
        "producer /x: no Vietnamese text on the vi page",
        "producer /x: the same headings in both languages: ['Products']",
    ]
