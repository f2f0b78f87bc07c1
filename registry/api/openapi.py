"""What the OpenAPI document says beyond the views' own decorators: a name for every operation, and every error
response as an RFC 9457 problem (`application/problem+json`, schema `Problem`), so generated clients read both."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin
from marshmallow import Schema, fields

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each invalid field and the rule it broke.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "rule": {"type": "string"},
                    "message": {"type": "string"},
                    "row": {"type": "integer"},
                },
                "required": ["field", "rule", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

BINARY_SUCCESS = {"get_document": ("application/pdf", {"type": "string", "format": "binary"})}
# Why each error can happen; which ones an operation documents follows from its method, path and inputs.
_WHY = {
    400: "Malformed request (body that is not JSON, a bad query parameter)",
    401: "No valid bearer token or session",
    403: "The caller's role or scope does not allow this",
    404: "No such record",
    409: "Conflicts with the current state (a duplicate, a transition not allowed)",
    413: "The upload is too large",
    415: "Unsupported media type",
    422: "Invalid input: every invalid field with its rule",
    429: "Too many requests: slow down (see Retry-After)",
}
_WRITE = {"post", "put", "patch", "delete"}


def problem_response(status: int | str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": PROBLEM_REF}}}


def operation_id(endpoint: str) -> str:
    """`products.list_products` -> `list_products`: the view's name, which the API keeps unique."""
    return endpoint.rsplit(".", 1)[-1]


class ProblemDetailsPlugin(BasePlugin):
    """An apispec plugin run on every operation as flask-smorest registers it."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.schema("Problem", PROBLEM_SCHEMA)

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:  # type: ignore[type-arg]
        rule = kwargs.get("rule")
        endpoint = rule.endpoint if rule is not None else (path or "")
        for method, operation in (operations or {}).items():
            if method == "parameters":
                continue
            name, owner = operation_id(endpoint), f"{endpoint} {method}"
            if self.seen.setdefault(name, owner) != owner:
                name = f"{name}_{method}"
                self.seen[name] = owner
            operation["operationId"] = name
            self._success(name, operation)
            self._errors(method, rule.rule if rule is not None else (path or ""), operation)

    @staticmethod
    def _success(name: str, operation: dict[str, Any]) -> None:
        """A success documented in words only gets its media type: a file, or a JSON object."""
        for code, response in operation.get("responses", {}).items():
            if str(code) in ("200", "201") and isinstance(response, dict) and not response.get("content"):
                media, schema = BINARY_SUCCESS.get(name, ("application/json", {"type": "object"}))
                response["content"] = {media: {"schema": schema}}

    @staticmethod
    def _errors(method: str, path: str, operation: dict[str, Any]) -> None:
        # flask-smorest keys responses by int or str as the views wrote them; the document wants strings.
        responses: dict[Any, Any] = operation.setdefault("responses", {})
        has_input = bool(operation.get("parameters")) or "requestBody" in operation or method in _WRITE
        wanted = {400, 401, 403, 429}
        if re.search(r"<[^>]+>", path):
            wanted.add(404)
        if method in _WRITE:
            wanted |= {409, 415}
        if has_input:
            wanted.add(422)
        if "requestBody" in operation and "multipart/form-data" in operation["requestBody"].get("content", {}):
            wanted.add(413)
        for code in list(responses):
            if str(code) != "default" and int(code) >= 400:
                wanted.add(int(code))
        for status in sorted(wanted):
            existing = responses.get(str(status)) or responses.get(status)
            description = _WHY.get(status, HTTPStatus(status).phrase)
            if isinstance(existing, dict) and existing.get("description"):
                description = existing["description"]
            responses.pop(status, None)
            responses[str(status)] = problem_response(status, description)
        responses["default"] = problem_response("default", "Unexpected error")


# --- success bodies of the views that return plain dicts ------------------------------------------


class CountByCategory(Schema):
    product_standard = fields.Int()
    product_regulation = fields.Int()
    management_system = fields.Int()
    gap = fields.Int()
    organic = fields.Int()
    traceability = fields.Int()
    declaration_standard = fields.Int()
    declaration_regulation = fields.Int()
    other = fields.Int()


class MonthCount(Schema):
    month = fields.Int(required=True)
    count = fields.Int(required=True)


class BodyCount(Schema):
    id = fields.Int(required=True)
    name = fields.Str(required=True)
    count = fields.Int(required=True)


class ProvinceCount(Schema):
    province = fields.Str(required=True)
    name = fields.Str(required=True)
    count = fields.Int(required=True)


class NationalGoal(Schema):
    value = fields.Int(required=True)
    by = fields.Int(required=True)


class CertificateStatsOut(Schema):
    province = fields.Str(allow_none=True, required=True, metadata={"description": "slug, or null for every province"})
    year = fields.Int(required=True)
    count = fields.Int(required=True, metadata={"description": "confirmed certificates issued in the year"})
    by_category = fields.Nested(CountByCategory, required=True)
    by_month = fields.List(fields.Nested(MonthCount), required=True)
    by_body = fields.List(fields.Nested(BodyCount), required=True)
    provinces = fields.List(fields.Nested(ProvinceCount), metadata={"description": "without `province` only"})
    national_goal = fields.Nested(NationalGoal, metadata={"description": "without `province` only"})


class TargetProgress(Schema):
    id = fields.Str(required=True)
    clause = fields.Str(allow_none=True)
    wording = fields.Str(allow_none=True)
    kind = fields.Str(allow_none=True)
    metric = fields.Str(allow_none=True)
    source = fields.Str(allow_none=True)
    unit = fields.Str(allow_none=True)
    period_start = fields.Int(allow_none=True)
    period_end = fields.Int(allow_none=True)
    value = fields.Float(allow_none=True)
    actual = fields.Float(allow_none=True)
    per_year = fields.Dict(keys=fields.Str(), values=fields.Float(allow_none=True))
    period_actual = fields.Float(allow_none=True)
    projection = fields.Float(allow_none=True)
    status = fields.Str(required=True, metadata={"enum": ["on_track", "at_risk", "behind", "met", "no_data"]})
    status_reason = fields.Str(allow_none=True)


class ProgressOut(Schema):
    province = fields.Str(required=True)
    year = fields.Int(required=True)
    as_of = fields.Date(required=True)
    year_fraction = fields.Float()
    deadline = fields.Date()
    days_left = fields.Int()
    targets = fields.List(fields.Nested(TargetProgress), required=True)


class AuditHeadOut(Schema):
    size = fields.Int(required=True, metadata={"description": "entries in the audit log"})
    hash = fields.Str(required=True, metadata={"description": "hash of the last entry (hex)"})
    at = fields.Str(allow_none=True, required=True, metadata={"description": "time of the last entry, ISO 8601"})


class ImportResultOut(Schema):
    kind = fields.Str(required=True)
    dry_run = fields.Bool(required=True)
    rows = fields.Int(required=True)
    created = fields.Dict(keys=fields.Str(), values=fields.Int(), required=True)


REPORT_RESPONSE = {
    "description": "The annual report file",
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/pdf",
            "text/csv",
        )
    },
    "headers": {"Content-Disposition": {"schema": {"type": "string"}, "description": "attachment; filename=…"}},
}
