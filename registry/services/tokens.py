"""The compact signed token a certificate's QR carries: its layout, and its check with no database or app.

Why not a JWS: a JWS in base64url sits in the QR's byte mode (8 bits a character, 6 of them useful) and
with Ed25519's 64-byte signature, a JSON header and Vietnamese names it never fits a version-10 code.
The token here is a fixed binary layout, signed as a whole and written as one decimal number, which the
QR packs in numeric mode at 3.3 bits a digit; it is URL-safe and survives scanners that change case
(the trick SMART Health Cards use). Layout of the signed bytes (the signature follows them):

    version=1 | kid (4 bytes) | iat (uint32 s) | flags | category | certificate id (uint32)
    | issued_on, expires_on (uint16 days since 2000-01-01) | tax code (6-byte integer of its 10 or 13 digits)
    | number, body, holder (length + UTF-8) | GTIN count, each GTIN-14 as a 6-byte integer

Exact fields (number, tax code, GTINs, dates) are never shortened; when the URL would need a QR larger
than version 10, the longer of the two names is shortened (flag bit set) and the live page has them whole.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.categories import CERTIFICATE_CATEGORIES
from registry.errors import RegistryError
from registry.services.offline import unb64 as _unb64

VERSION = 1
EPOCH = date(2000, 1, 1)
NO_DATE = 0xFFFF
FLAG_SHORTENED, FLAG_EXPIRES, FLAG_CONFIRMED, FLAG_TAX_BRANCH, FLAG_TAX_TEXT = 1, 2, 4, 8, 16
TAX_CODE = re.compile(r"(\d{10})(?:-(\d{3}))?")
_HEAD = struct.Struct(">B4sIBBIHH")
SIG_LEN = 64


class TokenRejected(RegistryError):
    """A scanned token that cannot be trusted; `rule` names why (a key of registry.messages.RULES)."""

    status = 400
    code = "token_rejected"


@dataclass(frozen=True)
class Claims:
    kid: str
    iat: datetime
    certificate_id: int
    number: str
    category: str
    body: str
    holder: str
    tax_code: str
    gtins: list[str]
    issued_on: date
    expires_on: date | None
    is_confirmed: bool
    names_shortened: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "iat": self.iat.isoformat(),
            "certificate_id": self.certificate_id,
            "number": self.number,
            "category": self.category,
            "body": self.body,
            "holder": self.holder,
            "tax_code": self.tax_code,
            "gtins": self.gtins,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "is_confirmed": self.is_confirmed,
            "names_shortened": self.names_shortened,
        }


def _day(value: date | None) -> int:
    return NO_DATE if value is None else (value - EPOCH).days


def _text(value: str) -> bytes:
    raw = value.encode()[:255]
    return bytes([len(raw)]) + raw


def _pack(claims: Claims) -> bytes:
    tax = TAX_CODE.fullmatch(claims.tax_code)
    flags = (
        (FLAG_SHORTENED if claims.names_shortened else 0)
        | (0 if tax else FLAG_TAX_TEXT)
        | (FLAG_TAX_BRANCH if tax and tax.group(2) else 0)
        | (FLAG_EXPIRES if claims.expires_on else 0)
        | (FLAG_CONFIRMED if claims.is_confirmed else 0)
    )
    head = _HEAD.pack(
        VERSION,
        bytes.fromhex(claims.kid),
        int(claims.iat.timestamp()),
        flags,
        CERTIFICATE_CATEGORIES.index(claims.category),
        claims.certificate_id,
        _day(claims.issued_on),
        _day(claims.expires_on),
    )
    tax_bytes = int("".join(d for d in tax.groups() if d)).to_bytes(6, "big") if tax else _text(claims.tax_code)
    texts = tax_bytes + b"".join(_text(t) for t in (claims.number, claims.body, claims.holder))
    gtins = bytes([len(claims.gtins)]) + b"".join(int(g).to_bytes(6, "big") for g in claims.gtins)
    return head + texts + gtins


def _unpack(data: bytes) -> Claims:
    try:
        version, kid, iat, flags, category, cert_id, issued, expires = _HEAD.unpack_from(data)
        if version != VERSION:
            raise TokenRejected("token_version", version=version)
        pos = _HEAD.size
        if flags & FLAG_TAX_TEXT:
            tax_code = data[pos + 1 : pos + 1 + data[pos]].decode()
            pos += 1 + data[pos]
        else:
            digits = int.from_bytes(data[pos : pos + 6], "big")
            tax_code = f"{digits // 1000:010d}-{digits % 1000:03d}" if flags & FLAG_TAX_BRANCH else f"{digits:010d}"
            pos += 6
        texts = []
        for _ in range(3):
            length = data[pos]
            texts.append(data[pos + 1 : pos + 1 + length].decode())
            pos += 1 + length
        count = data[pos]
        pos += 1
        gtins = [f"{int.from_bytes(data[pos + 6 * i : pos + 6 * i + 6], 'big'):014d}" for i in range(count)]
        if pos + 6 * count != len(data):
            raise ValueError("trailing or missing bytes")
        return Claims(
            kid=kid.hex(),
            iat=datetime.fromtimestamp(iat, UTC),
            certificate_id=cert_id,
            number=texts[0],
            category=CERTIFICATE_CATEGORIES[category],
            body=texts[1],
            holder=texts[2],
            tax_code=tax_code,
            gtins=gtins,
            issued_on=EPOCH + timedelta(days=issued),
            expires_on=EPOCH + timedelta(days=expires) if flags & FLAG_EXPIRES else None,
            is_confirmed=bool(flags & FLAG_CONFIRMED),
            names_shortened=bool(flags & FLAG_SHORTENED),
        )
    except (struct.error, IndexError, ValueError, UnicodeDecodeError) as err:
        raise TokenRejected("token_malformed") from err


def _encode(data: bytes) -> str:
    # The first byte is the version (never 0), so the number keeps every byte.
    return str(int.from_bytes(data, "big"))


def _decode(token: str) -> bytes:
    if not token.isdigit() or len(token) > 2000:
        raise TokenRejected("token_malformed")
    number = int(token)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def token_from_text(text: str) -> tuple[str, int | None]:
    """The token and the certificate id named by a scanned verify URL, or a bare token and None."""
    text = text.strip()
    if "://" not in text and "?" not in text:
        return text, None
    parts = urlsplit(text)
    values = parse_qs(parts.query).get("t")
    if not values:
        raise TokenRejected("token_malformed")
    segments = [s for s in parts.path.split("/") if s]
    path_id = int(segments[-1]) if len(segments) >= 2 and segments[-2] == "verify" and segments[-1].isdigit() else None
    return values[0], path_id


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def verify_token(token: str, keyset: dict[str, Any], expected_id: int | None = None) -> Claims:
    """The claims of a genuine token; raises TokenRejected naming why otherwise. Needs no database."""
    data = _decode(token)
    if len(data) <= SIG_LEN + _HEAD.size:
        raise TokenRejected("token_malformed")
    signed, signature = data[:-SIG_LEN], data[-SIG_LEN:]
    claims = _unpack(signed)
    key = next((k for k in keyset.get("keys", []) if k.get("kid") == claims.kid), None)
    if key is None or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        raise TokenRejected("token_unknown_key", kid=claims.kid)
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(key["x"])).verify(signature, signed)
    except (InvalidSignature, ValueError) as err:
        raise TokenRejected("token_bad_signature", kid=claims.kid) from err
    start, end = _parse_time(key.get("valid_from")), _parse_time(key.get("valid_to"))
    if (start and claims.iat < start) or (end and claims.iat > end):
        raise TokenRejected("token_outside_key_window", kid=claims.kid, iat=claims.iat.isoformat())
    if expected_id is not None and claims.certificate_id != expected_id:
        raise TokenRejected("token_other_certificate", expected=expected_id, found=claims.certificate_id)
    return claims
