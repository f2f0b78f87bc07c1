"""The write rules and the certificate lifecycle as truth tables, without a database.

These are the tests `make mutation` runs against each mutant of `registry/services/permissions.py` and
`registry/models/lifecycle.py`: every branch and every boundary of each rule is pinned here, so a changed
operator, a dropped guard or a swapped constant fails at least one of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from registry.errors import Forbidden, Unauthorized
from registry.models import lifecycle
from registry.services import permissions

# Ids above 256 and values copied as the database would hand them over: an equal value is never the same
# object, so a rule that compared by identity (`is`) instead of equality fails here as it would live.
TN, GL = 1011, 1022  # provinces
OWN, OTHER = 2101, 2202  # organisations
BODY, OTHER_BODY = 3007, 3008


def fresh(value: Any) -> Any:
    """An equal value that is another object (as read from a row), for ids and role names."""
    if isinstance(value, str):
        return value.encode().decode()
    if isinstance(value, int):
        return int(str(value))
    return value


def person(role: str, **scope: Any) -> Any:
    """A stand-in user: the rules read only role and scope (organisation, province, body)."""
    organization = scope.pop("organization", None)
    fields = {"organization_id": None, "province_id": None, "body_id": None, "organization": organization}
    fields.update({k: fresh(v) for k, v in scope.items()})
    if organization is not None:
        fields["organization_id"] = fresh(organization.id)
    return SimpleNamespace(role=fresh(role), **fields)


def org(ident: int, province_id: int | None) -> Any:
    return SimpleNamespace(id=fresh(ident), province_id=fresh(province_id))


ADMIN = person("admin")
PRODUCER = person("producer", organization=org(OWN, TN))
ORPHAN_PRODUCER = person("producer")  # an account whose organisation is gone
DOST_TN = person("dost_officer", province_id=TN)
DOST_GL = person("dost_officer", province_id=GL)
DOST_NOWHERE = person("dost_officer")
INSPECTOR = person("inspector", province_id=TN)
STAFF = person("body_staff", body_id=BODY)
STAFF_OTHER = person("body_staff", body_id=OTHER_BODY)
STAFF_NO_BODY = person("body_staff")
EVERYONE = [ADMIN, PRODUCER, ORPHAN_PRODUCER, DOST_TN, DOST_GL, DOST_NOWHERE, INSPECTOR, STAFF, STAFF_OTHER]


def refusal(call) -> type[Exception] | None:
    """The error class a require_* call raises, or None when it lets the actor through."""
    try:
        call()
    except (Unauthorized, Forbidden) as err:
        return type(err)
    return None


# --- who is signed in, and in which role ------------------------------------------------------


def test_require_user():
    assert refusal(lambda: permissions.require_user(None)) is Unauthorized
    for user in EVERYONE:
        assert permissions.require_user(user) is user


@pytest.mark.parametrize(
    ("user", "roles", "allowed"),
    [
        (ADMIN, (), True),
        (ADMIN, ("producer",), True),
        (PRODUCER, (), False),
        (PRODUCER, ("producer",), True),
        (PRODUCER, ("dost_officer",), False),
        (DOST_TN, ("dost_officer",), True),
        (DOST_TN, ("producer", "dost_officer"), True),
        (INSPECTOR, ("dost_officer",), False),
        (STAFF, ("body_staff", "inspector"), True),
    ],
)
def test_require_role(user, roles, allowed):
    assert refusal(lambda: permissions.require_role(None, *roles)) is Unauthorized
    if allowed:
        assert permissions.require_role(user, *roles) is user
    else:
        assert refusal(lambda: permissions.require_role(user, *roles)) is Forbidden


# --- an organisation's records ----------------------------------------------------------------

ORGANIZATION_WRITERS = [
    # (user, organisation, its province, may write)
    (None, OWN, TN, False),
    (ADMIN, OWN, TN, True),
    (ADMIN, OTHER, None, True),
    (PRODUCER, OWN, TN, True),
    (PRODUCER, OWN, None, True),
    (PRODUCER, OTHER, TN, False),
    (ORPHAN_PRODUCER, OWN, TN, False),
    (DOST_TN, OWN, TN, True),
    (DOST_TN, OTHER, TN, True),
    (DOST_TN, OWN, GL, False),
    (DOST_TN, OWN, None, False),
    (DOST_GL, OWN, TN, False),
    (DOST_NOWHERE, OWN, None, False),
    (INSPECTOR, OWN, TN, False),
    (STAFF, OWN, TN, False),
    (person("stranger"), OWN, TN, False),
]


@pytest.mark.parametrize(("user", "organization_id", "province_id", "allowed"), ORGANIZATION_WRITERS)
def test_organization_writers(user, organization_id, province_id, allowed):
    assert permissions.can_write_organization(user, organization_id, province_id) is allowed
    call = lambda: permissions.require_organization_writer(user, organization_id, province_id)  # noqa: E731
    if allowed:
        assert call() is user
    else:
        assert refusal(call) is (Unauthorized if user is None else Forbidden)


def test_the_province_defaults_to_none():
    assert permissions.can_write_organization(DOST_TN, OWN) is False
    assert permissions.can_write_organization(PRODUCER, OWN) is True
    assert permissions.require_organization_writer(ADMIN, OWN) is ADMIN
    assert refusal(lambda: permissions.require_organization_writer(DOST_TN, OWN)) is Forbidden


# --- standards: an organisation's TCCS, and the shared catalogue ------------------------------


def test_the_catalogue_keepers():
    assert permissions.CATALOGUE_ROLES == ("admin", "dost_officer")


@pytest.mark.parametrize(("user", "organization_id", "province_id", "allowed"), ORGANIZATION_WRITERS)
def test_a_tccs_is_written_by_its_organisations_writers(user, organization_id, province_id, allowed):
    assert permissions.can_write_standard(user, organization_id, province_id) is allowed
    call = lambda: permissions.require_standard_writer(user, organization_id, province_id)  # noqa: E731
    if allowed:
        assert call() is user
    else:
        assert refusal(call) is (Unauthorized if user is None else Forbidden)


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        (None, False),
        (ADMIN, True),
        (DOST_TN, True),
        (DOST_GL, True),
        (DOST_NOWHERE, True),
        (PRODUCER, False),
        (INSPECTOR, False),
        (STAFF, False),
    ],
)
def test_a_standard_without_an_owner_is_the_catalogues(user, allowed):
    assert permissions.can_write_standard(user, None) is allowed
    assert permissions.can_write_standard(user, None, TN) is allowed
    if allowed:
        assert permissions.require_standard_writer(user, None) is user
    else:
        assert refusal(lambda: permissions.require_standard_writer(user, None)) is (
            Unauthorized if user is None else Forbidden
        )


# --- a province's officers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "province_id", "refused"),
    [
        (None, TN, Unauthorized),
        (ADMIN, TN, None),
        (ADMIN, -1, None),
        (DOST_TN, TN, None),
        (DOST_TN, GL, Forbidden),
        (DOST_TN, -1, Forbidden),
        (DOST_GL, TN, Forbidden),
        (INSPECTOR, TN, Forbidden),  # an inspector of the province is not its officer
        (PRODUCER, TN, Forbidden),
        (STAFF, TN, Forbidden),
    ],
)
def test_require_province_officer(user, province_id, refused):
    call = lambda: permissions.require_province_officer(user, province_id)  # noqa: E731
    assert refusal(call) is refused
    if refused is None:
        assert call() is user


# --- accounts ---------------------------------------------------------------------------------


def test_the_roles_a_province_manages():
    assert permissions.PROVINCE_ROLES == ("producer", "dost_officer", "inspector")


@pytest.mark.parametrize(
    ("user", "province_id"),
    [
        (PRODUCER, TN),
        (person("producer", organization=org(OWN, None)), None),
        (ORPHAN_PRODUCER, None),
        (DOST_TN, TN),
        (DOST_NOWHERE, None),
        (INSPECTOR, TN),
        (person("inspector"), None),
        (ADMIN, None),
        (person("admin", province_id=TN), None),
        (person("body_staff", body_id=BODY, province_id=TN), None),
    ],
)
def test_user_province_id(user, province_id):
    assert permissions.user_province_id(user) == province_id


MANAGERS = [
    # (manager, role of the account, its province, may manage)
    (None, "producer", TN, False),
    (ADMIN, "admin", None, True),
    (ADMIN, "body_staff", None, True),
    (ADMIN, "producer", GL, True),
    (DOST_TN, "producer", TN, True),
    (DOST_TN, "dost_officer", TN, True),
    (DOST_TN, "inspector", TN, True),
    (DOST_TN, "admin", TN, False),
    (DOST_TN, "body_staff", TN, False),
    (DOST_TN, "body_staff", None, False),
    (DOST_TN, "producer", GL, False),
    (DOST_TN, "producer", None, False),
    (DOST_GL, "producer", TN, False),
    (DOST_NOWHERE, "producer", None, False),
    (INSPECTOR, "producer", TN, False),
    (PRODUCER, "producer", TN, False),
    (STAFF, "body_staff", None, False),
]


@pytest.mark.parametrize(("user", "role", "province_id", "allowed"), MANAGERS)
def test_account_managers(user, role, province_id, allowed):
    assert permissions.can_manage_user(user, role, province_id) is allowed
    call = lambda: permissions.require_user_manager(user, role, province_id)  # noqa: E731
    if allowed:
        assert call() is user
    else:
        assert refusal(call) is (Unauthorized if user is None else Forbidden)


# --- certificates: who issues or confirms, who changes the status -----------------------------

ISSUERS = [
    # (user, issuing body (None: a self-declaration), holder's province, counts as issued by an authority)
    (None, BODY, TN, False),
    (ADMIN, BODY, TN, True),
    (ADMIN, None, None, True),
    (INSPECTOR, BODY, GL, True),
    (INSPECTOR, None, TN, True),
    (STAFF, BODY, TN, True),
    (STAFF, BODY, None, True),
    (STAFF, OTHER_BODY, TN, False),
    (STAFF, None, TN, False),
    (STAFF_NO_BODY, None, TN, False),
    (STAFF_OTHER, BODY, TN, False),
    (DOST_TN, BODY, TN, True),
    (DOST_TN, None, TN, True),
    (DOST_TN, BODY, GL, False),
    (DOST_TN, BODY, None, False),
    (DOST_NOWHERE, BODY, None, False),
    (DOST_GL, BODY, TN, False),
    (PRODUCER, BODY, TN, False),
    (PRODUCER, None, TN, False),
]


@pytest.mark.parametrize(("user", "body_id", "province_id", "allowed"), ISSUERS)
def test_certificate_issuers(user, body_id, province_id, allowed):
    assert permissions.can_issue_certificate(user, body_id, province_id) is allowed


STATUS_CHANGERS = [
    (None, BODY, False),
    (ADMIN, BODY, True),
    (ADMIN, None, True),
    (INSPECTOR, BODY, True),
    (INSPECTOR, None, True),
    (STAFF, BODY, True),
    (STAFF, OTHER_BODY, False),
    (STAFF, None, False),
    (STAFF_NO_BODY, None, False),
    (STAFF_OTHER, BODY, False),
    (DOST_TN, BODY, False),
    (PRODUCER, BODY, False),
]


@pytest.mark.parametrize(("user", "body_id", "allowed"), STATUS_CHANGERS)
def test_certificate_status_changers(user, body_id, allowed):
    assert permissions.can_change_certificate_status(user, body_id) is allowed


# --- the lifecycle ----------------------------------------------------------------------------

STATES = ("valid", "suspended", "withdrawn")
EXPECTED_NEXT = {
    ("valid", "suspend"): "suspended",
    ("valid", "withdraw"): "withdrawn",
    ("suspended", "withdraw"): "withdrawn",
    ("suspended", "reinstate"): "valid",
}


@pytest.mark.parametrize("state", [*STATES, "expired", "unknown"])
@pytest.mark.parametrize("action", [*lifecycle.ACTIONS, "delete", ""])
def test_next_lifecycle(state, action):
    assert lifecycle.next_lifecycle(fresh(state), fresh(action)) == EXPECTED_NEXT.get((state, action))


def test_allowed_actions():
    assert lifecycle.allowed_actions(fresh("valid")) == ["suspend", "withdraw"]
    assert lifecycle.allowed_actions(fresh("suspended")) == ["withdraw", "reinstate"]
    assert lifecycle.allowed_actions(fresh("withdrawn")) == []
    assert lifecycle.allowed_actions(fresh("expired")) == []


def test_the_transition_table_and_the_vocabularies():
    assert lifecycle.TRANSITIONS == {
        "suspend": (("valid",), "suspended"),
        "withdraw": (("valid", "suspended"), "withdrawn"),
        "reinstate": (("suspended",), "valid"),
    }
    assert lifecycle.CERTIFICATE_STATUSES == ("valid", "suspended", "withdrawn", "expired")
    assert lifecycle.ACTIONS == ("issue", "declare", "confirm", "suspend", "withdraw", "reinstate", "correct")


@pytest.mark.parametrize(
    ("actions", "state"),
    [
        ([], "valid"),
        (["issue"], "valid"),
        (["declare", "confirm"], "valid"),
        (["issue", "suspend"], "suspended"),
        (["issue", "suspend", "reinstate"], "valid"),
        (["issue", "suspend", "withdraw"], "withdrawn"),
        (["issue", "withdraw", "correct"], "withdrawn"),
        (["issue", "suspend", "correct", "confirm"], "suspended"),
    ],
)
def test_lifecycle_from_history(actions, state):
    assert lifecycle.lifecycle_from_history([fresh(a) for a in actions]) == state


def test_status_on_a_day():
    expiry = date(2029, 1, 9)
    valid, suspended, withdrawn = fresh("valid"), fresh("suspended"), fresh("withdrawn")
    day_after = expiry + timedelta(days=1)
    assert lifecycle.status_on(valid, expiry, expiry - timedelta(days=1)) == "valid"
    assert lifecycle.status_on(valid, expiry, expiry) == "valid"  # the expiry day itself is still valid
    assert lifecycle.status_on(valid, expiry, day_after) == "expired"
    assert lifecycle.status_on(valid, None, date(2099, 12, 31)) == "valid"
    assert lifecycle.status_on(suspended, expiry, expiry) == "suspended"
    assert lifecycle.status_on(suspended, expiry, day_after) == "suspended"  # a suspension wins over expiry
    assert lifecycle.status_on(withdrawn, None, expiry) == "withdrawn"


# --- roles outside the list, and scopes a role does not use -----------------------------------
#
# Accounts only ever carry the five roles, each with its own scope; the rules still compare the role by
# equality and read only the scope that role uses, so an unknown role (sorting before or after the real
# ones) or a stray scope gives nothing.

STRANGERS = [person(role, organization=org(OWN, TN), province_id=TN, body_id=BODY) for role in ("", "a", "zzz")]
STRAY_SCOPES = [
    person("inspector", organization=org(OWN, TN), body_id=BODY),
    person("body_staff", organization=org(OWN, TN), province_id=TN),
    person("dost_officer", organization=org(OWN, GL), province_id=GL, body_id=BODY),
]


@pytest.mark.parametrize("user", STRANGERS)
def test_an_unknown_role_may_do_nothing(user):
    assert permissions.can_write_organization(user, OWN, TN) is False
    assert permissions.can_write_standard(user, None) is False
    assert permissions.can_write_standard(user, OWN, TN) is False
    assert permissions.can_manage_user(user, "producer", TN) is False
    assert permissions.can_issue_certificate(user, BODY, TN) is False
    assert permissions.can_change_certificate_status(user, BODY) is False
    assert permissions.user_province_id(user) is None
    for call in (
        lambda: permissions.require_role(user, "producer", "dost_officer", "inspector", "body_staff"),
        lambda: permissions.require_province_officer(user, TN),
        lambda: permissions.require_organization_writer(user, OWN, TN),
        lambda: permissions.require_standard_writer(user, None),
        lambda: permissions.require_user_manager(user, "producer", TN),
    ):
        assert refusal(call) is Forbidden


def test_a_scope_the_role_does_not_use_gives_nothing():
    inspector, staff, dost = STRAY_SCOPES
    assert permissions.can_write_organization(inspector, OWN, TN) is False
    assert permissions.can_write_organization(staff, OWN, TN) is False
    assert permissions.can_write_organization(dost, OWN, TN) is False  # the officer's province, not the account's
    assert permissions.can_write_standard(staff, None) is False
    assert permissions.can_issue_certificate(dost, BODY, TN) is False
    assert permissions.can_change_certificate_status(dost, BODY) is False
    assert permissions.can_manage_user(inspector, "producer", TN) is False
    assert permissions.user_province_id(staff) is None
    assert permissions.user_province_id(dost) == GL
    assert refusal(lambda: permissions.require_province_officer(inspector, TN)) is Forbidden
    assert refusal(lambda: permissions.require_province_officer(staff, TN)) is Forbidden
    producer_with_province = person("producer", organization=org(OWN, TN), province_id=TN, body_id=BODY)
    assert refusal(lambda: permissions.require_province_officer(producer_with_province, TN)) is Forbidden
    assert permissions.can_issue_certificate(producer_with_province, BODY, TN) is False
    assert permissions.can_change_certificate_status(producer_with_province, BODY) is False
    assert permissions.can_manage_user(producer_with_province, "producer", TN) is False
    assert permissions.can_write_organization(producer_with_province, OTHER, TN) is False
    assert permissions.user_province_id(person("producer", organization=org(OWN, GL), province_id=TN)) == GL
