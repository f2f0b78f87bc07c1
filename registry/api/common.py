"""What every API view shares: who is acting, pagination envelopes, province filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from registry.errors import FieldError, InvalidInput, Unauthorized
from registry.models import User
from registry.services import users
from registry.services.common import Page
from registry.services.places import resolve_province

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
F = TypeVar("F", bound=Callable[..., Any])
_ACTOR = "registry.api_actor"


def anonymous_write(view: F) -> F:
    """Mark a write endpoint that an anonymous caller may use (registered under its blueprint's name)."""
    view._anonymous_write = True  # type: ignore[attr-defined]
    return view


def actor() -> User | None:
    """The user behind a bearer token, or a logged-in session (CSRF-checked for writes); once per request."""
    # Kept on the request itself: `g` outlives a request when an app context was already pushed (tests, CLI).
    if _ACTOR not in request.environ:
        request.environ[_ACTOR] = _authenticate()
    return request.environ[_ACTOR]  # type: ignore[no-any-return]


def authenticate_writes() -> None:
    """Before any write view runs (and so before its body is read): who is writing, or 401.

    Every API blueprint (api.blueprint.Blueprint) registers it as a before_request, so a new write
    route is covered without remembering to be; a view marked `anonymous_write` opts out."""
    if request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "_anonymous_write", False):
        return
    if actor() is None:
        raise Unauthorized()


def _authenticate() -> User | None:
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
