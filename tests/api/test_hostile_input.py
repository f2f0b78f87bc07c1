"""No input is a server error: wrong types in every field, odd JSON, impossible years, local numbers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from registry.api.stats import FigureIn
from registry.messages import RULES
from registry.schemas import resources
from registry.schemas.fields import _decode, field_errors, rule_msg
from registry.schemas.jsonbody import MAX_DEPTH
from registry.services.text import parse_local_number
from registry.services.timefmt import today_vn
from tests.helpers import valid_gtin13, valid_tax_code

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
INPUT_SCHEMAS = [
    cls
    for cls in vars(resources).values()
    if isinstance(cls, type) and issubclass(cls, Schema) and cls.__name__.endswith("In")
] + [FigureIn]


# ---- the mechanism: a rule message with parameters survives every str.format ----------------------


@given(rule=st.sampled_from(sorted(RULES)), params=st.dictionaries(st.text(min_size=1, max_size=8), JSON, max_size=4))
def test_a_rule_message_keeps_its_parameters_through_any_formatting(rule, params):
    message = rule_msg(rule, **params)
    assert message.format(input=1, expected="x") == message
    assert message.format_map({"anything": 1}) == message
    assert _decode(message) == (rule, json.loads(json.dumps(params, default=str)) if params else {})


@pytest.mark.parametrize("schema_cls", INPUT_SCHEMAS, ids=lambda c: c.__name__)
def test_any_json_in_any_field_of_any_input_schema_is_a_validation_error_with_known_rules(schema_cls):
    schema = schema_cls()
    names = sorted(schema.fields)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=st.dictionaries(st.sampled_from(names), JSON, max_size=len(names)))
    def run(body: dict[str, Any]) -> None:
        try:
            schema.load(body)
        except ValidationError as err:
            for error in field_errors(err.messages):
                assert error.rule in RULES, error

    run()


# ---- every field of ten write endpoints, through the API ------------------------------------------

WRONG = [False, 7, 1.5, {"a": 1}, ["x"], None, "text"]


def _endpoints(world: Any) -> list[tuple[str, str, type[Schema] | Schema, dict[str, Any]]]:
    org = world.organization()
    body = world.body()
    from registry.services import batches, products

    product = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè", "gtin": valid_gtin13(3)})
    batch = batches.create_batch(world.admin, {"product_id": product.id, "lot": "L-1"})
    today = today_vn().isoformat()
    return [
        ("POST", "/api/v1/organizations", resources.OrganizationIn, {
            "name": "HTX Mới", "kind": "cooperative", "tax_code": valid_tax_code(900), "province": "gia-lai"}),
        ("PATCH", f"/api/v1/organizations/{org.id}", resources.OrganizationIn(partial=True), {"name": "HTX Đổi"}),
        ("POST", "/api/v1/certification-bodies", resources.BodyIn, {"name": "Tổ chức chứng nhận Mới"}),
        ("POST", "/api/v1/products", resources.ProductIn, {"organization_id": org.id, "name": "Mật ong"}),
        ("PATCH", f"/api/v1/products/{product.id}", resources.ProductIn(partial=True), {"name": "Chè xanh"}),
        ("POST", "/api/v1/standards", resources.StandardIn, {"kind": "tcvn", "code": "TCVN 9999:2026", "title": "Chè"}),
        ("POST", "/api/v1/certificates", resources.CertificateIn, {
            "number": "C-1", "certification_body_id": body.id, "organization_id": org.id, "category": "gap",
            "issued_on": today}),
        ("POST", "/api/v1/batches", resources.BatchIn, {"product_id": product.id, "lot": "L-2"}),
        ("POST", f"/api/v1/batches/{batch.id}/events", resources.EventIn, {
            "biz_step": "packing", "occurred_at": f"{today}T08:00:00+07:00", "gln": valid_gtin13(999)}),
        ("POST", "/api/v1/support-activities", resources.ActivityIn, {
            "organization_id": org.id, "kind": "training", "held_on": today}),
        ("POST", "/api/v1/users", resources.UserIn, {
            "email": "new@test.vn", "password": "a long password", "role": "producer", "organization_id": org.id}),
        ("POST", "/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures", FigureIn, {
            "year": today_vn().year, "value": 1, "as_of": today, "evidence": "Báo cáo"}),
    ]  # fmt: skip


def _accepted(schema: Schema, name: str, value: Any) -> bool:
    """Whether the schema itself takes `value` for the field (then a service rule may still refuse it)."""
    try:
        schema.fields[name].deserialize(value)
    except ValidationError:
        return False
    return True


def test_a_wrong_type_in_any_field_of_ten_write_endpoints_is_a_problem_naming_the_field(world, client):
    h = world.headers(world.admin)
    tried = 0
    for method, path, schema, base in _endpoints(world):
        schema = schema() if isinstance(schema, type) else schema
        for name in schema.fields:
            for value in WRONG:
                if _accepted(schema, name, value):
                    continue
                res = client.open(path, method=method, headers=h, json={**base, name: value})
                tried += 1
                assert 400 <= res.status_code < 500, (method, path, name, value, res.status_code)
                problem = res.get_json()
                assert res.mimetype == "application/problem+json"
                named = {e["field"].split(".")[0] for e in problem["errors"]}  # supersedes.0 names supersedes
                assert name in named, (path, name, value, problem)
                assert all(e["rule"] in RULES and e["message"] for e in problem["errors"])
    assert tried > 300


def test_the_report_in_the_issue_wrong_types_are_named_not_crashed(world, client):
    h = world.headers(world.admin)
    res = client.post("/api/v1/organizations", headers=h, json={"tax_code": False, "name": 12, "kind": {}})
    assert res.status_code == 422
    errors = {e["field"]: e for e in res.get_json()["errors"]}
    assert errors["tax_code"]["rule"] == "type" and "string" in errors["tax_code"]["message"]
    assert errors["name"]["rule"] == "type" and errors["kind"]["rule"] == "type"


# ---- JSON that is not JSON the registry reads ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b'{"name": "\\ud800"}', "lone_surrogate"),
        (b'{"name": "ok \\udfff ok"}', "lone_surrogate"),
        (b'{"\\ud83d": "key"}', "lone_surrogate"),
        (b'{"name": ["\\ud83d"]}', "lone_surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "json_depth"),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "json_depth"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "json_depth"),
        (b"[" * 100_000, "json_depth"),
        (b'{"name": "\xff"}', "malformed_json"),
        (b"{not json", "malformed_json"),
    ],
)
def test_malformed_json_is_a_400_naming_the_rule_for_everyone(world, client, raw, rule):
    h = {**world.headers(world.admin), "Content-Type": "application/json"}
    for path in ("/api/v1/products", "/api/v1/organizations", "/api/v1/auth/token"):
        res = client.post(path, data=raw, headers=h)
        assert res.status_code == 400, (path, res.get_json())
        assert res.get_json()["errors"][0]["field"] == "body"
        assert res.get_json()["errors"][0]["rule"] == rule


def test_a_surrogate_pair_is_a_character_not_an_error(world, client):
    org = world.organization()
    raw = json.dumps({"organization_id": org.id, "name": "Chè \U0001f375"}).encode()
    assert b"\\ud83c\\udf75" in raw
    res = client.post(
        "/api/v1/products", data=raw, headers={**world.headers(world.admin), "Content-Type": "application/json"}
    )
    assert res.status_code == 201 and res.get_json()["name"] == "Chè \U0001f375"


# ---- reported figures: impossible years --------------------------------------------------------------


@pytest.mark.parametrize("year", [0, -5, 10000, 1, 9999, 2**31 - 1, -(2**31)])
def test_a_reported_figure_in_an_impossible_year_is_refused_naming_the_year(world, client, year):
    h = world.headers(world.user("dost_officer", province="thai-nguyen"))
    res = client.post(
        "/api/v1/plans/thai-nguyen/targets/TN-DISSEM/figures",
        headers=h,
        json={"year": year, "value": 10, "as_of": today_vn().isoformat(), "evidence": "Báo cáo"},
    )
    assert res.status_code == 422, res.get_json()
    assert [e["field"] for e in res.get_json()["errors"]] == ["year"]


# ---- numbers as people type them here ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.000,5", 1000.5), ("1000,5", 1000.5), ("12,5", 12.5), ("1000.5", 1000.5), ("1 000,5", 1000.5),
     ("1.000", 1000.0), ("1.234.567,25", 1234567.25), ("0,75", 0.75), ("7", 7.0)],
)  # fmt: skip
def test_local_numbers_are_read_the_vietnamese_way(text, value):
    assert parse_local_number(text) == value


@pytest.mark.parametrize("text", ["1,000.5", "1.00,5", "1,2,3", "abc", "1e5", "inf", "nan", "", "١٢", "1.000,"])
def test_text_that_is_no_number_is_refused(text):
    assert parse_local_number(text) is None


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_any_number_written_with_thousand_dots_and_a_decimal_comma_reads_back(number):
    whole, _, decimals = f"{number:,.2f}".partition(".")
    assert parse_local_number(whole.replace(",", ".") + "," + decimals) == pytest.approx(float(number))


def test_a_batch_quantity_typed_the_vietnamese_way_is_read_in_the_api(world, client):
    org = world.organization()
    h = world.headers(world.admin)
    product = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Mật ong"})
    pid = product.get_json()["id"]
    res = client.post("/api/v1/batches", headers=h, json={"product_id": pid, "lot": "A1", "quantity": "1.000,5"})
    assert res.status_code == 201 and res.get_json()["quantity"] == 1000.5
    res = client.post("/api/v1/batches", headers=h, json={"product_id": pid, "lot": "A2", "quantity": 12.5})
    assert res.status_code == 201 and res.get_json()["quantity"] == 12.5
    for bad in ("1,000.5", "mười", True, "-1"):
        res = client.post("/api/v1/batches", headers=h, json={"product_id": pid, "lot": "A3", "quantity": bad})
        assert res.status_code == 422, bad
        assert res.get_json()["errors"][0]["field"] == "quantity"


def test_a_quantity_beyond_what_the_column_holds_is_refused_with_its_range(world, client):
    """Found by `make fuzz`: 1.8e112 reached PostgreSQL's numeric(14, 3) and overflowed (a 500)."""
    org = world.organization()
    h = world.headers(world.admin)
    pid = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Gạo"}).get_json()["id"]
    ok = client.post("/api/v1/batches", headers=h, json={"product_id": pid, "lot": "MAX", "quantity": 99_999_999_999})
    assert ok.status_code == 201, ok.get_json()
    for n, bad in enumerate((100_000_000_000, 1.8488589577509697e112, "100.000.000.000", 1e308)):
        res = client.post("/api/v1/batches", headers=h, json={"product_id": pid, "lot": f"B{n}", "quantity": bad})
        assert res.status_code == 422, (bad, res.get_json())
        assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("quantity", "range")], bad
