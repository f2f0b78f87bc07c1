"""Bulk import: every row or none, each bad row listed; through the service and `registry import`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import AuditEntry, Organization, Product, SupportActivity
from registry.services import audit, imports, products
from tests.helpers import valid_gtin13, valid_tax_code


def csv_bytes(rows: list[list[Any]], delimiter: str = ",", bom: bool = False) -> io.BytesIO:
    text = "\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\n"
    return io.BytesIO(("\ufeff" if bom else "").encode() + text.encode())


def xlsx_bytes(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def product_rows(org_id: int, n: int, start: int = 0) -> list[list[Any]]:
    header = ["organization_id", "name", "gtin", "ocop_stars", "ocop_decision_number", "ocop_decision_date"]
    return [header] + [
        [org_id, f"Chè Tân Cương {i}", valid_gtin13(i), 4, f"QĐ-{i}", "15/03/2025"] for i in range(start, start + n)
    ]


def test_a_good_products_csv_imports_every_row_with_audit_entries(world: Any) -> None:
    org = world.organization()
    before = count(AuditEntry)
    result = imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 5), bom=True))
    assert (result.rows, result.created, result.dry_run) == (5, 5, False)
    names = set(db.session.scalars(select(Product.name)))
    assert names == {f"Chè Tân Cương {i}" for i in range(5)}
    product = db.session.scalar(select(Product).where(Product.name == "Chè Tân Cương 3"))
    assert product.gtin == "0" + valid_gtin13(3) and product.ocop_stars == 4 and product.status == "active"
    assert count(AuditEntry) == before + 1  # one entry for the chunk, naming every product it created
    entry = audit.created_entry("product", product.id)
    assert entry is not None and (entry.action, entry.actor_id, entry.after["count"]) == ("import", world.admin.id, 5)
    assert audit.verify_chain()[1] is None


def test_every_imported_product_is_traceable_to_its_chunks_entry_which_seals_its_rows(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 3)
    org = world.organization()
    single = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè lẻ"})  # own entry
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 8)))
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")))
    assert [e.after["count"] for e in entries] == [3, 3, 2]
    for product in db.session.scalars(select(Product).where(Product.id != single.id)):
        entry = audit.created_entry("product", product.id)
        assert entry is not None and entry.actor_id == world.admin.id and entry.at is not None
        assert sum(first <= product.id <= last for e in entries for first, last in e.after["ids"]) == 1
    assert audit.created_entry("product", single.id).action == "create"

    def sealed(entry: AuditEntry) -> str:
        ids = [i for first, last in entry.after["ids"] for i in range(first, last + 1)]
        found = db.session.scalars(select(Product).where(Product.id.in_(ids)).order_by(Product.id))
        return audit.rows_digest([[audit.snapshot(p)[c] for c in entry.after["columns"]] for p in found])

    assert all(sealed(e) == e.after["sha256"] for e in entries)
    tampered = db.session.get(Product, entries[1].after["ids"][0][0])
    tampered.name = "Chè giả"
    db.session.flush()
    assert sealed(entries[1]) != entries[1].after["sha256"] and sealed(entries[0]) == entries[0].after["sha256"]
    assert audit.verify_chain() == (count(AuditEntry), None)


def test_a_bad_row_after_chunks_already_written_still_imports_nothing(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)
    org = world.organization()
    before = count(AuditEntry)
    rows = product_rows(org.id, 9)
    rows[6][3] = 9  # row 7, in the fourth chunk: stars out of range
    rows[9][2] = "123"  # row 10, the last
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(world.admin, "products", csv_bytes(rows))
    assert [(e.row, e.field) for e in caught.value.rows] == [(7, "ocop_stars"), (10, "gtin")]
    assert count(Product) == 0 and count(AuditEntry) == before


def test_a_failed_write_rolls_the_whole_import_back(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)
    calls = []

    def failing_third(put: Any) -> Any:
        def put_or_fail(self: Any, rows: list[Any]) -> None:
            calls.append(len(rows))
            if len(calls) == 3:
                raise RuntimeError("disk full")
            put(self, rows)

        return put_or_fail

    for writer in (imports._InsertWriter, imports._CopyWriter):
        monkeypatch.setattr(writer, "_put", failing_third(writer._put))
    org = world.organization()
    before = count(AuditEntry)
    with pytest.raises(RuntimeError, match="disk full"):
        imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 9)))
    assert count(Product) == 0 and count(AuditEntry) == before
    assert imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 3))).created == 3


def test_imported_names_are_found_by_accent_free_search(world: Any, client: Any) -> None:
    org = world.organization()
    rows = product_rows(org.id, 3)
    rows[2][1] = "Nước mắm Đặc biệt"
    imports.import_file(world.admin, "products", csv_bytes(rows))
    found = client.get("/api/v1/products?q=nuoc mam dac").get_json()
    assert [p["name"] for p in found["items"]] == ["Nước mắm Đặc biệt"]


def test_bulk_and_single_audit_entries_chain_together(world: Any) -> None:
    org = world.organization()
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 3)))
    world.organization()  # one entry through audit.record after the bulk ones
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 2, start=10)))
    checked, broken = audit.verify_chain()
    assert broken is None and checked == count(AuditEntry)


def test_a_good_xlsx_imports_every_row(world: Any) -> None:
    org = world.organization()
    rows = [["Mã tổ chức", "Tên sản phẩm", "Mã vạch", "Sản phẩm chủ lực"]]
    rows += [[org.id, f"Mắm tôm {i}", int(valid_gtin13(100 + i)), "có"] for i in range(4)]
    result = imports.import_file(world.admin, "products", xlsx_bytes(rows))
    assert result.created == 4
    assert all(db.session.scalars(select(Product.is_key_product)))


def test_three_bad_rows_import_nothing_and_are_all_listed(world: Any) -> None:
    org = world.organization()
    rows = product_rows(org.id, 6)
    rows[2][2] = "8938600000001"  # row 3: wrong check digit
    rows[4][3] = 7  # row 5: stars out of range
    rows[6][1] = ""  # row 7: no name
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(world.admin, "products", csv_bytes(rows))
    found = {(e.row, e.field, e.rule) for e in caught.value.rows}
    assert found == {(3, "gtin", "gtin_check_digit"), (5, "ocop_stars", "range"), (7, "name", "required")}
    assert count(Product) == 0


def test_duplicates_within_the_file_and_against_the_database_are_caught(world: Any) -> None:
    org = world.organization()
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 1)))
    rows = product_rows(org.id, 3, start=1)
    rows.append([org.id, "Chè lặp", valid_gtin13(2), "", "", ""])  # row 5 repeats row 3
    rows.append([org.id, "Chè cũ", valid_gtin13(0), "", "", ""])  # row 6 is already registered
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(world.admin, "products", csv_bytes(rows))
    errors = {(e.row, e.field, e.rule): e.params for e in caught.value.rows}
    assert errors[(5, "gtin", "duplicate_in_file")]["first_row"] == 3
    assert (6, "gtin", "duplicate") in errors
    assert count(Product) == 1


def test_dry_run_counts_and_writes_nothing(world: Any) -> None:
    org = world.organization()
    before = count(AuditEntry)
    result = imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 4)), dry_run=True)
    assert (result.created, result.dry_run) == (4, True)
    assert count(Product) == 0 and count(AuditEntry) == before


def test_a_producer_may_not_import_products_of_another_organisation(world: Any) -> None:
    mine, other = world.organization(), world.organization()
    producer = world.user("producer", organization_id=mine.id)
    rows = product_rows(mine.id, 2)
    rows[2][0] = other.id
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(producer, "products", csv_bytes(rows))
    assert [(e.row, e.field, e.rule) for e in caught.value.rows] == [(3, "organization_id", "import_forbidden")]
    assert count(Product) == 0
    assert imports.import_file(producer, "products", csv_bytes(product_rows(mine.id, 2))).created == 2


def test_organizations_with_vietnamese_headers_and_semicolons(world: Any) -> None:
    rows = [["Tên tổ chức", "Loại hình", "Mã số thuế", "Tỉnh/Thành phố", "Địa chỉ", "DNNVV"]]
    rows += [
        [f"HTX Chè {i}", "cooperative", valid_tax_code(50 + i), "thai-nguyen", "Tân Cương", "không"] for i in range(3)
    ]
    result = imports.import_file(world.admin, "organizations", csv_bytes(rows, delimiter=";"))
    assert result.created == 3
    org = db.session.scalar(select(Organization).where(Organization.name == "HTX Chè 1"))
    assert org.province.slug == "thai-nguyen" and org.is_sme is False and org.address == "Tân Cương"


def test_organization_rules_of_the_service_apply_per_row(world: Any) -> None:
    rows = [["name", "kind", "tax_code", "province"]]
    rows.append(["HTX A", "cooperative", valid_tax_code(60), "thai-nguyen"])
    rows.append(["HTX B", "cooperative", "0123", "thai-nguyen"])  # bad tax code
    rows.append(["HTX C", "cooperative", valid_tax_code(61), "atlantis"])  # unknown province
    rows.append(["HTX D", "cooperative", valid_tax_code(60), "thai-nguyen"])  # repeats row 2
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(world.admin, "organizations", csv_bytes(rows))
    found = {(e.row, e.field, e.rule) for e in caught.value.rows}
    assert found == {(3, "tax_code", "tax_code"), (4, "province", "unknown_province"), (5, "tax_code", "duplicate")}
    assert count(Organization) == 0


def test_support_activities_import_for_a_dost_officer_of_the_province(world: Any) -> None:
    org = world.organization(province="thai-nguyen")
    officer = world.user("dost_officer", province="thai-nguyen")
    rows = [
        ["organization_id", "Loại hình", "Ngày tổ chức", "Số người tham dự"],
        [org.id, "training", "02/04/2026", 30],
    ]
    assert imports.import_file(officer, "activities", csv_bytes(rows)).created == 1
    assert db.session.scalar(select(SupportActivity.attendees)) == 30


def test_standards_and_certificates_import(world: Any) -> None:
    org = world.organization()
    body = world.body()
    std = [["kind", "code", "title", "organization_id"], ["tccs", "TCCS 01:2025/HTX", "Chè xanh", org.id]]
    assert imports.import_file(world.admin, "standards", csv_bytes(std)).created == 1
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 2)))
    pids = ";".join(str(i) for i in db.session.scalars(select(Product.id)))
    certs = [["Số chứng nhận", "certification_body_id", "organization_id", "category", "product_ids", "Ngày cấp"]]
    certs.append(["VG-01", body.id, org.id, "gap", pids, "01/02/2026"])
    assert imports.import_file(world.admin, "certificates", csv_bytes(certs)).created == 1


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(world: Any) -> None:
    with pytest.raises(imports.InvalidInput) as caught:
        imports.import_file(world.admin, "products", io.BytesIO(b"%PDF-1.4\x00\x00binary"))
    assert caught.value.errors[0].rule == "file_type"


# ---- the command line ------------------------------------------------------------------------


def write_csv(tmp_path: Path, rows: list[list[Any]]) -> Path:
    path = tmp_path / "rows.csv"
    path.write_bytes(csv_bytes(rows).getvalue())
    return path


def test_cli_imports_a_file_and_prints_a_summary(world: Any, runner: Any, tmp_path: Path) -> None:
    org = world.organization()
    path = write_csv(tmp_path, product_rows(org.id, 3))
    dry = runner.invoke(args=["import", "products", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 3 products" in dry.output and count(Product) == 0
    res = runner.invoke(args=["import", "products", str(path)])
    assert res.exit_code == 0, res.output
    assert "created 3 products" in res.output and count(Product) == 3


def test_cli_lists_bad_rows_and_exits_non_zero(world: Any, runner: Any, tmp_path: Path) -> None:
    org = world.organization()
    rows = product_rows(org.id, 3)
    rows[3][2] = "12345"
    path = write_csv(tmp_path, rows)
    res = runner.invoke(args=["import", "products", str(path)])
    assert res.exit_code == 2
    assert res.output.splitlines()[1].split()[:3] == ["4", "gtin", "gtin_format"]
    assert "nothing was imported" in res.output
    assert count(Product) == 0


def test_cli_imports_as_a_named_user(world: Any, runner: Any, tmp_path: Path) -> None:
    mine, other = world.organization(), world.organization()
    producer = world.user("producer", organization_id=mine.id)
    path = write_csv(tmp_path, product_rows(other.id, 1))
    res = runner.invoke(args=["import", "products", str(path), "--as", producer.email])
    assert res.exit_code == 2 and "import_forbidden" in res.output
    res = runner.invoke(args=["import", "products", str(path), "--as", "nobody@test.vn"])
    assert res.exit_code == 2 and "no user" in res.output


def test_a_date_that_does_not_exist_is_named_with_the_forms_a_file_may_use(world: Any) -> None:
    org = world.organization()
    rows = product_rows(org.id, 2)
    rows[2][5] = "31/02/2025"
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(world.admin, "products", csv_bytes(rows))
    assert [(e.row, e.field, e.rule) for e in caught.value.rows] == [(3, "ocop_decision_date", "import_date")]
    assert count(Product) == 0
