"""GS1 keys inside EPCIS identifiers (EPC URNs and Digital Link URIs), and the organisations that own them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, literal, select

from registry.extensions import db
from registry.models import Organization, Product
from registry.services.gs1 import check_digit

# EPC URN schemes (Tag Data Standard) whose first component is the GS1 company prefix, by key kind.
_URN = re.compile(r"^urn:epc:(id|class|idpat):([a-z0-9]+):(\d+)\.([^.]*)(?:\.(.*))?$")
_URN_KINDS = {
    "sgtin": "gtin",
    "lgtin": "gtin",
    "sgln": "gln",
    "pgln": "gln",
    "sscc": "sscc",
    "grai": "grai",
    "giai": "giai",
    "gsrn": "gsrn",
    "gsrnp": "gsrn",
    "gdti": "gdti",
    "cpi": "cpi",
    "sgcn": "gcn",
    "ginc": "ginc",
    "gsin": "gsin",
    "itip": "gtin",
    "upui": "gtin",
}
# Digital Link primary keys: where the company prefix starts in the key's digits.
_DL_KEYS = {
    "01": ("gtin", 1),
    "414": ("gln", 0),
    "417": ("gln", 0),
    "00": ("sscc", 1),
    "8003": ("grai", 1),
    "8004": ("giai", 0),
    "8018": ("gsrn", 0),
    "8017": ("gsrn", 0),
    "253": ("gdti", 0),
    "255": ("gcn", 0),
    "401": ("ginc", 0),
    "402": ("gsin", 0),
    "8010": ("cpi", 0),
}


@dataclass(frozen=True)
class Key:
    """A GS1 key found in an identifier: its kind, the company prefix if the form states it, and the digits
    in which the company prefix begins (for matching against registered prefixes)."""

    kind: str
    prefix_area: str
    company_prefix: str | None = None
    gtin: str | None = None
    gln: str | None = None
    lot: str | None = None
    serial: str | None = None


def _gtin(gcp: str, item_ref: str) -> str | None:
    body = item_ref[:1] + gcp + item_ref[1:]
    if len(body) != 13 or not body.isdigit():
        return None
    return body + str(check_digit(body))


def parse_key(identifier: str) -> Key | None:
    """The GS1 key inside an EPC URN or a GS1 Digital Link URI (any host); None for other identifiers."""
    match = _URN.match(identifier)
    if match:
        _, scheme, gcp, second, rest = match.groups()
        kind = _URN_KINDS.get(scheme)
        if kind is None:
            return None
        if kind == "gtin":
            gtin = _gtin(gcp, second)
            lot = unquote(rest) if scheme == "lgtin" and rest is not None else None
            serial = unquote(rest) if scheme == "sgtin" and rest not in (None, "*") else None
            return Key(kind, gcp, gcp, gtin=gtin, lot=lot, serial=serial)
        if kind == "gln":
            body = gcp + second
            gln = body + str(check_digit(body)) if len(body) == 12 and body.isdigit() else None
            return Key(kind, gcp, gcp, gln=gln)
        return Key(kind, gcp, gcp)
    if not identifier.startswith(("https://", "http://")):
        return None
    parts = [unquote(p) for p in urlsplit(identifier).path.split("/")]
    for i in range(len(parts) - 1):
        found = _DL_KEYS.get(parts[i])
        if found is None or not parts[i + 1][:1].isdigit():
            continue
        kind, start = found
        value = parts[i + 1]
        qualifiers = dict(zip(parts[i + 2 :: 2], parts[i + 3 :: 2], strict=False))
        if kind == "gtin":
            gtin = value.zfill(14) if value.isdigit() and len(value) in (8, 12, 13, 14) else None
            return Key(kind, value.zfill(14)[start:], gtin=gtin, lot=qualifiers.get("10"), serial=qualifiers.get("21"))
        if kind == "gln":
            return Key(kind, value[start:], gln=value if len(value) == 13 and value.isdigit() else None)
        return Key(kind, value[start:])
    return None


def owner_of_prefix(key: Key) -> Organization | None:
    """The organisation whose registered GS1 company prefix the key carries (the longest one that fits)."""
    if key.company_prefix is not None:
        return db.session.scalar(select(Organization).where(Organization.gs1_company_prefix == key.company_prefix))
    if not key.prefix_area:
        return None
    stmt = (
        select(Organization)
        .where(
            Organization.gs1_company_prefix.is_not(None),
            literal(key.prefix_area).like(Organization.gs1_company_prefix + "%"),
        )
        .order_by(func.length(Organization.gs1_company_prefix).desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def owner_of(key: Key) -> Organization | None:
    """Who a key belongs to: a registered product's organisation for a GTIN, else by company prefix."""
    if key.gtin is not None:
        product = db.session.scalar(select(Product).where(Product.gtin == key.gtin))
        if product is not None:
            return product.organization
    return owner_of_prefix(key)


def company_prefix_for(digits: str, *organizations: Organization | None) -> str | None:
    """The GS1 company prefix heading `digits` (a GTIN's digits after the indicator, or a GLN): one of the given
    organisations' if it fits, else any registered organisation's; None when no registered prefix fits."""
    for org in organizations:
        if org is not None and org.gs1_company_prefix and digits.startswith(org.gs1_company_prefix):
            return org.gs1_company_prefix
    found = owner_of_prefix(Key("any", digits))
    return found.gs1_company_prefix if found is not None else None
