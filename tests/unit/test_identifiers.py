"""Property-based tests of the GTIN, GLN and tax-code rules."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from stdnum.vn import mst

from registry.services import gs1
from registry.services.organizations import tax_code_error
from registry.services.text import fold

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


@given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)))
def test_a_gtin_with_its_check_digit_is_accepted_and_normalised_to_14(body):
    gtin = body + str(gs1.check_digit(body))
    assert gs1.gtin_error(gtin) is None
    normal = gs1.normalize_gtin(gtin)
    assert len(normal) == 14 and normal.lstrip("0") == gtin.lstrip("0")


@given(
    st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)),
    st.integers(1, 9),
)
def test_any_wrong_check_digit_is_refused_with_the_right_one(body, shift):
    right = gs1.check_digit(body)
    wrong = body + str((right + shift) % 10)
    err = gs1.gtin_error(wrong)
    assert err is not None and err.rule == "gtin_check_digit" and err.params["expected"] == right


@given(digits.filter(lambda s: len(s) not in (8, 12, 13, 14)))
def test_gtin_of_the_wrong_length_is_a_format_error(value):
    err = gs1.gtin_error(value)
    assert err is not None and err.rule == "gtin_format"


@given(st.text(max_size=16).filter(lambda s: not s.strip().isdigit()))
def test_non_digits_are_never_a_gtin(value):
    assert gs1.gtin_error(value) is not None


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_tax_code_with_its_check_digit_is_valid_and_others_are_not(body):
    valid = [d for d in "0123456789" if mst.is_valid(body + d)]
    for d in "0123456789":
        assert (tax_code_error(body + d) is None) == (d in valid)
    assert len(valid) <= 1


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(1, 999))
def test_branch_tax_codes_follow_their_parent(body, branch):
    for d in "0123456789":
        parent = body + d
        if mst.is_valid(parent):
            assert tax_code_error(f"{parent}-{branch:03d}") is None


def test_known_tax_codes():
    assert tax_code_error("0100109106") is None
    assert tax_code_error("0100109106-001") is None
    assert tax_code_error("0100109107") is not None
    assert tax_code_error("01001091") is not None


def test_gln_check_digit():
    assert gs1.gln_error("8938600000101") is None
    assert gs1.gln_error("8938600000102") is not None


@given(st.text(max_size=40))
def test_folding_is_idempotent_and_accent_free(value):
    folded = fold(value)
    assert fold(folded) == folded
    assert "đ" not in folded
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", folded) if ch.isalpha())


def test_folding_examples():
    assert fold("Chè xanh Tân Cương") == "che xanh tan cuong"
    assert fold("ĐẬU ĐEN") == "dau den"
    assert fold("Nước  mắm\tPhú Quốc") == "nuoc mam phu quoc"
