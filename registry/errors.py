"""Domain exceptions raised by services and turned into problem details or form errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one field; `params` fill the localised message."""

    field: str
    rule: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class RegistryError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, rule: str | None = None, **params: Any) -> None:
        super().__init__(rule or self.code)
        self.rule = rule or self.code
        self.params = params


class InvalidInput(RegistryError):
    """The input breaks one or more field rules; nothing was changed."""

    status = 422
    code = "invalid_input"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("invalid_input")
        self.errors = errors

    @classmethod
    def one(cls, field_name: str, rule: str, **params: Any) -> InvalidInput:
        return cls([FieldError(field_name, rule, params)])


class BadRequest(RegistryError):
    status = 400
    code = "bad_request"


class Unauthorized(RegistryError):
    status = 401
    code = "unauthorized"


class Forbidden(RegistryError):
    status = 403
    code = "forbidden"


class NotFound(RegistryError):
    status = 404
    code = "not_found"


class Conflict(RegistryError):
    """A uniqueness or state rule refuses the change (HTTP 409)."""

    status = 409
    code = "conflict"

    def __init__(self, rule: str = "conflict", errors: list[FieldError] | None = None, **params: Any):
        super().__init__(rule, **params)
        self.errors = errors or []
