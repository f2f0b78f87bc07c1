"""`registry import KIND FILE [--dry-run] [--as EMAIL]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import func, select

from registry.errors import InvalidInput, RegistryError
from registry.extensions import db
from registry.messages import render_rule
from registry.models import User
from registry.services import imports, uploads

PROGRESS_FROM = 2000  # rows; shorter files finish before a bar would help


def _actor(email: str | None) -> User:
    if email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            raise click.BadParameter(f"no user {email}", param_hint="--as")
        return user
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if admin is None:
        raise click.ClickException("no admin user yet: run `registry seed` or pass --as EMAIL")
    return admin


def _print_errors(rows: list[imports.RowError]) -> None:
    table = [("row", "field", "rule", "message")]
    for e in rows:
        message = f"{render_rule(e.rule, 'vi', e.field, e.params)} / {render_rule(e.rule, 'en', e.field, e.params)}"
        table.append((str(e.row), e.field, e.rule, message))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for r in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths, strict=True)) + "  " + r[3], err=True)


@click.command("import")
@click.argument("kind", type=click.Choice(imports.KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report what would be created; write nothing.")
@click.option("--as", "as_email", metavar="EMAIL", help="Import as this user (default: the first admin).")
def import_command(kind: str, file: Path, dry_run: bool, as_email: str | None) -> None:
    """Import a CSV or XLSX file of KIND, all rows or none; bad rows are listed with their numbers."""
    actor = _actor(as_email)
    bar: Any = None

    def progress(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None and total and total >= PROGRESS_FROM:
            bar = click.progressbar(length=total, label=f"{kind}: checking", file=sys.stderr).__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        with file.open("rb") as stream:
            # The operator's own file: the upload bounds hold, without the time budget of a web request.
            limits = uploads.UploadLimits.from_config(current_app.config, timed=False)
            result = imports.import_file(actor, kind, stream, dry_run=dry_run, progress=progress, limits=limits)
    except imports.ImportRejected as err:
        if bar is not None:
            bar.__exit__(None, None, None)
        _print_errors(err.rows)
        bad = len({e.row for e in err.rows})
        click.echo(f"{bad} bad row(s), {len(err.rows)} error(s): nothing was imported", err=True)
        sys.exit(2)
    except (InvalidInput, RegistryError) as err:
        if bar is not None:
            bar.__exit__(None, None, None)
        for e in getattr(err, "errors", None) or []:
            click.echo(f"error: {e.field}: {render_rule(e.rule, 'en', e.field, e.params)}", err=True)
        if not getattr(err, "errors", None):
            click.echo(f"error: {err.rule}", err=True)
        sys.exit(2)
    if bar is not None:
        bar.__exit__(None, None, None)
    name = result.kind.replace("-", " ")
    verb = "would create" if result.dry_run else "created"
    click.echo(
        f"{verb} {result.created} {name} from {result.rows} rows" + (" (dry run: nothing written)" if dry_run else "")
    )


COMMANDS = [import_command]
