"""Column headers and cells of import files: names, Vietnamese aliases and value forms."""

from __future__ import annotations

import pytest

from registry.services import imports


def columns(kind: str, header: list[str]) -> imports._Columns:
    return imports._Columns(imports.spec_for(kind), header)


def test_headers_match_api_names_ignoring_case_and_diacritics() -> None:
    cols = columns(
        "organizations", ["Tên tổ chức", "LOẠI HÌNH", "Mã số thuế", "Tỉnh/Thành phố", "Xã/Phường", "Địa chỉ"]
    )
    assert cols.errors == []
    assert [name for _, name, _ in cols.columns] == ["name", "kind", "tax_code", "province", "commune", "address"]


def test_product_headers_accept_vietnamese_aliases_and_api_names() -> None:
    cols = columns("products", ["organization_id", "Tên sản phẩm", "Mã vạch", "Số sao OCOP", "ngay quyet dinh"])
    assert [name for _, name, _ in cols.columns] == [
        "organization_id",
        "name",
        "gtin",
        "ocop_stars",
        "ocop_decision_date",
    ]


def test_certificate_headers_in_vietnamese() -> None:
    cols = columns("certificates", ["Số chứng nhận", "Ngày cấp", "Ngày hết hạn", "certification_body_id"])
    names = [name for _, name, _ in cols.columns]
    assert names == ["number", "issued_on", "expires_on", "certification_body_id"]
    assert {(e.field, e.rule) for e in cols.errors} == {
        ("organization_id", "missing_column"),
        ("category", "missing_column"),
    }


def test_unknown_and_repeated_headers_are_reported_on_row_one() -> None:
    cols = columns("products", ["organization_id", "name", "colour", "Tên"])
    assert [(e.row, e.field, e.rule) for e in cols.errors] == [
        (1, "colour", "unknown_field"),
        (1, "Tên", "duplicate_column"),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("có", True), ("Không", False), ("x", True), ("1", True), ("0", False), ("true", True), ("FALSE", False)],
)
def test_boolean_cells_accept_vietnamese_words(cell: str, expected: bool) -> None:
    cols = columns("products", ["organization_id", "name", "is_key_product"])
    assert cols.record(["1", "Chè", cell]) == {"organization_id": 1, "name": "Chè", "is_key_product": expected}


def test_dates_lists_and_numbers_are_converted_and_blanks_left_out() -> None:
    cols = columns("certificates", ["number", "issued_on", "expires_on", "standard_ids", "organization_id", "scope"])
    record = cols.record(["  C-1 ", "15/03/2025", "2027-03-14", "3; 4;5", 7.0, "  "])
    assert record == {
        "number": "C-1",
        "issued_on": "2025-03-15",
        "expires_on": "2027-03-14",
        "standard_ids": [3, 4, 5],
        "organization_id": 7,
    }


def test_a_blank_row_is_skipped() -> None:
    assert columns("products", ["organization_id", "name"]).record(["", None]) is None


def test_file_format_is_told_by_content_not_name() -> None:
    assert imports.detect_format(b"PK\x03\x04rest") == "xlsx"
    assert imports.detect_format("tên,mã\n".encode()) == "csv"
    assert imports.detect_format(b"%PDF-1.7\x00\x01") is None
    assert imports.detect_format(b"\xff\xfe\x00t") is None
