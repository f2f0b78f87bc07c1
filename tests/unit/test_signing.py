"""The signing keys and the compact certificate token, without a database."""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from registry.services import signing


def _cert(body="Trung tâm Chứng nhận Phù hợp Quacert", holder="Hợp tác xã Chè Tân Cương", gtins=1, tax="0100109106"):
    return SimpleNamespace(
        id=4321,
        number="CN-2026-00123",
        category="organic",
        body=SimpleNamespace(name=body),
        organization=SimpleNamespace(name=holder, tax_code=tax),
        products=[SimpleNamespace(gtin=f"0893860000{i:03d}7") for i in range(gtins)],
        issued_on=date(2026, 3, 1),
        expires_on=date(2029, 2, 28),
        is_confirmed=True,
    )


BASE = "https://registry.example.vn"


def test_keys_are_generated_on_first_use_with_private_files_readable_only_by_the_owner(tmp_path):
    keyset = signing.public_keyset(tmp_path)
    (key,) = keyset["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["valid_to"] is None
    assert len(signing._unb64(key["x"])) == 32
    pem = tmp_path / "keys" / f"{key['kid']}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    ring = json.loads((tmp_path / "keys" / "keyring.json").read_text())
    assert ring["active"] == key["kid"] and ring["keys"][0]["public_key"] == key["x"]
    assert signing.public_keyset(tmp_path) == keyset  # no second key on the next use


def test_rotation_retires_the_old_key_and_deletes_its_private_half(tmp_path):
    first = signing.public_keyset(tmp_path)["keys"][0]["kid"]
    new, old = signing.rotate_keys(tmp_path)
    assert old == first and new != first
    assert not (tmp_path / "keys" / f"{first}.pem").exists()
    windows = {k["kid"]: k for k in signing.public_keyset(tmp_path)["keys"]}
    assert windows[first]["valid_to"] is not None and windows[new]["valid_to"] is None


def test_a_token_round_trips_every_claim(tmp_path):
    token, url, claims = signing.sign_certificate(_cert(tax="0100109106-001"), tmp_path, BASE)
    assert url == f"{BASE}/verify/4321?t={token}" and token.isdigit()
    checked = signing.verify_token(token, signing.public_keyset(tmp_path), expected_id=4321)
    assert checked == claims
    assert checked.tax_code == "0100109106-001" and checked.number == "CN-2026-00123"
    assert checked.gtins == ["08938600000007"] and checked.category == "organic"
    assert checked.issued_on == date(2026, 3, 1) and checked.expires_on == date(2029, 2, 28)


@pytest.mark.parametrize("gtins", [1, 3])
def test_long_vietnamese_names_are_shortened_so_the_url_fits_a_version_10_qr(tmp_path, gtins):
    cert = _cert(
        body="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1 (QUATEST 1)",
        holder="Công ty Cổ phần Nông sản Thực phẩm Xuất khẩu Đồng Nai",
        gtins=gtins,
    )
    token, url, claims = signing.sign_certificate(cert, tmp_path, BASE)
    assert signing.qr_version(url) <= 10
    assert claims.names_shortened and claims.body.endswith("…") and claims.body.startswith("Trung tâm")
    assert len(claims.gtins) == gtins and claims.tax_code == "0100109106"  # exact fields are never shortened
    assert signing.verify_token(token, signing.public_keyset(tmp_path)).names_shortened


def test_every_altered_byte_is_refused(tmp_path):
    token, _, _ = signing.sign_certificate(_cert(), tmp_path, BASE)
    keyset = signing.public_keyset(tmp_path)
    data = signing._decode(token)
    for i in range(1, len(data)):
        forged = bytearray(data)
        forged[i] ^= 0x01
        with pytest.raises(signing.TokenRejected) as err:
            signing.verify_token(signing._encode(bytes(forged)), keyset)
        assert err.value.rule in ("token_bad_signature", "token_malformed", "token_unknown_key"), i


def test_a_token_signed_outside_its_keys_window_is_refused(tmp_path):
    token, _, claims = signing.sign_certificate(_cert(), tmp_path, BASE)
    keyset = signing.public_keyset(tmp_path)
    before = (claims.iat - timedelta(seconds=1)).isoformat()
    keyset["keys"][0]["valid_to"] = before
    with pytest.raises(signing.TokenRejected) as err:
        signing.verify_token(token, keyset)
    assert err.value.rule == "token_outside_key_window" and err.value.params["kid"] == claims.kid
    keyset["keys"][0].update(valid_to=None, valid_from=(claims.iat + timedelta(hours=1)).isoformat())
    with pytest.raises(signing.TokenRejected):
        signing.verify_token(token, keyset)


def test_unknown_key_and_wrong_version_are_named(tmp_path):
    token, _, _ = signing.sign_certificate(_cert(), tmp_path / "a", BASE)
    with pytest.raises(signing.TokenRejected) as err:
        signing.verify_token(token, signing.public_keyset(tmp_path / "b"))
    assert err.value.rule == "token_unknown_key"
    data = bytearray(signing._decode(token))
    data[0] = 2
    with pytest.raises(signing.TokenRejected) as err:
        signing.verify_token(signing._encode(bytes(data)), signing.public_keyset(tmp_path / "a"))
    assert err.value.rule == "token_version"


@pytest.mark.parametrize("text", ["", "abc", "12", "1" * 3000, f"{BASE}/verify/1", f"{BASE}/verify/1?x=2"])
def test_malformed_codes_are_refused_as_malformed(tmp_path, text):
    with pytest.raises(signing.TokenRejected) as err:
        token, path_id = signing.token_from_text(text)
        signing.verify_token(token, signing.public_keyset(tmp_path), expected_id=path_id)
    assert err.value.rule == "token_malformed"


def test_the_url_names_the_certificate_the_token_must_belong_to(tmp_path):
    token, url, _ = signing.sign_certificate(_cert(), tmp_path, BASE)
    assert signing.token_from_text(url) == (token, 4321)
    other, path_id = signing.token_from_text(url.replace("/4321?", "/99?"))
    with pytest.raises(signing.TokenRejected) as err:
        signing.verify_token(other, signing.public_keyset(tmp_path), expected_id=path_id)
    assert err.value.rule == "token_other_certificate"


def test_claims_carry_signing_time_and_declared_flag(tmp_path):
    cert = _cert()
    cert.is_confirmed = False
    cert.expires_on = None
    token, _, claims = signing.sign_certificate(cert, tmp_path, BASE)
    checked = signing.verify_token(token, signing.public_keyset(tmp_path))
    assert checked.is_confirmed is False and checked.expires_on is None
    assert abs(checked.iat - datetime.now(UTC)) < timedelta(minutes=1)
    assert checked == claims
