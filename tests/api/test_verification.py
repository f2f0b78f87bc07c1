"""Verifying a certificate as an inspector would: scan its QR, check it offline, see its live status."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from registry.extensions import db
from registry.models import Certificate
from registry.services import signing
from tests.helpers import days_from_today, valid_gtin13, years_after


def _term() -> tuple[str, str]:
    """A certificate issued some months ago and valid for three years (its last day the day before)."""
    issued = days_from_today(-265)
    return issued.isoformat(), (years_after(issued, 3) - timedelta(days=1)).isoformat()


def _issue(world, client, number="CN-2026-001", item=7):
    """A certificate issued by a body's staff through the API; returns (certificate JSON, body, staff, org)."""
    org = world.organization(province="thai-nguyen")
    body = world.body()
    staff = world.user("body_staff", body_id=body.id)
    admin = world.headers(world.admin)
    issued, expires = _term()
    product = client.post(
        "/api/v1/products",
        headers=admin,
        json={"organization_id": org.id, "name": "Chè xanh Tân Cương", "gtin": valid_gtin13(item)},
    ).get_json()
    standard = client.post(
        "/api/v1/standards",
        headers=admin,
        json={"kind": "tcvn", "code": f"TCVN 11041-{item}:2017", "title": "Nông nghiệp hữu cơ"},
    ).get_json()
    res = client.post(
        "/api/v1/certificates",
        headers=world.headers(staff),
        json={
            "number": number,
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "organic",
            "standard_ids": [standard["id"]],
            "product_ids": [product["id"]],
            "scope": "Chè xanh",
            "issued_on": issued,
            "expires_on": expires,
        },
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json(), body, staff, org


def _keys_file(client, tmp_path: Path) -> Path:
    path = tmp_path / "registry-keys.json"
    path.write_text(client.get("/.well-known/registry-keys.json").get_data(as_text=True))
    return path


def _scan(client, cert_id: int) -> str:
    res = client.get(f"/api/v1/certificates/{cert_id}/qr.png")
    assert res.status_code == 200 and res.mimetype == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(res.data)))
    assert len(found) == 1
    return found[0].text


@pytest.mark.travel
def test_scanned_qr_verifies_offline_with_the_published_keys(world, client, runner, tmp_path):
    cert, _body, _, org = _issue(world, client)
    url = _scan(client, cert["id"])
    assert url.startswith(f"https://registry.example.vn/verify/{cert['id']}?t=")
    result = runner.invoke(args=["verify-certificate", url, "--keys", str(_keys_file(client, tmp_path))])
    assert result.exit_code == 0, result.output
    assert "signature valid" in result.output
    assert "number: CN-2026-001" in result.output
    assert f"tax_code: {org.tax_code}" in result.output
    assert f"gtins: 0{valid_gtin13(7)}" in result.output
    issued, expires = _term()
    assert f"issued_on: {issued}" in result.output and f"expires_on: {expires}" in result.output


def test_the_signed_url_fits_a_qr_of_version_10(world, client):
    cert, *_ = _issue(world, client)
    link = client.get(f"/api/v1/certificates/{cert['id']}/token").get_json()
    assert link["qr_version"] <= 10
    assert signing.qr_version(link["url"]) <= 10
    assert link["url"] == f"https://registry.example.vn/verify/{cert['id']}?t={link['token']}"
    svg = client.get(f"/api/v1/certificates/{cert['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_changing_one_character_of_the_token_is_refused(world, client, runner, tmp_path):
    cert, *_ = _issue(world, client)
    url = _scan(client, cert["id"])
    keys = str(_keys_file(client, tmp_path))
    last = url[:-1] + ("1" if url[-1] != "1" else "2")
    result = runner.invoke(args=["verify-certificate", last, "--keys", keys])
    assert result.exit_code == 1 and "signature valid" not in result.output
    assert "Bad signature" in result.output
    # A digit inside the claims: the number part changes, so the claims or their signature break.
    middle = len(url) - 200
    changed = url[:middle] + str((int(url[middle]) + 1) % 10) + url[middle + 1 :]
    result = runner.invoke(args=["verify-certificate", changed, "--keys", keys])
    assert result.exit_code == 1 and "REFUSED" in result.output and "signature valid" not in result.output


def test_a_token_signed_by_an_unknown_key_is_refused(world, client, runner, app, tmp_path):
    cert, *_ = _issue(world, client)
    keys = str(_keys_file(client, tmp_path))
    forger = tmp_path / "elsewhere"
    token, _url, claims = signing.sign_certificate(
        db.session.get(Certificate, cert["id"]), forger, app.config["PUBLIC_BASE_URL"]
    )
    result = runner.invoke(args=["verify-certificate", token, "--keys", keys])
    assert result.exit_code == 1
    assert f"signed with key {claims.kid}, which is not among the registry's public keys" in result.output
    page = client.get(f"/verify/{cert['id']}?t={token}&format=json").get_json()
    assert page["signature"]["valid"] is False and page["signature"]["reason"] == "token_unknown_key"
    assert page["verdict"] == "signature_invalid"


def test_a_malformed_code_is_refused(world, client, runner, tmp_path):
    keys = str(_keys_file(client, tmp_path))
    for payload in ("hello", "https://registry.example.vn/verify/1?t=12345", "https://registry.example.vn/verify/1"):
        result = runner.invoke(args=["verify-certificate", payload, "--keys", keys])
        assert result.exit_code == 1, payload
        assert "not a well-formed certificate token" in result.output


def test_a_keys_file_that_is_not_a_key_set_is_a_usage_error(runner, tmp_path):
    bad = tmp_path / "keys.json"
    bad.write_text("[1, 2]")
    result = runner.invoke(args=["verify-certificate", "123", "--keys", str(bad)])
    assert result.exit_code == 2 and "is not a key set" in result.output


def test_after_rotation_old_tokens_verify_with_the_old_key_and_new_ones_use_the_new_key(
    world, client, runner, tmp_path
):
    cert, *_ = _issue(world, client)
    old = client.get(f"/api/v1/certificates/{cert['id']}/token").get_json()
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and f"retired {old['kid']}" in result.output
    new = client.get(f"/api/v1/certificates/{cert['id']}/token").get_json()
    assert new["kid"] != old["kid"]
    keyset = client.get("/.well-known/registry-keys.json").get_json()
    windows = {k["kid"]: k for k in keyset["keys"]}
    assert windows[old["kid"]]["valid_to"] is not None and windows[new["kid"]]["valid_to"] is None
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" for k in keyset["keys"])
    keys = str(_keys_file(client, tmp_path))
    for link in (old, new):
        result = runner.invoke(args=["verify-certificate", link["url"], "--keys", keys])
        assert result.exit_code == 0 and f"kid: {link['kid']}" in result.output, result.output
    listing = runner.invoke(args=["keys", "list"])
    assert f"* {new['kid']}" in listing.output and f"  {old['kid']}" in listing.output
    # Without --keys the command reads this instance's public keys, still with no database.
    assert runner.invoke(args=["verify-certificate", old["url"]]).exit_code == 0


def test_suspended_certificate_shows_suspended_while_the_signature_is_still_good(world, client, runner, tmp_path):
    cert, _, staff, _ = _issue(world, client)
    url = client.get(f"/api/v1/certificates/{cert['id']}/token").get_json()["url"]
    query = url.split("?", 1)[1]
    before = client.get(f"/verify/{cert['id']}?{query}", headers={"Accept": "application/json"}).get_json()
    assert before["status"] == "valid" and before["verdict"] == "valid" and before["signature"]["valid"] is True

    res = client.post(
        f"/api/v1/certificates/{cert['id']}/transitions",
        headers=world.headers(staff),
        json={"action": "suspend", "reason": "Vi phạm điều kiện chứng nhận"},
    )
    assert res.status_code == 200, res.get_json()

    data = client.get(f"/verify/{cert['id']}?{query}&format=json").get_json()
    assert data["status"] == "suspended" and data["verdict"] == "suspended"
    assert data["signature"]["valid"] is True and data["signature"]["differences"] == []
    assert data["history"][-1]["action"] == "suspend"
    assert data["history"][-1]["reason"] == "Vi phạm điều kiện chứng nhận"
    assert data["history"][-1]["actor_role"] == "body_staff"
    page = client.get(f"/verify/{cert['id']}?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "ĐÃ BỊ ĐÌNH CHỈ" in html and "Chữ ký hợp lệ" in html and "Vi phạm điều kiện chứng nhận" in html
    assert html.index("ĐÃ BỊ ĐÌNH CHỈ") < html.index("Chữ ký hợp lệ")
    english = client.get(f"/verify/{cert['id']}?{query}&lang=en").get_data(as_text=True)
    assert "SUSPENDED — NOT VALID" in english and "Signature valid" in english
    # Offline the code is still genuine; the command says to check the live status.
    offline = runner.invoke(args=["verify-certificate", url, "--keys", str(_keys_file(client, tmp_path))])
    assert offline.exit_code == 0 and "check the live status online" in offline.output
    # No fresh signed code is minted for a suspended certificate.
    refused = client.get(f"/api/v1/certificates/{cert['id']}/token")
    assert refused.status_code == 409 and refused.get_json()["errors"][0]["rule"] == "not_signable"


def test_verify_json_shows_the_public_record_and_no_personal_data(world, client):
    cert, body, staff, org = _issue(world, client)
    data = client.get(f"/verify/{cert['id']}", headers={"Accept": "application/json"}).get_json()
    assert data["holder"] == {
        "id": org.id,
        "name": org.name,
        "tax_code": org.tax_code,
        "province": "thai-nguyen",
        "province_name": data["holder"]["province_name"],
    }
    assert data["body"]["name"] == body.name
    assert data["products"][0]["gtin"] == "0" + valid_gtin13(7)
    assert data["standards"][0]["code"] == "TCVN 11041-7:2017"
    assert data["confirmation"] == "confirmed" and "signature" not in data
    assert data["history"][0]["action"] == "issue" and data["history"][0]["at"].endswith("+07:00")
    assert staff.email not in json.dumps(data, ensure_ascii=False)
    assert client.get("/verify/999999?format=json").status_code == 404


def test_a_token_of_another_certificate_does_not_verify_this_one(world, client):
    first, *_ = _issue(world, client, "CN-A")
    second, *_ = _issue(world, client, "CN-B", item=8)
    token = client.get(f"/api/v1/certificates/{first['id']}/token").get_json()["token"]
    data = client.get(f"/verify/{second['id']}?t={token}&format=json").get_json()
    assert data["signature"]["reason"] == "token_other_certificate" and data["verdict"] == "signature_invalid"


def test_a_declared_certificate_is_not_shown_as_verified(world, client):
    org = world.organization()
    body = world.body()
    producer = world.user("producer", organization_id=org.id)
    res = client.post(
        "/api/v1/certificates",
        headers=world.headers(producer),
        json={
            "number": "TK-01",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "declaration_standard",
            "issued_on": days_from_today(-30).isoformat(),
        },
    )
    assert res.status_code == 201
    data = client.get(f"/verify/{res.get_json()['id']}?format=json").get_json()
    assert data["confirmation"] == "declared" and data["verdict"] == "declared"
    assert "TỰ KHAI" in client.get(f"/verify/{res.get_json()['id']}").get_data(as_text=True)


def test_verify_form_finds_certificates_by_number_and_body(world, client):
    cert, body, *_ = _issue(world, client, "ĐC-2026-77")
    other_body = world.body()
    page = client.get("/verify").get_data(as_text=True)
    assert "Tra cứu chứng chỉ" in page and 'name="q"' in page
    found = client.get("/verify?number=dc-2026").get_data(as_text=True)
    assert "ĐC-2026-77" in found and f"/verify/{cert['id']}" in found
    assert "ĐC-2026-77" in client.get(f"/verify?number=2026-77&body={body.id}").get_data(as_text=True)
    none = client.get(f"/verify?number=2026-77&body={other_body.id}&lang=en").get_data(as_text=True)
    assert "No certificate found." in none
    items = client.get("/verify?number=77&format=json").get_json()["items"]
    assert [i["number"] for i in items] == ["ĐC-2026-77"] and items[0]["status"] == "valid"


def _transition(client, headers, cert_id, action, reason="Lý do kiểm tra"):
    return client.post(
        f"/api/v1/certificates/{cert_id}/transitions", headers=headers, json={"action": action, "reason": reason}
    )


def test_every_forbidden_transition_is_refused(world, client):
    cert, _body, staff, org = _issue(world, client)
    cid = cert["id"]
    producer = world.headers(world.user("producer", organization_id=org.id))
    other_staff = world.headers(world.user("body_staff", body_id=world.body().id))
    own = world.headers(staff)
    inspector = world.headers(world.user("inspector"))

    anonymous = client.post(f"/api/v1/certificates/{cid}/transitions", json={"action": "suspend", "reason": "x"})
    assert anonymous.status_code == 401
    assert _transition(client, producer, cid, "suspend").status_code == 403
    assert _transition(client, other_staff, cid, "suspend").status_code == 403
    assert _transition(client, own, cid, "reinstate").status_code == 409  # reinstate only from suspended
    missing = _transition(client, own, cid, "suspend", reason="")
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "reason"
    assert _transition(client, own, cid, "suspend").status_code == 200
    assert _transition(client, own, cid, "suspend").status_code == 409  # already suspended
    assert _transition(client, producer, cid, "reinstate").status_code == 403
    assert _transition(client, inspector, cid, "reinstate").status_code == 200
    assert _transition(client, own, cid, "withdraw").status_code == 200
    for action in ("reinstate", "suspend", "withdraw"):  # withdrawn is final
        res = _transition(client, world.headers(world.admin), cid, action)
        assert res.status_code == 409 and res.mimetype == "application/problem+json"
    history = client.get(f"/verify/{cid}?format=json").get_json()["history"]
    assert [h["action"] for h in history] == ["issue", "suspend", "reinstate", "withdraw"]
    assert client.get(f"/verify/{cid}?format=json").get_json()["status"] == "withdrawn"
