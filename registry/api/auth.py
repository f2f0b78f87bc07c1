"""Tokens and the current user."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from registry.errors import Unauthorized
from registry.extensions import limiter
from registry.schemas.resources import TokenIn, TokenOut, UserIn, UserOut
from registry.services import users

from .common import actor

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Tokens and users")


@blp.route("/auth/token", methods=["POST"])
@limiter.limit("20/minute")
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange an email and password for an expiring bearer token."""
    user = users.authenticate(data["email"], data["password"])
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


@blp.route("/users", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def create_user(data: dict[str, Any]) -> Any:
    """Admins create users of every role."""
    return users.create_user(actor(), **data)
