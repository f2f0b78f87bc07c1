"""The report deadline reads the same on the DOST dashboard and in the XLSX, CSV and PDF reports, on any day.

Before the day: "còn N ngày" / "N days left"; on it: "hạn chót hôm nay" / "due today"; after it:
"quá hạn N ngày" / "N days overdue"; never a negative count.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
import time_machine
import yaml
from pypdf import PdfReader

from registry import vocabulary
from registry.services import reports, seeding
from tests.helpers import LONG_PLAN_END, PLAN_START, plan_year, today
from tests.web.test_dost_pages import _login

PROVINCES = ("thai-nguyen", "gia-lai", "dong-nai")


def _deadline(slug: str, year: int) -> date:
    """The plan's deadline in `year`, read from the seed file itself rather than from the database."""
    plan = yaml.safe_load((seeding.SEEDS / "plans" / f"{slug}.yaml").read_text(encoding="utf-8"))
    month, day = (int(part) for part in str(plan["report_deadline"]).split("-"))
    return date(year, month, day)


def _expected(days: int) -> tuple[str, str]:
    if days > 0:
        return f"còn {days} ngày", f"{days} day{'s' if days > 1 else ''} left"
    if days == 0:
        return "hạn chót hôm nay", "due today"
    return f"quá hạn {-days} ngày", f"{-days} day{'s' if days < -1 else ''} overdue"


def _outputs(client: Any, slug: str, year: int) -> dict[str, str]:
    """The deadline as each output shows it: the dashboard in both languages, the XLSX, CSV and PDF."""
    out: dict[str, str] = {}
    for lang in ("vi", "en"):
        page = client.get(f"/dost?province={slug}&year={year}&lang={lang}").get_data(as_text=True)
        found = re.search(r'<strong id="days-left" data-days-left="(-?\d+)">([^<]+)</strong>', page)
        assert found, (slug, lang)
        out[f"dashboard-{lang}"], out["data-days-left"] = found.group(2), found.group(1)
    report = reports.build_report(slug, year)
    sheet = openpyxl.load_workbook(io.BytesIO(reports.render(report, "xlsx")))["Báo cáo"]
    out["xlsx"] = next(c for (c,) in sheet.iter_rows(max_col=1, values_only=True) if str(c).startswith("Hạn nộp"))
    rows = list(csv.DictReader(io.StringIO(reports.render(report, "csv").decode("utf-8-sig"))))
    assert rows and len({r["Hạn nộp báo cáo"] for r in rows}) == 1
    out["csv"] = rows[0]["Hạn nộp báo cáo"]
    pdf = PdfReader(io.BytesIO(reports.render(report, "pdf")))
    line = re.search(r"Hạn nộp báo cáo: [^)]*\)\.", " ".join(pdf.pages[0].extract_text().split()))
    out["pdf"] = line.group(0) if line else ""
    return out


def _assert_reads(client: Any, slug: str, year: int, vi: str, en: str, days: int) -> None:
    shown = _deadline(slug, year).strftime("%d/%m/%Y")
    out = _outputs(client, slug, year)
    assert out["dashboard-vi"] == vi and out["dashboard-en"] == en and out["data-days-left"] == str(days), out
    assert out["xlsx"] == f"Hạn nộp báo cáo: {shown} ({vi}).", out["xlsx"]
    assert out["csv"] == f"{shown} ({vi})"
    assert out["pdf"] == f"Hạn nộp báo cáo: {shown} ({vi}).", out["pdf"]
    for name, text in out.items():
        if name != "data-days-left":
            assert not re.search(r"-\d|còn 0|\b0 days", text.replace(shown, "")), (name, text)


@pytest.mark.parametrize(
    ("days", "vi", "en"),
    [
        (30, "còn 30 ngày", "30 days left"),
        (2, "còn 2 ngày", "2 days left"),
        (1, "còn 1 ngày", "1 day left"),
        (0, "hạn chót hôm nay", "due today"),
        (-1, "quá hạn 1 ngày", "1 day overdue"),
        (-2, "quá hạn 2 ngày", "2 days overdue"),
        (-400, "quá hạn 400 ngày", "400 days overdue"),
    ],
)
def test_the_one_wording_of_a_deadline(days, vi, en):
    assert vocabulary.deadline_text(days) == (vi, en)


def test_every_output_reads_overdue_the_day_after_and_due_on_the_day(world, client):
    """Fixed days around Thái Nguyên's deadline (1 December), whatever REGISTRY_TEST_NOW says."""
    year = plan_year()
    deadline = _deadline("thai-nguyen", year)
    for delta, (vi, en) in {  # forwards in time: signed sessions and CSRF tokens from the future are refused
        -1: ("còn 1 ngày", "1 day left"),
        0: ("hạn chót hôm nay", "due today"),
        1: ("quá hạn 1 ngày", "1 day overdue"),
        2: ("quá hạn 2 ngày", "2 days overdue"),
    }.items():
        day = deadline + timedelta(days=delta)
        with time_machine.travel(f"{day.isoformat()}T10:00:00+07:00", tick=False):
            if delta == -1:
                _login(client, world.admin)
            _assert_reads(client, "thai-nguyen", year, vi, en, -delta)


@pytest.mark.travel
def test_every_output_of_every_plan_reads_the_deadline_right_on_the_day(world, client):
    """At each travel day (the days around each deadline, the year's ends, a leap day, 2031–2035)."""
    _login(client, world.admin)
    year = max(PLAN_START, min(today().year, LONG_PLAN_END))  # a report year of the plans' 2026–2035 period
    for slug in PROVINCES:
        days = (_deadline(slug, year) - today()).days
        _assert_reads(client, slug, year, *_expected(days), days)
