"""Integrity errors as domain errors: a broken constraint names its field, on PostgreSQL and SQLite.

Services check uniqueness and references before they write, but two requests can both pass the check
and race to the insert; the database's constraint then refuses the second. Every such refusal comes
through `RegistrySession.flush` (the ORM writes nothing any other way; commit and autoflush flush) or,
for a statement outside the ORM, the API's error handler, and both turn it into the error the check
would have raised: a unique key is a 409 Conflict `duplicate` naming the field, a missing reference a
422 `unknown_reference`, a check or NOT NULL a 422. The session is rolled back first, so the caller can
go on using it (a form re-rendered with the message, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import flask_sqlalchemy.session
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import ColumnCollectionConstraint

from registry.database import Base
from registry.errors import Conflict, FieldError, InvalidInput, RegistryError

# Columns that hold a normalised key of what was typed: the error names the typed field.
KEY_COLUMNS = {"code_key": "code", "number_key": "number", "number_folded": "number", "email_key": "email"}


@dataclass(frozen=True)
class _Constraint:
    kind: str  # unique | foreign_key | check
    table: str
    columns: tuple[str, ...]


@cache
def _constraints() -> dict[str, _Constraint]:
    """Every named constraint of the models (the naming convention names them all)."""
    found: dict[str, _Constraint] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if not isinstance(constraint, ColumnCollectionConstraint):
                continue
            kind = {UniqueConstraint: "unique", ForeignKeyConstraint: "foreign_key", CheckConstraint: "check"}.get(
                type(constraint)
            )
            if kind and isinstance(constraint.name, str):
                columns = tuple(c.name for c in constraint.columns)
                if isinstance(constraint, CheckConstraint) and not columns:  # a check written as SQL text
                    words = set(re.findall(r"\w+", str(constraint.sqltext)))
                    columns = tuple(c.name for c in table.columns if c.name in words)
                found[constraint.name] = _Constraint(kind, table.name, columns)
        for index in table.indexes:
            if index.unique and isinstance(index.name, str):
                found[index.name] = _Constraint("unique", table.name, tuple(c.name for c in index.columns))
    return found


def _field(table: str, columns: tuple[str, ...]) -> str:
    """The field a person typed: the last column that is not a reference (number of (body, number))."""
    own = [c for c in columns if not c.endswith("_id")] or list(columns) or ["body"]
    return KEY_COLUMNS.get(own[-1], own[-1])


_PG_KEY = re.compile(r"Key \((?P<cols>.*?)\)=\((?P<vals>.*)\) ")
_SQLITE_COLUMNS = re.compile(r"constraint failed: (?P<cols>[\w.]+(?:, [\w.]+)*)")


def _pg_values(detail: str, columns: tuple[str, ...]) -> dict[str, str]:
    match = _PG_KEY.search(detail or "")
    if not match:
        return {}
    names = [c.strip() for c in match["cols"].split(",")]
    values = match["vals"].split(", ")
    return dict(zip(names, values, strict=False)) if len(values) == len(names) else {}


def domain_error(err: IntegrityError) -> RegistryError:
    """The domain error an integrity error stands for."""
    orig: Any = err.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg)
        state = getattr(orig, "sqlstate", "") or ""
        known = _constraints().get(diag.constraint_name or "")
        kind = {"23505": "unique", "23503": "foreign_key", "23514": "check", "23502": "not_null"}.get(state, "")
        table = diag.table_name or (known.table if known else "")
        columns = known.columns if known else ((diag.column_name,) if diag.column_name else ())
        values = _pg_values(diag.message_detail or "", columns)
        if kind == "foreign_key" and "still referenced" in (diag.message_detail or ""):
            kind = "in_use"
    else:  # SQLite: the message names the columns of a unique or NOT NULL constraint, or a check's name
        message = str(orig)
        values = {}
        kind, table, columns = "", "", ()
        if message.startswith(("UNIQUE", "NOT NULL")):
            kind = "unique" if message.startswith("UNIQUE") else "not_null"
            match = _SQLITE_COLUMNS.search(message)
            qualified = match["cols"].split(", ") if match else []
            table = qualified[0].split(".")[0] if qualified else ""
            columns = tuple(c.split(".")[-1] for c in qualified)
        elif message.startswith("CHECK"):
            kind = "check"
            known = _constraints().get(message.rpartition(": ")[2])
            table, columns = (known.table, known.columns) if known else ("", ())
        elif message.startswith("FOREIGN KEY"):
            kind = "foreign_key"
    field = _field(table, columns) if columns else "body"
    raw_column = next((c for c in reversed(columns) if KEY_COLUMNS.get(c, c) == field), field)
    value = values.get(raw_column) if raw_column not in KEY_COLUMNS else None
    if kind == "unique":
        params = {"value": value} if value is not None else {}
        return Conflict("duplicate", [FieldError(field, "duplicate" if params else "already_exists", params)])
    if kind == "in_use":
        return Conflict("in_use", [FieldError(field, "in_use")])
    if kind == "foreign_key":
        params = {"value": value} if value is not None else {"value": "?"}
        return InvalidInput([FieldError(field, "unknown_reference", params)])
    if kind == "not_null":
        return InvalidInput([FieldError(field, "required")])
    return InvalidInput([FieldError(field, "invalid")])


class RegistrySession(flask_sqlalchemy.session.Session):
    """db.session: a flush refused by a constraint rolls back and raises the domain error."""

    _committing = False

    def flush(self, objects: Any = None) -> None:
        try:
            super().flush(objects)
        except IntegrityError as err:
            if not self._committing:  # inside commit the transaction is mid-change: commit rolls back
                self.rollback()
            raise domain_error(err) from err

    def commit(self) -> None:
        self._committing = True
        try:
            super().commit()
        except IntegrityError as err:  # refused at COMMIT itself (a deferred constraint)
            self._committing = False
            self.rollback()
            raise domain_error(err) from err
        except RegistryError:
            self._committing = False
            self.rollback()
            raise
        finally:
            self._committing = False
