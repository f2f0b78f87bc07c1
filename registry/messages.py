"""Vietnamese and English texts of every rule a service or schema can report."""

from __future__ import annotations

from typing import Any

SUPPORTED = ("vi", "en")

# rule -> (Vietnamese, English); {field} and rule params are substituted.
RULES: dict[str, tuple[str, str]] = {
    "required": ("Trường {field} là bắt buộc.", "{field} is required."),
    "null": ("Trường {field} không được để trống.", "{field} may not be null."),
    "type": ("Trường {field} sai kiểu dữ liệu (cần {expected}).", "{field} has the wrong type (expected {expected})."),
    "unknown_field": ("Trường {field} không được hỗ trợ.", "{field} is not a known field."),
    "enum": ("Giá trị của {field} phải là một trong: {choices}.", "{field} must be one of: {choices}."),
    "length": ("Độ dài của {field} phải từ {min} đến {max} ký tự.", "{field} must be {min} to {max} characters long."),
    "range": ("Giá trị của {field} phải từ {min} đến {max}.", "{field} must be between {min} and {max}."),
    "min": ("Giá trị của {field} phải lớn hơn hoặc bằng {min}.", "{field} must be at least {min}."),
    "date": (
        "Trường {field} phải là ngày theo ISO 8601 (YYYY-MM-DD).",
        "{field} must be an ISO 8601 date (YYYY-MM-DD).",
    ),
    "datetime": (
        "Trường {field} phải là thời điểm ISO 8601 có múi giờ.",
        "{field} must be an ISO 8601 time with an offset.",
    ),
    "email": ("Trường {field} không phải địa chỉ email hợp lệ.", "{field} is not a valid email address."),
    "integer": ("Trường {field} phải là số nguyên.", "{field} must be an integer."),
    "boolean": ("Trường {field} phải là true hoặc false.", "{field} must be true or false."),
    "list": ("Trường {field} phải là danh sách.", "{field} must be a list."),
    "invalid": ("Giá trị của {field} không hợp lệ.", "{field} is not valid."),
    "gtin_format": (
        "Mã GTIN ở {field} phải gồm 8, 12, 13 hoặc 14 chữ số.",
        "The GTIN in {field} must have 8, 12, 13 or 14 digits.",
    ),
    "gtin_check_digit": (
        "Số kiểm tra của mã GTIN ở {field} sai (đúng phải là {expected}).",
        "The check digit of the GTIN in {field} is wrong (it should be {expected}).",
    ),
    "gs1_prefix_mismatch": (
        "Mã GTIN ở {field} không bắt đầu bằng mã doanh nghiệp GS1 {prefix} của tổ chức.",
        "The GTIN in {field} does not start with the organisation's GS1 company prefix {prefix}.",
    ),
    "gs1_prefix_format": (
        "Mã doanh nghiệp GS1 ở {field} phải gồm 6 đến 12 chữ số.",
        "The GS1 company prefix in {field} must have 6 to 12 digits.",
    ),
    "gln": (
        "Mã GLN ở {field} phải gồm 13 chữ số với số kiểm tra đúng.",
        "The GLN in {field} must be 13 digits with a valid check digit.",
    ),
    "tax_code": (
        "Mã số thuế ở {field} không hợp lệ (10 chữ số, hoặc 13 dạng 0123456789-001, với số kiểm tra đúng).",
        "The tax code in {field} is not valid (10 digits, or 13 as 0123456789-001, with a valid check digit).",
    ),
    "date_order": ("Ngày ở {field} phải sau ngày ở {other}.", "{field} must be after {other}."),
    "future_date": ("Ngày ở {field} không được ở tương lai.", "{field} may not be in the future."),
    "unknown_province": (
        "Không có tỉnh/thành phố '{value}' (dùng slug như thai-nguyen).",
        "There is no province '{value}' (use a slug such as thai-nguyen).",
    ),
    "unknown_commune": (
        "Không có xã/phường '{value}' thuộc tỉnh đã chọn.",
        "There is no commune or ward '{value}' in the chosen province.",
    ),
    "unknown_reference": ("Không tìm thấy bản ghi {value} cho {field}.", "No record {value} exists for {field}."),
    "duplicate": ("Giá trị '{value}' của {field} đã tồn tại.", "{field} '{value}' already exists."),
    "stars": ("Số sao OCOP ở {field} phải là 3, 4 hoặc 5.", "The OCOP stars in {field} must be 3, 4 or 5."),
    "ocop_decision_required": (
        "Cần số và ngày quyết định công nhận OCOP khi có số sao.",
        "An OCOP rating needs its decision number and date.",
    ),
    "password_short": ("Mật khẩu phải có ít nhất {min} ký tự.", "The password must be at least {min} characters."),
    "role_scope": ("Vai trò {role} cần {needs}.", "The role {role} needs {needs}."),
    "file_type": ("Tệp ở {field} phải là {expected}.", "The file in {field} must be {expected}."),
    "file_size": ("Tệp ở {field} vượt quá {max} MB.", "The file in {field} is larger than {max} MB."),
    "file_empty": ("Tệp ở {field} rỗng.", "The file in {field} is empty."),
    "malformed_json": ("Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."),
    "json_object": ("Nội dung gửi lên phải là một đối tượng JSON.", "The request body must be a JSON object."),
    "transition": (
        "Không thể {action} một chứng chỉ đang ở trạng thái {status}.",
        "A certificate that is {status} cannot be {action}ed.",
    ),
    "reason_required": ("Cần nêu lý do.", "A reason is required."),
    "self_input": ("Lô đầu vào không được là chính lô này.", "A batch may not be its own input."),
    "where_required": (
        "Cần xã/phường hoặc mã GLN cho nơi diễn ra sự kiện.",
        "An event needs a commune or a GLN for where it happened.",
    ),
    "not_standard_kind": (
        "Tiêu chuẩn cơ sở (TCCS) phải có tổ chức công bố.",
        "A base standard (TCCS) needs the organisation that published it.",
    ),
}

PROBLEMS: dict[str, tuple[str, str]] = {
    "invalid_input": ("Dữ liệu không hợp lệ", "Invalid input"),
    "bad_request": ("Yêu cầu không hợp lệ", "Bad request"),
    "unauthorized": ("Cần đăng nhập", "Authentication required"),
    "invalid_credentials": ("Email hoặc mật khẩu không đúng", "Wrong email or password"),
    "invalid_token": ("Mã truy cập không hợp lệ hoặc đã hết hạn", "The access token is invalid or has expired"),
    "forbidden": ("Không có quyền thực hiện", "Not allowed"),
    "not_found": ("Không tìm thấy", "Not found"),
    "conflict": ("Xung đột dữ liệu", "Conflict"),
    "duplicate": ("Bản ghi đã tồn tại", "The record already exists"),
    "transition": ("Không thể chuyển trạng thái", "Status change not allowed"),
    "too_large": ("Nội dung quá lớn", "Request body too large"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "rate_limited": ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests, try again later"),
    "server_error": ("Lỗi hệ thống", "Internal error"),
    "unsupported_media_type": ("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    "in_use": ("Bản ghi đang được sử dụng", "The record is in use"),
}


class _Safe(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_rule(rule: str, lang: str, field: str, params: dict[str, Any]) -> str:
    """The message for a broken rule in `lang` (vi or en)."""
    vi, en = RULES.get(rule, RULES["invalid"])
    template = vi if lang == "vi" else en
    values = _Safe({k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in params.items()})
    values["field"] = field
    return template.format_map(values)


def problem_title(code: str, lang: str) -> str:
    vi, en = PROBLEMS.get(code, PROBLEMS["bad_request"])
    return vi if lang == "vi" else en
