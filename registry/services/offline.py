"""Checks a verifier can run with no database and no app: signed JSON documents against published keys.

Imports only the standard library and `cryptography`, so `registry verify-certificate` and witnesses start fast.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
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


# ---- the status list (after W3C Bitstring Status List v1.0) ----------------------------------

STATUS_LIST_TYPE = "registry-status-list/v1"
STATUS_PURPOSES = ("revocation", "suspension")  # withdrawn, suspended: one bit each per certificate
MIN_LIST_BITS = 131_072  # the recommendation's minimum, so a list says little about how many certificates exist
STALE_AFTER_DAYS = 7


def encode_bits(indexes: Iterable[int], size: int) -> str:
    """A bitstring with the bits at `indexes` set (index 0 is the left-most bit), GZIP, multibase base64url."""
    bits = bytearray(size // 8 + (1 if size % 8 else 0))
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64(gzip.compress(bytes(bits), compresslevel=9, mtime=0))


def decode_bits(encoded: Any) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise DocumentRejected("encodedList: not a multibase base64url string")
    try:
        return gzip.decompress(unb64(encoded[1:]))
    except (OSError, ValueError, EOFError) as err:
        raise DocumentRejected("encodedList: not a GZIP bitstring") from err


def bit(bits: bytes, index: int) -> bool:
    return index // 8 < len(bits) and bool(bits[index // 8] & (0x80 >> (index % 8)))


@dataclass(frozen=True)
class StatusList:
    version: int
    size: int
    valid_from: datetime
    valid_until: datetime | None
    lists: dict[str, bytes]

    def status(self, index: int) -> str | None:
        """'withdrawn', 'suspended', 'listed' (no bit set) or None when the index lies beyond the list."""
        if not 0 <= index < self.size:
            return None
        if bit(self.lists["revocation"], index):
            return "withdrawn"
        if bit(self.lists["suspension"], index):
            return "suspended"
        return "listed"

    def is_stale(self, now: datetime) -> bool:
        return now > (self.valid_until or self.valid_from + timedelta(days=STALE_AFTER_DAYS))


def read_status_list(doc: Any, keyset: dict[str, Any]) -> StatusList:
    """A status list whose signature and fields hold; raises DocumentRejected naming the fault."""
    verify_document(doc, keyset, "valid_from")
    if doc.get("type") != STATUS_LIST_TYPE:
        raise DocumentRejected(f"type: expected {STATUS_LIST_TYPE}")
    version, size = doc.get("version"), doc.get("size")
    for name, value in (("version", version), ("size", size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DocumentRejected(f"{name}: not a whole number ≥ 0")
    lists = doc.get("lists")
    if not isinstance(lists, dict) or set(lists) != set(STATUS_PURPOSES):
        raise DocumentRejected(f"lists: expected {', '.join(STATUS_PURPOSES)}")
    decoded = {purpose: decode_bits(lists[purpose]) for purpose in STATUS_PURPOSES}
    if any(len(b) * 8 < size for b in decoded.values()):
        raise DocumentRejected("lists: shorter than size")
    valid_from = parse_time(doc["valid_from"])
    assert valid_from is not None  # verify_document required it
    try:
        valid_until = parse_time(doc.get("valid_until"))
    except (TypeError, ValueError) as err:
        raise DocumentRejected("valid_until: not an ISO 8601 time") from err
    return StatusList(version, size, valid_from, valid_until, decoded)
