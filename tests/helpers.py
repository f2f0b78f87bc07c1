"""Small generators of valid identifiers and files for tests."""

from __future__ import annotations

import io

from pypdf import PdfWriter
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


def tiny_pdf(pages: int = 1) -> bytes:
    """A real PDF (a cross-reference table, a page tree) of `pages` blank pages, as pypdf writes it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
