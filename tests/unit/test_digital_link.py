"""GS1 Digital Link 1.4 path and query rules."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from registry.messages import render_rule
from registry.services.digital_link import InvalidDigitalLink, parse, yymmdd

GTIN13 = "8938600000019"


def broken(path: str, query: dict[str, str] | None = None) -> tuple[str, str]:
    with pytest.raises(InvalidDigitalLink) as info:
        parse(path, query)
    err = info.value.errors[0]
    return err.field, err.rule


@pytest.mark.parametrize("given", ["8938600000019", "08938600000019", "96385074", "614141123452"])
def test_gtins_of_8_12_13_and_14_digits_are_normalised_to_14(given):
    link = parse(f"/01/{given}")
    assert link.gtin == given.zfill(14) and len(link.gtin) == 14
    assert link.is_canonical == (len(given) == 14)
    assert link.path == f"/01/{given.zfill(14)}"


def test_qualifiers_in_order_are_read_and_percent_decoded():
    link = parse(f"/01/{GTIN13}/22/V1/10/L%2F26-A/21/S-001")
    assert (link.cpv, link.lot, link.serial) == ("V1", "L/26-A", "S-001")
    assert link.path == "/01/08938600000019/22/V1/10/L%2F26-A/21/S-001"


def test_a_bad_check_digit_is_a_gtin_error():
    assert broken("/01/8938600000018") == ("01", "gtin_check_digit")


@pytest.mark.parametrize("gtin", ["893860000001", "89386000000190", "12345", "89386A0000019"])
def test_gtins_of_other_lengths_or_with_letters_are_refused(gtin):
    field, rule = broken(f"/01/{gtin}")
    assert field == "01" and rule in ("gtin_format", "gtin_check_digit")


def test_qualifiers_out_of_order_name_both():
    assert broken(f"/01/{GTIN13}/21/S1/10/L1") == ("10", "dl_qualifier_order")
    assert broken(f"/01/{GTIN13}/10/L1/22/V1") == ("22", "dl_qualifier_order")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/01/{GTIN13}/17/270301", ("17", "dl_qualifier_unknown")),
        (f"/01/{GTIN13}/lot/L1", ("lot", "dl_qualifier_unknown")),
        (f"/01/{GTIN13}/10", ("10", "dl_value_missing")),
        (f"/01/{GTIN13}/10/L1/10/L2", ("10", "dl_qualifier_repeated")),
        (f"/01/{GTIN13}/10/" + "A" * 21, ("10", "dl_charset")),
        (f"/01/{GTIN13}/21/%C3%A9", ("21", "dl_charset")),
        (f"/01/{GTIN13}/10/A%2", ("10", "dl_percent")),
        (f"/01/{GTIN13}/10/A%FF", ("10", "dl_percent")),
        ("/02/08938600000019", ("01", "dl_path")),
    ],
)
def test_malformed_paths_name_the_ai_and_rule(path, expected):
    assert broken(path) == expected


def test_twenty_characters_of_set_82_are_a_valid_lot():
    lot = "aZ09!-_.:;<=>?()*+,'"
    assert parse(f"/01/{GTIN13}/10/" + quote(lot, safe="")).lot == lot


def test_expiry_in_the_query_string_is_a_validated_data_attribute():
    link = parse(f"/01/{GTIN13}/10/L1", {"17": "270300", "linkType": "gs1:pip"})
    assert link.attributes == {"17": "270300"} and link.expires_on == date(2027, 3, 31)
    assert broken(f"/01/{GTIN13}", {"17": "271332"}) == ("17", "dl_attribute_format")
    assert broken(f"/01/{GTIN13}", {"17": "270231"}) == ("17", "dl_date")
    assert broken(f"/01/{GTIN13}", {"10": "L1"}) == ("10", "dl_attribute_in_path")
    assert broken(f"/01/{GTIN13}", {"9999": "x"}) == ("9999", "dl_attribute_unknown")


def test_gs1_dates_use_the_sliding_century_and_day_zero_is_month_end():
    assert yymmdd("260229") is None
    assert yymmdd("280229") == date(2028, 2, 29)
    assert yymmdd("990101") == date(1999, 1, 1)
    assert yymmdd("250200") == date(2025, 2, 28)


def test_every_digital_link_rule_reads_in_both_languages():
    for rule in ("dl_qualifier_order", "dl_charset", "dl_path", "dl_attribute_format"):
        vi = render_rule(rule, "vi", "10", {"other": "21", "max": 20, "format": "N2+N6", "value": "x"})
        en = render_rule(rule, "en", "10", {"other": "21", "max": 20, "format": "N2+N6", "value": "x"})
        assert vi != en and "{" not in en.replace("{GTIN}", "").replace("{CPV}", "").replace("{lot}", "").replace(
            "{serial}", ""
        ).replace("{TPX}", "")
