"""`registry report`: the annual report of a province's plan as XLSX, CSV or PDF."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from registry.errors import RegistryError
from registry.messages import render_rule
from registry.services import reports


@click.command("report")
@click.option("--province", required=True, help="Province slug, e.g. thai-nguyen")
@click.option("--year", required=True, type=int, help="Report year (calendar year, Vietnam time)")
@click.option("--format", "fmt", required=True, help="xlsx, csv or pdf")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write")
def report_command(province: str, year: int, fmt: str, output: Path) -> None:
    """Write the annual report of PROVINCE's plan for YEAR: every target, its figure per year,
    the period figure and status, and (XLSX) every certificate counted."""
    try:
        fmt = reports.check_format(fmt.lower())
        report = reports.build_report(province, year)
        data = reports.render(report, fmt)
    except RegistryError as err:
        for e in getattr(err, "errors", None) or []:
            click.echo(
                f"error: --{e.field}: {render_rule(e.rule, 'en', e.field, e.params)}"
                f" / {render_rule(e.rule, 'vi', e.field, e.params)}",
                err=True,
            )
        sys.exit(2)
    output.write_bytes(data)
    click.echo(f"wrote {output} ({len(data)} bytes, {len(report.progress.targets)} targets, {fmt})")


COMMANDS = [report_command]
