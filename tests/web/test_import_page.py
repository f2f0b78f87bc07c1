"""The upload page for bulk imports, driven through the test client."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Product
from registry.services import audit, imports
from tests.helpers import valid_gtin13
from tests.web.staff import check_access, csrf, login


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def products_csv(org_id: int, n: int, start: int = 0) -> bytes:
    lines = ["organization_id,Tên sản phẩm,Mã vạch,Số sao OCOP,ocop_decision_number,Ngày quyết định"]
    lines += [f"{org_id},Chè Tân Cương {i},{valid_gtin13(i)},4,QĐ-{i},15/03/2025" for i in range(start, start + n)]
    return ("\n".join(lines) + "\n").encode()


def upload(
    client: Any, kind: str, content: bytes, dry_run: bool = False, name: str = "rows.csv", lang: str = ""
) -> Any:
    token = csrf(client.get("/imports").get_data(as_text=True))
    data: dict[str, Any] = {"csrf_token": token, "kind": kind, "file": (io.BytesIO(content), name)}
    if dry_run:
        data["dry_run"] = "1"
    return client.post("/imports" + (f"?lang={lang}" if lang else ""), data=data, content_type="multipart/form-data")


def bad_rows(page: str) -> list[tuple[str, str, str, str]]:
    cells = re.findall(
        r'<tr><td class="n">(\d+)</td><td><code>([^<]*)</code></td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>',
        page,
    )
    return [(r, f, rule, html.unescape(m)) for r, f, rule, m in cells]


def test_a_dost_officer_imports_products_and_sees_the_count(client: Any, world: Any) -> None:
    org = world.organization(province="thai-nguyen")
    officer = world.user("dost_officer", province="thai-nguyen")
    login(client, officer)
    res = upload(client, "products", products_csv(org.id, 5), lang="en")
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert re.search(r'id="import-done">Created <b>5</b> products from 5 rows', page), page
    assert count(Product) == 5
    entries = {audit.created_entry("product", i) for i in db.session.scalars(select(Product.id))}
    assert [(e.action, e.actor_id, e.after["count"]) for e in entries] == [("import", officer.id, 5)]


def test_a_dry_run_shows_what_would_be_created_and_writes_nothing(client: Any, world: Any) -> None:
    org = world.organization()
    login(client, world.admin)
    page = upload(client, "products", products_csv(org.id, 3), dry_run=True).get_data(as_text=True)
    assert "Chạy thử: sẽ tạo <b>3</b>" in page and "Không có gì được ghi" in page
    assert count(Product) == 0


def test_bad_rows_are_listed_in_the_page_language_and_nothing_is_written(client: Any, world: Any) -> None:
    org = world.organization()
    login(client, world.admin)
    content = products_csv(org.id, 4).replace(valid_gtin13(1).encode(), b"8938600000001")  # row 3: check digit
    content = content.replace(b"Ch\xc3\xa8 T\xc3\xa2n C\xc6\xb0\xc6\xa1ng 3,", b",")  # row 5: no name
    page = upload(client, "products", content).get_data(as_text=True)
    rows = bad_rows(page)
    assert [(r, f, rule) for r, f, rule, _ in rows] == [("3", "gtin", "gtin_check_digit"), ("5", "name", "required")]
    assert "bắt buộc" in rows[1][3] and "Tên" in rows[1][3]  # Vietnamese by default, the field named as on forms
    assert "Mã GTIN (mã vạch)" in rows[0][3]
    assert "2 dòng có lỗi; không dòng nào được nhập." in page
    assert count(Product) == 0
    english = bad_rows(upload(client, "products", content, lang="en").get_data(as_text=True))
    assert english[1][3] == "Name is required."


def test_the_form_refuses_a_missing_file_and_a_file_of_another_type(client: Any, world: Any) -> None:
    login(client, world.admin)
    token = csrf(client.get("/imports").get_data(as_text=True))
    res = client.post("/imports?lang=en", data={"csrf_token": token, "kind": "products"})
    assert res.status_code == 422
    assert '<p class="err" id="e-file">This field is required.</p>' in res.get_data(as_text=True)
    res = upload(client, "products", b"%PDF-1.4\x00\x00binary", name="x.pdf")
    assert res.status_code == 422 and 'id="e-file"' in res.get_data(as_text=True)
    res = upload(client, "atlantis", b"a,b\n1,2\n")
    assert res.status_code == 422 and 'id="e-kind"' in res.get_data(as_text=True)


def test_each_role_is_offered_only_the_kinds_it_may_import(client: Any, world: Any) -> None:
    org = world.organization()
    login(client, world.user("producer", organization_id=org.id))
    page = client.get("/imports").get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]+)"', page)
    assert offered == ["products", "standards", "certificates"]
    res = upload(client, "organizations", b"name,kind,tax_code,province\n")
    assert res.status_code == 422 and 'id="e-kind"' in res.get_data(as_text=True)


def test_a_producer_is_refused_rows_of_another_organisation(client: Any, world: Any) -> None:
    mine, other = world.organization(), world.organization()
    login(client, world.user("producer", organization_id=mine.id))
    page = upload(client, "products", products_csv(other.id, 2), lang="en").get_data(as_text=True)
    assert [(r, f, rule) for r, f, rule, _ in bad_rows(page)] == [
        ("2", "organization_id", "import_forbidden"),
        ("3", "organization_id", "import_forbidden"),
    ]
    assert count(Product) == 0


def test_a_long_file_streams_progress_before_the_result(client: Any, world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(imports, "CHUNK", 50)
    monkeypatch.setattr("registry.web.imports.PROGRESS_SECONDS", 0)
    org = world.organization()
    login(client, world.admin)
    res = upload(client, "products", products_csv(org.id, 200), dry_run=True, lang="en")
    chunks = [c.decode() for c in res.response]
    progress = [i for i, c in enumerate(chunks) if "<progress" in c]
    done = next(i for i, c in enumerate(chunks) if "import-done" in c)
    assert progress and max(progress) < done
    assert "Processed 200 rows." in "".join(chunks)


def test_only_staff_who_import_reach_the_page(client: Any, world: Any) -> None:
    check_access(client, world, {"admin", "dost_officer", "body_staff", "producer"}, [("GET", "/imports")], {})
