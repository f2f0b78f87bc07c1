"""The producer's workspace pages, driven through the test client as a browser would."""

from __future__ import annotations

import io
import re
from typing import Any

from registry.extensions import db
from registry.models import Product, Standard
from tests.conftest import PASSWORD
from tests.helpers import tiny_pdf, valid_gtin13

PDF = tiny_pdf()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def _login(client: Any, user: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(page)})
    assert res.status_code == 302


def _producer(world: Any, client: Any, **org: Any) -> tuple[Any, Any]:
    organization = world.organization(**org)
    user = world.user("producer", organization_id=organization.id)
    _login(client, user)
    return organization, user


def _post(client: Any, url: str, data: dict[str, Any], **kw: Any) -> Any:
    token = _csrf(client.get(url.split("#")[0]).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def _field_error(html: str, field: str) -> str:
    """The message rendered beside a field (its `e-<field>` element)."""
    match = re.search(rf'<p class="err" id="e-{field}">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_a_bad_gtin_is_refused_beside_the_field_keeping_what_was_typed_then_a_good_one_registers(world, client):
    org, _ = _producer(world, client)
    bad = valid_gtin13(7)[:-1] + str((int(valid_gtin13(7)[-1]) + 1) % 10)
    form = {"name": "Chè búp Tân Cương", "gtin": bad, "ocop_group": "beverage", "is_key_product": "y",
            "description": "Chè xanh thượng hạng"}  # fmt: skip
    res = _post(client, "/workspace/products/new", form)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert _field_error(html, "gtin").startswith("Số kiểm tra sai (đúng phải là ")
    assert f'value="{bad}"' in html and 'value="Chè búp Tân Cương"' in html and "Chè xanh thượng hạng" in html
    assert 'id="f-is_key_product" name="is_key_product" type="checkbox" value="y" checked' in html
    assert db.session.query(Product).count() == 0

    res = _post(client, "/workspace/products/new", {**form, "gtin": valid_gtin13(7)})
    assert res.status_code == 302
    product = db.session.query(Product).one()
    assert product.organization_id == org.id and product.gtin == "0" + valid_gtin13(7) and product.is_key_product
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert f"/api/v1/products/{product.id}/labels.pdf" in page and f"/api/v1/products/{product.id}/qr.svg" in page


def test_an_ocop_rating_without_its_decision_is_refused_in_english(world, client):
    _producer(world, client)
    res = _post(client, "/workspace/products/new?lang=en", {"name": "Honey", "ocop_stars": "4"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "An OCOP rating needs its decision number and date." in _field_error(html, "ocop_decision_number")


def test_products_search_ignores_diacritics(world, client):
    _producer(world, client)
    for name in ("Nước mắm Cửa Đại", "Chè Thái"):
        _post(client, "/workspace/products/new", {"name": name})
    html = client.get("/workspace/products?q=nuoc mam cua dai").get_data(as_text=True)
    assert "Nước mắm Cửa Đại" in html and "Chè Thái" not in html


def test_a_non_pdf_document_is_refused_and_no_standard_is_created(world, client):
    _producer(world, client)
    data = {
        "kind": "tccs",
        "code": "TCCS 01:2026/HTX",
        "title": "Chè xanh",
        "document": (io.BytesIO(b"hello"), "tccs.pdf"),
    }
    res = _post(client, "/workspace/standards", data, content_type="multipart/form-data")
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "phải là PDF" in _field_error(html, "document")
    assert 'value="TCCS 01:2026/HTX"' in html
    assert db.session.query(Standard).count() == 0

    data["document"] = (io.BytesIO(PDF), "tccs.pdf")
    res = _post(client, "/workspace/standards", data, content_type="multipart/form-data")
    assert res.status_code == 302
    standard = db.session.query(Standard).one()
    assert standard.document_sha256 and standard.organization_id is not None


def test_a_producer_cannot_open_or_change_another_organisations_product(world, client):
    other = world.organization()
    from registry.services import products

    theirs = products.create_product(world.admin, {"organization_id": other.id, "name": "Mật ong rừng"})
    _producer(world, client)
    assert client.get(f"/workspace/products/{theirs.id}").status_code == 403
    assert client.get(f"/workspace/organization?org={other.id}").status_code == 403
    token = _csrf(client.get("/workspace/products").get_data(as_text=True))
    res = client.post(f"/workspace/products/{theirs.id}", data={"name": "Đổi tên", "csrf_token": token})
    assert res.status_code == 403 and "Không có quyền" in res.get_data(as_text=True)
    res = client.post(f"/workspace/products/{theirs.id}/withdraw", data={"reason": "x", "csrf_token": token})
    assert res.status_code == 403
    db.session.expire_all()
    again = db.session.get(Product, theirs.id)
    assert again.name == "Mật ong rừng" and again.status == "active"


def test_pages_render_in_vietnamese_and_in_english(world, client):
    _producer(world, client)
    for path in ("/workspace/organization", "/workspace/products", "/workspace/products/new",
                 "/workspace/standards", "/workspace/certificates", "/workspace/batches"):  # fmt: skip
        vi = client.get(path)
        assert vi.status_code == 200 and '<html lang="vi">' in vi.get_data(as_text=True), path
        assert "Đăng xuất" in vi.get_data(as_text=True)
        en = client.get(path + "?lang=en")
        assert en.status_code == 200 and '<html lang="en">' in en.get_data(as_text=True), path
        assert "Sign out" in en.get_data(as_text=True) and "Đăng xuất" not in en.get_data(as_text=True)
        client.get(path + "?lang=vi")


def test_the_organisation_is_edited_with_a_commune_of_its_province(world, client):
    org, _ = _producer(world, client)
    html = client.get("/workspace/organization").get_data(as_text=True)
    commune = re.findall(r'<option value="([a-z0-9-]+)">', html)[0]
    res = _post(client, "/workspace/organization", {"name": "HTX Chè Tân Cương", "commune": commune,
                                                    "gs1_company_prefix": "12ab"})  # fmt: skip
    assert res.status_code == 422 and "6 đến 12 chữ số" in _field_error(
        res.get_data(as_text=True), "gs1_company_prefix"
    )
    res = _post(client, "/workspace/organization", {"name": "HTX Chè Tân Cương", "commune": commune})
    assert res.status_code == 302
    db.session.expire_all()
    assert org.name == "HTX Chè Tân Cương" and org.commune.slug == commune


def test_a_producers_certificate_shows_as_declared(world, client):
    _producer(world, client)
    body = world.body()
    _post(client, "/workspace/products/new", {"name": "Chè"})
    product = db.session.query(Product).one()
    form = {"number": "VC-01", "certification_body_id": str(body.id), "category": "product_standard",
            "issued_on": "2026-01-10", "expires_on": "2025-01-10", "product_ids": [str(product.id)]}  # fmt: skip
    res = _post(client, "/workspace/certificates", form)
    message = _field_error(res.get_data(as_text=True), "expires_on")
    assert res.status_code == 422 and message == "Phải sau Ngày cấp."
    res = _post(client, "/workspace/certificates", {**form, "expires_on": "2029-01-10"})
    assert res.status_code == 302
    html = client.get("/workspace/certificates").get_data(as_text=True)
    assert "VC-01" in html and "Tự công bố" in html


def test_a_batch_gets_trace_events_with_a_place_and_inputs(world, client):
    _producer(world, client)
    for name in ("Chè tươi", "Chè khô"):
        _post(client, "/workspace/products/new", {"name": name})
    fresh, dry = sorted(db.session.query(Product).all(), key=lambda p: p.name, reverse=True)
    res = _post(client, "/workspace/batches", {"product_id": str(fresh.id), "lot": "T-01", "quantity": "12,5"})
    assert res.status_code == 302
    res = _post(client, "/workspace/batches", {"product_id": str(dry.id), "lot": "K-01"})
    batch_url = res.headers["Location"]
    res = _post(client, batch_url, {"biz_step": "processing", "occurred_at": "2026-11-20T08:30"})
    assert res.status_code == 422 and "xã/phường hoặc mã GLN" in _field_error(res.get_data(as_text=True), "commune_id")
    html = client.get(batch_url).get_data(as_text=True)
    input_id = re.search(r'name="input_batch_ids" type="checkbox" value="(\d+)"', html).group(1)
    commune = re.search(r'<select id="f-commune_id".*?<option value="(\d+)"', html, re.S).group(1)
    res = _post(client, batch_url, {"biz_step": "transforming", "occurred_at": "2026-11-20T08:30",
                                    "commune_id": commune, "input_batch_ids": [input_id]})  # fmt: skip
    assert res.status_code == 302
    html = client.get(batch_url + "?lang=en").get_data(as_text=True)
    assert "Transforming" in html and "2026-11-20 08:30 (UTC+07:00)" in html and "Chè tươi (T-01)" in html


def test_the_language_choice_is_remembered_on_the_user(world, client):
    _, user = _producer(world, client)
    html = client.get("/workspace/products?q=x").get_data(as_text=True)
    assert 'href="/workspace/products?q=x&amp;lang=en"' in html
    client.get("/workspace/products?q=x&lang=en")
    db.session.expire_all()
    assert user.language == "en"
    with client.session_transaction() as sess:  # as on another device: only the user's record knows
        sess.pop("lang")
    assert "Sign out" in client.get("/workspace/products").get_data(as_text=True)


def test_an_officer_picks_an_organisation_of_their_province_and_no_other(world, client):
    mine, elsewhere = world.organization("thai-nguyen"), world.organization("gia-lai")
    _login(client, world.user("dost_officer", province="thai-nguyen"))
    html = client.get("/workspace/products").get_data(as_text=True)
    assert mine.name in html and elsewhere.name not in html
    assert client.get(f"/workspace/products?org={mine.id}").status_code == 200
    assert client.get(f"/workspace/products?org={elsewhere.id}").status_code == 403


def test_an_inspector_has_no_producer_workspace(world, client):
    _login(client, world.user("inspector"))
    res = client.get("/workspace/products?lang=en")
    assert res.status_code == 403 and "Not allowed" in res.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    res = client.get("/workspace/products/new")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_the_holder_sees_its_certificates_and_ocop_ratings_expiring_soon(world, client):
    from datetime import timedelta

    from registry.services import certificates, products
    from registry.services.timefmt import today_vn

    org, body = world.organization(), world.body()
    today = today_vn()
    products.create_product(
        world.admin,
        {
            "organization_id": org.id,
            "name": "Mật ong rừng",
            "ocop_stars": 3,
            "ocop_decision_number": "1/QĐ",
            "ocop_decision_date": today.replace(year=today.year - 3) + timedelta(days=20),
        },
    )
    certificates.create_certificate(
        world.admin,
        {
            "number": "SAP-HET-1",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "gap",
            "issued_on": today - timedelta(days=300),
            "expires_on": today + timedelta(days=6),
        },
    )
    certificates.create_certificate(
        world.admin,
        {
            "number": "CON-LAU-2",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "gap",
            "issued_on": today - timedelta(days=300),
            "expires_on": today + timedelta(days=400),
        },
    )
    _login(client, world.user("producer", organization_id=org.id))
    html = client.get("/workspace/certificates").get_data(as_text=True)
    section = html[html.index('id="expiring"') :]
    section = section[: section.index("</section>")]
    assert "SAP-HET-1" in section and "Mật ong rừng" in section and "CON-LAU-2" not in section


def test_a_producer_declares_conformity_without_a_body_and_a_body_is_refused_beside_the_field(world, client):
    _producer(world, client)
    body = world.body()
    form = {"number": "CB-01/2026", "category": "declaration_regulation", "issued_on": "2026-01-10"}
    res = _post(client, "/workspace/certificates", {**form, "certification_body_id": str(body.id)})
    assert res.status_code == 422
    assert _field_error(res.get_data(as_text=True), "certification_body_id") == (
        "Bản tự công bố là tuyên bố của chính tổ chức, không ghi tổ chức chứng nhận."
    )
    res = _post(client, "/workspace/certificates", {**form, "certification_body_id": ""})
    assert res.status_code == 302
    html = client.get("/workspace/certificates").get_data(as_text=True)
    assert "CB-01/2026" in html and "Tự công bố" in html
    res = _post(client, "/workspace/certificates", {**form, "number": "GAP-9", "category": "gap"})
    assert res.status_code == 422 and _field_error(res.get_data(as_text=True), "certification_body_id")
