"""The `registry` command group (the Flask CLI of the app)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
from flask import Flask, current_app

from registry import console
from registry.errors import InvalidInput, RegistryError
from registry.messages import render_rule
from registry.services import seeding, users


def _fail(err: RegistryError) -> None:
    errors = getattr(err, "errors", None) or []
    if errors:
        for e in errors:
            click.echo(
                f"error: {e.field}: {render_rule(e.rule, 'en', e.field, e.params)}"
                f" / {render_rule(e.rule, 'vi', e.field, e.params)}",
                err=True,
            )
    else:
        click.echo(f"error: {err.rule}", err=True)
    sys.exit(2)


@click.command("seed")
@click.option("--demo/--no-demo", default=None, help="Load the demo records (default: REGISTRY_DEMO, on).")
def seed_command(demo: bool | None) -> None:
    """Load provinces, communes, plans, the first admin and (unless REGISTRY_DEMO=0) demo data."""
    provinces, communes = seeding.seed_places()
    click.echo(f"places: {provinces} provinces, {communes} communes")
    click.echo(f"plans: {seeding.seed_plans()} targets")
    admin, password = seeding.ensure_admin(Path(current_app.instance_path))
    if password:
        click.echo("")
        click.echo("  First admin account (shown once; also kept in instance/admin_password.txt):")
        click.echo(f"    email:    {admin.email}")
        click.echo(f"    password: {password}")
        click.echo("")
    if demo if demo is not None else current_app.config["REGISTRY_DEMO"]:
        created = seeding.seed_demo(admin)
        click.echo(f"demo: loaded (marked as demo data; {created} new certificates)")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "dost_officer", "inspector", "body_staff", "producer"])
)
@click.option("--organization", "organization_id", type=int, help="Organisation id (producer)")
@click.option("--body", "body_id", type=int, help="Certification body id (body_staff)")
@click.option("--province", help="Province slug (dost_officer)")
def create_user_command(
    email: str, password: str, role: str, organization_id: int | None, body_id: int | None, province: str | None
) -> None:
    """Create a user with a role and the organisation, body or province it acts for."""
    try:
        user = users.create_user(
            None,
            email=email,
            password=password,
            role=role,
            organization_id=organization_id,
            body_id=body_id,
            province=province,
            system=True,
        )
    except RegistryError as err:
        _fail(err)
        return
    click.echo(f"created user {user.id} <{user.email}> as {user.role}")


# Each capability's commands live in registry/commands/<name>.py as a COMMANDS list.
COMMAND_MODULES: tuple[str, ...] = ("reports", "signing", "imports", "reminders", "audit")


def register_cli(app: Flask) -> None:
    commands: list[click.Command] = [seed_command, create_user_command]
    for name in COMMAND_MODULES:
        commands.extend(importlib.import_module(f"registry.commands.{name}").COMMANDS)
    for command in commands:
        app.cli.add_command(command)


def main() -> None:
    """The console script's former entry point (scripts installed before registry/console.py)."""
    console.main()


__all__ = ["InvalidInput", "main", "register_cli"]
