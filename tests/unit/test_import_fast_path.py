"""The products fast path of the importer against its reference (marshmallow ProductIn + products._apply)."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.services import gs1, imports
from registry.services.text import fast_fold, fold, nfc
from tests.helpers import valid_gtin13

HEADER = [
    "organization_id",
    "name",
    "ocop_group",
    "gtin",
    "description",
    "is_key_product",
    "is_specialty",
    "has_collective_trademark",
    "is_high_risk",
    "ocop_stars",
    "ocop_decision_number",
    "ocop_decision_date",
]
GOOD = [7, "Chè Tân Cương", "beverage", valid_gtin13(1), "Chè búp", "có", "không", "x", "0", 4, "QĐ-1", "15/03/2025"]


def row(**changes: Any) -> list[Any]:
    cells = list(GOOD)
    for name, value in changes.items():
        cells[HEADER.index(name)] = value
    return cells


GOOD_ROWS = [
    row(),
    row(ocop_stars="", ocop_decision_number="", ocop_decision_date=""),
    row(gtin="", ocop_group="", description=""),
    row(gtin="96385074", name="  Mắm   tôm  "),  # GTIN-8; inner spaces collapse
    row(gtin="036000291452"),  # GTIN-12
    row(gtin="0" + valid_gtin13(5)),  # GTIN-14
    row(organization_id="+7", ocop_stars="5", ocop_decision_date="2025-03-15"),
    row(ocop_decision_date="1/2/2024", is_key_product="Có", is_high_risk="TRUE"),
    row(organization_id=7.0, gtin=int(valid_gtin13(9)), ocop_decision_date=datetime(2025, 3, 15, 8)),  # XLSX cells
    row(ocop_decision_date=date(2024, 2, 29), is_specialty=True, ocop_stars=3.0),
    row(ocop_decision_date="20250315"),  # ISO 8601 basic format, as marshmallow takes it
    row(name="Đặc sản Đà Lạt", description="x" * 4000, ocop_decision_number="Q" * 64),
    row(name="ab", is_key_product="on"),  # a spelling only marshmallow knows: reference only
]
BAD_ROWS = [
    row(name=""),
    row(name="A"),
    row(name="N" * 256),
    row(organization_id=""),
    row(organization_id="abc"),
    row(organization_id="99999999999"),
    row(organization_id=7.5),
    row(ocop_group="drinks"),
    row(gtin="8938600000001"),  # wrong check digit
    row(gtin="12345"),
    row(gtin="893860000001X"),
    row(gtin="１２３４５６７８"),  # full-width digits
    row(gtin="123456789012345"),
    row(description="x" * 4001),
    row(is_key_product="maybe"),
    row(is_high_risk=2),
    row(ocop_stars=7),
    row(ocop_stars="four"),
    row(ocop_stars=2),
    row(ocop_decision_number=""),
    row(ocop_decision_date=""),
    row(ocop_decision_date="31/02/2025"),
    row(ocop_decision_date="2025-02-30"),
    row(ocop_decision_date="15.03.25"),
    row(ocop_decision_number="Q" * 65),
    row(name="", gtin="12", ocop_stars=9),
]


def columns() -> Any:
    cols = imports._Columns(imports.SPECS["products"], HEADER)
    assert not cols.errors
    return cols


def both(cells: list[Any]) -> tuple[Any, Any]:
    cols = columns()
    return imports._FastProducts(cols).values(cells), imports._reference_product(cols, cells)


def accepted(reference: Any) -> bool:
    return isinstance(reference, tuple) and not reference[1]


@pytest.mark.parametrize("cells", GOOD_ROWS)
def test_a_good_row_gets_the_same_values_from_the_fast_path_as_from_the_reference(cells: list[Any]) -> None:
    fast, reference = both(cells)
    assert accepted(reference)
    if fast is None:  # forms the fast path leaves to the reference; the import then uses the reference's values
        assert cells[HEADER.index("is_key_product")] == "on"
        return
    assert fast == reference[0]


@pytest.mark.parametrize("cells", BAD_ROWS)
def test_a_bad_row_is_refused_by_both_paths(cells: list[Any]) -> None:
    fast, reference = both(cells)
    assert not accepted(reference)
    assert fast is None


def test_a_blank_row_is_blank_to_both_paths() -> None:
    fast, reference = both(["", "  ", None])
    assert fast is imports._BLANK and reference is imports._BLANK


def test_random_rows_get_one_verdict_and_one_set_of_values_from_both_paths() -> None:
    pick = random.Random(6)
    choices: dict[str, list[Any]] = {name: [GOOD[i], ""] for i, name in enumerate(HEADER)}
    for cells in GOOD_ROWS + BAD_ROWS:
        for i, name in enumerate(HEADER):
            choices[name].append(cells[i])
    for _ in range(3000):
        cells = [pick.choice(choices[name]) for name in HEADER]
        fast, reference = both(cells)
        if fast is imports._BLANK or reference is imports._BLANK:
            assert fast is reference
        elif fast is not None:
            assert accepted(reference) and fast == reference[0], cells
        elif accepted(reference):
            assert "on" in cells, cells  # the only accepted form the fast path leaves to the reference


def test_fast_gtin_check_agrees_with_the_gs1_rules() -> None:
    pick = random.Random(13)
    samples = [valid_gtin13(i) for i in range(200)] + ["96385074", "036000291452", "00012345600012"]
    for _ in range(3000):
        samples.append("".join(pick.choice("0123456789") for _ in range(pick.choice((7, 8, 12, 13, 14, 15)))))
    for value in samples:
        fast = imports.gtin14_if_valid(value)
        assert (fast is not None) == (gs1.gtin_error(value) is None), value
        if fast is not None:
            assert fast == gs1.normalize_gtin(value)


def test_fast_fold_is_the_search_fold() -> None:
    samples = ["Chè Tân Cương", "ĐẶC SẢN  Đà Lạt\t", "Nước mắm Phú Quốc", "İstanbul ǅ ﬁ", "", "Mì\u0301 Quảng"]
    samples.append("a\u034fb")  # the one mark among U+0300-U+036F that is not a combining one
    for text in samples:
        assert fast_fold(text) == fold(text)


# Vietnamese letters in both normal forms, combining marks, other scripts and every kind of space.
_TEXT = st.text(
    st.one_of(
        st.sampled_from("ĐđĂăÂâÊêÔôƠơƯưÀÁẢÃẠàáảãạỲÝỶỸỴ\u0300\u0301\u0303\u0309\u0323"),
        st.sampled_from(" \t\n\x0b\x0c\r\x1c\x1f\x85\u00a0\u2003\u2028\u3000"),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@given(_TEXT)
def test_fast_fold_agrees_with_fold_on_any_text(value: str) -> None:
    assert fast_fold(value) == fold(value)


@given(_TEXT)
def test_nfc_collapses_whitespace_as_a_regex_would(value: str) -> None:
    assert nfc(value) == re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()
