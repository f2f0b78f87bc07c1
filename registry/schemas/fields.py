"""Fields and validators whose error messages are rule codes (see registry.messages)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from registry.errors import FieldError
from registry.services.text import DIRECTION_OVERRIDES, HIDDEN, parse_local_number, visible


class RuleMessage(str):
    """A rule code with its JSON-encoded parameters, which no `str.format` may touch.

    marshmallow formats a field's own messages (`make_error` calls `msg.format(**kwargs)`), and the
    braces of the JSON parameters read as placeholders there: `type|{"expected": "string"}` raised
    KeyError('"expected"'). Formatting a RuleMessage returns it unchanged, wherever it is used."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> RuleMessage:
        return self

    def format_map(self, mapping: object) -> RuleMessage:
        return self


def rule_msg(rule: str, **params: Any) -> str:
    """Encode a rule and its parameters as a marshmallow message."""
    return RuleMessage(rule + ("|" + json.dumps(params, ensure_ascii=False, default=str) if params else ""))


def _decode(message: str) -> tuple[str, dict[str, Any]]:
    rule, _, raw = message.partition("|")
    try:
        params = json.loads(raw) if raw else {}
    except ValueError:  # a library's own message with a "|" in it
        return "invalid", {}
    if not isinstance(params, dict):
        params = {}
    if " " in rule:  # a library's own English sentence slipped through
        return "invalid", {}
    return rule, params


def field_errors(messages: Any, prefix: str = "") -> list[FieldError]:
    """Flatten marshmallow's nested messages into FieldErrors with dotted paths."""
    out: list[FieldError] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "body"
            out.extend(field_errors(value, path))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, str):
                rule, params = _decode(item)
                out.append(FieldError(prefix or "body", rule, params))
            else:
                out.extend(field_errors(item, prefix))
    elif isinstance(messages, str):
        rule, params = _decode(messages)
        out.append(FieldError(prefix or "body", rule, params))
    return out


_BASE = {"required": "required", "null": "null", "validator_failed": "invalid"}


# Control characters no text field of ours can hold (PostgreSQL refuses NUL outright); tab and line breaks pass.
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"}


class Str(fields.String):
    """Text, trimmed before its length is checked (`trim=False` for passwords).

    Text that has characters but none that can be seen (spaces, zero-width ones) is `blank` where a
    value is needed. Free text refuses the bidirectional overrides, which reorder what a reader sees;
    names and identifiers (`Name`) refuse every hidden character."""

    default_error_messages = {
        **_BASE,
        "invalid": rule_msg("type", expected="string"),
        "invalid_utf8": "invalid",
        "control_char": "control_char",
        "blank": "blank",
        "invisible_char": "invisible_char",
    }
    refused: frozenset[str] = DIRECTION_OVERRIDES

    def __init__(self, *, trim: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trim = trim

    def _needs_value(self) -> bool:
        return self.required or any(isinstance(v, validate.Length) and (v.min or 0) > 0 for v in self.validators)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not isinstance(text, str):
            return text
        if not _CONTROL.isdisjoint(text):
            raise self.make_error("control_char")
        if not self.trim:
            return text
        if text and not visible(text) and self._needs_value():
            raise self.make_error("blank")
        if not self.refused.isdisjoint(text):
            raise self.make_error("invisible_char")
        return text.strip()


class Name(Str):
    """A name or an identifier (a code, a number, a lot): no hidden character at all."""

    refused = HIDDEN


# Ids and counts are 32-bit integers in the database; a larger number is an input error, not a crash.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Int(fields.Integer):
    default_error_messages = {**_BASE, "invalid": "integer", "too_large": "integer"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if not INT_MIN <= number <= INT_MAX:
            # Still a whole number: where the field sets a range (a count of 0 to 1,000,000), say that range,
            # as for any other number outside it, rather than "not a whole number".
            for rule in self.validators:
                if isinstance(rule, validate.Range):
                    low = INT_MIN if rule.min is None else rule.min
                    high = INT_MAX if rule.max is None else rule.max
                    raise ValidationError(rule_msg("range", min=low, max=high))
            raise self.make_error("too_large")
        return number


class Float(fields.Float):
    default_error_messages = {
        **_BASE,
        "invalid": rule_msg("type", expected="number"),
        "too_large": "invalid",
        "special": "invalid",
    }


class LocalNumber(Float):
    """A number, given as a JSON number or as text typed the way people type it here ("1.000,5").

    Where a form (or an API field documented as such) takes text, `parse_local_number` reads it."""

    default_error_messages = {**Float.default_error_messages, "invalid": "number"}

    def _validated(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            number = parse_local_number(value)
            if number is None:
                raise self.make_error("invalid")
            value = number
        return super()._validated(value)  # type: ignore[no-any-return]


class Bool(fields.Boolean):
    default_error_messages = {**_BASE, "invalid": "boolean"}


class Date(fields.Date):
    default_error_messages = {**_BASE, "invalid": "date", "format": "date"}


class DateTime(fields.AwareDateTime):
    default_error_messages = {**_BASE, "invalid": "datetime", "invalid_awareness": "datetime", "format": "datetime"}


class Email(fields.Email):
    default_error_messages = {**_BASE, "invalid": "email", "invisible_char": "invisible_char"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if isinstance(text, str) and not HIDDEN.isdisjoint(text):
            raise self.make_error("invisible_char")
        return text.strip() if isinstance(text, str) else text


class List(fields.List):
    default_error_messages = {**_BASE, "invalid": "list"}


class Dict(fields.Dict):
    default_error_messages = {**_BASE, "invalid": rule_msg("type", expected="object")}


class OneOf(validate.OneOf):
    """OneOf that keeps `enum` in the OpenAPI document and reports the rule code."""

    def __call__(self, value: Any) -> Any:
        if value not in self.choices:
            raise ValidationError(rule_msg("enum", choices=list(self.choices)))
        return value


class Length(validate.Length):
    def __call__(self, value: Any) -> Any:
        n = len(value)
        if (self.min is not None and n < self.min) or (self.max is not None and n > self.max):
            raise ValidationError(rule_msg("length", min=self.min or 0, max=self.max or "∞"))
        return value


class WebAddress(validate.Validator):
    """An http:// or https:// address with a host: a website is shown to consumers as a link, so never javascript:."""

    def __call__(self, value: Any) -> Any:
        try:
            parts = urlsplit(value.strip())
        except ValueError:  # an unclosed [ in the host
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValidationError(rule_msg("web_address"))
        return value


class Range(validate.Range):
    def __call__(self, value: Any) -> Any:
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise ValidationError(rule_msg("range", min=self.min, max=self.max))
        return value


class StrictSchema(Schema):
    """Refuses unknown fields, naming each one."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "unknown_field", "type": "json_object"}


class QuerySchema(Schema):
    """Query strings: unknown parameters are ignored rather than refused."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"unknown": "unknown_field", "type": "json_object"}


class QInt(Int):
    """An integer from a query string, where every value arrives as text."""

    def __init__(self, **kwargs: Any) -> None:
        fields.Integer.__init__(self, strict=False, **kwargs)
