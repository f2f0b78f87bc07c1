"""A consumer's report of a suspected counterfeit or defect, sent from the scan page without login."""

from __future__ import annotations

import unicodedata
from typing import Any

from registry.errors import FieldError, InvalidInput
from registry.extensions import db
from registry.models import ConsumerReport, User
from registry.models.report import REPORT_KINDS
from registry.services import audit
from registry.services.text import nfc

MESSAGE_MAX = 2000
CONTACT_MAX = 255


def create_report(actor: User | None, product_id: int, batch_id: int | None, data: dict[str, Any]) -> ConsumerReport:
    """Anyone may report; the text is stored as NFC and queued `open` for the inspectors."""
    errors: list[FieldError] = []
    kind = (data.get("kind") or "").strip()
    if kind not in REPORT_KINDS:
        errors.append(FieldError("kind", "enum", {"choices": list(REPORT_KINDS)}))
    # Keep the consumer's line breaks: NFC only, not nfc()'s whitespace collapsing.
    message = unicodedata.normalize("NFC", (data.get("message") or "").strip())
    if not message:
        errors.append(FieldError("message", "required"))
    elif len(message) > MESSAGE_MAX:
        errors.append(FieldError("message", "length", {"min": 1, "max": MESSAGE_MAX}))
    contact = nfc((data.get("contact") or "").strip()) or None
    if contact and len(contact) > CONTACT_MAX:
        errors.append(FieldError("contact", "length", {"min": 0, "max": CONTACT_MAX}))
    if errors:
        raise InvalidInput(errors)
    report = ConsumerReport(product_id=product_id, batch_id=batch_id, kind=kind, message=message, contact=contact)
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "create", "consumer_report", report.id, None, audit.snapshot(report, exclude=("contact",)))
    db.session.commit()
    return report
