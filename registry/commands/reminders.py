"""`registry reminders`: list what expires within 90, 30 and 7 days, queue the reminders, optionally send them."""

from __future__ import annotations

import smtplib
import sys
from datetime import date, datetime
from urllib.parse import urlsplit

import click
from flask import current_app

from registry.errors import FieldError
from registry.messages import render_rule
from registry.services import reminders
from registry.services.places import resolve_province
from registry.services.timefmt import today_vn


def _day(value: str | None) -> date:
    if value is None:
        return today_vn()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as err:
        raise click.BadParameter("must be a date as YYYY-MM-DD", param_hint="--today") from err


def _line(item: reminders.Reminder) -> str:
    what = f"certificate {item.label}" if item.kind == "certificate" else f"OCOP {item.ocop_stars}★ {item.label}"
    lapse = "valid through" if item.kind == "certificate" else "lapses on"
    return f"    ≤{item.threshold:<3} {what}  {lapse} {item.expires_on.isoformat()} ({item.days_left} days left)"


@click.command("reminders")
@click.option("--province", help="Only this province (slug, e.g. thai-nguyen)")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Judge expiry as of this day (default: today, UTC+7)")
@click.option("--send", is_flag=True, help="Send the queued messages through SMTP_URL")
def reminders_command(province: str | None, today_text: str | None, send: bool) -> None:
    """List confirmed certificates and OCOP ratings that expire within 90, 30 and 7 days, per province and
    organisation, and queue one reminder per item, threshold and recipient (the organisation's producers
    and its province's DOST officers) in the outbox. A reminder already queued is not queued again."""
    today = _day(today_text)
    province_id = None
    if province:
        found = resolve_province(province)
        if isinstance(found, FieldError):
            click.echo(
                f"error: --province: {render_rule(found.rule, 'en', 'province', found.params)}"
                f" / {render_rule(found.rule, 'vi', 'province', found.params)}",
                err=True,
            )
            sys.exit(2)
        province_id = found.id
    items = reminders.due_reminders(today, province_id)
    counts = {t: sum(1 for i in items if i.threshold == t) for t in reminders.THRESHOLDS}
    click.echo(
        f"Expiring as of {today.isoformat()}: {len(items)} "
        f"(≤7 days: {counts[7]}, ≤30 days: {counts[30]}, ≤90 days: {counts[90]})"
    )
    last_province = last_org = None
    for item in items:
        if item.province.id != last_province:
            last_province, last_org = item.province.id, None
            click.echo(f"{item.province.name} ({item.province.slug})")
        if item.organization.id != last_org:
            last_org = item.organization.id
            click.echo(f"  {item.organization.name} (MST/tax code {item.organization.tax_code})")
        click.echo(_line(item))
    queued = reminders.queue_reminders(items, current_app.config["PUBLIC_BASE_URL"])
    click.echo(f"outbox: {queued.queued} new messages queued, {queued.already} already queued")
    for item in queued.without_recipient:
        click.echo(f"warning: no recipient for {item.kind} {item.label} ({item.organization.name})", err=True)
    _send_or_explain(send)


def _send_or_explain(send: bool) -> None:
    pending = reminders.pending_count()
    url = current_app.config.get("SMTP_URL")
    if not url:
        click.echo(
            f"SMTP_URL is not set: {pending} messages stay queued in the outbox "
            "(set SMTP_URL=smtp://user:pass@host:587 and run `registry reminders --send`)"
        )
        if send:
            sys.exit(1)
        return
    if not send:
        click.echo(f"{pending} messages waiting; run with --send to send them")
        return
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    try:
        settings = reminders.parse_smtp_url(url, current_app.config.get("MAIL_FROM") or f"no-reply@{host}")
        result = reminders.send_queued(settings)
    except reminders.SmtpUrlError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except (smtplib.SMTPException, OSError) as err:
        click.echo(f"error: cannot send through SMTP_URL: {err}; {pending} messages stay queued", err=True)
        sys.exit(1)
    click.echo(f"sent {result.sent} messages, {len(result.failed)} refused")
    for message_id, error in result.failed:
        click.echo(f"error: message {message_id} refused: {error} (stays queued)", err=True)
    if result.failed:
        sys.exit(1)


COMMANDS = [reminders_command]
