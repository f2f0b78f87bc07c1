"""What the workspace forms share: a refused write turned into the errors shown beside the fields."""

from __future__ import annotations

from registry.errors import Conflict, FieldError, InvalidInput, RegistryError
from registry.extensions import db


def form_errors(err: RegistryError) -> list[FieldError] | None:
    """Field errors of an InvalidInput, or of a Conflict that names fields (a duplicate GTIN, lot, code)."""
    if isinstance(err, InvalidInput | Conflict) and getattr(err, "errors", None):
        return list(err.errors)
    return None


# The users service words a missing scope for the command line ("The role body_staff needs --body ID."); a form
# offers a field for it instead, so beside that field the form says what to choose.
SCOPE_CHOICES = {"organization": "choose_organization", "body": "choose_body", "province": "choose_province"}


def refused_fields(err: InvalidInput | Conflict) -> list[FieldError]:
    """Roll the refused write back and give its field errors; one that names no field is raised again."""
    db.session.rollback()
    problems = form_errors(err)
    if not problems:
        raise err
    return [
        FieldError(e.field, SCOPE_CHOICES[e.field]) if e.rule == "role_scope" and e.field in SCOPE_CHOICES else e
        for e in problems
    ]
