"""Users, passwords and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput, Unauthorized
from registry.extensions import db
from registry.models import ApiToken, CertificationBody, Organization, User
from registry.models.user import ROLES
from registry.services import audit, permissions
from registry.services.common import get_or_404
from registry.services.places import resolve_province
from registry.services.text import like_pattern

MIN_PASSWORD = 10
MAX_PASSWORD = 512  # as the sign-in form (registry.web.account) accepts
MAX_EMAIL = 255
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
    """Create a user; `system=True` is the command line acting as the operator.

    Admins create every role. A DOST officer creates producers of their province's organisations, and
    DOST officers and inspectors of their province (the province defaults to theirs); anything else is
    Forbidden. An inspector may carry a province; a DOST officer must."""
    officer = None
    if not system:
        manager = permissions.require_role(actor, "dost_officer")
        officer = manager if manager.role == "dost_officer" else None
        if officer is not None and role in ROLES and role not in permissions.PROVINCE_ROLES:
            raise Forbidden()
    if officer is not None and officer.province is not None and role in ("dost_officer", "inspector"):
        province = province or officer.province.slug
    email = email.strip().lower()
    errors: list[FieldError] = []
    if len(email) > MAX_EMAIL:  # the column's size: PostgreSQL would refuse the row with an error
        errors.append(FieldError("email", "length", {"min": 3, "max": MAX_EMAIL}))
    elif "@" not in email or "." not in email.split("@")[-1]:
        errors.append(FieldError("email", "email"))
    if len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", "password_short", {"min": MIN_PASSWORD}))
    elif len(password) > MAX_PASSWORD:  # the sign-in form takes no longer one
        errors.append(FieldError("password", "length", {"min": MIN_PASSWORD, "max": MAX_PASSWORD}))
    if role not in ROLES:
        errors.append(FieldError("role", "enum", {"choices": list(ROLES)}))
    province_id = None
    organization = db.session.get(Organization, organization_id) if organization_id is not None else None
    if role == "producer" and organization is None:
        errors.append(FieldError("organization", "role_scope", {"role": role, "needs": "--organization ID"}))
    if role == "body_staff" and (body_id is None or db.session.get(CertificationBody, body_id) is None):
        errors.append(FieldError("body", "role_scope", {"role": role, "needs": "--body ID"}))
    if role in ("dost_officer", "inspector") and (province or role == "dost_officer"):
        found = resolve_province(province, "province") if province else None
        if found is None:
            errors.append(FieldError("province", "role_scope", {"role": role, "needs": "--province SLUG"}))
        elif isinstance(found, FieldError):
            errors.append(found)
        else:
            province_id = found.id
    if officer is not None:
        scope = organization.province_id if role == "producer" and organization is not None else province_id
        if scope is not None and not permissions.can_manage_user(officer, role, scope):
            raise Forbidden()
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


def generate_password() -> str:
    """A random initial password (16 URL-safe characters) for the creator to hand over once."""
    return secrets.token_urlsafe(12)


def user_query(
    actor: User | None, role: str | None = None, q: str | None = None, province_id: int | None = None
) -> Select[User]:
    """The accounts `actor` manages, by email: an admin's are all (or a province's); a DOST officer's are
    the producers of their province's organisations and its DOST officers and inspectors."""
    manager = permissions.require_role(actor, "dost_officer")
    if role is not None and role not in ROLES:
        raise InvalidInput.one("role", "enum", choices=list(ROLES))
    if manager.role == "dost_officer":
        if province_id is not None and province_id != manager.province_id:
            raise Forbidden()
        province_id = manager.province_id
        if province_id is None:
            raise Forbidden()
    stmt = select(User).order_by(User.email, User.id)
    if province_id is not None:
        in_province = select(Organization.id).where(Organization.province_id == province_id)
        stmt = stmt.where(
            or_(
                and_(User.role == "producer", User.organization_id.in_(in_province)),
                and_(User.role.in_(("dost_officer", "inspector")), User.province_id == province_id),
            )
        )
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(User.email.like(like_pattern(q)))
    return stmt


def set_user_active(actor: User | None, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account the actor manages; a deactivated user can no longer sign in
    or use a token. Nobody deactivates their own account, so one who can undo it always remains."""
    user = get_or_404(User, user_id)
    manager = permissions.require_user_manager(actor, user.role, permissions.user_province_id(user))
    if not active and user.id == manager.id:
        raise InvalidInput.one("user", "self_deactivate")
    if user.is_active != active:
        before = {"is_active": user.is_active}
        user.is_active = active
        audit.record(manager, "activate" if active else "deactivate", "user", user.id, before, {"is_active": active})
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
    if "\x00" in email:  # no stored address holds one, and PostgreSQL would refuse the query
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthorized("invalid_credentials")
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
