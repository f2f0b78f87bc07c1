"""Checks a verifier can run with no database and no app: signed JSON documents against published keys.

Imports only the standard library and `cryptography`, so `registry verify-certificate` and witnesses start fast.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class DocumentRejected(Exception):
    """A signed document that cannot be trusted; the message says why."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(body: dict[str, Any]) -> bytes:
    """The signed bytes of a document: its members but `signature`, sorted, compact, UTF-8.

    For documents of strings, integers, booleans and nulls only (all ours) this is RFC 8785 (JCS) too.
    """
    content = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def find_key(keyset: dict[str, Any], kid: Any) -> dict[str, Any] | None:
    key = next((k for k in keyset.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid), None)
    if key is None or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        return None
    return key


def verify_document(doc: Any, keyset: dict[str, Any], time_field: str) -> dict[str, Any]:
    """The document, if its Ed25519 `signature` by key `kid` is good and `time_field` lies in the key's window."""
    if not isinstance(doc, dict) or not isinstance(doc.get("signature"), str):
        raise DocumentRejected("not a signed document (no signature)")
    key = find_key(keyset, doc.get("kid"))
    if key is None:
        raise DocumentRejected(f"signed by an unknown key {doc.get('kid')!r}")
    try:
        Ed25519PublicKey.from_public_bytes(unb64(key["x"])).verify(unb64(doc["signature"]), canonical(doc))
    except (InvalidSignature, ValueError, TypeError) as err:
        raise DocumentRejected(f"bad signature (key {key['kid']})") from err
    try:
        at = parse_time(doc.get(time_field))
        start, end = parse_time(key.get("valid_from")), parse_time(key.get("valid_to"))
    except (TypeError, ValueError) as err:
        raise DocumentRejected(f"{time_field}: not an ISO 8601 time") from err
    if at is None:
        raise DocumentRejected(f"{time_field}: missing")
    if (start and at < start) or (end and at > end):
        raise DocumentRejected(f"{time_field} {at.isoformat()} outside the validity of key {key['kid']}")
    return doc
