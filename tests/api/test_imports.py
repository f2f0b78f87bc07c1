"""POST /api/v1/imports/{kind}: multipart uploads, all rows or none, bad rows as a problem."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Product
from tests.helpers import valid_gtin13

HEADER = ["organization_id", "name", "gtin"]


def csv_file(rows: list[list[Any]]) -> tuple[io.BytesIO, str]:
    text = "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"
    return io.BytesIO(text.encode()), "products.csv"


def xlsx_file(rows: list[list[Any]]) -> tuple[io.BytesIO, str]:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out, "products.xlsx"


def products() -> int:
    return db.session.scalar(select(func.count()).select_from(Product)) or 0


def post(client: Any, headers: dict[str, str], kind: str, file: tuple[io.BytesIO, str], query: str = "") -> Any:
    return client.post(f"/api/v1/imports/{kind}{query}", data={"file": file}, headers=headers)


def test_an_xlsx_upload_creates_every_row(client: Any, world: Any) -> None:
    org = world.organization()
    rows = [HEADER] + [[org.id, f"Miến dong {i}", valid_gtin13(i)] for i in range(3)]
    res = post(client, world.headers(world.admin), "products", xlsx_file(rows))
    assert res.status_code == 201, res.get_json()
    assert res.get_json() == {"kind": "products", "dry_run": False, "rows": 3, "created": {"products": 3}}
    assert products() == 3


def test_dry_run_reports_what_would_be_created(client: Any, world: Any) -> None:
    org = world.organization()
    rows = [HEADER] + [[org.id, f"Miến dong {i}", valid_gtin13(i)] for i in range(2)]
    res = post(client, world.headers(world.admin), "products", csv_file(rows), "?dry_run=true")
    assert res.status_code == 200
    assert res.get_json()["created"] == {"products": 2} and res.get_json()["dry_run"] is True
    assert products() == 0


def test_bad_rows_come_back_as_a_problem_listing_each_row(client: Any, world: Any) -> None:
    org = world.organization()
    rows = [HEADER, [org.id, "Miến 1", valid_gtin13(1)], [org.id, "M", valid_gtin13(2)], ["abc", "Miến 3", "1"]]
    res = post(client, world.headers(world.admin, "vi"), "products", csv_file(rows))
    assert res.status_code == 422
    assert res.mimetype == "application/problem+json"
    errors = res.get_json()["errors"]
    assert {(e["row"], e["field"], e["rule"]) for e in errors} == {
        (3, "name", "length"),
        (4, "organization_id", "integer"),
    }
    assert all(e["message"] for e in errors)
    assert "không dòng nào được nhập" in res.get_json()["detail"]
    assert products() == 0


def test_a_producer_is_refused_products_of_another_organisation(client: Any, world: Any) -> None:
    mine, other = world.organization(), world.organization()
    producer = world.user("producer", organization_id=mine.id)
    rows = [HEADER, [other.id, "Miến lạ", valid_gtin13(9)]]
    res = post(client, world.headers(producer), "products", csv_file(rows))
    assert res.status_code == 422
    assert res.get_json()["errors"][0]["rule"] == "import_forbidden"
    assert products() == 0


def test_uploads_are_checked_for_type_size_and_presence(app: Any, client: Any, world: Any) -> None:
    headers = world.headers(world.admin)
    pdf = client.post(
        "/api/v1/imports/products", data={"file": (io.BytesIO(b"%PDF-1.7\x00\x00"), "a.csv")}, headers=headers
    )
    assert pdf.status_code == 422 and pdf.get_json()["errors"][0]["rule"] == "file_type"
    missing = client.post("/api/v1/imports/products", data={}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "file"
    app.config["IMPORT_MAX_BYTES"] = 10
    big = post(client, headers, "products", csv_file([HEADER, [1, "Miến dong", valid_gtin13(1)]]))
    assert big.status_code == 413 and big.get_json()["errors"][0]["rule"] == "file_size"


def test_unknown_kind_and_anonymous_callers_are_refused(client: Any, world: Any) -> None:
    res = post(client, world.headers(world.admin), "widgets", csv_file([HEADER]))
    assert res.status_code == 422 and res.get_json()["errors"][0]["field"] == "kind"
    anon = client.post("/api/v1/imports/products", data={"file": csv_file([HEADER])})
    assert anon.status_code == 401


def test_a_file_with_a_nul_byte_is_refused_as_not_text_and_nothing_is_imported(client: Any, world: Any) -> None:
    org = world.organization()
    rows = [HEADER, [org.id, "Miến 1", valid_gtin13(1)], [org.id, "Miến\x002", valid_gtin13(2)]]
    res = post(client, world.headers(world.admin), "products", csv_file(rows))
    assert res.status_code == 422
    assert [(e["field"], e["rule"]) for e in res.get_json()["errors"]] == [("file", "file_type")]
    assert products() == 0
