"""Users, passwords and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from registry.errors import Conflict, FieldError, InvalidInput, Unauthorized
from registry.extensions import db
from registry.models import ApiToken, CertificationBody, Organization, User
from registry.models.user import ROLES
from registry.services import audit, permissions
from registry.services.places import resolve_province

MIN_PASSWORD = 10
# werkzeug's default (scrypt); the test suite lowers it, since it hashes hundreds of passwords.
HASH_METHOD = "scrypt"
# Hash a throwaway password once so a login for an unknown email costs as much as a real one.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(
    actor: User | None,
    *,
    email: str,
    password: str,
    role: str,
    organization_id: int | None = None,
    body_id: int | None = None,
    province: str | None = None,
    system: bool = False,
) -> User:
    """Create a user; `system=True` is the command line acting as the operator."""
    if not system:
        permissions.require_role(actor, "admin")
    email = email.strip().lower()
    errors: list[FieldError] = []
    if "@" not in email or "." not in email.split("@")[-1]:
        errors.append(FieldError("email", "email"))
    if len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", "password_short", {"min": MIN_PASSWORD}))
    if role not in ROLES:
        errors.append(FieldError("role", "enum", {"choices": list(ROLES)}))
    province_id = None
    if role == "producer" and (organization_id is None or db.session.get(Organization, organization_id) is None):
        errors.append(FieldError("organization", "role_scope", {"role": role, "needs": "--organization ID"}))
    if role == "body_staff" and (body_id is None or db.session.get(CertificationBody, body_id) is None):
        errors.append(FieldError("body", "role_scope", {"role": role, "needs": "--body ID"}))
    if role == "dost_officer":
        found = resolve_province(province, "province") if province else None
        if found is None or isinstance(found, FieldError):
            errors.append(FieldError("province", "role_scope", {"role": role, "needs": "--province SLUG"}))
        else:
            province_id = found.id
    if errors:
        raise InvalidInput(errors)
    if db.session.scalar(select(User).where(User.email == email)):
        raise Conflict("duplicate", [FieldError("email", "duplicate", {"value": email})])
    user = User(
        email=email,
        password_hash=generate_password_hash(password, method=HASH_METHOD),
        role=role,
        organization_id=organization_id if role == "producer" else None,
        body_id=body_id if role == "body_staff" else None,
        province_id=province_id,
    )
    db.session.add(user)
    db.session.flush()
    after = {
        "email": email,
        "role": role,
        "organization_id": user.organization_id,
        "body_id": user.body_id,
        "province_id": province_id,
    }
    audit.record(actor, "create", "user", user.id, None, after)
    db.session.commit()
    return user


def set_language(actor: User | None, lang: str) -> User:
    """Remember the user's page language (vi or en) across sessions and devices."""
    user = permissions.require_user(actor)
    if lang not in ("vi", "en"):
        raise InvalidInput.one("language", "enum", choices=["vi", "en"])
    if user.language != lang:
        before = {"language": user.language}
        user.language = lang
        audit.record(actor, "update", "user", user.id, before, {"language": lang})
        db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthorized("invalid_credentials")
    if not user.is_active or not check_password_hash(user.password_hash, password):
        raise Unauthorized("invalid_credentials")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_digest(token),
        expires_at=datetime.now(UTC) + timedelta(hours=ttl_hours),
    )
    db.session.add(row)
    db.session.commit()
    return token, row


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = datetime.now(UTC)
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.is_active:
        return None
    return row.user


def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    db.session.commit()
    return True
