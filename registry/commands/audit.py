"""`registry audit verify|checkpoint|witness`: the hash-chained audit log as a transparency log."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import current_app

from registry.errors import RegistryError
from registry.messages import render_rule
from registry.services import offline, signing, transparency


def _refuse(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint saved earlier (registry audit checkpoint --output FILE); default: the latest recorded",
)
def audit_verify(checkpoint_file: Path | None) -> None:
    """Recompute the hash chain and prove the log extends a checkpoint; name each fault and exit 1 if any."""
    keyset = signing.public_keyset(current_app.instance_path)
    source = str(checkpoint_file) if checkpoint_file else "the latest recorded checkpoint"
    try:
        if checkpoint_file is not None:
            doc: Any = json.loads(checkpoint_file.read_text())
        else:
            doc = transparency.latest_checkpoint()
        kept = transparency.read_checkpoint(doc, keyset) if doc is not None else None
    except (OSError, ValueError, offline.DocumentRejected) as err:
        _refuse(f"checkpoint refused: {source}: {err}")
        return
    result = transparency.verify_log(kept)
    for finding in result.findings:
        click.echo(finding, err=True)
    if not result.ok:
        sys.exit(1)
    chain = result.chain
    assert chain is not None
    click.echo(f"audit chain intact: {chain.checked} entries, head {chain.head}")
    if kept is not None:
        click.echo(
            f"append-only since {source} ({kept.timestamp}): consistency proof {kept.size} → {result.size} verified"
        )


@audit_group.command("checkpoint")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Also save the signed checkpoint here")
def audit_checkpoint(output: Path | None) -> None:
    """Sign and record a checkpoint of the log (tree size, root hash, time); run it at least daily."""
    try:
        doc = transparency.make_checkpoint(current_app.instance_path, current_app.config["PUBLIC_BASE_URL"])
    except RegistryError as err:
        for e in getattr(err, "errors", []):
            click.echo(f"error: {render_rule(e.rule, 'en', e.field, e.params)}", err=True)
        sys.exit(1)
    if output is not None:
        output.write_text(transparency.dump(doc))
    click.echo(f"checkpoint: {doc['tree_size']} entries, root {doc['root_hash']}, key {doc['kid']}, {doc['timestamp']}")


def _fetch_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "registry-witness"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@audit_group.command("witness")
@click.argument("url")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the last checkpoint seen is kept (default: instance/witness/HOST.json)",
)
def audit_witness(url: str, state_file: Path | None) -> None:
    """Fetch another registry's signed checkpoint and prove its log extends the one kept from last time."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter("an http(s) URL of a registry", param_hint="URL")
    state = state_file or Path(current_app.instance_path) / "witness" / f"{parts.netloc.replace(':', '_')}.json"
    try:
        kept = json.loads(state.read_text()) if state.exists() else None
    except (OSError, ValueError) as err:
        _refuse(f"state {state}: cannot read: {err}", 2)
        return
    try:
        outcome = transparency.witness(url, _fetch_json, kept)
    except (OSError, ValueError) as err:
        _refuse(f"cannot fetch from {url}: {err}", 2)
        return
    if not outcome.ok:
        _refuse(outcome.message)
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(transparency.dump(outcome.checkpoint or {}))
    click.echo(outcome.message)
    click.echo(f"kept in {state}")


COMMANDS = [audit_group]
