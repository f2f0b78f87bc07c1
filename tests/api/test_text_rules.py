"""Text that is what it looks like (12.6): trimmed before its length is judged, never blank where a
value is needed, no hidden or direction-changing characters in names and identifiers, and look-alike
numbers, codes and emails are duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from registry.schemas import resources
from registry.schemas.fields import Name, Str, field_errors
from registry.services import certificates, standards
from registry.services.text import BIDI, DASHES, DIRECTION_OVERRIDES, HIDDEN, INVISIBLE, fast_fold, fold
from tests.conftest import PASSWORD

SPACES = " \t\u00a0\u3000\u2003"
NOTHING_TO_SEE = st.text(alphabet=SPACES + "".join(INVISIBLE), min_size=1, max_size=8)
REQUIRED_TEXT = [
    (cls, name)
    for cls in vars(resources).values()
    if isinstance(cls, type) and issubclass(cls, resources.StrictSchema) and cls.__name__.endswith("In")
    for name, field in cls().fields.items()
    if isinstance(field, Str) and field.trim and field._needs_value()
]


def _rules(schema, body):
    try:
        schema.load(body)
    except ValidationError as err:
        return {(e.field, e.rule) for e in field_errors(err.messages)}
    return set()


@pytest.mark.parametrize(("cls", "name"), REQUIRED_TEXT, ids=lambda v: getattr(v, "__name__", v))
def test_a_needed_text_with_nothing_to_see_is_blank_in_every_schema(cls, name):
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(value=NOTHING_TO_SEE)
    def run(value: str) -> None:
        assert (name, "blank") in _rules(cls(), {name: value})

    run()


def test_the_required_texts_cover_names_numbers_codes_and_lots():
    found = {(cls.__name__, name) for cls, name in REQUIRED_TEXT}
    assert {("ProductIn", "name"), ("CertificateIn", "number"), ("StandardIn", "code"), ("BatchIn", "lot"),
            ("OrganizationIn", "tax_code"), ("ReasonIn", "reason")} <= found  # fmt: skip


@given(hidden=st.sampled_from(sorted(HIDDEN)), before=st.text(max_size=5), after=st.text(max_size=5))
def test_a_name_with_any_hidden_character_is_refused(hidden, before, after):
    field_names = {("ProductIn", "name"), ("CertificateIn", "number"), ("StandardIn", "code")}
    for cls_name, name in field_names:
        rules = _rules(getattr(resources, cls_name)(), {name: f"Ab{before}{hidden}{after}cd"})
        assert {r for f, r in rules if f == name} & {"invisible_char", "control_char"}, (cls_name, rules)


def test_free_text_refuses_direction_overrides_but_keeps_joiners():
    schema = resources.ProductIn()
    for ch in sorted(DIRECTION_OVERRIDES):
        assert ("description", "invisible_char") in _rules(schema, {"description": f"abc{ch}def"})
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # a ZWJ emoji sequence is one picture
    assert ("description", "invisible_char") not in _rules(schema, {"description": f"Cho cả nhà {family}"})
    assert not set(BIDI - DIRECTION_OVERRIDES) & DIRECTION_OVERRIDES


def test_passwords_are_taken_as_typed():
    assert resources.TokenIn().load({"email": " a@b.vn ", "password": "  x  "}) == {
        "email": "a@b.vn",
        "password": "  x  ",
    }


def test_a_name_is_trimmed_before_its_length_is_judged(world, client):
    org = world.organization()
    h = world.headers(world.admin)
    res = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "   A   "})
    assert res.status_code == 422 and res.get_json()["errors"][0]["rule"] == "length"
    res = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "  Chè  "})
    assert res.status_code == 201 and res.get_json()["name"] == "Chè"


@pytest.mark.parametrize("name", ["   ", "\u200b\u200b\u200b", " \u200b \ufeff ", "\u3000\u3000"])
def test_a_blank_name_is_refused_in_both_languages(world, client, name):
    org = world.organization()
    for lang, word in (("vi", "trống"), ("en", "blank")):
        res = client.post("/api/v1/products", headers=world.headers(world.admin, lang),
                          json={"organization_id": org.id, "name": name})  # fmt: skip
        assert res.status_code == 422
        error = res.get_json()["errors"][0]
        assert (error["field"], error["rule"]) == ("name", "blank") and word in error["message"]


def test_a_name_with_a_right_to_left_override_is_refused(world, client):
    org = world.organization()
    res = client.post("/api/v1/products", headers=world.headers(world.admin, "vi"),
                      json={"organization_id": org.id, "name": "Chè \u202egnơưC nâT"})  # fmt: skip
    assert res.status_code == 422
    error = res.get_json()["errors"][0]
    assert (error["field"], error["rule"]) == ("name", "invisible_char") and "U+202E" in error["message"]


# ---- look-alikes are duplicates ------------------------------------------------------------------


@given(
    dash=st.sampled_from(DASHES + "-"),
    upper=st.lists(st.booleans(), min_size=17, max_size=17),
    spaces=st.sampled_from(["", " ", "  "]),
)
def test_a_certificate_number_folds_case_and_dashes(dash, upper, spaces):
    base = "DEMO-TN-2026-0001"
    typed = "".join(c.upper() if u else c.lower() for c, u in zip(base, upper, strict=True)).replace("-", dash)
    assert fold(spaces + typed + spaces) == fold(base) == fast_fold(typed)


def _cert(world, body, org, number):
    return {"number": number, "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
            "issued_on": "2026-01-05"}  # fmt: skip


@pytest.mark.parametrize(
    ("number", "status", "rule"),
    [
        ("demo-tn-2026-0001", 409, "duplicate"),
        ("DEMO\u2010TN\u20102026\u20100001", 409, "duplicate"),
        ("DEMO\u2013TN\u20132026\u20130001", 409, "duplicate"),
        ("DEMO\uff0dTN-2026-0001", 409, "duplicate"),
        ("DEMO-TN-2026-0001\u200b", 422, "invisible_char"),
        ("\u200bDEMO-TN-2026-0001", 422, "invisible_char"),
        ("DEMO-TN-2026-0002", 201, None),
    ],
)
def test_look_alike_certificate_numbers_under_one_body_are_duplicates(world, client, number, status, rule):
    org, body = world.organization(), world.body()
    certificates.create_certificate(world.admin, {**_cert(world, body, org, "DEMO-TN-2026-0001"),
                                                  "issued_on": date(2026, 1, 5)})  # fmt: skip
    res = client.post("/api/v1/certificates", headers=world.headers(world.admin), json=_cert(world, body, org, number))
    assert res.status_code == status, res.get_json()
    if rule:
        assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("number", rule)]
    other = world.body()  # another body's numbering is its own
    res = client.post("/api/v1/certificates", headers=world.headers(world.admin),
                      json=_cert(world, other, org, "demo-tn-2026-0001"))  # fmt: skip
    assert res.status_code == 201


@pytest.mark.parametrize(
    "code", ["tccs 01:2026/htx", "Tccs 01:2026/Htx", "TCCS\u00a001:2026/HTX", "TCCS 01 : 2026 / HTX"]
)
def test_look_alike_tccs_codes_of_one_producer_are_duplicates(world, client, code):
    org = world.organization()
    standards.create_standard(world.admin, {"kind": "tccs", "code": "TCCS 01:2026/HTX", "title": "Chè",
                                            "organization_id": org.id})  # fmt: skip
    res = client.post("/api/v1/standards", headers=world.headers(world.admin),
                      json={"kind": "tccs", "code": code, "title": "Chè xanh", "organization_id": org.id})  # fmt: skip
    assert res.status_code == 409, res.get_json()
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("code", "duplicate")]


def test_dash_look_alikes_in_a_tccs_code_are_duplicates(world, client):
    org = world.organization()
    standards.create_standard(world.admin, {"kind": "tccs", "code": "TCCS-01-2026", "title": "Chè",
                                            "organization_id": org.id})  # fmt: skip
    for dash in DASHES:
        res = client.post("/api/v1/standards", headers=world.headers(world.admin), json={
            "kind": "tccs", "code": f"tccs{dash}01{dash}2026", "title": "Chè", "organization_id": org.id})  # fmt: skip
        assert res.status_code == 409, (hex(ord(dash)), res.get_json())


@pytest.mark.parametrize(
    ("email", "status"),
    [("Same@Test.VN", 409), (" same@test.vn ", 409), ("same@te\u2010st.vn", 201), ("same@test.vn\u200b", 422),
     ("ｓａｍｅ@test.vn", 409)],
)  # fmt: skip
def test_look_alike_emails_are_one_address(world, client, email, status):
    org = world.organization()
    world.user("producer", organization_id=org.id)
    h = world.headers(world.admin)
    body = {"password": PASSWORD, "role": "producer", "organization_id": org.id}
    assert client.post("/api/v1/users", headers=h, json={**body, "email": "same@test.vn"}).status_code == 201
    assert client.post("/api/v1/users", headers=h, json={**body, "email": "same@te-st.vn"}).status_code in (201, 409)
    res = client.post("/api/v1/users", headers=h, json={**body, "email": email})
    expected = 409 if email == "same@te\u2010st.vn" else status  # its key is same@te-st.vn, taken above
    assert res.status_code == expected, res.get_json()
    if expected == 409:
        assert [e["field"] for e in res.get_json()["errors"]] == ["email"]


def test_the_name_field_class_refuses_what_free_text_allows():
    assert Name.refused == HIDDEN and Str.refused == DIRECTION_OVERRIDES
