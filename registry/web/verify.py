"""Public verification pages: /verify, /verify/<id> (page or JSON) and the published signing keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from registry.extensions import limiter
from registry.messages import render_rule
from registry.services import signing, verification
from registry.services.timefmt import today_vn

from .i18n import select_locale

bp = Blueprint("verify", __name__, template_folder="templates")

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Tra cứu chứng chỉ",
        "number": "Số chứng chỉ",
        "body": "Tổ chức chứng nhận",
        "any_body": "Tất cả tổ chức",
        "search": "Tra cứu",
        "no_match": "Không tìm thấy chứng chỉ nào.",
        "holder": "Đơn vị được chứng nhận",
        "tax_code": "Mã số thuế",
        "province": "Tỉnh/thành phố",
        "standards": "Tiêu chuẩn",
        "products": "Sản phẩm",
        "scope": "Phạm vi",
        "issued_on": "Ngày cấp",
        "expires_on": "Ngày hết hạn",
        "category": "Loại",
        "history": "Lịch sử trạng thái",
        "signature": "Kiểm tra chữ ký mã QR",
        "sig_valid": "Chữ ký hợp lệ (khóa {kid}, ký lúc {iat}).",
        "sig_differs": "Dữ liệu trong mã khác với hồ sơ hiện tại ở: {fields}.",
        "confirmed": "Đã được tổ chức chứng nhận hoặc Sở KH&CN xác nhận.",
        "declared": "Do doanh nghiệp tự khai, chưa được xác nhận.",
        "checked_on": "Trạng thái tại ngày {day}.",
        "v_valid": "CÒN HIỆU LỰC",
        "v_declared": "TỰ KHAI — CHƯA XÁC NHẬN",
        "v_suspended": "ĐÃ BỊ ĐÌNH CHỈ — KHÔNG CÒN HIỆU LỰC",
        "v_withdrawn": "ĐÃ BỊ THU HỒI — KHÔNG CÒN HIỆU LỰC",
        "v_expired": "ĐÃ HẾT HẠN",
        "v_signature_invalid": "MÃ QR KHÔNG HỢP LỆ",
        "revoked_note": "Trạng thái hiện tại được ưu tiên: chữ ký đúng không làm chứng chỉ còn hiệu lực.",
        "by": "bởi",
    },
    "en": {
        "title": "Verify a certificate",
        "number": "Certificate number",
        "body": "Certification body",
        "any_body": "Any body",
        "search": "Search",
        "no_match": "No certificate found.",
        "holder": "Holder",
        "tax_code": "Tax code",
        "province": "Province",
        "standards": "Standards",
        "products": "Products",
        "scope": "Scope",
        "issued_on": "Issued on",
        "expires_on": "Expires on",
        "category": "Category",
        "history": "Status history",
        "signature": "QR signature check",
        "sig_valid": "Signature valid (key {kid}, signed at {iat}).",
        "sig_differs": "The code's data differs from the current record in: {fields}.",
        "confirmed": "Confirmed by the certification body or the DOST.",
        "declared": "Declared by the holder, not yet confirmed.",
        "checked_on": "Status as of {day}.",
        "v_valid": "VALID",
        "v_declared": "DECLARED — NOT CONFIRMED",
        "v_suspended": "SUSPENDED — NOT VALID",
        "v_withdrawn": "WITHDRAWN — NOT VALID",
        "v_expired": "EXPIRED",
        "v_signature_invalid": "INVALID QR CODE",
        "revoked_note": "The live status wins: a good signature does not make the certificate valid.",
        "by": "by",
    },
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
    number = request.args.get("number", "").strip()[:64]
    body_id = request.args.get("body", type=int)
    matches = verification.search_certificates(number, body_id) if number else []
    today = today_vn()
    if _wants_json():
        items = [
            {"id": c.id, "number": c.number, "body": c.body.name, "holder": c.organization.name,
             "status": c.status_on(today), "url": f"/verify/{c.id}"}
            for c in matches
        ]  # fmt: skip
        return _no_store(jsonify({"number": number, "body": body_id, "items": items}))
    lang = _lang()
    html = render_template(
        "verify_search.html",
        lang=lang,
        t=LABELS[lang],
        number=number,
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
    html = render_template("verify.html", lang=lang, t=LABELS[lang], r=record)
    return _no_store(Response(html, mimetype="text/html"))


@bp.route("/.well-known/registry-keys.json")
def keys() -> Response:
    response = jsonify(signing.public_keyset(current_app.instance_path))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
