"""Small generators of valid identifiers and files for tests."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

from pypdf import PdfWriter
from stdnum.vn import mst

from registry.services.gs1 import check_digit
from registry.services.timefmt import today_vn


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


# ---- dates: every test date is derived from the frozen "today" (tests/conftest.py `_frozen_today`) ----
# The seeded plans run 2026–2030 (most targets) and 2026–2035 (the plans and their long targets).
PLAN_START, PLAN_END, LONG_PLAN_END = 2026, 2030, 2035


def today() -> date:
    """Today in Vietnam at the test's frozen moment (never the real clock: call it inside a test)."""
    return today_vn()


def this_year() -> int:
    return today().year


def days_from_today(days: int) -> date:
    return today() + timedelta(days=days)


def years_after(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def plan_year(first: int = PLAN_START, last: int = PLAN_END) -> int:
    """The report year a test works in: this year clamped into a plan period (2026–2030 unless told).

    Before the period it is the first year (reports may not be in the future, so such a test would
    have to travel); after it, the last year, a finished year whose figures are all known."""
    return max(first, min(this_year(), last))


def in_year(year: int, month: int, day: int) -> date:
    """A day of `year`, moved back to today when that day is still to come (records are never future)."""
    return min(date(year, month, day), today())


def pause(seconds: float) -> None:
    """Wait `seconds` of real time. Not `time.sleep`: under libfaketime (`faketime`, one way to run
    the suite at a far date) Python's sleep on an absolute monotonic deadline fails with EINVAL."""
    threading.Event().wait(seconds)


def tiny_pdf(pages: int = 1) -> bytes:
    """A real PDF (a cross-reference table, a page tree) of `pages` blank pages, as pypdf writes it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def post_certificate(client, h, body_id, org_id, number, issued, category="product_standard"):
    """A certificate recorded through the API by the holder of headers `h`; its JSON."""
    res = client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": number,
            "certification_body_id": body_id,
            "organization_id": org_id,
            "category": category,
            "issued_on": issued,
        },
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()
