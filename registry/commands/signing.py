"""`registry verify-certificate` (offline, no database) and `registry keys rotate|list`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app

from registry.messages import render_rule
from registry.services import signing


def _reject(rule: str, params: dict[str, Any]) -> None:
    click.echo(
        f"REFUSED: {render_rule(rule, 'en', 'token', params)} / {render_rule(rule, 'vi', 'token', params)}", err=True
    )
    sys.exit(1)


def _keyset(keys_file: Path | None) -> dict[str, Any]:
    if keys_file is not None:
        try:
            data = json.loads(keys_file.read_text())
        except (OSError, ValueError) as err:
            raise click.UsageError(f"--keys: cannot read a key set from {keys_file}: {err}") from err
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise click.UsageError(f'--keys: {keys_file} is not a key set (expected {{"keys": [...]}})')
        return data
    # The local keyring's public halves; never generate keys just to check a code.
    keys = signing.list_keys(current_app.instance_path)
    if not keys:
        _reject("token_no_keys", {})
    return {
        "keys": [
            {"kid": k["kid"], "kty": "OKP", "crv": "Ed25519", "x": k["public_key"],
             "valid_from": k["created_at"], "valid_to": k["retired_at"]}
            for k in keys
        ]
    }  # fmt: skip


@click.command("verify-certificate")
@click.argument("payload")
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The JSON of /.well-known/registry-keys.json (default: this instance's public keys)",
)
def verify_certificate_command(payload: str, keys_file: Path | None) -> None:
    """Check a scanned certificate QR (the verify URL or the bare token) offline, with no database.

    Prints the signed claims and "signature valid", or exits 1 naming why the code is refused. Only the
    online page knows whether the certificate was suspended or withdrawn since it was signed."""
    keyset = _keyset(keys_file)
    try:
        token, path_id = signing.token_from_text(payload)
        claims = signing.verify_token(token, keyset, expected_id=path_id)
    except signing.TokenRejected as err:
        _reject(err.rule, err.params)
        return
    for key, value in claims.as_dict().items():
        click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    click.echo("signature valid")
    click.echo("note: check the live status online; a suspension or withdrawal after signing is not in the code")


@click.group("keys")
def keys_group() -> None:
    """The Ed25519 keys that sign certificate QR codes (kept in instance/keys)."""


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Make a new signing key; the old public key stays published with its validity window."""
    new, old = signing.rotate_keys(current_app.instance_path)
    click.echo(f"active key: {new}" + (f" (retired {old})" if old else ""))


@keys_group.command("list")
def keys_list() -> None:
    """Every key with its validity window; the active one is marked."""
    signing.ensure_keys(current_app.instance_path)
    for key in signing.list_keys(current_app.instance_path):
        mark = "*" if key["active"] else " "
        click.echo(f"{mark} {key['kid']}  from {key['created_at']}  to {key['retired_at'] or '(active)'}")


COMMANDS = [verify_certificate_command, keys_group]
