"""Rule texts in their two forms: listed with the API field name, or shown beside the form field itself."""

from __future__ import annotations

from registry.messages import BESIDE, RULES, render_rule

# Rules only ever listed (a file's columns, rights over a row, a GS1 Digital Link path): they keep the name.
LISTED_ONLY = {"missing_column", "duplicate_column", "import_forbidden", "duplicate_in_file"}
# EPCIS capture names places inside a JSON document (`epcisBody.eventList[0].eventID`), never a form field.
LISTED_ONLY |= {"epcis_schema", "epcis_document_type", "epcis_duplicate_event", "epcis_protected_term"}


def test_every_rule_that_names_its_field_has_a_text_for_beside_the_field():
    naming = {r for r, (vi, en) in RULES.items() if "{field}" in vi + en and not r.startswith("dl_")}
    assert naming - LISTED_ONLY - set(BESIDE) == set()
    for rule, (vi, en) in BESIDE.items():
        assert rule in RULES and "{field}" not in vi + en


def test_a_message_beside_the_field_does_not_repeat_its_name():
    assert render_rule("gtin_check_digit", "vi", None, {"expected": 9}) == "Số kiểm tra sai (đúng phải là 9)."
    assert render_rule("length", "en", None, {"min": 1, "max": 200}) == "Must be 1 to 200 characters long."
    assert render_rule("required", "vi", None, {}) == "Trường này là bắt buộc."


def test_a_listed_message_names_the_api_field_first_in_vietnamese():
    assert render_rule("length", "vi", "name", {"min": 1, "max": 200}) == "Trường name: Độ dài phải từ 1 đến 200 ký tự."
    assert render_rule("gtin_check_digit", "vi", "gtin", {"expected": 9}) == (
        "Trường gtin: Số kiểm tra của mã GTIN sai (đúng phải là 9)."
    )
    assert render_rule("required", "en", "name", {}) == "name is required."
