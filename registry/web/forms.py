"""What the workspace forms share: a refused write turned into the errors shown beside the fields."""

from __future__ import annotations

from registry.errors import Conflict, FieldError, InvalidInput, RegistryError
from registry.extensions import db


def form_errors(err: RegistryError) -> list[FieldError] | None:
    """Field errors of an InvalidInput, or of a Conflict that names fields (a duplicate GTIN, lot, code)."""
    if isinstance(err, InvalidInput | Conflict) and getattr(err, "errors", None):
        return list(err.errors)
    return None


def refused_fields(err: InvalidInput | Conflict) -> list[FieldError]:
    """Roll the refused write back and give its field errors; one that names no field is raised again."""
    db.session.rollback()
    problems = form_errors(err)
    if not problems:
        raise err
    return problems
