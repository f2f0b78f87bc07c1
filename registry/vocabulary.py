"""Bilingual names of the stored codes (categories, statuses, roles, kinds, history actions), for pages and PDFs."""

from __future__ import annotations

from registry.models.activity import ACTIVITY_KINDS as _ACTIVITY_KINDS
from registry.models.certificate import CERTIFICATE_CATEGORIES as _CATEGORIES
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
assert set(CATEGORIES) == set(CATEGORIES_SHORT) == set(_CATEGORIES) and set(ROLES) == set(_ROLES)
assert set(ACTIVITY_KINDS) == set(_ACTIVITY_KINDS) and set(STANDARD_KINDS) == set(_STANDARD_KINDS)


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
}
