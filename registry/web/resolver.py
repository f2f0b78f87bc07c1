"""The GS1 Digital Link resolver: /01/{gtin}[/22/…][/10/…][/21/…] as page, JSON or RFC 9264 linkset."""

from __future__ import annotations

import os
import threading
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, json, redirect, render_template, request, request_finished
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from registry import vocabulary
from registry.errors import FieldError, InvalidInput, NotFound
from registry.extensions import limiter
from registry.messages import SUPPORTED, problem_title, render_rule
from registry.models.report import REPORT_KINDS
from registry.services import consumer_reports, digital_link
from registry.services.digital_link import DigitalLink, InvalidDigitalLink
from registry.services.scan_cache import DEFAULT_CHECK_SECONDS, Cached, ScanCache, subscribe
from registry.services.timefmt import today_vn
from registry.web import scan_front
from registry.web.security import NONCE_PLACEHOLDER, csp_nonce

bp = Blueprint("resolver", __name__, template_folder="templates")

VOC = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"
PROBLEM_TYPE = "https://registry.invalid/problems/"
# Link types this resolver can answer, by their compact (gs1:) name.
KNOWN_LINK_TYPES = ("pip", "certificationInfo", "traceability", "epcis", "defaultLink")
# The scan answer depends on nothing but the URL and these headers: no cookie is read or set, so a
# shared cache (proxy, CDN) may keep it. The report form, which needs a CSRF token, has its own page.
VARY = "Accept, Accept-Language"
_NONCE_BYTES = NONCE_PLACEHOLDER.encode()
_cache_lock = threading.Lock()

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "site": "Tra cứu sản phẩm",
        "gtin": "Mã GTIN",
        "producer": "Nhà sản xuất",
        "contact": "Liên hệ",
        "ocop": "Sản phẩm OCOP",
        "stars": "sao",
        "decision": "Quyết định",
        "dated": "ngày",
        "valid_until": "hiệu lực đến",
        "ocop_lapsed": "Chứng nhận OCOP đã hết thời hạn 36 tháng.",
        "standards": "Tiêu chuẩn áp dụng",
        "document": "Xem tài liệu",
        "certificates": "Chứng nhận",
        "no_certificates": "Chưa có chứng nhận nào được ghi nhận.",
        "body": "Tổ chức chứng nhận",
        "issued": "Cấp ngày",
        "expires": "Hết hạn",
        "verify": "Kiểm tra",
        "valid": "Còn hiệu lực",
        "suspended": "Tạm đình chỉ",
        "withdrawn": "Đã thu hồi",
        "expired": "Hết hiệu lực",
        "declared": "Tự công bố",
        "self_declared": "Tự công bố — chưa được chứng nhận",
        "no_body": "không có (tự công bố)",
        "warning": "Cảnh báo: có chứng nhận của sản phẩm này đã bị đình chỉ, thu hồi hoặc hết hiệu lực.",
        "product_withdrawn": "Cảnh báo: sản phẩm này đã bị thu hồi khỏi cơ sở dữ liệu.",
        "batch": "Lô sản xuất",
        "lot": "Số lô",
        "produced_on": "Ngày sản xuất",
        "expires_on": "Hạn sử dụng",
        "quantity": "Số lượng",
        "timeline": "Hành trình của lô",
        "no_events": "Chưa có sự kiện truy xuất nào.",
        "inputs": "Nguyên liệu từ lô",
        "report": "Báo cáo vấn đề",
        "report_hint": "Nghi ngờ hàng giả hoặc sản phẩm lỗi? Gửi cho cơ quan quản lý thị trường.",
        "report_about": "Báo cáo về sản phẩm",
        "kind": "Loại vấn đề",
        "counterfeit": "Nghi hàng giả",
        "defect": "Lỗi chất lượng",
        "label": "Nhãn mác sai",
        "other": "Khác",
        "message": "Mô tả",
        "contact_optional": "Liên hệ của bạn (không bắt buộc)",
        "send": "Gửi báo cáo",
        "thanks": "Cảm ơn bạn. Báo cáo đã được gửi tới cơ quan kiểm tra.",
        "back": "Quay lại sản phẩm",
        "not_found": "Không tìm thấy sản phẩm",
        "not_found_gtin": "Mã GTIN {gtin} chưa được đăng ký trong cơ sở dữ liệu.",
        "not_found_lot": "Sản phẩm này không có lô {lot} trong cơ sở dữ liệu.",
        "bad_link": "Đường dẫn mã sản phẩm không hợp lệ",
        "switch": "English",
    },
    "en": {
        "site": "Product check",
        "gtin": "GTIN",
        "producer": "Producer",
        "contact": "Contact",
        "ocop": "OCOP product",
        "stars": "stars",
        "decision": "Decision",
        "dated": "of",
        "valid_until": "valid until",
        "ocop_lapsed": "The OCOP rating has passed its 36 months.",
        "standards": "Standards applied",
        "document": "Read the document",
        "certificates": "Certificates",
        "no_certificates": "No certificate is recorded.",
        "body": "Certification body",
        "issued": "Issued",
        "expires": "Expires",
        "verify": "Verify",
        "valid": "Valid",
        "suspended": "Suspended",
        "withdrawn": "Withdrawn",
        "expired": "Expired",
        "declared": "Declared",
        "self_declared": "Self-declared — not certified",
        "no_body": "none (self-declared)",
        "warning": "Warning: a certificate of this product is suspended, withdrawn or expired.",
        "product_withdrawn": "Warning: this product has been withdrawn from the registry.",
        "batch": "Batch",
        "lot": "Lot",
        "produced_on": "Produced on",
        "expires_on": "Best before",
        "quantity": "Quantity",
        "timeline": "The batch's journey",
        "no_events": "No trace event is recorded yet.",
        "inputs": "Made from lots",
        "report": "Report a problem",
        "report_hint": "Suspect a counterfeit or a defect? Tell the market inspectors.",
        "report_about": "Report about the product",
        "kind": "Kind of problem",
        "counterfeit": "Suspected counterfeit",
        "defect": "Quality defect",
        "label": "Wrong label",
        "other": "Other",
        "message": "What happened",
        "contact_optional": "Your contact (optional)",
        "send": "Send report",
        "thanks": "Thank you. Your report has been sent to the inspectors.",
        "back": "Back to the product",
        "not_found": "Product not found",
        "not_found_gtin": "GTIN {gtin} is not registered.",
        "not_found_lot": "This product has no lot {lot} in the registry.",
        "bad_link": "This product link is not valid",
        "switch": "Tiếng Việt",
    },
}
# The timeline's names of business steps, from the one bilingual table (registry/vocabulary.py).
BIZ_STEPS = {
    lang: {code: vocabulary.text(vocabulary.BIZ_STEPS, code, lang) for code in vocabulary.BIZ_STEPS}
    for lang in ("vi", "en")
}


@bp.record_once
def _on_register(state: BlueprintSetupState) -> None:
    request_finished.connect(_vary_without_cookie, state.app)


def _vary_without_cookie(_sender: Flask, response: Response, **_extra: Any) -> None:
    """Flask adds `Vary: Cookie` once anything touched the session, and flask-login's after_request hook
    always does; a scan answer never reads the session (see scan_locale), so shared caches need not split on it.
    """
    if g.get("scan_answer"):
        response.headers["Vary"] = VARY


# --- helpers ---------------------------------------------------------------------------------


def _raw_path(suffix: str = "") -> str:
    """The path as sent, still percent-encoded (a %2F inside a lot must not split it)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(request.path)
    path = raw.split("?", 1)[0]
    if "://" in path:  # absolute-form request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return path.removesuffix(suffix)


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "link"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def scan_locale() -> str:
    """`?lang=`, then Accept-Language, then Vietnamese: never the session, so the answer varies only as VARY says."""
    lang = request.args.get("lang")
    if lang in SUPPORTED:
        return str(lang)
    return request.accept_languages.best_match(SUPPORTED, default="vi") or "vi"


def _wanted() -> str:
    """`html`, `json` or `linkset` from the Accept header; a browser's */* falls back to html."""
    return _wanted_for(request.headers.get("Accept", ""))


@lru_cache(maxsize=1024)
def _wanted_for(accept: str) -> str:
    """Memoised per header value: phones and scanners send a handful of distinct Accept headers."""
    best = parse_accept_header(accept, MIMEAccept).best_match(
        ["text/html", "application/json", LINKSET], default="text/html"
    )
    return {"application/json": "json", LINKSET: "linkset"}.get(best or "", "html")


def _json(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


def _problem(status: int, code: str, lang: str, errors: list[FieldError] | None = None, detail: str = "") -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": problem_title(code, lang),
        "status": status,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [
            {"field": e.field, "rule": e.rule, "message": render_rule(e.rule, lang, e.field, e.params)} for e in errors
        ]
        detail = " ".join(item["message"] for item in body["errors"])
    if detail:
        body["detail"] = detail
    response = _json(body, status, "application/problem+json")
    response.headers["Content-Language"] = lang
    return response


def _page(lang: str, status: int = 200, cached: bool = False, **context: Any) -> Response:
    """The consumer page in one of its modes; `cached` renders the nonce placeholder for the scan cache."""
    t = TEXT[lang]
    if cached:
        context["csp_nonce"] = lambda: NONCE_PLACEHOLDER
    html = render_template("scan.html", lang=lang, t=t, steps=BIZ_STEPS[lang], kinds=REPORT_KINDS, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = VARY
    return response


def _error(lang: str, status: int, code: str, message: str, errors: list[FieldError] | None = None) -> Response:
    if _wanted() != "html":
        return _problem(status, code, lang, errors, message)
    details = [render_rule(e.rule, lang, e.field, e.params) for e in errors or []]
    return _page(lang, status, mode="error", heading=message, details=details)


def _parse(suffix: str = "") -> DigitalLink:
    query = {k: v for k, v in request.args.items()}
    return digital_link.parse(_raw_path(suffix), query)


def _not_found(lang: str, err: NotFound, link: DigitalLink, cached: bool = False) -> Response:
    t = TEXT[lang]
    if err.rule == "unknown_lot":
        text = t["not_found_lot"].format(lot=link.lot)
    else:
        text = t["not_found_gtin"].format(gtin=link.gtin)
    if _wanted() != "html":
        return _problem(404, "not_found", lang, detail=text)
    return _page(lang, 404, cached, mode="error", heading=t["not_found"], details=[text])


# --- links -----------------------------------------------------------------------------------


def linkset(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The RFC 9264 linkset of one Digital Link, with GS1 link types as full vocabulary URIs."""
    base, link = _base(), data["link"]
    anchor = base + link.path
    name = data["product"]["name"]
    entry: dict[str, Any] = {"anchor": anchor}
    pages = [
        {"href": f"{anchor}?lang={code}", "title": name, "type": "text/html", "hreflang": [code]}
        for code in (lang, "en" if lang == "vi" else "vi")
    ]
    entry[VOC + "defaultLink"] = [pages[0]]
    entry[VOC + "pip"] = pages
    certs = data["certificates"]
    if certs:
        entry[VOC + "certificationInfo"] = [
            {"href": f"{base}/verify/{c['id']}", "title": c["number"], "type": "text/html"} for c in certs
        ]
    if data["batch"] is not None:
        batch_id = data["batch"]["id"]
        entry[VOC + "traceability"] = [
            {
                "href": f"{base}/api/v1/batches/{batch_id}/events",
                "title": f"{name} — {link.lot}",
                "type": "application/json",
            }
        ]
        entry[VOC + "epcis"] = [
            {
                "href": f"{base}/api/v1/batches/{batch_id}/epcis",
                "title": f"EPCIS {link.lot}",
                "type": "application/ld+json",
            }
        ]
    return {"linkset": [entry]}


def _link_type_key(raw: str) -> str | None:
    for prefix in ("gs1:", VOC):
        if raw.startswith(prefix) and raw[len(prefix) :] in KNOWN_LINK_TYPES:
            return VOC + raw[len(prefix) :]
    return None


# --- views -----------------------------------------------------------------------------------


def _check_seconds(app: Flask) -> float:
    """SCAN_CACHE_CHECK_SECONDS from the config, then the environment; off under TESTING unless set."""
    value = app.config.get("SCAN_CACHE_CHECK_SECONDS", os.environ.get("SCAN_CACHE_CHECK_SECONDS"))
    if value is None:
        return 0.0 if app.testing else DEFAULT_CHECK_SECONDS
    return float(value)


def scan_cache() -> ScanCache:
    """This app's cache of rendered scan answers, made on first use (one per process and app)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get("scan_cache")
    if cache is None:
        with _cache_lock:
            cache = app.extensions.get("scan_cache")
            if cache is None:
                cache = app.extensions["scan_cache"] = ScanCache(_check_seconds(app))
                if cache.enabled and app.config.get("REDIS_URL"):
                    subscribe(cache, app.config["REDIS_URL"])
    return cache  # type: ignore[no-any-return]


def _from_cache(hit: Cached) -> Response:
    body = hit.body
    if _NONCE_BYTES in body:
        body = body.replace(_NONCE_BYTES, csp_nonce().encode())
    response = Response(body, status=hit.status, mimetype=hit.mimetype)
    response.headers.extend(hit.headers)
    return response


def _to_cache(response: Response) -> Cached:
    headers = tuple((k, v) for k, v in response.headers.items() if k in ("Link", "Vary", "Content-Language"))
    return Cached(response.status_code, response.get_data(), response.mimetype or "text/html", headers)


@bp.get("/01/<path:rest>")
def resolve(rest: str) -> Response:
    """Answers the page, JSON and linkset from the scan cache; only link-type redirects skip it."""
    g.scan_answer = True
    lang = scan_locale()
    t = TEXT[lang]
    try:
        link = _parse()
    except InvalidDigitalLink as err:
        return _error(lang, 400, "invalid_digital_link", t["bad_link"], err.errors)
    if not link.is_canonical:
        query = request.query_string.decode()
        return redirect(link.path + (f"?{query}" if query else ""), 301)  # type: ignore[return-value]
    link_type = request.args.get("linkType")
    wanted = _wanted()
    if link_type in ("linkset", "all") or (link_type is None and wanted == "linkset"):
        kind = "linkset"
    elif link_type:
        return _by_link_type(link, lang, link_type)
    else:
        kind = wanted
    cache = scan_cache()
    if not cache.enabled:
        return _render(link, lang, kind)
    generation = cache.generation()  # before reading anything, so a write noticed meanwhile wins
    request.environ[scan_front.MARK] = (generation, csp_nonce())  # the front door may keep this answer
    key = (link.path, tuple(sorted(link.attributes.items())), kind, lang, today_vn())
    hit = cache.get(key)
    if hit is not None:
        return _from_cache(hit)
    cached = _to_cache(_render(link, lang, kind))
    cache.put(key, cached, generation)
    return _from_cache(cached)


def _render(link: DigitalLink, lang: str, kind: str) -> Response:
    """The answer from the database; an HTML page carries the nonce placeholder when the cache is on."""
    cached = scan_cache().enabled
    try:
        data = digital_link.resolve_digital_link(link)
    except NotFound as err:
        return _not_found(lang, err, link, cached)
    links = linkset(data, lang)
    if kind == "linkset":
        response = _json(links, mimetype=LINKSET)
    elif kind == "json":
        response = _json(_scan_json(data, links))
    else:
        response = _page(lang, 200, cached, mode="product", d=data, here=link.path, report_url=link.path + "/report")
    response.headers["Link"] = f'<{_base()}{link.path}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'
    response.headers["Vary"] = VARY
    response.headers["Content-Language"] = lang
    return response


def _by_link_type(link: DigitalLink, lang: str, link_type: str) -> Response:
    try:
        data = digital_link.resolve_digital_link(link)
    except NotFound as err:
        return _not_found(lang, err, link)
    key = _link_type_key(link_type)
    targets = linkset(data, lang)["linkset"][0].get(key) if key else None
    if not targets:
        message = render_rule("link_type_unknown", lang, "linkType", {"value": link_type})
        return _error(lang, 404, "not_found", message)
    chosen = next((x for x in targets if lang in x.get("hreflang", [lang])), targets[0])
    return redirect(chosen["href"], 307)  # type: ignore[return-value]


def _scan_json(data: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
    base = _base()
    body = _plain(data)
    body["digital_link"] = links["linkset"][0]["anchor"]
    for standard in body["standards"]:
        standard["document_url"] = (
            f"{base}/api/v1/standards/{standard['id']}/document" if standard.pop("has_document") else None
        )
    for cert in body["certificates"]:
        cert["verify_url"] = f"{base}/verify/{cert['id']}"
    if data["link"].attributes:
        body["attributes"] = dict(data["link"].attributes)
    return body


def _report_target(rest: str) -> DigitalLink | Response:
    """The Digital Link a report URL is about, or the answer to give instead."""
    lang = scan_locale()
    try:
        return _parse("/report")
    except InvalidDigitalLink as err:
        if request.method == "GET":
            try:
                _parse()
            except InvalidDigitalLink:
                pass
            else:
                return resolve(rest)  # a lot or serial that is spelled "report"
        return _error(lang, 400, "invalid_digital_link", TEXT[lang]["bad_link"], err.errors)


def _report_subject(rest: str, lang: str) -> tuple[DigitalLink, dict[str, Any]] | Response:
    """The Digital Link a report is about and what it resolves to, or the answer to give instead."""
    link = _report_target(rest)
    if isinstance(link, Response):
        return link
    try:
        return link, digital_link.resolve_digital_link(link)
    except NotFound as err:
        return _not_found(lang, err, link)


def _report_page(lang: str, link: DigitalLink, data: dict[str, Any], status: int = 200, **context: Any) -> Response:
    """The report form, with the product (and lot) it is about; sets the session cookie its CSRF token needs."""
    back = link.path
    response = _page(lang, status, mode="report", d=data, here=back + "/report", back=back, **context)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/01/<path:rest>/report")
def report_form(rest: str) -> Response:
    """The consumer's "report a problem" form, on a page of its own so the scan page needs no session."""
    lang = scan_locale()
    subject = _report_subject(rest, lang)
    if isinstance(subject, Response):
        return subject
    link, data = subject
    return _report_page(lang, link, data, form={}, field_errors={})


@bp.post("/01/<path:rest>/report")
@limiter.limit("5/minute")
def report(rest: str) -> Response:
    lang = scan_locale()
    t = TEXT[lang]
    subject = _report_subject(rest, lang)
    if isinstance(subject, Response):
        return subject
    link, data = subject
    form = {k: request.form.get(k) for k in ("kind", "message", "contact")}
    batch_id = data["batch"]["id"] if data["batch"] else None
    try:
        consumer_reports.create_report(None, data["product"]["id"], batch_id, form)
    except InvalidInput as err:
        field_errors: dict[str, list[str]] = {}
        for e in err.errors:
            text = render_rule(e.rule, lang, t.get(e.field, e.field), e.params)
            field_errors.setdefault(e.field if e.field in form else "", []).append(text)
        return _report_page(lang, link, data, 422, form=form, field_errors=field_errors)
    return _page(lang, mode="thanks", back=link.path)


@bp.get("/.well-known/gs1resolver")
def resolver_description() -> Response:
    base = _base()
    return _json(
        {
            "name": "Cơ sở dữ liệu OCOP và tiêu chuẩn / OCOP and standards registry",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["gtin"],
            "supportedContextValuesEnumerated": [],
            "linkTypeDefaultCanBeLinkset": True,
            "supportedLinkTypes": [{"namespace": VOC, "prefix": "gs1:", "linkTypes": list(KNOWN_LINK_TYPES)}],
            "supportedLanguages": ["vi", "en"],
            "validatesRequests": True,
            "keyQualifiers": {"gtin": ["22", "10", "21"]},
            "contact": {"url": base + "/"},
        }
    )
