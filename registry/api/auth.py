"""Tokens and the current user."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from registry.errors import Unauthorized
from registry.extensions import limiter
from registry.schemas.resources import PasswordChangeIn, TokenIn, TokenOut, UserArgs, UserIn, UserOut, page_schema
from registry.services import users
from registry.services.common import paginate

from .blueprint import Blueprint
from .common import actor, anonymous_write, envelope, province_id

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Tokens and users")


@blp.route("/auth/token", methods=["POST"])
@anonymous_write
@limiter.limit("20/minute")
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.doc(
    responses={"429": {"description": "Too many tries from this address, or too many failed sign-ins for this account"}}
)
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange an email and password for an expiring bearer token."""
    user = users.authenticate(data["email"], data["password"], current_app.extensions["account_throttle"])
    token, row = users.issue_token(user, current_app.config["TOKEN_TTL_HOURS"])
    return {"token": token, "token_type": "Bearer", "expires_at": row.expires_at, "user": user}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
def revoke_token() -> None:
    """Revoke the bearer token sent with this request."""
    actor()
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    if not token or not users.revoke_token(token):
        raise Unauthorized("invalid_token")


@blp.route("/me")
@blp.response(200, UserOut)
def me() -> Any:
    user = actor()
    if user is None:
        raise Unauthorized()
    return user


@blp.route("/me/password", methods=["POST"])
@blp.arguments(PasswordChangeIn)
@blp.response(204)
def change_password(data: dict[str, Any]) -> None:
    """Change your own password (send the current one). Every session and token issued before,
    this one included, stops working: ask for a new token."""
    users.change_password(actor(), data["current_password"], data["password"])


@blp.route("/users")
@blp.arguments(UserArgs, location="query")
@blp.response(200, page_schema(UserOut, "UserPage"))
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """The accounts the caller manages: all for admins (`province` narrows them), a DOST officer's
    province's producers, officers and inspectors; `q` matches the email, ignoring case and accents."""
    stmt = users.user_query(actor(), role=args.get("role"), q=args.get("q"), province_id=province_id(args))
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/users", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def create_user(data: dict[str, Any]) -> Any:
    """Admins create users of every role; a DOST officer creates producers of their province's
    organisations, and DOST officers and inspectors of their province (the default `province`)."""
    return users.create_user(actor(), **data)


@blp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@blp.response(200, UserOut)
def deactivate_user(user_id: int) -> Any:
    """Deactivate an account the caller manages: it can no longer sign in or use a token. Nobody
    deactivates their own account."""
    return users.set_user_active(actor(), user_id, False)


@blp.route("/users/<int:user_id>/activate", methods=["POST"])
@blp.response(200, UserOut)
def activate_user(user_id: int) -> Any:
    """Make a deactivated account the caller manages active again."""
    return users.set_user_active(actor(), user_id, True)
