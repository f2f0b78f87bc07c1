"""What an upload may cost: refused before parsing (zip directory, request size) or at the first bound passed
(rows, columns, cell length, time), 413/422 naming the field and the limit, in Vietnamese and English."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from registry.services import standards
from tests.api.test_imports import HEADER, csv_file, post, products, xlsx_file
from tests.helpers import tiny_pdf, valid_gtin13
from tests.web.test_import_page import login, upload

BOMB_BYTES = 30 * 1024 * 1024


def _rewrite(xlsx: bytes, member: str, change: Any) -> bytes:
    """The same workbook with one part's XML changed by `change(text) -> text`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                data = change(data.decode()).encode()
            dst.writestr(info.filename, data, compresslevel=9)
    return out.getvalue()


def _xlsx(rows: list[list[Any]]) -> bytes:
    return xlsx_file(rows)[0].getvalue()


def _bomb(org_id: int) -> bytes:
    """A valid workbook whose one data cell is 30 MB of one letter: ~30 KB packed, as in the report."""
    book = Workbook()
    book.active.append(HEADER)
    book.active.append([org_id, "BOMB", valid_gtin13(1)])
    out = io.BytesIO()
    book.save(out)
    return _rewrite(out.getvalue(), "xl/worksheets/sheet1.xml", lambda xml: xml.replace("BOMB", "A" * BOMB_BYTES))


def _multipart(fields: dict[str, str], file_field: str, content: bytes) -> dict[str, Any]:
    """A multipart body built here as bytes: the test client would spool a large one to a file that a
    request refused unread leaves open."""
    boundary = "registry-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {"data": b"".join(parts), "content_type": f"multipart/form-data; boundary={boundary}"}


def _errors(res: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in res.get_json()["errors"]]


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked(client, world, app):
    org = world.organization()
    bomb = _bomb(org.id)
    assert len(bomb) < 100 * 1024
    headers = world.headers(world.admin, "vi")
    res = post(client, headers, "products", (io.BytesIO(bomb), "bomb.xlsx"))
    assert res.status_code == 413, res.get_json()
    assert _errors(res) == [("file", "file_ratio")]
    assert "100 lần" in res.get_json()["errors"][0]["message"]
    # A looser ratio still meets the bound on what the whole file unpacks to.
    app.config.update(IMPORT_MAX_RATIO=10**6, IMPORT_MAX_UNPACKED_BYTES=20 * 1024 * 1024)
    res = post(client, {**headers, "Accept-Language": "en"}, "products", (io.BytesIO(bomb), "bomb.xlsx"))
    assert res.status_code == 413 and _errors(res) == [("file", "file_unpacked")]
    assert res.get_json()["errors"][0]["message"] == "file: The XLSX file unpacks to more than 20 MB."
    # And with no bound on size at all, the cell-length bound refuses it before any row is checked.
    app.config.update(IMPORT_MAX_UNPACKED_BYTES=10**10)
    res = post(client, headers, "products", (io.BytesIO(bomb), "bomb.xlsx"))
    assert res.status_code == 422 and _errors(res) == [("file", "file_cell")]
    assert products() == 0


def test_the_upload_page_refuses_the_bomb_too(client, world):
    login(client, world.admin)
    res = upload(client, "products", _bomb(world.organization().id), name="bomb.xlsx", lang="en")
    page = res.get_data(as_text=True)
    assert "abnormally compressed" in page and "100 times" in page
    assert products() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_past_the_bound_are_refused_with_the_limit(client, world, app, fmt):
    org = world.organization()
    app.config["IMPORT_MAX_ROWS"] = 3
    rows = [HEADER] + [[org.id, f"Miến dong {i}", valid_gtin13(i)] for i in range(4)]
    file = csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    res = post(client, world.headers(world.admin, "en"), "products", file)
    assert res.status_code == 422 and _errors(res) == [("file", "file_rows")]
    assert res.get_json()["errors"][0]["message"] == "file: The file has more than 3 data rows."
    ok = post(
        client, world.headers(world.admin), "products", csv_file(rows[:4]) if fmt == "csv" else xlsx_file(rows[:4])
    )
    assert ok.status_code == 201 and products() == 3


def test_a_lone_cell_far_down_is_a_row_past_the_bound_not_a_million_padded_rows(client, world, app):
    org = world.organization()
    app.config["IMPORT_MAX_ROWS"] = 1000
    rows = [HEADER, [org.id, "Miến dong", valid_gtin13(1)]]
    far = _rewrite(
        _xlsx(rows),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ),
    )
    res = post(client, world.headers(world.admin), "products", (io.BytesIO(far), "far.xlsx"))
    assert res.status_code == 422 and _errors(res) == [("file", "file_rows")]


def test_a_declared_size_that_lies_neither_pads_rows_nor_hides_them(client, world):
    org = world.organization()
    rows = [HEADER] + [[org.id, f"Miến dong {i}", valid_gtin13(i)] for i in range(3)]
    for dimension in ("A1:XFD1048576", "A1:C2"):
        xlsx = _rewrite(
            _xlsx(rows),
            "xl/worksheets/sheet1.xml",
            lambda xml, dimension=dimension: re.sub(r'ref="[^"]+"', f'ref="{dimension}"', xml, count=1),
        )
        res = post(client, world.headers(world.admin), "products", (io.BytesIO(xlsx), "x.xlsx"), "?dry_run=true")
        assert res.status_code == 200, (dimension, res.get_json())
        assert res.get_json()["rows"] == 3, dimension


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_columns_past_the_bound_are_refused(client, world, app, fmt):
    org = world.organization()
    app.config["IMPORT_MAX_COLUMNS"] = 5
    wide_header = [*HEADER, "description", "ocop_group", "x1", "x2"]
    rows = [wide_header, [org.id, "Miến dong", valid_gtin13(1), "", "", "", ""]]
    res = post(client, world.headers(world.admin), "products", csv_file(rows) if fmt == "csv" else xlsx_file(rows))
    assert res.status_code == 422 and _errors(res) == [("file", "file_columns")]
    assert "5" in res.get_json()["errors"][0]["message"]
    # A data row wider than the bound (cells past it filled) in a CSV, whose rows need no header above them.
    if fmt == "csv":
        res = post(
            client, world.headers(world.admin), "products", csv_file([HEADER, [org.id, "a", valid_gtin13(2), 1, 2, 3]])
        )
        assert res.status_code == 422 and _errors(res) == [("file", "file_columns")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_past_the_length_bound_is_refused_with_its_place(client, world, app, fmt):
    org = world.organization()
    app.config["IMPORT_MAX_CELL_CHARS"] = 50
    rows = [HEADER, [org.id, "Miến dong", valid_gtin13(1)], [org.id, "M" * 51, valid_gtin13(2)]]
    res = post(
        client, world.headers(world.admin, "en"), "products", csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    )
    assert res.status_code == 422 and _errors(res) == [("file", "file_cell")]
    assert res.get_json()["errors"][0]["message"] == ("file: The cell at row 3, column 2 is longer than 50 characters.")
    assert products() == 0


def test_an_import_past_its_time_budget_stops_and_writes_nothing(client, world, app):
    org = world.organization()
    app.config["IMPORT_MAX_SECONDS"] = 1e-9
    rows = [HEADER] + [[org.id, f"Miến dong {i}", valid_gtin13(i)] for i in range(3)]
    res = post(client, world.headers(world.admin, "vi"), "products", csv_file(rows))
    assert res.status_code == 422 and _errors(res) == [("file", "file_time")]
    assert "giây" in res.get_json()["errors"][0]["message"]
    assert products() == 0


def test_a_request_past_its_size_is_a_413_naming_the_field_and_the_limit(client, world, app):
    headers = world.headers(world.admin, "en")
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    big = b"a,b\n" + b"1,2\n" * (400 * 1024)  # 1.6 MB: past the limit and the envelope's room
    res = client.post("/api/v1/imports/products", headers=headers, **_multipart({}, "file", big))
    assert res.status_code == 413 and _errors(res) == [("file", "file_size")]
    assert res.get_json()["errors"][0]["message"] == "file: The file is larger than 1 MB."
    # Any other body past MAX_CONTENT_LENGTH, before it is read.
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    res = client.post("/api/v1/products", json={"name": "x" * (600 * 1024)}, headers=headers)
    assert res.status_code == 413 and _errors(res) == [("body", "request_size")]
    assert res.get_json()["errors"][0]["message"] == "body: The request is larger than 0.5 MB."
    # The upload page says the same in its own form.
    login(client, world.admin)
    app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/imports").get_data(as_text=True))
    assert token
    res = client.post("/imports?lang=en", **_multipart({"csrf_token": token.group(1), "kind": "products"}, "file", big))
    assert res.status_code == 413 and "The file is larger than 1 MB." in res.get_data(as_text=True)


def _put_pdf(client, headers, sid, content):
    return client.put(
        f"/api/v1/standards/{sid}/document", headers={**headers, "Content-Type": "application/pdf"}, data=content
    )


def test_a_tccs_document_must_be_a_real_pdf_within_size_and_pages(client, world, app, monkeypatch):
    org = world.organization()
    user = world.user("producer", organization_id=org.id)
    headers = world.headers(user, "en")
    sid = client.post(
        "/api/v1/standards",
        json={"kind": "tccs", "code": "TCCS 01:2026/HTXT", "title": "Miến dong", "organization_id": org.id},
        headers=headers,
    ).get_json()["id"]
    fakes = {
        "a name only": b"MZ\x90\x00 not a pdf",
        "the magic and the end marker around nothing": b"%PDF-1.7\n" + b"\x00" * 500 + b"\n%%EOF\n",
        "objects but no catalogue": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "a truncated real PDF": tiny_pdf()[:200] + b"\n%%EOF\n",
    }
    for name, content in fakes.items():
        res = _put_pdf(client, headers, sid, content)
        assert res.status_code == 422 and _errors(res) == [("document", "file_type")], name
    monkeypatch.setattr(standards, "MAX_DOCUMENT_PAGES", 2)
    res = _put_pdf(client, headers, sid, tiny_pdf(3))
    assert res.status_code == 422 and _errors(res) == [("document", "file_pages")]
    assert res.get_json()["errors"][0]["message"] == "document: The document has more than 2 pages."
    app.config["DOCUMENT_MAX_BYTES"] = 300
    res = _put_pdf(client, headers, sid, tiny_pdf(2))
    assert res.status_code == 413 and _errors(res) == [("document", "file_size")]
    res = client.put(
        f"/api/v1/standards/{sid}/document",
        headers=headers,
        data={"document": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 100_000), "big.pdf")},
    )
    assert res.status_code == 413 and _errors(res) == [("document", "file_size")]
    app.config["DOCUMENT_MAX_BYTES"] = 10_000
    assert _put_pdf(client, headers, sid, tiny_pdf(2)).status_code == 200


def test_the_upload_page_takes_a_file_up_to_the_import_bound_and_still_checks_its_csrf_token(client, world, app):
    """The site-wide body bound (MAX_CONTENT_LENGTH) is smaller than an import's; the page applies the import's."""
    app.config.update(MAX_CONTENT_LENGTH=256 * 1024, IMPORT_MAX_BYTES=2 * 1024 * 1024)
    org = world.organization()
    rows = "".join(f"{org.id},Miến dong {i},{valid_gtin13(i)},{'Mô tả ' * 50}\n" for i in range(1000))
    body = ("organization_id,name,gtin,description\n" + rows).encode()
    assert 256 * 1024 < len(body) < 2 * 1024 * 1024
    login(client, world.admin)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/imports").get_data(as_text=True))
    assert token
    fields = {"csrf_token": token.group(1), "kind": "products", "dry_run": "1"}
    res = client.post("/imports?lang=en", **_multipart(fields, "file", body))
    assert res.status_code == 200, res.status_code
    assert "would create <b>1,000</b> products" in res.get_data(as_text=True), "the whole file was checked"
    forged = client.post("/imports?lang=en", **_multipart({**fields, "csrf_token": "forged"}, "file", body))
    assert forged.status_code == 400
    assert products() == 0
