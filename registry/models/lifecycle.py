"""The certificate lifecycle: which action leads from which state to which, and the status on a day.

Pure rules (no database): the model, the services and the pages read them, and `make mutation` mutates them.
"""

from __future__ import annotations

from datetime import date

CERTIFICATE_STATUSES = ("valid", "suspended", "withdrawn", "expired")
# Lifecycle actions recorded in the history; status is read from the last of them.
ACTIONS = ("issue", "declare", "confirm", "suspend", "withdraw", "reinstate", "correct")
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # action: (allowed from, resulting lifecycle state); withdrawn is final
    "suspend": (("valid",), "suspended"),
    "withdraw": (("valid", "suspended"), "withdrawn"),
    "reinstate": (("suspended",), "valid"),
}


def next_lifecycle(current: str, action: str) -> str | None:
    """The state `action` leads to from `current`, or None when the action is not allowed from there."""
    if action not in TRANSITIONS:
        return None
    allowed_from, result = TRANSITIONS[action]
    return result if current in allowed_from else None


def allowed_actions(current: str) -> list[str]:
    """The status changes a certificate in state `current` may take now, in the table's order."""
    return [action for action in TRANSITIONS if next_lifecycle(current, action) is not None]


def lifecycle_from_history(actions: list[str]) -> str:
    """Replay the history's actions into the lifecycle state."""
    state = "valid"
    for action in actions:
        if action in TRANSITIONS:
            state = TRANSITIONS[action][1]
    return state


def status_on(lifecycle: str, expires_on: date | None, day: date) -> str:
    """The public status on `day`: a suspension or withdrawal wins over expiry; the expiry day itself is valid."""
    if lifecycle != "valid":
        return lifecycle
    if expires_on is not None and day > expires_on:
        return "expired"
    return "valid"
