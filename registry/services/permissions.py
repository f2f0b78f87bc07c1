"""Who may write what: the single place every entry point asks."""

from __future__ import annotations

from registry.errors import Forbidden, Unauthorized
from registry.models import User


def require_user(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized()
    return actor


def require_role(actor: User | None, *roles: str) -> User:
    user = require_user(actor)
    if user.role != "admin" and user.role not in roles:
        raise Forbidden()
    return user


def can_write_organization(actor: User | None, organization_id: int, province_id: int | None = None) -> bool:
    if actor is None:
        return False
    if actor.role == "admin":
        return True
    if actor.role == "producer":
        return actor.organization_id == organization_id
    if actor.role == "dost_officer":
        return province_id is not None and actor.province_id == province_id
    return False


def require_organization_writer(actor: User | None, organization_id: int, province_id: int | None = None) -> User:
    user = require_user(actor)
    if not can_write_organization(user, organization_id, province_id):
        raise Forbidden()
    return user


def require_province_officer(actor: User | None, province_id: int) -> User:
    user = require_user(actor)
    if user.role == "admin":
        return user
    if user.role == "dost_officer" and user.province_id == province_id:
        return user
    raise Forbidden()
