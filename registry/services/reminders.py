"""Expiry reminders: certificates and OCOP ratings running out within 90, 30 or 7 days, and their outbox."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from registry.errors import Forbidden
from registry.extensions import db
from registry.models import Certificate, Organization, OutboxMessage, Product, Province, User
from registry.models.product import OCOP_VALIDITY_MONTHS, add_months
from registry.services import audit, digital_link, permissions

# The thresholds, nearest first: an item is in the bucket of the first one its days left fit under.
THRESHOLDS = (7, 30, 90)
HORIZON = THRESHOLDS[-1]
KIND = "expiry_reminder"


@dataclass(frozen=True)
class Reminder:
    """One certificate or OCOP rating that lapses soon.

    `expires_on` is the model's own date: a certificate is valid through it, an OCOP rating until the day
    before it (Product.ocop_valid_on). Either way only items still valid today are listed."""

    kind: str  # "certificate" | "ocop"
    entity_id: int
    label: str
    expires_on: date
    days_left: int
    threshold: int
    organization: Organization
    province: Province
    ocop_stars: int | None = None
    gtin: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.entity_id,
            "label": self.label,
            "expires_on": self.expires_on.isoformat(),
            "days_left": self.days_left,
            "threshold": self.threshold,
            "ocop_stars": self.ocop_stars,
            "gtin": self.gtin,
        }


def threshold_for(days_left: int) -> int | None:
    """The bucket of `days_left` (7, 30 or 90), or None beyond the horizon or when already past."""
    if days_left < 0:
        return None
    return next((t for t in THRESHOLDS if days_left <= t), None)


def _certificates(today: date, province_id: int | None, organization_id: int | None) -> list[Reminder]:
    stmt = (
        select(Certificate)
        .join(Organization, Organization.id == Certificate.organization_id)
        .where(
            Certificate.is_confirmed.is_(True),
            Certificate.lifecycle == "valid",
            Certificate.expires_on >= today,
            Certificate.expires_on <= today + timedelta(days=HORIZON),
        )
        .options(selectinload(Certificate.organization).selectinload(Organization.province))
    )
    if province_id is not None:
        stmt = stmt.where(Organization.province_id == province_id)
    if organization_id is not None:
        stmt = stmt.where(Certificate.organization_id == organization_id)
    out = []
    for cert in db.session.scalars(stmt):
        assert cert.expires_on is not None
        days = (cert.expires_on - today).days
        threshold = threshold_for(days)
        if threshold is not None:
            org = cert.organization
            out.append(
                Reminder("certificate", cert.id, cert.number, cert.expires_on, days, threshold, org, org.province)
            )
    return out


def _ocop(today: date, province_id: int | None, organization_id: int | None) -> list[Reminder]:
    # Expiry is decision date + 36 months (clamped to month ends), so select a slightly wider window of
    # decision dates in SQL and apply the exact rule in Python.
    earliest = add_months(today, -OCOP_VALIDITY_MONTHS) - timedelta(days=4)
    latest = add_months(today + timedelta(days=HORIZON), -OCOP_VALIDITY_MONTHS) + timedelta(days=4)
    stmt = (
        select(Product)
        .join(Organization, Organization.id == Product.organization_id)
        .where(
            Product.status == "active",
            Product.ocop_stars.is_not(None),
            Product.ocop_decision_date >= earliest,
            Product.ocop_decision_date <= latest,
        )
        .options(selectinload(Product.organization).selectinload(Organization.province))
    )
    if province_id is not None:
        stmt = stmt.where(Organization.province_id == province_id)
    if organization_id is not None:
        stmt = stmt.where(Product.organization_id == organization_id)
    out = []
    for product in db.session.scalars(stmt):
        expires = product.ocop_expires_on
        if expires is None or not product.ocop_valid_on(today):
            continue
        days = (expires - today).days
        threshold = threshold_for(days)
        if threshold is not None:
            org = product.organization
            out.append(
                Reminder(
                    "ocop",
                    product.id,
                    product.name,
                    expires,
                    days,
                    threshold,
                    org,
                    org.province,
                    ocop_stars=product.ocop_stars,
                    gtin=product.gtin,
                )
            )
    return out


def due_reminders(today: date, province_id: int | None = None, organization_id: int | None = None) -> list[Reminder]:
    """Every reminder due on `today`, ordered by province, organisation and days left."""
    items = _certificates(today, province_id, organization_id) + _ocop(today, province_id, organization_id)
    items.sort(key=lambda r: (r.province.name, r.organization.name, r.organization.id, r.days_left, r.kind, r.label))
    return items


def grouped(items: Iterable[Reminder]) -> list[dict[str, Any]]:
    """Reminders grouped per province, then per organisation, keeping the order of `items`."""
    provinces: dict[int, dict[str, Any]] = {}
    orgs: dict[int, dict[str, Any]] = {}
    for item in items:
        prov = provinces.setdefault(
            item.province.id,
            {"province": item.province.slug, "province_name": item.province.name, "organizations": []},
        )
        org = orgs.get(item.organization.id)
        if org is None:
            org = orgs[item.organization.id] = {
                "id": item.organization.id,
                "name": item.organization.name,
                "tax_code": item.organization.tax_code,
                "items": [],
            }
            prov["organizations"].append(org)
        org["items"].append(item.as_dict())
    return list(provinces.values())


def summary(items: list[Reminder], today: date) -> dict[str, Any]:
    counts = {str(t): sum(1 for i in items if i.threshold == t) for t in THRESHOLDS}
    return {
        "today": today.isoformat(),
        "thresholds": list(THRESHOLDS),
        "total": len(items),
        "counts": counts,
        "provinces": grouped(items),
    }


def list_reminders(
    actor: User | None, today: date, province_id: int | None = None, organization_id: int | None = None
) -> dict[str, Any]:
    """What `actor` may see: a producer their organisation's, a DOST officer their province's, an admin all."""
    user = permissions.require_user(actor)
    if user.role == "producer":
        if organization_id is not None and organization_id != user.organization_id:
            raise Forbidden()
        if province_id is not None:
            org = db.session.get(Organization, user.organization_id)
            if org is None or org.province_id != province_id:
                raise Forbidden()
        organization_id = user.organization_id
    elif user.role == "dost_officer":
        if province_id is not None and province_id != user.province_id:
            raise Forbidden()
        province_id = user.province_id
    elif user.role != "admin":
        raise Forbidden()
    return summary(due_reminders(today, province_id, organization_id), today)


# ---- the outbox ------------------------------------------------------------------------------


def recipients_for(organization: Organization) -> list[User]:
    """The organisation's active producer users and its province's active DOST officers."""
    stmt = (
        select(User)
        .where(
            User.is_active.is_(True),
            ((User.role == "producer") & (User.organization_id == organization.id))
            | ((User.role == "dost_officer") & (User.province_id == organization.province_id)),
        )
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def _texts(item: Reminder, base_url: str) -> dict[str, tuple[str, str]]:
    """(subject, paragraph) per language."""
    when = item.expires_on.isoformat()
    org, prov = item.organization, item.province
    if item.kind == "certificate":
        link = f"{base_url}/verify/{item.entity_id}"
        vi = (
            f"Chứng chỉ {item.label} hết hạn sau {item.days_left} ngày ({when})",
            f"Chứng chỉ số {item.label} của {org.name} (MST {org.tax_code}, {prov.name}) hết hiệu lực sau ngày "
            f"{when}, còn {item.days_left} ngày. Vui lòng liên hệ tổ chức chứng nhận để đánh giá lại.\n{link}",
        )
        en = (
            f"Certificate {item.label} expires in {item.days_left} days ({when})",
            f"Certificate {item.label} of {org.name} (tax code {org.tax_code}, {prov.name_en}) is valid through "
            f"{when}, {item.days_left} days from now. Please contact the certification body to renew it.\n{link}",
        )
    else:
        link = digital_link.build_uri(base_url, item.gtin.zfill(14)) if item.gtin else base_url
        vi = (
            f"Xếp hạng OCOP {item.ocop_stars} sao của {item.label} hết hạn sau {item.days_left} ngày ({when})",
            f"Xếp hạng OCOP {item.ocop_stars} sao của sản phẩm {item.label} ({org.name}, MST {org.tax_code}, "
            f"{prov.name}) hết hiệu lực từ ngày {when} (36 tháng kể từ ngày quyết định), còn {item.days_left} "
            f"ngày. Vui lòng đề nghị đánh giá lại.\n{link}",
        )
        en = (
            f"OCOP {item.ocop_stars}-star rating of {item.label} expires in {item.days_left} days ({when})",
            f"The OCOP {item.ocop_stars}-star rating of {item.label} ({org.name}, tax code {org.tax_code}, "
            f"{prov.name_en}) lapses on {when} (36 months after its decision), {item.days_left} days from now. "
            f"Please apply for a new rating.\n{link}",
        )
    return {"vi": vi, "en": en}


def dedupe_key(item: Reminder, recipient: str) -> str:
    return f"reminder:{item.kind}:{item.entity_id}:{item.expires_on.isoformat()}:{item.threshold}:{recipient.lower()}"


@dataclass
class QueueResult:
    queued: int = 0
    already: int = 0
    without_recipient: list[Reminder] = field(default_factory=list)


def queue_reminders(items: list[Reminder], base_url: str) -> QueueResult:
    """Write one message per reminder and recipient, unless that reminder at that threshold is queued already.

    An operator's job (the `registry reminders` command), so no actor: recipients are chosen by rule."""
    result = QueueResult()
    rows: list[dict[str, Any]] = []
    cache: dict[int, list[User]] = {}
    for item in items:
        people = cache.get(item.organization.id)
        if people is None:
            people = cache[item.organization.id] = recipients_for(item.organization)
        if not people:
            result.without_recipient.append(item)
            continue
        texts = _texts(item, base_url.rstrip("/"))
        for person in people:
            first, second = ("en", "vi") if person.language == "en" else ("vi", "en")
            rows.append(
                {
                    "kind": KIND,
                    "recipient": person.email,
                    "subject": texts[first][0][:255],
                    "body": texts[first][1] + "\n\n---\n\n" + texts[second][1],
                    "organization_id": item.organization.id,
                    "province_id": item.province.id,
                    "dedupe_key": dedupe_key(item, person.email),
                    "created_at": datetime.now(UTC),
                }
            )
    keys = [r["dedupe_key"] for r in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))))
    new = [r for r in rows if r["dedupe_key"] not in existing]
    result.already = len(rows) - len(new)
    if new:
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # A run racing this one may queue the same reminder first; the unique key makes that a no-op.
        db.session.execute(insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"]), new)
        audit.record(None, "queue", "outbox", None, None, {"kind": KIND, "queued": len(new)})
    db.session.commit()
    result.queued = len(new)
    return result


def pending_count() -> int:
    return db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0


# ---- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str  # smtp (STARTTLS when offered) | smtps (TLS from the start)
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str


class SmtpUrlError(ValueError):
    pass


def parse_smtp_url(url: str, default_sender: str) -> SmtpSettings:
    """`smtp://user:pass@host:port` or `smtps://…`; `?from=addr` sets the sender."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SmtpUrlError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError as err:
        raise SmtpUrlError(f"SMTP_URL has a bad port: {err}") from err
    sender = parse_qs(parts.query).get("from", [default_sender])[0]
    return SmtpSettings(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if settings.scheme == "smtps":
        server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        if settings.scheme == "smtp":
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
        if settings.username:
            server.login(settings.username, settings.password or "")
    except BaseException:
        server.close()
        raise
    return server


@dataclass
class SendResult:
    sent: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def _claim_next(after_id: int) -> OutboxMessage | None:
    # SKIP LOCKED lets two senders share the queue on PostgreSQL without sending a message twice.
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(stmt).first()


def send_queued(settings: SmtpSettings, timeout: float = 30.0) -> SendResult:
    """Send every unsent message over one SMTP connection, marking each sent as it goes.

    A message the server refuses keeps its error and stays queued for the next run; a connection
    failure raises (smtplib.SMTPException or OSError) with nothing marked."""
    result = SendResult()
    server = _connect(settings, timeout)
    try:
        last_id = 0
        while (message := _claim_next(last_id)) is not None:
            last_id = message.id
            mail = EmailMessage()
            mail["From"] = settings.sender
            mail["To"] = message.recipient
            mail["Subject"] = message.subject
            mail["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
            mail.set_content(message.body)
            try:
                server.send_message(mail)
            except smtplib.SMTPRecipientsRefused as err:
                message.error = str(err.recipients)[:2000]
                result.failed.append((message.id, message.error))
            except smtplib.SMTPResponseException as err:
                message.error = f"{err.smtp_code} {err.smtp_error!r}"[:2000]
                result.failed.append((message.id, message.error))
            else:
                message.sent_at = datetime.now(UTC)
                message.error = None
                result.sent += 1
            db.session.commit()
    finally:
        db.session.rollback()
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()
    return result
