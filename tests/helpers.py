"""Small generators of valid identifiers for tests."""

from __future__ import annotations

from stdnum.vn import mst

from registry.services.gs1 import check_digit


def valid_tax_code(seed: int) -> str:
    """The seed-th valid 10-digit Vietnamese tax code after 0100000000."""
    n, found = 100000000, 0
    while True:
        n += 1
        candidate = f"{n:010d}"
        if mst.is_valid(candidate):
            found += 1
            if found > seed:
                return candidate


def valid_gtin13(item: int, prefix: str = "893860") -> str:
    body = f"{prefix}{item:0{12 - len(prefix)}d}"
    return body + str(check_digit(body))
