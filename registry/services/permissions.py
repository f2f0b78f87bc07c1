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


def can_issue_certificate(actor: User | None, body_id: int | None, province_id: int | None) -> bool:
    """Whether the actor's record of a certificate counts as issued or confirmed by an authority: admins and
    inspectors; the issuing body's staff (a self-declaration has no body, body_id None, so no body's staff);
    the DOST officers of the holder's province."""
    if actor is None:
        return False
    if actor.role in ("admin", "inspector"):
        return True
    if actor.role == "body_staff":
        return body_id is not None and actor.body_id == body_id
    if actor.role == "dost_officer":
        return province_id is not None and actor.province_id == province_id
    return False


def can_change_certificate_status(actor: User | None, body_id: int | None) -> bool:
    """Suspend, withdraw or reinstate: admins, inspectors, and the staff of the body that issued it."""
    if actor is None:
        return False
    if actor.role in ("admin", "inspector"):
        return True
    return actor.role == "body_staff" and body_id is not None and actor.body_id == body_id


def require_organization_writer(actor: User | None, organization_id: int, province_id: int | None = None) -> User:
    user = require_user(actor)
    if not can_write_organization(user, organization_id, province_id):
        raise Forbidden()
    return user


# The roles that keep the shared catalogue of national and international standards (TCVN, QCVN, ISO, …):
# provinces register the standards their producers apply, so DOST officers may, besides admins.
CATALOGUE_ROLES = ("admin", "dost_officer")


def can_write_standard(actor: User | None, organization_id: int | None, province_id: int | None = None) -> bool:
    """A TCCS is its publisher's (the organisation's writers); a standard without an owner is the shared
    catalogue's, written only by admins and DOST officers."""
    if organization_id is not None:
        return can_write_organization(actor, organization_id, province_id)
    return actor is not None and actor.role in CATALOGUE_ROLES


def require_standard_writer(actor: User | None, organization_id: int | None, province_id: int | None = None) -> User:
    user = require_user(actor)
    if not can_write_standard(user, organization_id, province_id):
        raise Forbidden()
    return user


def require_province_officer(actor: User | None, province_id: int) -> User:
    user = require_user(actor)
    if user.role == "admin":
        return user
    if user.role == "dost_officer" and user.province_id == province_id:
        return user
    raise Forbidden()


# The roles a DOST officer creates and manages, always within their own province.
PROVINCE_ROLES = ("producer", "dost_officer", "inspector")


def user_province_id(user: User) -> int | None:
    """The province an account belongs to: a producer's through its organisation; a DOST officer's or an
    inspector's own. Admins and certification-body staff belong to none."""
    if user.role == "producer":
        return user.organization.province_id if user.organization is not None else None
    if user.role in ("dost_officer", "inspector"):
        return user.province_id
    return None


def can_manage_user(actor: User | None, role: str, province_id: int | None) -> bool:
    """Admins manage every account; a DOST officer the producers, officers and inspectors of their province."""
    if actor is None:
        return False
    if actor.role == "admin":
        return True
    return (
        actor.role == "dost_officer"
        and actor.province_id is not None
        and role in PROVINCE_ROLES
        and province_id == actor.province_id
    )


def require_user_manager(actor: User | None, role: str, province_id: int | None) -> User:
    user = require_role(actor, "dost_officer")
    if not can_manage_user(user, role, province_id):
        raise Forbidden()
    return user
