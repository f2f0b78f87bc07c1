"""Helpers every service uses: loading by id, references, pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from registry.errors import FieldError, NotFound
from registry.extensions import db

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
