"""Public verification pages: /verify, /verify/<id> (page or JSON) and the published signing keys."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_pgettext as _lp

from registry.extensions import limiter
from registry.messages import render_rule
from registry.services import signing, verification
from registry.services.timefmt import VN, local_iso, today_vn

from .i18n import Table, select_locale

bp = Blueprint("verify", __name__, template_folder="templates")
ATOM = "http://www.w3.org/2005/Atom"

# The page's words; `words.sig_valid|format(kid=…, iat=…)` in the templates.
WORDS: Table = {
    "title": _lp("verify", "Tra cứu chứng chỉ"),
    "number": _lp("verify", "Số chứng chỉ"),
    "query": _lp(
        "verify", "Số chứng chỉ, tên hoặc mã số thuế của đơn vị, sản phẩm, mã vạch, tiêu chuẩn hoặc tổ chức chứng nhận"
    ),
    "changes": _lp("verify", "Chứng chỉ bị đình chỉ hoặc thu hồi trong 90 ngày qua"),
    "changes_none": _lp("verify", "Không có chứng chỉ nào bị đình chỉ hoặc thu hồi trong 90 ngày qua."),
    "a_suspend": _lp("verify", "Đình chỉ"),
    "a_withdraw": _lp("verify", "Thu hồi"),
    "reason": _lp("verify", "Lý do"),
    "status_now": _lp("verify", "Trạng thái hiện nay"),
    "feeds": _lp("verify", "Theo dõi"),
    "body": _lp("verify", "Tổ chức chứng nhận"),
    "any_body": _lp("verify", "Tất cả tổ chức"),
    "search": _lp("verify", "Tra cứu"),
    "no_match": _lp("verify", "Không tìm thấy chứng chỉ nào."),
    "holder": _lp("verify", "Đơn vị được chứng nhận"),
    "tax_code": _lp("verify", "Mã số thuế"),
    "province": _lp("verify", "Tỉnh/thành phố"),
    "standards": _lp("verify", "Tiêu chuẩn"),
    "products": _lp("verify", "Sản phẩm"),
    "scope": _lp("verify", "Phạm vi"),
    "issued_on": _lp("verify", "Ngày cấp"),
    "expires_on": _lp("verify", "Ngày hết hạn"),
    "category": _lp("verify", "Loại"),
    "history": _lp("verify", "Lịch sử trạng thái"),
    "signature": _lp("verify", "Kiểm tra chữ ký mã QR"),
    "sig_valid": _lp("verify", "Chữ ký hợp lệ (khóa %(kid)s, ký lúc %(iat)s)."),
    "sig_differs": _lp("verify", "Dữ liệu trong mã khác với hồ sơ hiện tại ở: %(fields)s."),
    "confirmed": _lp("verify", "Đã được tổ chức chứng nhận hoặc Sở KH&CN xác nhận."),
    "declared": _lp("verify", "Do doanh nghiệp tự khai, chưa được xác nhận."),
    "checked_on": _lp("verify", "Trạng thái tại ngày %(day)s."),
    "v_valid": _lp("verify", "CÒN HIỆU LỰC"),
    "v_declared": _lp("verify", "TỰ KHAI — CHƯA XÁC NHẬN"),
    "v_self_declared": _lp("verify", "Tự công bố — chưa được chứng nhận"),
    "no_body": _lp("verify", "Không có — tổ chức tự công bố"),
    "v_suspended": _lp("verify", "ĐÃ BỊ ĐÌNH CHỈ — KHÔNG CÒN HIỆU LỰC"),
    "v_withdrawn": _lp("verify", "ĐÃ BỊ THU HỒI — KHÔNG CÒN HIỆU LỰC"),
    "v_expired": _lp("verify", "ĐÃ HẾT HẠN"),
    "v_signature_invalid": _lp("verify", "MÃ QR KHÔNG HỢP LỆ"),
    "revoked_note": _lp("verify", "Trạng thái hiện tại được ưu tiên: chữ ký đúng không làm chứng chỉ còn hiệu lực."),
    "by": _lp("verify", "bởi"),
    "log": _lp("verify", "Nhật ký minh bạch"),
    "log_note": _lp(
        "verify",
        "Mỗi lần cấp và thay đổi trạng thái được ghi vào nhật ký chỉ-ghi-thêm; bằng chứng bao hàm (RFC 9162) "
        "cho thấy mục nhật ký nằm trong cây Merkle mà cơ quan quản lý đã ký.",
    ),
    "log_proof": _lp("verify", "bằng chứng bao hàm"),
    "log_checkpoint": _lp("verify", "điểm kiểm tra đã ký"),
}


def _lang() -> str:
    # Read per request (flask-babel caches its choice on the app context, which tests share).
    return "en" if select_locale() == "en" else "vi"


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _no_store(response: Response) -> Response:
    # The status may change at any moment; no cache may keep showing a revoked certificate as valid.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


@bp.route("/verify")
@limiter.limit("60/minute")
def search() -> Any:
    # `number` is the older name of the query, kept for links already printed.
    q = (request.args.get("q") or request.args.get("number") or "").strip()[:128]
    body_id = request.args.get("body", type=int)
    matches = verification.find_certificates(q, body_id) if q else []
    today = today_vn()
    if _wants_json():
        items = [
            {"id": c.id, "number": c.number, "body": c.body.name if c.body else None, "holder": c.organization.name,
             "holder_tax_code": c.organization.tax_code, "status": c.status_on(today), "url": f"/verify/{c.id}"}
            for c in matches
        ]  # fmt: skip
        return _no_store(jsonify({"q": q, "body": body_id, "items": items}))
    lang = _lang()
    html = render_template(
        "verify_search.html",
        lang=lang,
        words=WORDS,
        q=q,
        body_id=body_id,
        bodies=verification.bodies(),
        matches=matches,
        today=today,
    )
    return _no_store(Response(html, mimetype="text/html"))


@bp.route("/verify/<int:cert_id>")
@limiter.limit("120/minute")
def certificate(cert_id: int) -> Any:
    cert = verification.load_certificate(cert_id)
    token = request.args.get("t", "").strip()
    check = None
    if token:
        keyset = signing.public_keyset(current_app.instance_path)
        check = verification.check_token(cert, token, keyset)
    record = verification.public_record(cert, today_vn(), check)
    lang = _lang()
    if check is not None and not check.valid and check.rule:
        record["signature"]["message"] = render_rule(check.rule, lang, "t", check.params)
    if _wants_json():
        return _no_store(jsonify(record))
    html = render_template("verify.html", lang=lang, words=WORDS, r=record)
    return _no_store(Response(html, mimetype="text/html"))


def _change_item(change: verification.StatusChange, base: str) -> dict[str, Any]:
    cert, event = change.certificate, change.event
    return {
        "certificate_id": cert.id,
        "number": cert.number,
        "holder": cert.organization.name,
        "holder_tax_code": cert.organization.tax_code,
        "body": cert.body.name if cert.body else None,
        "action": event.action,
        "reason": event.reason,
        "at": local_iso(event.at),
        "status_now": change.status_now,
        "url": f"{base}/verify/{cert.id}",
    }


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


@bp.route("/verify/changes")
@bp.route("/verify/changes.json", endpoint="changes_json")
@limiter.limit("60/minute")
def changes() -> Any:
    """Certificates suspended or withdrawn in the last 90 days: a page, JSON and (below) an Atom feed."""
    today = today_vn()
    found = verification.recent_changes(today)
    if request.path.endswith(".json") or _wants_json():
        items = [_change_item(c, _base()) for c in found]
        response = jsonify({"days": verification.CHANGES_DAYS, "as_of": today.isoformat(), "items": items})
    else:
        html = render_template("verify_changes.html", lang=_lang(), words=WORDS, changes=found, today=today)
        response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/verify/changes.atom")
@limiter.limit("60/minute")
def changes_atom() -> Response:
    """The same list as an Atom feed (RFC 4287), in Vietnamese or, with ?lang=en, English."""
    lang = "en" if request.args.get("lang") == "en" else "vi"
    base, today = _base(), today_vn()
    found = verification.recent_changes(today)
    with force_locale(lang):
        words = {key: str(WORDS[key]) for key in ("changes", "a_suspend", "a_withdraw", "reason", "v_self_declared")}
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": lang})
    ET.SubElement(feed, "id").text = f"{base}/verify/changes.atom"
    ET.SubElement(feed, "title").text = words["changes"]
    ET.SubElement(feed, "link", {"rel": "self", "href": f"{base}/verify/changes.atom"})
    ET.SubElement(feed, "link", {"rel": "alternate", "href": f"{base}/verify/changes", "type": "text/html"})
    newest = found[0].event.at if found else datetime.combine(today, time(0), VN)
    ET.SubElement(feed, "updated").text = newest.astimezone(UTC).isoformat().replace("+00:00", "Z")
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = base
    for change in found:
        cert, event = change.certificate, change.event
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = f"{base}/verify/{cert.id}#event-{event.id}"
        action = words["a_suspend" if event.action == "suspend" else "a_withdraw"]
        ET.SubElement(entry, "title").text = f"{action}: {cert.number} — {cert.organization.name}"
        ET.SubElement(entry, "updated").text = event.at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        ET.SubElement(entry, "link", {"rel": "alternate", "href": f"{base}/verify/{cert.id}"})
        issuer = cert.body.name if cert.body else words["v_self_declared"]
        summary = f"{issuer}. {words['reason']}: {event.reason or '—'}"
        ET.SubElement(entry, "summary").text = summary
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/.well-known/registry-keys.json")
def keys() -> Response:
    response = jsonify(signing.public_keyset(current_app.instance_path))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
