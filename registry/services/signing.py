"""Ed25519 signing keys kept in instance/keys; signing certificate tokens and signed JSON documents.

The token's layout and its check live in registry/services/tokens.py, which needs no app or database.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import qrcode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.models.certificate import Certificate
from registry.services import offline
from registry.services.tokens import (
    SIG_LEN,
    Claims,
    TokenRejected,
    _decode,
    _encode,
    _pack,
    _unpack,
    token_from_text,
    verify_token,
)

MAX_QR_VERSION = 10
ELLIPSIS = "…"


# ---- keys -------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def keys_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / "keys"


@contextmanager
def locked(directory: Path, name: str = ".lock") -> Iterator[None]:
    """Serialise key generation and rotation (or, by another `name`, another writer) between workers."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / name, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_ring(directory: Path) -> dict[str, Any]:
    path = directory / "keyring.json"
    if not path.exists():
        return {"active": None, "keys": []}
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _write_ring(directory: Path, ring: dict[str, Any]) -> None:
    tmp = directory / "keyring.json.tmp"
    tmp.write_text(json.dumps(ring, indent=2))
    os.replace(tmp, directory / "keyring.json")  # atomic: readers never see half a file


def _new_key(directory: Path, ring: dict[str, Any]) -> str:
    taken = {k["kid"] for k in ring["keys"]}
    kid = secrets.token_hex(4)
    while kid in taken:
        kid = secrets.token_hex(4)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(directory / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ring["keys"].append({"kid": kid, "created_at": _now().isoformat(), "retired_at": None, "public_key": _b64(public)})
    ring["active"] = kid
    return kid


def ensure_keys(instance_path: str | Path) -> dict[str, Any]:
    """The keyring, with a first key generated if there is none yet."""
    directory = keys_dir(instance_path)
    ring = _read_ring(directory)
    if ring["active"]:
        return ring
    with locked(directory):
        ring = _read_ring(directory)
        if not ring["active"]:
            _new_key(directory, ring)
            _write_ring(directory, ring)
    return ring


def rotate_keys(instance_path: str | Path) -> tuple[str, str | None]:
    """Make a new active key; the old one is retired now, its public half kept, its private half deleted."""
    directory = keys_dir(instance_path)
    ensure_keys(instance_path)
    with locked(directory):
        ring = _read_ring(directory)
        old = ring["active"]
        for key in ring["keys"]:
            if key["kid"] == old:
                key["retired_at"] = _now().isoformat()
        new = _new_key(directory, ring)
        _write_ring(directory, ring)
        if old:
            (directory / f"{old}.pem").unlink(missing_ok=True)
    return new, old


def list_keys(instance_path: str | Path) -> list[dict[str, Any]]:
    ring = _read_ring(keys_dir(instance_path))
    return [{**k, "active": k["kid"] == ring["active"]} for k in ring["keys"]]


def public_keyset(instance_path: str | Path) -> dict[str, Any]:
    """The JWK set published at /.well-known/registry-keys.json, each key with its validity window."""
    ring = ensure_keys(instance_path)
    return {
        "keys": [
            {
                "kid": k["kid"],
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "x": k["public_key"],
                "valid_from": k["created_at"],
                "valid_to": k["retired_at"],
            }
            for k in ring["keys"]
        ]
    }


def _active_private(instance_path: str | Path) -> tuple[str, Ed25519PrivateKey]:
    ring = ensure_keys(instance_path)
    kid = ring["active"]
    pem = (keys_dir(instance_path) / f"{kid}.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return kid, private


def sign_document(instance_path: str | Path, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with the active key's `kid` and an Ed25519 `signature` over `offline.canonical` of the rest."""
    kid, private = _active_private(instance_path)
    doc = {**body, "kid": kid}
    return {**doc, "signature": offline.b64(private.sign(offline.canonical(doc)))}


# ---- token ------------------------------------------------------------------------------------


def qr_version(data: str) -> int:
    """The smallest QR version (error correction M) holding `data`, with mixed-mode segments."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    return int(qr.best_fit())


def verify_url(base_url: str, cert_id: int, token: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{cert_id}?t={token}"


def _shorten(name: str, length: int) -> str:
    return name if len(name) <= length else name[: max(length - 1, 1)].rstrip() + ELLIPSIS


def certificate_claims(cert: Certificate, kid: str, at: datetime) -> Claims:
    return Claims(
        kid=kid,
        iat=at,
        certificate_id=cert.id,
        number=cert.number,
        category=cert.category,
        body=cert.body.name if cert.body is not None else "",
        holder=cert.organization.name,
        tax_code=cert.organization.tax_code,
        gtins=sorted(p.gtin for p in cert.products if p.gtin),
        issued_on=cert.issued_on,
        expires_on=cert.expires_on,
        is_confirmed=cert.is_confirmed,
        names_shortened=False,
    )


def sign_certificate(cert: Certificate, instance_path: str | Path, base_url: str) -> tuple[str, str, Claims]:
    """(token, verify URL, claims) for a certificate, signed now with the active key."""
    kid, private = _active_private(instance_path)
    claims = certificate_claims(cert, kid, _now())
    while True:
        data = _pack(claims)
        token = _encode(data + private.sign(data))
        url = verify_url(base_url, cert.id, token)
        if qr_version(url) <= MAX_QR_VERSION:
            return token, url, claims
        body, holder = claims.body, claims.holder
        if max(len(body), len(holder)) <= 12:
            return token, url, claims  # only exact fields left: accept a larger code
        if len(body) >= len(holder):
            body = _shorten(body, len(body) - 4)
        else:
            holder = _shorten(holder, len(holder) - 4)
        claims = Claims(**{**claims.__dict__, "body": body, "holder": holder, "names_shortened": True})


__all__ = [
    "SIG_LEN",
    "Claims",
    "TokenRejected",
    "_decode",
    "_encode",
    "_pack",
    "_unb64",
    "_unpack",
    "certificate_claims",
    "ensure_keys",
    "list_keys",
    "public_keyset",
    "qr_version",
    "rotate_keys",
    "sign_certificate",
    "sign_document",
    "token_from_text",
    "verify_token",
]
