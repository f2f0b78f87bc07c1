"""Bilingual names of the stored codes (categories, statuses, roles, kinds, history actions), for pages and PDFs."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from registry.models.activity import ACTIVITY_KINDS as _ACTIVITY_KINDS
from registry.models.batch import BIZ_STEPS as _BIZ_STEPS
from registry.models.batch import DISPOSITIONS as _DISPOSITIONS
from registry.models.batch import UNITS as _UNITS
from registry.models.certificate import CERTIFICATE_CATEGORIES as _CATEGORIES
from registry.models.product import OCOP_GROUPS as _OCOP_GROUPS
from registry.models.standard import STANDARD_KINDS as _STANDARD_KINDS
from registry.models.user import ROLES as _ROLES

Table = dict[str, tuple[str, str]]

CATEGORIES: Table = {
    "product_standard": ("Chứng nhận sản phẩm phù hợp tiêu chuẩn", "Product conformity to a standard"),
    "product_regulation": ("Chứng nhận sản phẩm phù hợp quy chuẩn", "Product conformity to a regulation"),
    "management_system": ("Hệ thống quản lý", "Management system"),
    "gap": ("Thực hành nông nghiệp tốt (GAP)", "Good agricultural practice (GAP)"),
    "organic": ("Hữu cơ", "Organic"),
    "traceability": ("Truy xuất nguồn gốc", "Traceability"),
    "declaration_standard": ("Công bố hợp chuẩn", "Declaration of conformity to a standard"),
    "declaration_regulation": ("Công bố hợp quy", "Declaration of conformity to a regulation"),
    "other": ("Khác", "Other"),
}
OCOP_GROUPS: Table = {
    "food": ("Thực phẩm", "Food"),
    "beverage": ("Đồ uống", "Beverages"),
    "herbal": ("Thảo dược", "Herbal products"),
    "textile_handicraft": ("Thủ công mỹ nghệ, vải, may mặc", "Handicrafts and textiles"),
    "rural_tourism": ("Du lịch cộng đồng, nông thôn", "Rural and community tourism"),
    "other": ("Khác", "Other"),
}
# The same categories short enough for a chart axis or a table column.
CATEGORIES_SHORT: Table = {
    "product_standard": ("Sản phẩm phù hợp tiêu chuẩn", "Product to a standard"),
    "product_regulation": ("Sản phẩm phù hợp quy chuẩn", "Product to a regulation"),
    "management_system": ("Hệ thống quản lý", "Management system"),
    "gap": ("GAP", "GAP"),
    "organic": ("Hữu cơ", "Organic"),
    "traceability": ("Truy xuất nguồn gốc", "Traceability"),
    "declaration_standard": ("Công bố hợp chuẩn", "Declared to a standard"),
    "declaration_regulation": ("Công bố hợp quy", "Declared to a regulation"),
    "other": ("Khác", "Other"),
}
# Certificate statuses, and `active` of products (which share `withdrawn`).
STATUSES: Table = {
    "valid": ("Còn hiệu lực", "Valid"),
    "suspended": ("Tạm đình chỉ", "Suspended"),
    "withdrawn": ("Đã thu hồi", "Withdrawn"),
    "expired": ("Hết hiệu lực", "Expired"),
    "active": ("Đang lưu hành", "Active"),
}
ROLES: Table = {
    "admin": ("Quản trị viên", "Administrator"),
    "dost_officer": ("Cán bộ Sở KH&CN", "DOST officer"),
    "inspector": ("Thanh tra, kiểm tra viên", "Inspector"),
    "body_staff": ("Nhân viên tổ chức chứng nhận", "Certification-body staff"),
    "producer": ("Cơ sở sản xuất", "Producer"),
}
ACTIVITY_KINDS: Table = {
    "guidance": ("Hướng dẫn", "Guidance"),
    "training": ("Đào tạo, tập huấn", "Training"),
    "pilot_model": ("Mô hình điểm", "Pilot model"),
    "productivity_tool": ("Công cụ cải tiến năng suất", "Productivity tool"),
    "financing": ("Hỗ trợ kinh phí", "Financing"),
    "expert_training": ("Đào tạo chuyên gia", "Expert training"),
}
STANDARD_KINDS: Table = {
    "tccs": ("Tiêu chuẩn cơ sở (TCCS)", "Base standard (TCCS)"),
    "tcvn": ("Tiêu chuẩn quốc gia (TCVN)", "National standard (TCVN)"),
    "qcvn": ("Quy chuẩn kỹ thuật (QCVN)", "Technical regulation (QCVN)"),
    "iso": ("ISO/IEC", "ISO/IEC"),
    "vietgap": ("VietGAP", "VietGAP"),
    "globalgap": ("GlobalG.A.P.", "GlobalG.A.P."),
    "organic": ("Hữu cơ", "Organic"),
    "haccp": ("HACCP", "HACCP"),
    "other": ("Khác", "Other"),
}
# What happened to a certificate, as its history reads (past tense).
EVENT_ACTIONS: Table = {
    "issue": ("Cấp", "Issued"),
    "declare": ("Tự khai", "Declared"),
    "confirm": ("Xác nhận", "Confirmed"),
    "suspend": ("Đình chỉ", "Suspended"),
    "withdraw": ("Thu hồi", "Withdrawn"),
    "reinstate": ("Khôi phục", "Reinstated"),
    "correct": ("Đính chính", "Corrected"),
}
# Actions of audit log entries, as the verify page lists a certificate's entries.
AUDIT_ACTIONS: Table = {
    **EVENT_ACTIONS,
    "create": ("Tạo hồ sơ", "Record created"),
    "import": ("Nhập từ tệp", "Imported from a file"),
    "update": ("Sửa hồ sơ", "Record edited"),
}
# Business steps and dispositions of trace events (GS1 EPCIS `bizStep`, `disposition`).
BIZ_STEPS: Table = {
    "harvesting": ("Thu hoạch", "Harvesting"),
    "commissioning": ("Gắn mã", "Commissioning"),
    "processing": ("Chế biến", "Processing"),
    "transforming": ("Chế biến từ nguyên liệu", "Transforming"),
    "packing": ("Đóng gói", "Packing"),
    "storing": ("Lưu kho", "Storing"),
    "shipping": ("Xuất hàng", "Shipping"),
    "receiving": ("Nhận hàng", "Receiving"),
    "inspecting": ("Kiểm tra", "Inspecting"),
    "retail_selling": ("Bán lẻ", "Retail selling"),
    "destroying": ("Tiêu huỷ", "Destroying"),
    "other": ("Khác", "Other"),
}
DISPOSITIONS: Table = {
    "active": ("Đã kích hoạt", "Active"),
    "in_progress": ("Đang xử lý", "In progress"),
    "in_transit": ("Đang vận chuyển", "In transit"),
    "sellable_accessible": ("Sẵn sàng để bán", "Sellable and accessible"),
    "conformant": ("Đạt yêu cầu", "Conformant"),
    "destroyed": ("Đã tiêu huỷ", "Destroyed"),
    "recalled": ("Đã thu hồi", "Recalled"),
}
# Units of a batch's quantity: UN/ECE Recommendation 20 codes (packages as Rec 21 codes prefixed "X").
UNITS: Table = {
    "KGM": ("kg (ki-lô-gam)", "kg (kilogram)"),
    "GRM": ("g (gam)", "g (gram)"),
    "TNE": ("tấn", "t (tonne)"),
    "LTR": ("lít", "l (litre)"),
    "MLT": ("ml (mi-li-lít)", "ml (millilitre)"),
    "H87": ("cái, chiếc, quả", "piece"),
    "XBO": ("chai", "bottle"),
    "XBX": ("hộp", "box"),
    "XPK": ("gói", "package"),
    "XBG": ("túi", "bag"),
    "XJR": ("hũ, lọ", "jar"),
    "XCT": ("thùng các-tông", "carton"),
    "XSA": ("bao", "sack"),
    "XTN": ("lon", "tin (can)"),
}
# How units were written by hand before they were codes (lower case, without dots); the migration that
# turned them into codes keeps its own frozen copy of this table.
UNIT_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilogam", "ki-lô-gam", "ki lô gam", "cân", "kí", "ký"), "KGM"),
    **dict.fromkeys(("g", "gr", "gram", "gam", "gờ-ram"), "GRM"),
    **dict.fromkeys(("t", "tấn", "tan", "tonne", "ton"), "TNE"),
    **dict.fromkeys(("l", "lít", "lit", "litre", "liter", "ltr"), "LTR"),
    **dict.fromkeys(("ml", "mi-li-lít", "millilitre", "milliliter"), "MLT"),
    **dict.fromkeys(("cái", "chiếc", "quả", "trái", "con", "pcs", "pc", "piece", "pieces", "cai"), "H87"),
    **dict.fromkeys(("chai", "bottle"), "XBO"),
    **dict.fromkeys(("hộp", "hop", "box"), "XBX"),
    **dict.fromkeys(("gói", "goi", "package", "pack"), "XPK"),
    **dict.fromkeys(("túi", "tui", "bag"), "XBG"),
    **dict.fromkeys(("hũ", "lọ", "hu", "lo", "jar"), "XJR"),
    **dict.fromkeys(("thùng", "thung", "carton", "thùng carton"), "XCT"),
    **dict.fromkeys(("bao", "sack"), "XSA"),
    **dict.fromkeys(("lon", "can", "tin"), "XTN"),
}


def unit_code(raw: str | None) -> str | None:
    """The Rec 20 code of a unit as written (a code, or a known spelling in Vietnamese or English); else None."""
    if not raw:
        return None
    cleaned = unicodedata.normalize("NFC", raw).strip()
    if cleaned.upper() in UNITS:
        return cleaned.upper()
    return UNIT_SPELLINGS.get(cleaned.lower().rstrip("."))


# GS1 Core Business Vocabulary 2.0: the terms above it defines (https://ref.gs1.org/cbv/BizStep-…,
# …/Disp-…). Every disposition we offer is one; the other business steps are ours (OWN_BIZ_STEPS).
CBV = "https://ref.gs1.org/cbv/"
CBV_BIZ_STEPS = frozenset(
    (
        "commissioning",
        "packing",
        "storing",
        "shipping",
        "receiving",
        "inspecting",
        "retail_selling",
        "destroying",
        "other",
    )
)
CBV_DISPOSITIONS = frozenset(
    ("active", "in_progress", "in_transit", "sellable_accessible", "conformant", "destroyed", "recalled")
)
TRANSFORMATION_EVENT = "https://ref.gs1.org/epcis/TransformationEvent"


@dataclass(frozen=True)
class OwnTerm:
    """A term CBV 2.0 lacks: its definition (vi, en) and the GS1 terms nearest to it.

    `close_match` only where the GS1 term means nearly the same; `see_also` for what a reader of the
    event should also look at. Its labels are those of the code's table above.
    """

    comment: tuple[str, str]
    close_match: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()


OWN_BIZ_STEPS: dict[str, OwnTerm] = {
    "harvesting": OwnTerm(
        (
            "Thu hái, thu hoạch nông sản, lâm sản hay thuỷ sản tại nơi trồng, nuôi hoặc khai thác; "
            "lô thu hoạch bắt đầu có từ sự kiện này. CBV 2.0 không có công đoạn thu hoạch; "
            "việc lô mới bắt đầu được định danh gần với commissioning.",
            "Gathering a crop, forest or aquatic product where it was grown, raised or caught; the harvested "
            "lot comes into being with this event. CBV 2.0 has no harvesting step; a lot first being "
            "identified is nearest to commissioning.",
        ),
        see_also=(CBV + "BizStep-commissioning",),
    ),
    "processing": OwnTerm(
        (
            "Sơ chế hoặc chế biến chính lô này (làm sạch, phân loại, sấy, rang, lên men…) mà không dùng "
            "nguyên liệu từ lô khác; công đoạn có lô đầu vào được ghi là chế biến từ nguyên liệu.",
            "Treating this lot itself (cleaning, grading, drying, roasting, fermenting, …) without inputs from "
            "other lots; a step that consumes input lots is recorded as transforming.",
        ),
        see_also=(TRANSFORMATION_EVENT,),
    ),
    "transforming": OwnTerm(
        (
            "Chế biến một hay nhiều lô nguyên liệu đầu vào thành lô này; được trao đổi dưới dạng "
            "TransformationEvent của EPCIS 2.0, với các lô đầu vào và lô đầu ra.",
            "Making this lot from one or more input lots; exchanged as an EPCIS 2.0 TransformationEvent "
            "listing the input and output lots.",
        ),
        see_also=(TRANSFORMATION_EVENT,),
    ),
}
# No disposition of ours: CBV 2.0 has a term for each one offered.
OWN_DISPOSITIONS: dict[str, OwnTerm] = {}

assert set(BIZ_STEPS) == set(_BIZ_STEPS) == CBV_BIZ_STEPS | set(OWN_BIZ_STEPS)
assert set(DISPOSITIONS) == set(_DISPOSITIONS) == CBV_DISPOSITIONS | set(OWN_DISPOSITIONS)
assert set(UNITS) == set(_UNITS) and set(UNIT_SPELLINGS.values()) <= set(UNITS)
assert set(CATEGORIES) == set(CATEGORIES_SHORT) == set(_CATEGORIES) and set(ROLES) == set(_ROLES)
assert set(ACTIVITY_KINDS) == set(_ACTIVITY_KINDS) and set(STANDARD_KINDS) == set(_STANDARD_KINDS)
assert set(OCOP_GROUPS) == set(_OCOP_GROUPS)


def text(table: Table, code: str | None, lang: str) -> str:
    """The name of `code` in `lang` ("vi" or "en"); an unknown code is shown as it is."""
    if not code:
        return ""
    vi, en = table.get(code, (code, code))
    return en if lang == "en" else vi


# The tables by the name templates use: `{{ cert.category|codename('category') }}`.
TABLES: dict[str, Table] = {
    "category": CATEGORIES,
    "category_short": CATEGORIES_SHORT,
    "status": STATUSES,
    "role": ROLES,
    "activity_kind": ACTIVITY_KINDS,
    "standard_kind": STANDARD_KINDS,
    "event": EVENT_ACTIONS,
    "audit_action": AUDIT_ACTIONS,
    "biz_step": BIZ_STEPS,
    "disposition": DISPOSITIONS,
    "ocop_group": OCOP_GROUPS,
    "unit": UNITS,
}


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def deadline_text(days_left: int) -> tuple[str, str]:
    """How a deadline `days_left` days away reads (vi, en): the one wording of the dashboard and every report.

    Before the day: "còn 3 ngày" / "3 days left"; on it: "hạn chót hôm nay" / "due today"; after it:
    "quá hạn 1 ngày" / "1 day overdue" (never a negative count)."""
    if days_left > 0:
        return f"còn {days_left} ngày", f"{_days(days_left)} left"
    if days_left == 0:
        return "hạn chót hôm nay", "due today"
    return f"quá hạn {-days_left} ngày", f"{_days(-days_left)} overdue"
