"""Rendering stored UTC times in the offset they were recorded in."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VN = timezone(timedelta(hours=7))


def parse_offset(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def local_iso(moment: datetime, offset: str = "+07:00") -> str:
    return moment.astimezone(parse_offset(offset)).isoformat()


def today_vn() -> date:
    """Today in Vietnam (UTC+7): the day statuses and yearly counts are judged by."""
    return datetime.now(VN).date()
