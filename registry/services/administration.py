"""Admins' use cases beyond creating records: listing and (de)activating users, rotating signing keys."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Select, select

from registry.errors import InvalidInput
from registry.extensions import db
from registry.models import User
from registry.models.user import ROLES
from registry.services import audit, permissions, signing
from registry.services.text import like_pattern


def user_query(actor: User | None, role: str | None = None, q: str | None = None) -> Select[User]:
    permissions.require_role(actor)  # admins only
    if role is not None and role not in ROLES:
        raise InvalidInput.one("role", "enum", choices=list(ROLES))
    stmt = select(User).order_by(User.email, User.id)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(User.email.like(like_pattern(q.lower())))
    return stmt


def rotate_signing_keys(actor: User | None, instance_path: str | Path) -> tuple[str, str | None]:
    """Rotate the QR signing key (admins only) and record who did it in the audit log."""
    admin = permissions.require_role(actor)
    new, old = signing.rotate_keys(instance_path)
    audit.record(admin, "rotate", "signing_key", None, {"kid": old}, {"kid": new})
    db.session.commit()
    return new, old
