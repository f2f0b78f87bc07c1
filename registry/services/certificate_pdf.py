"""The printable certificate record (A4 PDF, Vietnamese with English) with the signed verify QR code."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from registry.errors import Conflict
from registry.models import Certificate
from registry.services import verification
from registry.services.pdf_fonts import register_fonts
from registry.vocabulary import EVENT_ACTIONS

CATEGORIES: dict[str, tuple[str, str]] = {
    "product_standard": ("Chứng nhận sản phẩm phù hợp tiêu chuẩn", "Product conformity to a standard"),
    "product_regulation": ("Chứng nhận sản phẩm phù hợp quy chuẩn kỹ thuật", "Product conformity to a regulation"),
    "management_system": ("Chứng nhận hệ thống quản lý", "Management system"),
    "gap": ("Thực hành nông nghiệp tốt (GAP)", "Good agricultural practice"),
    "organic": ("Hữu cơ", "Organic"),
    "traceability": ("Truy xuất nguồn gốc", "Traceability"),
    "declaration_standard": ("Công bố hợp chuẩn", "Declaration of conformity to a standard"),
    "declaration_regulation": ("Công bố hợp quy", "Declaration of conformity to a regulation"),
    "other": ("Khác", "Other"),
}
SELF_DECLARED_BODY = ("Không có (tổ chức tự công bố)", "None (self-declared by the organisation)")
STATUSES: dict[str, tuple[str, str]] = {
    "valid": ("CÒN HIỆU LỰC", "VALID"),
    "declared": ("TỰ KHAI — CHƯA XÁC NHẬN", "DECLARED — NOT CONFIRMED"),
    "self_declared": ("TỰ CÔNG BỐ — CHƯA ĐƯỢC CHỨNG NHẬN", "SELF-DECLARED — NOT CERTIFIED"),
    "suspended": ("ĐÃ BỊ ĐÌNH CHỈ — KHÔNG CÒN HIỆU LỰC", "SUSPENDED — NOT VALID"),
    "withdrawn": ("ĐÃ BỊ THU HỒI — KHÔNG CÒN HIỆU LỰC", "WITHDRAWN — NOT VALID"),
    "expired": ("ĐÃ HẾT HẠN", "EXPIRED"),
}
ACTIONS = EVENT_ACTIONS
ROLES: dict[str, tuple[str, str]] = {
    "admin": ("quản trị", "admin"),
    "dost_officer": ("Sở KH&CN", "DOST"),
    "inspector": ("thanh tra", "inspector"),
    "body_staff": ("tổ chức chứng nhận", "certification body"),
    "producer": ("doanh nghiệp", "producer"),
}


def _both(pair: tuple[str, str]) -> str:
    return f"{escape(pair[0])} <font color='#555555'>/ {escape(pair[1])}</font>"


def _moment(iso: str) -> str:
    """`2026-11-22T05:06:39.2+07:00` as `2026-11-22 05:06 UTC+07:00`."""
    moment = datetime.fromisoformat(iso)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"


def qr_png(url: str, box_size: int = 8) -> bytes:
    """The QR code of `url` as PNG (error correction M, quiet zone of 4 modules)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out)
    return out.getvalue()


def record_data(cert: Certificate, today: date, instance_path: str | Path, base_url: str) -> dict[str, Any]:
    """The public record and, when the certificate is valid today, a freshly signed verify link.

    A suspended, withdrawn or expired certificate gets no new signed code (verification.signed_link
    refuses it): its record prints the plain verify URL instead, so the reader still sees the live status."""
    record = verification.public_record(cert, today)
    try:
        signed: dict[str, Any] | None = verification.signed_link(cert, today, instance_path, base_url)
    except Conflict:
        signed = None
    return {"record": record, "signed": signed, "verify_url": f"{base_url.rstrip('/')}/verify/{cert.id}"}


def render_record(data: dict[str, Any]) -> bytes:
    """The A4 record of `record_data`'s output."""
    register_fonts()
    record, signed = data["record"], data["signed"]
    text = ParagraphStyle("text", fontName="DejaVuSans", fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=text, fontSize=7.5, leading=9.5)
    label = ParagraphStyle("label", parent=text, fontName="DejaVuSans-Bold", fontSize=8.5, leading=11)
    title = ParagraphStyle("title", fontName="DejaVuSans-Bold", fontSize=15, leading=19, spaceAfter=2)
    verdict = record["verdict"]
    colour = "#1a7f37" if verdict == "valid" else ("#9a6700" if verdict in ("declared", "self_declared") else "#cf222e")
    status = ParagraphStyle("status", parent=title, fontSize=12.5, leading=16, textColor=colors.HexColor(colour))

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Hồ sơ chứng chỉ {record['number']} / Certificate record {record['number']}",
        author=record["body"]["name"] if record["body"] else record["holder"]["name"],
    )
    holder, body = record["holder"], record["body"]
    story: list[Any] = [
        Paragraph("HỒ SƠ CHỨNG CHỈ / CERTIFICATE RECORD", title),
        Paragraph(f"Số / No. <b>{escape(record['number'])}</b>", title),
        Paragraph(_both(STATUSES.get(verdict, (verdict, verdict))), status),
        Paragraph(
            f"Trạng thái tại ngày {record['checked_on']} / Status as of {record['checked_on']}. "
            "Quét mã QR để xem trạng thái hiện tại / Scan the QR code for the live status.",
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    body_line = escape(body["name"]) if body else _both(SELF_DECLARED_BODY)
    names = (("accreditation_number", "Công nhận / Accreditation"), ("designation_number", "Chỉ định / Designation"))
    numbers = [f"{name} {escape(body[key])}" for key, name in names if body and body.get(key)]
    if numbers:
        body_line += "<br/>" + "; ".join(numbers)
    standards = "<br/>".join(f"{escape(s['code'])} — {escape(s['title'] or '')}" for s in record["standards"]) or "—"
    products = (
        "<br/>".join(
            f"{escape(p['name'])}" + (f" — GTIN {escape(p['gtin'].zfill(14))}" if p.get("gtin") else "")
            for p in record["products"]
        )
        or "—"
    )
    rows = [
        (("Loại chứng nhận", "Category"), _both(CATEGORIES.get(record["category"], (record["category"],) * 2))),
        (("Tổ chức chứng nhận", "Certification body"), body_line),
        (
            ("Đơn vị được chứng nhận", "Holder"),
            f"<b>{escape(holder['name'])}</b><br/>Mã số thuế / Tax code: {escape(holder['tax_code'])}"
            + (f"<br/>{escape(data['address'])}" if data.get("address") else "")
            + f"<br/>{escape(holder['province_name'])}",
        ),
        (("Tiêu chuẩn", "Standards"), standards),
        (("Sản phẩm", "Products"), products),
        (("Phạm vi", "Scope"), escape(record["scope"] or "—")),
        (("Ngày cấp", "Issued on"), record["issued_on"]),
        (("Ngày hết hạn", "Expires on"), record["expires_on"] or "— (không thời hạn / no expiry)"),
        (
            ("Xác nhận", "Confirmation"),
            _both(("Đã xác nhận", "Confirmed"))
            if record["is_confirmed"]
            else _both(("Tự khai, chưa được xác nhận", "Declared by the holder, not yet confirmed")),
        ),
    ]
    table = Table(
        [[Paragraph(f"{escape(vi)}<br/><font color='#555555'>{escape(en)}</font>", label), Paragraph(v, text)]
         for (vi, en), v in rows],
        colWidths=[44 * mm, None],
    )  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#d0d7de")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm)]

    url = signed["url"] if signed else data["verify_url"]
    if signed:
        qr = Image(io.BytesIO(qr_png(url)), width=48 * mm, height=48 * mm)
        note = Paragraph(
            f"Mã QR có chữ ký số (khóa {escape(signed['kid'])}): quét để kiểm tra, kể cả khi không có mạng. "
            f"/ Signed QR code (key {escape(signed['kid'])}): scan to verify, even offline.",
            small,
        )
        qr_table = Table([[qr, [note, Spacer(1, 2 * mm), Paragraph(escape(url), small)]]], colWidths=[52 * mm, None])
        qr_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(qr_table)
    else:
        story.append(
            Paragraph(
                "Chứng chỉ không còn hiệu lực nên không được cấp mã QR có chữ ký. Tra cứu trạng thái tại: "
                "/ The certificate is not valid, so no signed QR code is issued. Check its status at:",
                text,
            )
        )
        story.append(Paragraph(escape(url), text))
    story.append(Spacer(1, 5 * mm))

    story.append(Paragraph("Lịch sử trạng thái / Status history", label))
    history = [[Paragraph(h, label) for h in ("Thời điểm / Time", "Thao tác / Action", "Bởi / By", "Lý do / Reason")]]
    for event in record["history"]:
        role = event.get("actor_role")
        history.append(
            [
                Paragraph(escape(_moment(event["at"])), small),
                Paragraph(_both(ACTIONS.get(event["action"], (event["action"],) * 2)), small),
                Paragraph(_both(ROLES[role]) if role in ROLES else "—", small),
                Paragraph(escape(event.get("reason") or "—"), small),
            ]
        )
    hist_table = Table(history, colWidths=[38 * mm, 34 * mm, 36 * mm, None], repeatRows=1)
    hist_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#d0d7de")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f8fa")),
            ]
        )
    )
    story.append(hist_table)
    doc.build(story)
    return out.getvalue()


def certificate_record_pdf(cert: Certificate, today: date, instance_path: str | Path, base_url: str) -> bytes:
    data = record_data(cert, today, instance_path, base_url)
    org = cert.organization
    data["address"] = ", ".join(x for x in (org.address, org.commune.name if org.commune else None) if x)
    return render_record(data)
