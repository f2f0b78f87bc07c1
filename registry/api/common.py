"""What every API view shares: who is acting, pagination envelopes, province filters."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from registry.errors import FieldError, InvalidInput, Unauthorized
from registry.models import User
from registry.services import users
from registry.services.common import Page
from registry.services.places import resolve_province

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def actor() -> User | None:
    """The user behind a bearer token, or a logged-in session (CSRF-checked for writes)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("invalid_token")
        user = users.user_for_token(token.strip())
        if user is None:
            raise Unauthorized("invalid_token")
        return user
    if current_user and current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except (ValidationError, CSRFError) as err:
                raise Unauthorized("invalid_token") from err
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def envelope(page: Page) -> dict[str, Any]:
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages}


def province_id(args: dict[str, Any]) -> int | None:
    if not args.get("province"):
        return None
    found = resolve_province(args["province"])
    if isinstance(found, FieldError):
        raise InvalidInput([found])
    return found.id
