"""Helpers every service uses: loading by id, references, pagination."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from registry.errors import Conflict, FieldError, InvalidInput, NotFound
from registry.extensions import db
from registry.services.timefmt import VN, today_vn

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


MAX_ID = 2**31 - 1


def get_or_404(model: type[T], ident: int) -> T:
    obj = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if obj is None:
        raise NotFound()
    return obj


def reference(model: type[T], ident: Any, field: str, errors: list[FieldError]) -> T | None:
    """Load a referenced record, noting an error (not raising) when it is missing."""
    if ident is None:
        return None
    obj = db.session.get(model, ident) if isinstance(ident, int) and 0 < ident <= MAX_ID else None
    if obj is None:
        errors.append(FieldError(field, "unknown_reference", {"value": ident}))
    return obj


def paginate(stmt: Select[Any], page: int = 1, per_page: int = 50) -> Page:
    page = max(1, page)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def refuse(errors: list[FieldError], duplicates: Iterable[FieldError | None] = ()) -> None:
    """Raise every broken rule of the input at once, or nothing if none is broken.

    Duplicates alone are a 409 Conflict; with any other broken rule, one 422 lists them all (the
    duplicates too), so a form shows every message in one round trip."""
    clashes = [d for d in duplicates if d is not None]
    if errors:
        raise InvalidInput([*errors, *clashes])
    if clashes:
        raise Conflict("duplicate", clashes)


# A trace event may be recorded a little ahead of the server's clock (a phone's clock runs fast).
CLOCK_TOLERANCE = timedelta(minutes=10)


def not_in_future(value: date | None, field: str, errors: list[FieldError], today: date | None = None) -> None:
    """A day that has happened (issue, production, decision): not after today in Vietnam."""
    if value is not None and value > (today or today_vn()):
        errors.append(FieldError(field, "future_date"))


def not_in_future_time(value: datetime | None, field: str, errors: list[FieldError]) -> None:
    """A moment that has happened, within CLOCK_TOLERANCE of now."""
    if value is not None and value > datetime.now(VN) + CLOCK_TOLERANCE:
        errors.append(FieldError(field, "future_time", {"minutes": int(CLOCK_TOLERANCE.total_seconds() // 60)}))


def in_order(
    earlier: date | None, later: date | None, field: str, other: str, errors: list[FieldError], *, strict: bool
) -> None:
    """`later` (the field) after `earlier` (`other`); with `strict`, not on the same day either."""
    if earlier is not None and later is not None and (later <= earlier if strict else later < earlier):
        errors.append(FieldError(field, "date_order", {"other": other}))
