"""`registry verify-certificate` with this instance's keys by default, and `registry keys rotate|list`."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app

from registry.commands.verify_offline import make_verify_command
from registry.messages import render_rule
from registry.services import signing


def _local_keyset() -> dict[str, Any]:
    # The local keyring's public halves; never generate keys just to check a code.
    keys = signing.list_keys(current_app.instance_path)
    if not keys:
        en, vi = (render_rule("token_no_keys", lang, "token", {}) for lang in ("en", "vi"))
        click.echo(f"REFUSED: {en} / {vi}", err=True)
        sys.exit(1)
    return {
        "keys": [
            {"kid": k["kid"], "kty": "OKP", "crv": "Ed25519", "x": k["public_key"],
             "valid_from": k["created_at"], "valid_to": k["retired_at"]}
            for k in keys
        ]
    }  # fmt: skip


verify_certificate_command = make_verify_command(_local_keyset)


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
