"""GS1 identifiers: GTIN and GLN parsing and check digits (via biip)."""

from __future__ import annotations

import re

from biip import ParseError
from biip.gtin import Gtin

from registry.errors import FieldError

_DIGITS = re.compile(r"^\d+$")


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_error(raw: str, field: str = "gtin") -> FieldError | None:
    """Why `raw` is not a GTIN, or None if it is one."""
    value = raw.strip()
    if not _DIGITS.match(value) or len(value) not in (8, 12, 13, 14):
        return FieldError(field, "gtin_format")
    try:
        Gtin.parse(value)
    except ParseError:
        return FieldError(field, "gtin_check_digit", {"expected": check_digit(value[:-1])})
    return None


def normalize_gtin(raw: str) -> str:
    """The 14-digit form of a GTIN already checked by gtin_error."""
    return raw.strip().zfill(14)


def display_gtin(gtin14: str) -> str:
    """GTIN-13 where the GTIN has one (a leading zero), else the 14 digits."""
    return gtin14[1:] if gtin14.startswith("0") else gtin14


def gln_error(raw: str, field: str = "gln") -> FieldError | None:
    value = raw.strip()
    if not _DIGITS.match(value) or len(value) != 13 or check_digit(value[:-1]) != int(value[-1]):
        return FieldError(field, "gln")
    return None


def prefix_matches(gtin14: str, prefix: str) -> bool:
    """A GTIN-13 (as 14 digits) carries the company prefix right after the leading zero."""
    return gtin14[1:].startswith(prefix) or gtin14.startswith(prefix)
