"""The GS1 Digital Link resolver: /01/{gtin}[/22/…][/10/…][/21/…] as page, JSON or RFC 9264 linkset."""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    json,
    redirect,
    render_template,
    request,
    request_finished,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from registry import vocabulary
from registry.errors import FieldError, InvalidInput, NotFound
from registry.extensions import limiter
from registry.messages import SUPPORTED, problem_title, render_rule
from registry.models.report import REPORT_KINDS
from registry.observability import REQUEST_ID, SCAN_CACHE, SCAN_RENDERED
from registry.services import consumer_reports, digital_link, dl_compression
from registry.services.digital_link import DigitalLink, InvalidDigitalLink
from registry.services.scan_cache import DEFAULT_CHECK_SECONDS, Cached, ScanCache, subscribe
from registry.services.timefmt import today_vn
from registry.web import scan_front
from registry.web.security import NONCE_PLACEHOLDER, csp_nonce

bp = Blueprint("resolver", __name__, template_folder="templates")

VOC = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"
JSON_LD = "application/ld+json"
PROBLEM_TYPE = "https://registry.invalid/problems/"
# Link types this resolver can answer, by their compact (gs1:) name.
KNOWN_LINK_TYPES = ("pip", "certificationInfo", "traceability", "epcis", "defaultLink", "defaultLinkMulti")
# The scan answer depends on nothing but the URL and these headers: no cookie is read or set, so a
# shared cache (proxy, CDN) may keep it. The report form, which needs a CSRF token, has its own page.
VARY = "Accept, Accept-Language"
# CORS as the GS1-Conformant Resolver standard asks (a browser client such as GS1's test suite reads every answer).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "Link, Location, Content-Language, Vary, Content-Type",
    "Access-Control-Max-Age": "86400",
}
OWL_SAME_AS = "owl:sameAs"
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
        "walk_up_10": "Lô {value} chưa được ghi nhận trong cơ sở dữ liệu; dưới đây là thông tin của sản phẩm.",
        "walk_up_21": "Số sê-ri {value} chưa được ghi nhận trong cơ sở dữ liệu; dưới đây là thông tin ở cấp trên.",
        "walk_up_235": "Mã TPX {value} chưa được ghi nhận trong cơ sở dữ liệu; dưới đây là thông tin của sản phẩm.",
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
        "walk_up_10": "Lot {value} is not recorded in the registry; here is the product's information.",
        "walk_up_21": "Serial number {value} is not recorded in the registry; here is the information one level up.",
        "walk_up_235": "TPX {value} is not recorded in the registry; here is the product's information.",
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
        ["text/html", "application/json", LINKSET, JSON_LD], default="text/html"
    )
    return {"application/json": "json", LINKSET: "linkset", JSON_LD: "jsonld"}.get(best or "", "html")


def _json(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


def _problem(status: int, code: str, lang: str, errors: list[FieldError] | None = None, detail: str = "") -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": problem_title(code, lang),
        "status": status,
        "instance": request.path,
    }
    if REQUEST_ID in request.environ:
        body["request_id"] = request.environ[REQUEST_ID]
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
    return digital_link.parse(_raw_path(suffix), list(request.args.items(multi=True)))


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


def item_description(data: dict[str, Any]) -> str:
    link: DigitalLink = data["link"]
    text = f"{data['product']['name']} — {data['producer']['name']}"
    if data["batch"] is not None:
        text += f" — {link.lot}"
    return text


def linkset(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The RFC 9264 linkset of one Digital Link, with GS1 link types as full vocabulary URIs.

    The anchor is the request's uncompressed, canonical Digital Link. The default link is the consumer page
    at the Digital Link itself with no attribute but its title (the standard: a default link is not
    qualified by language, context or media type); the page in each language is a `defaultLinkMulti` and a
    `pip` with its `hreflang`. Links of each level up to the GTIN are included (the product's pages and
    certificates for a lot; a lot's trace for its items).
    """
    base, link = _base(), data["link"]
    anchor = base + link.path
    name = data["product"]["name"]
    entry: dict[str, Any] = {"anchor": anchor, "itemDescription": item_description(data)}
    pages = [
        {"href": f"{anchor}?lang={code}", "title": name, "type": "text/html", "hreflang": [code]}
        for code in (lang, "en" if lang == "vi" else "vi")
    ]
    entry[VOC + "defaultLink"] = [{"href": anchor, "title": name}]
    entry[VOC + "defaultLinkMulti"] = pages
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


def _ascii(text: str) -> str:
    """A Link header title: HTTP header values are Latin-1, and GS1's test suite splits the header on commas."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = decomposed.encode("ascii", "ignore").decode("ascii")
    return " ".join(bare.replace('"', "'").replace(",", " ").replace(";", " ").replace("\\", " ").split())


def link_header(links: dict[str, Any], extra: list[str] | None = None) -> str:
    """Every link of the linkset as an RFC 8288 Link header (rel, title, hreflang, type), then the linkset itself.

    Titles are ASCII (`title`) with the exact text as `title*` (RFC 8187)."""
    entry = links["linkset"][0]
    parts = list(extra or [])
    for rel, targets in entry.items():
        if rel in ("anchor", "itemDescription"):
            continue
        short = "gs1:" + rel.removeprefix(VOC)
        for target in targets:
            item = f'<{target["href"]}>; rel="{short}"; title="{_ascii(target["title"])}"'
            item += f"; title*=UTF-8''{quote(target['title'], safe='')}"
            if "hreflang" in target:
                item += f'; hreflang="{target["hreflang"][0]}"'
            if "type" in target:
                item += f'; type="{target["type"]}"'
            parts.append(item)
    parts.append(f'<{entry["anchor"]}?linkType=linkset>; rel="linkset"; type="{LINKSET}"; title="Linkset"')
    return ", ".join(parts)


def _link_type_key(raw: str) -> str | None:
    for prefix in ("gs1:", VOC, "http://gs1.org/voc/"):
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


@bp.get("/01/", defaults={"rest": ""}, merge_slashes=False)
@bp.get("/01//<path:rest>", merge_slashes=False)
@bp.get("/01/<path:rest>", merge_slashes=False)
def resolve(rest: str) -> Response:
    """Answers the page, JSON and linkset from the scan cache; only link-type redirects skip it."""
    g.scan_answer = True
    lang = scan_locale()
    t = TEXT[lang]
    try:
        link = _parse()
    except InvalidDigitalLink as err:
        try:
            partial = digital_link.from_partially_compressed(_raw_path())
        except InvalidDigitalLink as worse:
            return _error(lang, 400, "invalid_digital_link", t["bad_link"], worse.errors)
        if partial is None:
            return _error(lang, 400, "invalid_digital_link", t["bad_link"], err.errors)
        return _answer_compressed(*partial, lang)
    if not link.is_canonical:
        query = request.query_string.decode()
        return redirect(link.path + (f"?{query}" if query else ""), 301)  # type: ignore[return-value]
    return _answer(link, lang)


@bp.get("/<string(minlength=8):segment>")
def resolve_compressed(segment: str) -> Response:
    """A compressed GS1 Digital Link (`/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ`), answered as its uncompressed form is,
    with that form in the Link header as `owl:sameAs` and `canonical` (GS1-Conformant Resolver: a compressed
    request exposes its uncompressed URI). A single path segment that is not one is the site's plain 404."""
    if not dl_compression.COMPRESSED.match(segment):
        return _not_compressed()
    try:
        link, others = digital_link.from_compressed(segment)
    except InvalidDigitalLink as err:
        if any(e.rule in ("dl_compressed", "dl_primary_key") for e in err.errors):
            return _not_compressed()  # not a Digital Link, or one of a key this resolver does not serve (as /00/…)
        lang = scan_locale()
        return _error(lang, 400, "invalid_digital_link", TEXT[lang]["bad_link"], err.errors)
    g.scan_answer = True
    return _answer_compressed(link, others, scan_locale())


def _answer_compressed(link: DigitalLink, others: list[tuple[str, str]], lang: str) -> Response:
    try:  # the request's own query string adds data attributes, refused twice as it would be uncompressed
        extra = digital_link.parse_attributes(list(request.args.items(multi=True)) + list(link.attributes.items()))
    except InvalidDigitalLink as err:
        return _error(lang, 400, "invalid_digital_link", TEXT[lang]["bad_link"], err.errors)
    if extra:
        link = replace(link, attributes=extra)
    passed = [(k, v) for k, v in list(request.args.items(multi=True)) + others if not k.isdigit()]
    uncompressed = _base() + link.uri_path
    if passed:
        uncompressed += ("&" if link.attributes else "?") + urlencode(passed)
    response = _answer(link, lang, args=MultiDict(list(link.attributes.items()) + passed), store=False)
    same = f'<{uncompressed}>; rel="{OWL_SAME_AS}", <{uncompressed}>; rel="canonical"'
    current = response.headers.get("Link")
    response.headers["Link"] = same + (f", {current}" if current else "")
    return response


def _not_compressed() -> Response:
    """What the site answered before this route existed: a redirect to the page with a trailing slash, or 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(request.path + "/", method="GET")
    except HTTPException:
        abort(404)
    query = request.query_string.decode()
    return redirect(request.path + "/" + (f"?{query}" if query else ""), 308)  # type: ignore[return-value]


def _answer(link: DigitalLink, lang: str, args: dict[str, str] | None = None, store: bool = True) -> Response:
    """The answer to a valid, canonical Digital Link: a link-type redirect, or the page, JSON or linkset.

    A plain request is answered in place with the consumer page (or JSON): the registry is itself the target of
    the default link, which is this very URI (see README, GS1 resolver conformance).
    """
    args = request.args if args is None else args
    link_type = args.get("linkType")
    wanted = _wanted()
    if wanted == "jsonld" and link_type in (None, "linkset", "all"):
        kind = "linkset_jsonld"  # the linkset as linked data (the resolver standard's SHOULD)
    elif link_type in ("linkset", "all") or (link_type is None and wanted == "linkset"):
        # An explicit `Accept: application/json` gets the same linkset labelled as plain JSON (GS1's test suite).
        kind = "linkset_json" if link_type and wanted == "json" else "linkset"
    elif link_type:
        return _by_link_type(link, lang, link_type, args)
    else:
        kind = wanted
    cache = scan_cache()
    if not cache.enabled:
        return _render(link, lang, kind)
    generation = cache.generation()  # before reading anything, so a write noticed meanwhile wins
    if store:
        request.environ[scan_front.MARK] = (generation, csp_nonce())  # the front door may keep this answer
    key = (link.path, tuple(sorted(link.attributes.items())), kind, lang, today_vn())
    hit = cache.get(key)
    if hit is not None:
        SCAN_CACHE.inc()
        return _from_cache(hit)
    cached = _to_cache(_render(link, lang, kind))
    cache.put(key, cached, generation)
    return _from_cache(cached)


def _render(link: DigitalLink, lang: str, kind: str) -> Response:
    """The answer from the database; an HTML page carries the nonce placeholder when the cache is on."""
    cached = scan_cache().enabled
    SCAN_RENDERED.inc()
    try:
        data = digital_link.resolve_digital_link(link)
    except NotFound as err:
        return _not_found(lang, err, link, cached)
    links = linkset(data, lang)
    if kind == "linkset":
        response = _json(links, mimetype=LINKSET)
    elif kind == "linkset_json":
        response = _json(links)
    elif kind == "linkset_jsonld":
        response = _json({"@context": _base() + LINKSET_CONTEXT_PATH, **links}, mimetype=JSON_LD)
    elif kind == "json":
        response = _json(_scan_json(data, links))
    else:
        response = _page(
            lang,
            200,
            cached,
            mode="product",
            d=data,
            here=link.path,
            report_url=link.path + "/report",
            walk_up=_walk_up_text(data, lang),
        )
    response.headers["Link"] = link_header(links)
    response.headers["Vary"] = VARY
    response.headers["Content-Language"] = lang
    return response


def _walk_up_text(data: dict[str, Any], lang: str) -> str | None:
    walk = data.get("walk_up")
    if not walk:
        return None
    return TEXT[lang]["walk_up_" + walk["ai"]].format(value=walk["value"])


def _by_link_type(link: DigitalLink, lang: str, link_type: str, args: Any) -> Response:
    """A 307 to the requested link type's target, passing on every other key=value pair of the query string."""
    try:
        data = digital_link.resolve_digital_link(link)
    except NotFound as err:
        return _not_found(lang, err, link)
    key = _link_type_key(link_type)
    links = linkset(data, lang)
    targets = links["linkset"][0].get(key) if key else None
    if not targets:
        message = render_rule("link_type_unknown", lang, "linkType", {"value": link_type})
        return _error(lang, 404, "not_found", message)
    chosen = next((x for x in targets if lang in x.get("hreflang", [lang])), targets[0])
    target = _with_query(chosen["href"], [(k, v) for k, v in _pairs(args) if k != "linkType"])
    response = redirect(target, 307)
    response.headers["Link"] = link_header(links)
    response.headers["Vary"] = VARY
    return response  # type: ignore[return-value]


def _with_query(target: str, passed: list[tuple[str, str]]) -> str:
    """`target` with the request's key=value pairs added, those the target already names keeping its value."""
    parts = urlsplit(target)
    own = parse_qsl(parts.query, keep_blank_values=True)
    names = {k for k, _ in own}
    query = urlencode(own + [(k, v) for k, v in passed if k not in names])
    return urlunsplit(parts._replace(query=query))


def _pairs(args: Any) -> list[tuple[str, str]]:
    if hasattr(args, "items") and callable(getattr(args, "getlist", None)):
        return list(args.items(multi=True))
    return list(args.items())


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
    if data.get("walk_up"):
        body["walk_up"]["to"] = base + body["walk_up"]["to"]
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


@bp.get("/01/<path:rest>/report", merge_slashes=False)
def report_form(rest: str) -> Response:
    """The consumer's "report a problem" form, on a page of its own so the scan page needs no session."""
    lang = scan_locale()
    subject = _report_subject(rest, lang)
    if isinstance(subject, Response):
        return subject
    link, data = subject
    return _report_page(lang, link, data, form={}, field_errors={})


@bp.post("/01/<path:rest>/report", merge_slashes=False)
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
    """The resolver description file, valid against GS1's 1.2.0 schema (description-file-schema)."""
    base = _base()
    return _json(
        {
            "name": "Cơ sở dữ liệu OCOP và tiêu chuẩn / OCOP and standards registry",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [{"namespace": VOC, "prefix": "gs1:"}],
            "linkTypeDefaultCanBeLinkset": True,
            "supportedContextValuesEnumerated": [],
            "jsonLdContextLocation": base + LINKSET_CONTEXT_PATH,
            "contact": {"fn": "OCOP and standards registry", "hasAddress": {"region": "Việt Nam"}},
        }
    )


LINKSET_CONTEXT_PATH = "/.well-known/linkset-context.jsonld"


@bp.get(LINKSET_CONTEXT_PATH)
def linkset_context() -> Response:
    """The JSON-LD context that reads a linkset served as JSON as linked data (GS1 link types as gs1: terms)."""
    context = {
        "@context": {
            "@version": 1.1,
            "gs1": VOC,
            "linkset": "@graph",
            "anchor": "@id",
            "href": "@id",
            "itemDescription": "gs1:productDescription",
            "title": "http://purl.org/dc/terms/title",
            "type": "http://purl.org/dc/terms/format",
            "hreflang": "http://purl.org/dc/terms/language",
        }
    }
    response = _json(context, mimetype="application/ld+json")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    """Every resolver answer (scans, redirects, errors, OPTIONS preflights, the description file) allows any origin."""
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
