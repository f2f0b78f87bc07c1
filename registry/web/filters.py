"""Template filters shared by every page: times, dates and numbers as people read them (Vietnam time,
the page's language), and code names."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.numbers import format_decimal
from flask import Flask

from registry import vocabulary as labels
from registry.services.timefmt import VN

from .i18n import select_locale


def vntime(value: datetime | date | str | None, lang: str | None = None) -> str:
    """`22/11/2026 05:36 (UTC+7)` in Vietnamese, `2026-11-22 05:36 (UTC+7)` in English; a date alone
    gives `22/11/2026` / `2026-11-22`.

    Accepts datetimes, dates and their ISO strings (the public records carry strings). A naive datetime
    is taken as UTC, which is how SQLite hands back stored times. Anything unparsable is shown as given.
    """
    if value is None or value == "":
        return ""
    lang = lang or select_locale()
    moment: datetime | date
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if not isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d" if lang == "en" else "%d/%m/%Y")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(VN)
    return local.strftime("%Y-%m-%d %H:%M" if lang == "en" else "%d/%m/%Y %H:%M") + " (UTC+7)"


def codename(code: str | None, table: str, lang: str | None = None) -> str:
    """The name of a stored code (`gap`, `body_staff`) in the page's language, from registry/vocabulary.py."""
    return labels.text(labels.TABLES[table], code, lang or select_locale())


def num(value: float | None, decimals: int = 0, lang: str | None = None) -> str:
    """A figure in the page's language: 50.000 and 12,5 in Vietnamese, 50,000 and 12.5 in English."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=lang or select_locale()))


def register_filters(app: Flask) -> None:
    app.add_template_filter(vntime, "vntime")
    app.add_template_filter(codename, "codename")
    app.add_template_filter(num, "num")
