"""Reading a JSON request body strictly: well-formed UTF-8, no lone surrogates, bounded nesting.

The standard library accepts `"\\ud800"` (a string Python can hold but PostgreSQL cannot store) and
recurses once per bracket, so 100,000 nested brackets end in RecursionError. Every JSON body the API
reads comes through `load_json_body`, which turns each of these into one `MalformedJson` naming the rule.
"""

from __future__ import annotations

import json
from typing import Any

# Deeper than any document of ours (EPCIS events nest about six levels) by a wide margin.
MAX_DEPTH = 64


class MalformedJson(ValueError):
    """The body is not JSON the registry reads; `rule` is a rule code of registry.messages."""

    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params


def _check(value: Any) -> None:
    """Refuse nesting beyond MAX_DEPTH and strings or keys with a lone surrogate, without recursing."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedJson("json_depth", max=MAX_DEPTH)
            if isinstance(item, dict):
                for key, inner in item.items():
                    _check_text(key)
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise MalformedJson("lone_surrogate") from err


def load_json_body(data: bytes | str) -> Any:
    """The parsed body; MalformedJson if it is not UTF-8 JSON within the rules above."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise MalformedJson("malformed_json") from err
    try:
        value = json.loads(data)
    except RecursionError as err:
        raise MalformedJson("json_depth", max=MAX_DEPTH) from err
    except ValueError as err:
        raise MalformedJson("malformed_json") from err
    _check(value)
    return value
