"""`registry verify-certificate`: check a scanned certificate QR offline, with no database and no app.

Imports click, `cryptography` and the light modules only (tokens, offline, messages), so registry/console.py
can run it without building the app; the Flask CLI registers the same command with the local keyring as
the default key set (registry/commands/signing.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

from registry.messages import render_rule
from registry.services import offline, tokens

VIETNAM = timezone(timedelta(hours=7))  # certificate dates are Vietnamese calendar days


def _say(rule: str, params: dict[str, Any], field: str = "token") -> str:
    return f"{render_rule(rule, 'en', field, params)} / {render_rule(rule, 'vi', field, params)}"


def _reject(rule: str, params: dict[str, Any], field: str = "token") -> None:
    click.echo(f"REFUSED: {_say(rule, params, field)}", err=True)
    sys.exit(1)


def _read_json(path: Path, option: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise click.UsageError(f"{option}: cannot read JSON from {path}: {err}") from err


def read_keyset(path: Path) -> dict[str, Any]:
    data = _read_json(path, "--keys")
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise click.UsageError(f'--keys: {path} is not a key set (expected {{"keys": [...]}})')
    return data


def _check_status(claims: tokens.Claims, path: Path, keyset: dict[str, Any], today: date) -> None:
    """Revocation wins offline too, as of the list's date; exits 1 naming a withdrawn or suspended certificate."""
    try:
        listed = offline.read_status_list(_read_json(path, "--status-list"), keyset)
    except offline.DocumentRejected as err:
        _reject("status_list_refused", {"reason": str(err)}, "status_list")
        return
    params = {
        "id": claims.certificate_id,
        "number": claims.number,
        "version": listed.version,
        "at": listed.valid_from.isoformat(),
    }
    if listed.is_stale(datetime.now(UTC)):
        click.echo(f"warning: {_say('status_list_stale', params, 'status_list')}", err=True)
    status = listed.status(claims.certificate_id)
    if status in ("withdrawn", "suspended"):
        _reject(f"status_{status}", params, "status_list")
    if status is None:
        click.echo(f"note: {_say('status_unlisted', params, 'status_list')}")
    else:
        click.echo(f"status: {_say('status_listed', params, 'status_list')}")
    if claims.expires_on is not None and today > claims.expires_on:
        _reject("status_expired", {**params, "expires_on": claims.expires_on.isoformat()}, "status_list")


def make_verify_command(default_keyset: Callable[[], dict[str, Any]] | None) -> click.Command:
    """The command; `default_keyset` gives the key set when --keys is absent (None: --keys is required)."""

    @click.command("verify-certificate")
    @click.argument("payload")
    @click.option(
        "--keys",
        "keys_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=default_keyset is None,
        help="The JSON of /.well-known/registry-keys.json (default: this instance's public keys)",
    )
    @click.option(
        "--status-list",
        "status_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The JSON of /.well-known/registry-status-list.json, to refuse a revoked or suspended certificate",
    )
    def verify_certificate_command(payload: str, keys_file: Path | None, status_file: Path | None) -> None:
        """Check a scanned certificate QR (the verify URL or the bare token) offline, with no database.

        Prints the signed claims and "signature valid", or exits 1 naming why the code is refused. With
        --status-list a certificate withdrawn or suspended as of that list is refused too; without it only
        the online page knows of a suspension or withdrawal after signing."""
        if keys_file is not None:
            keyset = read_keyset(keys_file)
        else:
            assert default_keyset is not None  # click requires --keys otherwise
            keyset = default_keyset()
        try:
            token, path_id = tokens.token_from_text(payload)
            claims = tokens.verify_token(token, keyset, expected_id=path_id)
        except tokens.TokenRejected as err:
            _reject(err.rule, err.params)
            return
        for key, value in claims.as_dict().items():
            click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
        click.echo("signature valid")
        if status_file is not None:
            _check_status(claims, status_file, keyset, datetime.now(VIETNAM).date())
        else:
            click.echo(
                "note: check the live status online (or pass --status-list); "
                "a suspension or withdrawal after signing is not in the code"
            )

    return verify_certificate_command
