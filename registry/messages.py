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
    "enum": ("Trường {field}: Giá trị phải là một trong: {choices}.", "{field} must be one of: {choices}."),
    "length": (
        "Trường {field}: Độ dài phải từ {min} đến {max} ký tự.",
        "{field} must be {min} to {max} characters long.",
    ),
    "range": ("Trường {field}: Giá trị phải từ {min} đến {max}.", "{field} must be between {min} and {max}."),
    "min": ("Trường {field}: Giá trị phải lớn hơn hoặc bằng {min}.", "{field} must be at least {min}."),
    "date": (
        "Trường {field} phải là ngày theo ISO 8601 (YYYY-MM-DD).",
        "{field} must be an ISO 8601 date (YYYY-MM-DD).",
    ),
    "import_date": (
        "Trường {field} phải là một ngày có thật, dạng DD/MM/YYYY hoặc YYYY-MM-DD.",
        "{field} must be a real date, written DD/MM/YYYY or YYYY-MM-DD.",
    ),
    "datetime": (
        "Trường {field} phải là thời điểm ISO 8601 có múi giờ.",
        "{field} must be an ISO 8601 time with an offset.",
    ),
    "email": ("Trường {field} không phải địa chỉ email hợp lệ.", "{field} is not a valid email address."),
    "web_address": (
        "Trường {field} phải là địa chỉ web bắt đầu bằng http:// hoặc https://.",
        "{field} must be a web address starting with http:// or https://.",
    ),
    "integer": ("Trường {field} phải là số nguyên.", "{field} must be an integer."),
    "boolean": ("Trường {field} phải là true hoặc false.", "{field} must be true or false."),
    "list": ("Trường {field} phải là danh sách.", "{field} must be a list."),
    "invalid": ("Trường {field}: Giá trị không hợp lệ.", "{field} is not valid."),
    "control_char": (
        "Trường {field} chứa ký tự điều khiển không được phép (như NUL).",
        "{field} contains a control character that is not allowed (such as NUL).",
    ),
    "gtin_format": (
        "Trường {field}: Mã GTIN phải gồm 8, 12, 13 hoặc 14 chữ số.",
        "{field}: A GTIN has 8, 12, 13 or 14 digits.",
    ),
    "gtin_check_digit": (
        "Trường {field}: Số kiểm tra của mã GTIN sai (đúng phải là {expected}).",
        "{field}: The check digit of the GTIN is wrong (it should be {expected}).",
    ),
    "gs1_prefix_mismatch": (
        "Trường {field}: Mã GTIN không bắt đầu bằng mã doanh nghiệp GS1 {prefix} của tổ chức.",
        "{field}: The GTIN does not start with the organisation's GS1 company prefix {prefix}.",
    ),
    "gs1_prefix_format": (
        "Trường {field}: Mã doanh nghiệp GS1 phải gồm 6 đến 12 chữ số.",
        "{field}: A GS1 company prefix has 6 to 12 digits.",
    ),
    "gln": (
        "Trường {field}: Mã GLN phải gồm 13 chữ số với số kiểm tra đúng.",
        "{field}: A GLN has 13 digits with a valid check digit.",
    ),
    "tax_code": (
        "Trường {field}: Mã số thuế không hợp lệ (10 chữ số, hoặc 13 dạng 0123456789-001, với số kiểm tra đúng).",
        "{field}: Not a valid tax code (10 digits, or 13 as 0123456789-001, with a valid check digit).",
    ),
    "date_order": ("Trường {field}: Ngày phải sau ngày ở trường {other}.", "{field} must be after {other}."),
    "future_date": ("Trường {field}: Ngày không được ở tương lai.", "{field} may not be in the future."),
    "unknown_province": (
        "Không có tỉnh/thành phố '{value}' (dùng slug như thai-nguyen).",
        "There is no province '{value}' (use a slug such as thai-nguyen).",
    ),
    "unknown_commune": (
        "Không có xã/phường '{value}' thuộc tỉnh đã chọn.",
        "There is no commune or ward '{value}' in the chosen province.",
    ),
    "unknown_reference": ("Trường {field}: Không tìm thấy bản ghi {value}.", "No record {value} exists for {field}."),
    "organization_other_province": (
        "Trường {field}: Tổ chức {value} không thuộc {province}.",
        "{field}: The organisation {value} is not in {province}.",
    ),
    "duplicate": ("Trường {field}: Giá trị '{value}' đã tồn tại.", "{field} '{value}' already exists."),
    "stars": ("Trường {field}: Số sao OCOP phải là 3, 4 hoặc 5.", "{field}: OCOP stars must be 3, 4 or 5."),
    "ocop_decision_required": (
        "Cần số và ngày quyết định công nhận OCOP khi có số sao.",
        "An OCOP rating needs its decision number and date.",
    ),
    "password_short": ("Mật khẩu phải có ít nhất {min} ký tự.", "The password must be at least {min} characters."),
    "role_scope": ("Vai trò {role} cần {needs}.", "The role {role} needs {needs}."),
    # role_scope as the account forms word it, beside the field that holds the scope (registry.web.forms).
    "choose_organization": (
        "Chọn tổ chức (cơ sở sản xuất) cho tài khoản này.",
        "Choose the organisation (producer) for this account.",
    ),
    "choose_body": ("Chọn tổ chức chứng nhận cho tài khoản này.", "Choose the certification body for this account."),
    "choose_province": ("Chọn tỉnh/thành phố cho tài khoản này.", "Choose the province for this account."),
    "file_type": ("Trường {field}: Tệp phải là {expected}.", "{field}: The file must be {expected}."),
    "file_size": ("Trường {field}: Tệp vượt quá {max} MB.", "{field}: The file is larger than {max} MB."),
    "file_empty": ("Trường {field}: Tệp rỗng.", "{field}: The file is empty."),
    "file_unpacked": (
        "Trường {field}: Tệp XLSX khi giải nén vượt quá {max} MB.",
        "{field}: The XLSX file unpacks to more than {max} MB.",
    ),
    "file_ratio": (
        "Trường {field}: Tệp XLSX nén bất thường (một phần giải nén lớn hơn {max} lần kích thước nén).",
        "{field}: The XLSX file is abnormally compressed (a part unpacks to more than {max} times its size).",
    ),
    "file_parts": (
        "Trường {field}: Tệp XLSX có quá {max} thành phần.",
        "{field}: The XLSX file has more than {max} parts.",
    ),
    "file_rows": ("Trường {field}: Tệp có quá {max} dòng dữ liệu.", "{field}: The file has more than {max} data rows."),
    "file_columns": (
        "Trường {field}: Dòng {row} có quá {max} cột.",
        "{field}: Row {row} has more than {max} columns.",
    ),
    "file_cell": (
        "Trường {field}: Ô ở dòng {row}, cột {column} dài quá {max} ký tự.",
        "{field}: The cell at row {row}, column {column} is longer than {max} characters.",
    ),
    "file_time": (
        "Trường {field}: Tệp cần quá {max} giây để xử lý; hãy chia thành các tệp nhỏ hơn.",
        "{field}: The file takes more than {max} seconds to process; split it into smaller files.",
    ),
    "file_pages": ("Trường {field}: Tài liệu có quá {max} trang.", "{field}: The document has more than {max} pages."),
    "request_size": (
        "Trường {field}: Yêu cầu vượt quá {max} MB.",
        "{field}: The request is larger than {max} MB.",
    ),
    "malformed_json": ("Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."),
    "json_object": ("Nội dung gửi lên phải là một đối tượng JSON.", "The request body must be a JSON object."),
    "already_exists": ("Trường {field}: Giá trị này đã tồn tại.", "{field}: this value already exists."),
    "in_use": (
        "Trường {field}: Bản ghi đang được bản ghi khác sử dụng.",
        "{field}: the record is still used by another record.",
    ),
    "json_depth": (
        "Nội dung JSON lồng nhau quá {max} cấp.",
        "The JSON body nests deeper than {max} levels.",
    ),
    "lone_surrogate": (
        "Nội dung JSON chứa ký tự surrogate đơn lẻ (\\ud800–\\udfff), không phải văn bản Unicode hợp lệ.",
        "The JSON body contains a lone surrogate (\\ud800–\\udfff), which is not valid Unicode text.",
    ),
    "blank": (
        "Trường {field} không được để trống hoặc chỉ gồm khoảng trắng, ký tự vô hình.",
        "{field} may not be blank (only spaces or invisible characters).",
    ),
    "invisible_char": (
        "Trường {field} chứa ký tự vô hình hoặc ký tự điều khiển hướng chữ (như U+200B, U+202E) không được phép.",
        "{field} contains an invisible or text-direction control character (such as U+200B, U+202E).",
    ),
    "future_time": (
        "Trường {field}: Thời điểm không được muộn hơn hiện tại quá {minutes} phút.",
        "{field} may not be more than {minutes} minutes in the future.",
    ),
    "number": (
        "Trường {field} phải là một số (ví dụ 1.000,5 hoặc 1000.5).",
        "{field} must be a number (for example 1.000,5 or 1000.5).",
    ),
    "transition": (
        "Không thể thực hiện '{action}' với chứng nhận đang ở trạng thái {status}.",
        "The action '{action}' is not allowed for a certificate that is {status}.",
    ),
    "reason_required": ("Cần nêu lý do.", "A reason is required."),
    "choice_required": ("Trường {field}: Cần chọn một giá trị.", "{field}: Choose one of the options."),
    "transition_offer": (
        "Chứng chỉ đang ở trạng thái {status} nên không thể {action}; thao tác được phép lúc này: {allowed}.",
        "The certificate is {status}, so it cannot be {action}; allowed now: {allowed}.",
    ),
    "self_deactivate": (
        "Không thể tự khoá tài khoản của chính mình.",
        "You cannot deactivate your own account.",
    ),
    "confirm_required": ("Cần đánh dấu ô {field} để xác nhận.", "Tick {field} to confirm."),
    "report_transition": (
        "Không thể thực hiện '{action}' với phản ánh đang ở trạng thái {status}.",
        "A report that is {status} cannot take the action '{action}'.",
    ),
    "declaration_has_no_body": (
        "Trường {field}: Bản tự công bố là tuyên bố của chính tổ chức, không ghi tổ chức chứng nhận.",
        "{field}: A self-declaration is the organisation's own statement; it names no certification body.",
    ),
    "own_organization_only": (
        "Trường {field}: Chỉ ghi sự kiện nhân danh tổ chức mà bạn được quản lý (không phải {value}).",
        "{field}: You may attribute an event only to an organisation you manage (not {value}).",
    ),
    "input_not_received": (
        "Trường {field}: Lô {value} thuộc tổ chức khác và chưa được ghi là đã giao (sự kiện shipping) cho tổ chức này.",
        "{field}: Lot {value} belongs to another organisation, which has not recorded shipping it to this one.",
    ),
    "self_input": ("Lô đầu vào không được là chính lô này.", "A batch may not be its own input."),
    "where_required": (
        "Cần xã/phường hoặc mã GLN cho nơi diễn ra sự kiện.",
        "An event needs a commune or a GLN for where it happened.",
    ),
    "not_standard_kind": (
        "Tiêu chuẩn cơ sở (TCCS) phải có tổ chức công bố.",
        "A base standard (TCCS) needs the organisation that published it.",
    ),
    "catalogue_writers": (
        "Trường {field}: Chỉ quản trị viên và cán bộ Sở KH&CN thêm tiêu chuẩn quốc gia, quốc tế vào danh mục chung; "
        "tổ chức chỉ thêm TCCS của mình.",
        "{field}: Only admins and DOST officers add national and international standards to the shared catalogue; "
        "an organisation adds only its own TCCS.",
    ),
    # Bulk import (registry/services/imports.py).
    "missing_column": ("Tệp thiếu cột bắt buộc {field}.", "The file has no column {field}, which is required."),
    "duplicate_column": (
        "Cột '{field}' lặp lại cột {column}.",
        "The column '{field}' repeats the column {column}.",
    ),
    "duplicate_in_file": (
        "Trường {field}: Giá trị '{value}' trùng với dòng {first_row} trong tệp.",
        "{field} '{value}' repeats row {first_row} of the file.",
    ),
    "import_forbidden": (
        "Bạn không có quyền tạo bản ghi này (theo {field}).",
        "You may not create this record (see {field}).",
    ),
    "file_encoding": ("Trường {field}: Tệp phải được mã hoá UTF-8.", "{field}: The file must be encoded as UTF-8."),
    # Signed certificate tokens (registry/services/signing.py).
    "token_malformed": (
        "Mã QR không đúng định dạng mã xác thực chứng chỉ.",
        "The code is not a well-formed certificate token.",
    ),
    "token_version": (
        "Phiên bản mã xác thực {version} không được hỗ trợ.",
        "Token version {version} is not supported.",
    ),
    "token_unknown_key": (
        "Mã được ký bằng khóa {kid} không có trong danh sách khóa công khai của cơ quan quản lý.",
        "The code was signed with key {kid}, which is not among the registry's public keys.",
    ),
    "token_bad_signature": (
        "Chữ ký không hợp lệ: nội dung mã đã bị sửa đổi hoặc giả mạo (khóa {kid}).",
        "Bad signature: the code was altered or forged (key {kid}).",
    ),
    "token_outside_key_window": (
        "Mã được ký lúc {iat}, ngoài thời hạn hiệu lực của khóa {kid}.",
        "The code was signed at {iat}, outside the validity window of key {kid}.",
    ),
    "token_other_certificate": (
        "Mã thuộc chứng chỉ {found}, không phải chứng chỉ {expected}.",
        "The code belongs to certificate {found}, not certificate {expected}.",
    ),
    "token_no_keys": (
        "Không có khóa công khai để kiểm tra (dùng --keys FILE).",
        "No public keys to check against (use --keys FILE).",
    ),
    # The transparency log (registry/services/transparency.py).
    "audit_entry_unreadable": (
        "Trường {field}: Mục nhật ký {id} không còn đọc được (đã bị sửa ngoài hệ thống); không thể lập cây Merkle.",
        "{field}: Audit entry {id} no longer reads (edited outside the registry); no Merkle tree can be built.",
    ),
    "tree_size_range": (
        "Trường {field}: Kích thước cây phải là số nguyên từ 0 đến {most}.",
        "{field}: The tree size must be a whole number from 0 to {most}.",
    ),
    # The offline check against a synced status list (registry/commands/verify_offline.py).
    "status_list_refused": (
        "Danh sách trạng thái không được chấp nhận: {reason}.",
        "The status list is refused: {reason}.",
    ),
    "status_list_stale": (
        "Danh sách trạng thái (phiên bản {version}, lúc {at}) đã quá 7 ngày; hãy đồng bộ lại.",
        "The status list (version {version}, of {at}) is more than 7 days old; sync it again.",
    ),
    "status_withdrawn": (
        "Chứng chỉ {number} (mã {id}) ĐÃ BỊ THU HỒI theo danh sách trạng thái phiên bản {version} lúc {at}.",
        "Certificate {number} (id {id}) is REVOKED (withdrawn) per the status list version {version} of {at}.",
    ),
    "status_suspended": (
        "Chứng chỉ {number} (mã {id}) ĐÃ BỊ ĐÌNH CHỈ theo danh sách trạng thái phiên bản {version} lúc {at}.",
        "Certificate {number} (id {id}) is SUSPENDED per the status list version {version} of {at}.",
    ),
    "status_expired": (
        "Chứng chỉ {number} (mã {id}) đã hết hạn ngày {expires_on}.",
        "Certificate {number} (id {id}) expired on {expires_on}.",
    ),
    "status_unlisted": (
        "Chứng chỉ {id} mới hơn danh sách trạng thái phiên bản {version}; hãy kiểm tra trực tuyến.",
        "Certificate {id} is newer than the status list version {version}; check online.",
    ),
    "status_listed": (
        "không bị thu hồi hay đình chỉ theo danh sách trạng thái phiên bản {version} lúc {at}.",
        "not revoked or suspended per the status list version {version} of {at}.",
    ),
    "not_signable": (
        "Chỉ ký mã QR cho chứng chỉ đang hiệu lực; chứng chỉ này đang ở trạng thái {status}.",
        "Only a valid certificate gets a signed QR code; this one is {status}.",
    ),
    # Plan progress and reported figures (registry/services/progress.py, reports.py).
    "no_plan": ("Tỉnh/thành phố '{value}' chưa có kế hoạch.", "Province '{value}' has no plan."),
    "target_not_reported": (
        "Chỉ tiêu {value} do registry tự tính, không nhập số liệu báo cáo.",
        "Target {value} is computed by the registry; figures cannot be entered for it.",
    ),
    "as_of_before_year": (
        "Trường {field}: Ngày số liệu không được trước năm {year}.",
        "{field}: The as-of date may not be before the year {year}.",
    ),
    "report_format": (
        "Trường {field}: Định dạng báo cáo phải là một trong: {choices}.",
        "{field}: The report format must be one of: {choices}.",
    ),
    # GS1 Digital Link (registry/services/digital_link.py); {field} is the AI, e.g. 10.
    "dl_path": (
        "Đường dẫn GS1 Digital Link phải có dạng /01/{{GTIN}}[/22/{{CPV}}][/10/{{lô}}][/21/{{số sê-ri}}]"
        " hoặc /01/{{GTIN}}/235/{{TPX}}.",
        "A GS1 Digital Link path must be /01/{{GTIN}}[/22/{{CPV}}][/10/{{lot}}][/21/{{serial}}]"
        " or /01/{{GTIN}}/235/{{TPX}}.",
    ),
    "dl_value_missing": ("Mã AI ({field}) trong đường dẫn thiếu giá trị.", "AI ({field}) in the path has no value."),
    "dl_qualifier_unknown": (
        "'{value}' không phải mã định danh bổ sung của GTIN; chỉ dùng 22, 10, 21 hoặc 235.",
        "'{value}' is not a key qualifier of a GTIN; use only 22, 10, 21 or 235.",
    ),
    "dl_empty_segment": (
        "Đường dẫn có đoạn trống tại mã AI ({field}): mỗi mã AI phải có một giá trị, không có '//'.",
        "The path has an empty segment at AI ({field}): every AI needs a value, and '//' is not allowed.",
    ),
    "dl_attribute_repeated": (
        "Mã AI ({field}) xuất hiện hai lần trong chuỗi truy vấn.",
        "AI ({field}) appears twice in the query string.",
    ),
    "dl_qualifier_combination": (
        "Mã AI ({field}) (TPX) không dùng cùng ({other}): chỉ /235/ hoặc 22, 10, 21.",
        "AI ({field}) (TPX) cannot be combined with ({other}): use /235/ alone or 22, 10, 21.",
    ),
    "dl_compressed": (
        "Đường dẫn không phải GS1 Digital Link nén hợp lệ.",
        "The path is not a valid compressed GS1 Digital Link.",
    ),
    "dl_primary_key": (
        "GS1 Digital Link nén phải có khoá chính GTIN (01); mã AI ({field}) không được hỗ trợ ở đây.",
        "A compressed GS1 Digital Link must have the GTIN (01) as its primary key; AI ({field}) is not resolved here.",
    ),
    "dl_qualifier_repeated": ("Mã AI ({field}) xuất hiện hai lần.", "AI ({field}) appears twice."),
    "dl_qualifier_order": (
        "Mã AI ({field}) phải đứng trước ({other}): thứ tự là 22, 10, 21.",
        "AI ({field}) must come before ({other}): the order is 22, 10, 21.",
    ),
    "dl_charset": (
        "Giá trị của AI ({field}) chỉ được gồm tối đa {max} ký tự thuộc bộ ký tự GS1 (bộ 82).",
        "The value of AI ({field}) may have at most {max} characters of the GS1 character set 82.",
    ),
    "dl_percent": (
        "Giá trị của AI ({field}) có mã hoá phần trăm (%) sai.",
        "The value of AI ({field}) has a malformed percent-encoding.",
    ),
    "dl_attribute_in_path": (
        "AI ({field}) là khoá hoặc định danh bổ sung, phải nằm trong đường dẫn chứ không trong chuỗi truy vấn.",
        "AI ({field}) is a key or key qualifier; it belongs in the path, not the query string.",
    ),
    "dl_attribute_unknown": (
        "'{field}' trong chuỗi truy vấn không phải mã AI của GS1.",
        "'{field}' in the query string is not a GS1 Application Identifier.",
    ),
    "dl_attribute_format": (
        "Giá trị của AI ({field}) không đúng định dạng GS1 {format}.",
        "The value of AI ({field}) does not match its GS1 format {format}.",
    ),
    "dl_date": (
        "Giá trị của AI ({field}) phải là ngày có thật dạng YYMMDD.",
        "The value of AI ({field}) must be a real date as YYMMDD.",
    ),
    "gtin13_required": (
        "Mã vạch EAN-13 cần sản phẩm có mã GTIN-13 (trường {field}).",
        "An EAN-13 barcode needs the product to have a GTIN-13 ({field}).",
    ),
    "gtin_required_for_code": (
        "Mã QR GS1 Digital Link cần sản phẩm có mã GTIN (trường {field}).",
        "A GS1 Digital Link QR code needs the product to have a GTIN ({field}).",
    ),
    "link_type_unknown": (
        "Không có liên kết loại '{value}' cho mã này.",
        "There is no link of type '{value}' for this code.",
    ),
    "epcis_schema": (
        "Trường {field} không đúng lược đồ JSON EPCIS 2.0 của GS1: {detail}",
        "{field} does not follow GS1's EPCIS 2.0 JSON schema: {detail}",
    ),
    "epcis_document_type": (
        "Trường {field}: Giao diện ghi nhận chỉ nhận tài liệu EPCISDocument (nhận được: {value}).",
        "{field}: The capture interface takes an EPCISDocument (got: {value}).",
    ),
    "epcis_identifier_unowned": (
        "Mã {identifier} không thuộc tổ chức nào đăng ký trong hệ thống có mã doanh nghiệp GS1 tương ứng.",
        "{identifier} belongs to no organisation registered here with its GS1 company prefix.",
    ),
    "epcis_identifier_other": (
        "Mã {identifier} thuộc {organization}, tổ chức mà bạn không được ghi dữ liệu thay.",
        "{identifier} belongs to {organization}, which you may not act for.",
    ),
    "epcis_protected_term": (
        "Trường {field} định nghĩa lại thuật ngữ được bảo vệ '{term}' của ngữ cảnh JSON-LD EPCIS 2.0 "
        "(JSON-LD 1.1 không cho phép).",
        "{field} redefines '{term}', a protected term of the EPCIS 2.0 JSON-LD context (JSON-LD 1.1 forbids it).",
    ),
    "epcis_duplicate_event": (
        "Trường {field}: Sự kiện {value} đã được ghi nhận; chỉ được gửi lại kèm errorDeclaration.",
        "{field}: The event {value} was already captured; send it again only with an errorDeclaration.",
    ),
    "epcis_capture_limit": (
        "Mỗi lần ghi nhận tối đa {limit} sự kiện.",
        "At most {limit} events may be captured at once.",
    ),
    "epcis_media_type": (
        "Cần tài liệu JSON (application/json hoặc application/ld+json).",
        "Send a JSON document (application/json or application/ld+json).",
    ),
    "epcis_store": (
        "Không lưu được sự kiện ({detail}); không sự kiện nào được ghi.",
        "The events could not be stored ({detail}); none was recorded.",
    ),
    "wrong_password": ("Trường {field}: Mật khẩu hiện tại không đúng.", "{field}: the current password is wrong."),
    "account_throttled": (
        "Trường {field}: Tài khoản này đã đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút.",
        "{field}: Too many failed sign-ins for this account; try again in {minutes} minute(s).",
    ),
}

# The same rules shown BESIDE the field they concern (web forms): the field's name is redundant there.
# A rule without an entry here has no {field} in its text, or is only ever listed (imports, GS1 Digital Link).
BESIDE: dict[str, tuple[str, str]] = {
    "required": ("Trường này là bắt buộc.", "This field is required."),
    "catalogue_writers": (
        "Chỉ quản trị viên và cán bộ Sở KH&CN thêm tiêu chuẩn quốc gia, quốc tế vào danh mục chung; "
        "tổ chức chỉ thêm TCCS của mình.",
        "Only admins and DOST officers add national and international standards to the shared catalogue; "
        "an organisation adds only its own TCCS.",
    ),
    "declaration_has_no_body": (
        "Bản tự công bố là tuyên bố của chính tổ chức, không ghi tổ chức chứng nhận.",
        "A self-declaration is the organisation's own statement; it names no certification body.",
    ),
    "own_organization_only": (
        "Chỉ ghi sự kiện nhân danh tổ chức mà bạn được quản lý (không phải {value}).",
        "You may attribute an event only to an organisation you manage (not {value}).",
    ),
    "input_not_received": (
        "Lô {value} thuộc tổ chức khác và chưa được ghi là đã giao (sự kiện shipping) cho tổ chức này.",
        "Lot {value} belongs to another organisation, which has not recorded shipping it to this one.",
    ),
    "audit_entry_unreadable": (
        "Mục nhật ký {id} không còn đọc được; không thể lập cây Merkle.",
        "Audit entry {id} no longer reads; no Merkle tree can be built.",
    ),
    "tree_size_range": ("Phải là số nguyên từ 0 đến {most}.", "Must be a whole number from 0 to {most}."),
    "null": ("Không được để trống.", "May not be empty."),
    "type": ("Sai kiểu dữ liệu (cần {expected}).", "Wrong type (expected {expected})."),
    "unknown_field": ("Trường này không được hỗ trợ.", "This field is not supported."),
    "enum": ("Giá trị phải là một trong: {choices}.", "Choose one of: {choices}."),
    "length": ("Độ dài phải từ {min} đến {max} ký tự.", "Must be {min} to {max} characters long."),
    "range": ("Giá trị phải từ {min} đến {max}.", "Must be between {min} and {max}."),
    "min": ("Giá trị phải lớn hơn hoặc bằng {min}.", "Must be at least {min}."),
    "date": ("Cần ngày theo ISO 8601 (YYYY-MM-DD).", "Must be an ISO 8601 date (YYYY-MM-DD)."),
    "import_date": (
        "Cần một ngày có thật, dạng DD/MM/YYYY hoặc YYYY-MM-DD.",
        "Must be a real date, written DD/MM/YYYY or YYYY-MM-DD.",
    ),
    "datetime": ("Cần thời điểm ISO 8601 có múi giờ.", "Must be an ISO 8601 time with an offset."),
    "email": ("Địa chỉ email không hợp lệ.", "Not a valid email address."),
    "web_address": (
        "Cần địa chỉ web bắt đầu bằng http:// hoặc https://.",
        "Must be a web address starting with http:// or https://.",
    ),
    "integer": ("Phải là số nguyên.", "Must be a whole number."),
    "boolean": ("Phải là có hoặc không.", "Must be yes or no."),
    "list": ("Phải là một danh sách.", "Must be a list."),
    "invalid": ("Giá trị không hợp lệ.", "This value is not valid."),
    "control_char": (
        "Có ký tự điều khiển không được phép (như NUL).",
        "Contains a control character that is not allowed (such as NUL).",
    ),
    "gtin_format": ("Mã GTIN phải gồm 8, 12, 13 hoặc 14 chữ số.", "A GTIN has 8, 12, 13 or 14 digits."),
    "gtin_check_digit": (
        "Số kiểm tra sai (đúng phải là {expected}).",
        "The check digit is wrong (it should be {expected}).",
    ),
    "gs1_prefix_mismatch": (
        "Mã GTIN không bắt đầu bằng mã doanh nghiệp GS1 {prefix} của tổ chức.",
        "The GTIN does not start with the organisation's GS1 company prefix {prefix}.",
    ),
    "gs1_prefix_format": ("Mã doanh nghiệp GS1 phải gồm 6 đến 12 chữ số.", "A GS1 company prefix has 6 to 12 digits."),
    "gln": ("Mã GLN phải gồm 13 chữ số với số kiểm tra đúng.", "A GLN has 13 digits with a valid check digit."),
    "tax_code": (
        "Mã số thuế không hợp lệ (10 chữ số, hoặc 13 dạng 0123456789-001, với số kiểm tra đúng).",
        "Not a valid tax code (10 digits, or 13 as 0123456789-001, with a valid check digit).",
    ),
    "date_order": ("Phải sau {other}.", "Must be after {other}."),
    "future_date": ("Không được là ngày trong tương lai.", "May not be in the future."),
    "already_exists": ("Giá trị này đã tồn tại.", "This value already exists."),
    "in_use": ("Bản ghi đang được bản ghi khác sử dụng.", "The record is still used by another record."),
    "future_time": (
        "Không được muộn hơn hiện tại quá {minutes} phút.",
        "May not be more than {minutes} minutes in the future.",
    ),
    "blank": (
        "Không được để trống hoặc chỉ gồm khoảng trắng, ký tự vô hình.",
        "May not be blank (only spaces or invisible characters).",
    ),
    "invisible_char": (
        "Có ký tự vô hình hoặc ký tự điều khiển hướng chữ (như U+200B, U+202E) không được phép.",
        "Contains an invisible or text-direction control character (such as U+200B, U+202E).",
    ),
    "number": ("Phải là một số (ví dụ 1.000,5 hoặc 1000.5).", "Must be a number (for example 1.000,5 or 1000.5)."),
    "unknown_reference": ("Không tìm thấy bản ghi {value}.", "No record {value} exists."),
    "organization_other_province": (
        "Tổ chức {value} không thuộc {province}.",
        "The organisation {value} is not in {province}.",
    ),
    "duplicate": ("Giá trị '{value}' đã tồn tại.", "'{value}' already exists."),
    "stars": ("Số sao OCOP phải là 3, 4 hoặc 5.", "OCOP stars must be 3, 4 or 5."),
    "file_type": ("Tệp phải là {expected}.", "The file must be {expected}."),
    "file_size": ("Tệp vượt quá {max} MB.", "The file is larger than {max} MB."),
    "file_empty": ("Tệp rỗng.", "The file is empty."),
    "file_unpacked": ("Tệp XLSX khi giải nén vượt quá {max} MB.", "The XLSX file unpacks to more than {max} MB."),
    "file_ratio": (
        "Tệp XLSX nén bất thường (một phần giải nén lớn hơn {max} lần kích thước nén).",
        "The XLSX file is abnormally compressed (a part unpacks to more than {max} times its size).",
    ),
    "file_parts": ("Tệp XLSX có quá {max} thành phần.", "The XLSX file has more than {max} parts."),
    "file_rows": ("Tệp có quá {max} dòng dữ liệu.", "The file has more than {max} data rows."),
    "file_columns": ("Dòng {row} có quá {max} cột.", "Row {row} has more than {max} columns."),
    "file_cell": (
        "Ô ở dòng {row}, cột {column} dài quá {max} ký tự.",
        "The cell at row {row}, column {column} is longer than {max} characters.",
    ),
    "file_time": (
        "Tệp cần quá {max} giây để xử lý; hãy chia thành các tệp nhỏ hơn.",
        "The file takes more than {max} seconds to process; split it into smaller files.",
    ),
    "file_pages": ("Tài liệu có quá {max} trang.", "The document has more than {max} pages."),
    "request_size": ("Yêu cầu vượt quá {max} MB.", "The request is larger than {max} MB."),
    "file_encoding": ("Tệp phải được mã hoá UTF-8.", "The file must be encoded as UTF-8."),
    "confirm_required": ("Cần đánh dấu ô này để xác nhận.", "Tick this box to confirm."),
    "choice_required": ("Cần chọn một trong các lựa chọn.", "Choose one of the options."),
    "as_of_before_year": (
        "Ngày số liệu không được trước năm {year}.",
        "The as-of date may not be before the year {year}.",
    ),
    "report_format": (
        "Định dạng báo cáo phải là một trong: {choices}.",
        "The report format must be one of: {choices}.",
    ),
    "gtin13_required": ("Mã vạch EAN-13 cần sản phẩm có mã GTIN-13.", "An EAN-13 barcode needs a GTIN-13."),
    "gtin_required_for_code": (
        "Mã QR GS1 Digital Link cần sản phẩm có mã GTIN.",
        "A GS1 Digital Link QR code needs the product to have a GTIN.",
    ),
    "wrong_password": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "account_throttled": (
        "Tài khoản này đã đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút.",
        "Too many failed sign-ins for this account; try again in {minutes} minute(s).",
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
    "unavailable": ("Hệ thống tạm thời gián đoạn", "Temporarily unavailable"),
    "unsupported_media_type": ("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    "in_use": ("Bản ghi đang được sử dụng", "The record is in use"),
    "invalid_digital_link": ("Đường dẫn GS1 Digital Link không hợp lệ", "Invalid GS1 Digital Link"),
}


class _Safe(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_rule(rule: str, lang: str, field: str | None, params: dict[str, Any]) -> str:
    """The message for a broken rule in `lang` (vi or en).

    With a `field` (the API name, as imports, problem details and the CLI list errors) the text names it;
    with `field=None` it is the text shown beside the form field itself, which does not repeat the name.
    """
    vi, en = RULES.get(rule, RULES["invalid"])
    if field is None:
        vi, en = BESIDE.get(rule, (vi, en))
    template = vi if lang == "vi" else en
    values = _Safe({k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in params.items()})
    values["field"] = field if field is not None else ("trường này" if lang == "vi" else "this field")
    return template.format_map(values)


def problem_title(code: str, lang: str) -> str:
    vi, en = PROBLEMS.get(code, PROBLEMS["bad_request"])
    return vi if lang == "vi" else en
