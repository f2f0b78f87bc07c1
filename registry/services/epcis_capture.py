"""EPCIS 2.0 capture: validate a document against GS1's schema, check who owns every key, store it all or nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from registry import vocabulary as voc
from registry.database import utcnow
from registry.errors import BadRequest, FieldError, Forbidden, InvalidInput, NotFound, RegistryError
from registry.extensions import db
from registry.models import Batch, EpcisCapture, EpcisEvent, EpcisEventEpc, Organization, Product, User
from registry.services import audit, batches, permissions
from registry.services.epcis import CONTEXT
from registry.services.epcis_ids import Key, owner_of, parse_key

# GS1's EPCIS 2.0 JSON schema, unchanged (github.com/gs1/EPCIS, JSON-Schema/); tests check it is GS1's file.
STANDARDS = Path(__file__).resolve().parent.parent / "standards"
SCHEMA_PATH = STANDARDS / "EPCIS-JSON-Schema.json"
# GS1's EPCIS 2.0 JSON-LD context (served at CONTEXT), unchanged: its terms are @protected.
CONTEXT_PATH = STANDARDS / "epcis-context.jsonld"
CAPTURE_LIMIT = 500  # events per document (GS1-CAPTURE-limit)
SCHEMA_ERRORS_SHOWN = 20

EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
CBV = "https://ref.gs1.org/cbv/"
_CBV_URN = re.compile(r"^urn:epcglobal:cbv:(bizstep|disp):([a-z_]+)$")


class SchemaInvalid(BadRequest):
    """The document breaks GS1's EPCIS 2.0 JSON schema (epcisException:ValidationException)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("epcis_schema")
        self.errors = errors


class NotYours(Forbidden):
    """A GS1 key in the document belongs to no organisation the caller may act for."""

    def __init__(self, identifier: str, organization: Organization | None) -> None:
        rule = "epcis_identifier_unowned" if organization is None else "epcis_identifier_other"
        super().__init__(rule, identifier=identifier, organization=organization.name if organization else "")
        self.errors = [FieldError("epcisBody", rule, dict(self.params))]


@cache
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=FormatChecker())


@cache
def protected_terms() -> dict[str, Any]:
    context = json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"]
    return {k: v for k, v in context.items() if not k.startswith("@")}


def _contexts(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [] if value is None else [value]


def context_errors(document: dict[str, Any]) -> list[FieldError]:
    """JSON-LD 1.1 forbids redefining a protected term of GS1's context once it is in force (a processor stops
    there), so a document doing it has no meaning to keep; a definition before the context is merely overridden."""
    terms, found = protected_terms(), []

    def check(items: list[Any], in_force: bool, where: str) -> None:
        for item in items:
            if item == CONTEXT:
                in_force = True
            elif isinstance(item, dict) and in_force:
                for term, definition in item.items():
                    if term in terms and terms[term] != definition:
                        found.append(FieldError(where, "epcis_protected_term", {"term": term}))

    check(_contexts(document.get("@context")), False, "@context")
    for i, event in enumerate(events_of(document)):
        if isinstance(event, dict) and "@context" in event:
            check(_contexts(event["@context"]), True, f"epcisBody.eventList[{i}].@context")
    return found


def schema_errors(document: Any) -> list[FieldError]:
    """GS1's schema errors, each at its JSON path; the `if/then` wrapper errors are left to their causes."""
    found: list[FieldError] = []
    for err in sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
        found.append(FieldError(path or "(document)", "epcis_schema", {"detail": err.message[:300]}))
        if len(found) >= SCHEMA_ERRORS_SHOWN:
            break
    return found


def events_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document.get("epcisBody", {}).get("eventList", []))


def term_uri(scheme: str, value: str | None) -> str | None:
    """A CBV term in its web URI form however it was written (bare word, URN, or URI); other URIs as they are."""
    if not value:
        return None
    prefix = "BizStep-" if scheme == "bizstep" else "Disp-"
    if found := _CBV_URN.match(value):
        return f"{CBV}{prefix}{found.group(2)}"
    if re.fullmatch(r"[a-z_]+", value):
        return f"{CBV}{prefix}{value}"
    return value


def _short(scheme: str, uri: str | None, offered: Any) -> str | None:
    """Our stored code for a CBV term we offer, else the URI itself when a column can hold it."""
    if uri is None:
        return None
    prefix = CBV + ("BizStep-" if scheme == "bizstep" else "Disp-")
    code = uri.removeprefix(prefix)
    if uri.startswith(prefix) and code in offered:
        return code
    return uri if len(uri) <= 64 else None


def identifiers(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, identifier) for every EPC ("epc") and class ("class") the event names."""
    for name in EPC_LISTS:
        for epc in event.get(name) or []:
            yield "epc", epc
    if event.get("parentID"):
        yield "epc", event["parentID"]
    for name in QUANTITY_LISTS:
        for q in event.get(name) or []:
            yield "class", q["epcClass"]


def _locations(event: dict[str, Any]) -> Iterator[str]:
    for name in ("readPoint", "bizLocation"):
        if isinstance(event.get(name), dict) and event[name].get("id"):
            yield event[name]["id"]


def check_ownership(actor: User, events: list[dict[str, Any]]) -> None:
    """Every GS1 key in what and where (not source or destination: those name other parties) must belong to an
    organisation the actor may write for."""
    allowed: dict[int, bool] = {}
    seen: set[str] = set()
    for event in events:
        names = [value for _, value in identifiers(event)] + list(_locations(event))
        for identifier in names:
            if identifier in seen:
                continue
            seen.add(identifier)
            key = parse_key(identifier)
            if key is None:
                continue  # not a GS1 key (a geo: URI, a private URI): nothing to own
            org = owner_of(key)
            if org is None:
                raise NotYours(identifier, None)
            if org.id not in allowed:
                allowed[org.id] = permissions.can_write_organization(actor, org.id, org.province_id)
            if not allowed[org.id]:
                raise NotYours(identifier, org)


def parse_time(value: str) -> datetime:
    """An xsd:dateTime with offset (the schema guarantees the form); fractions beyond microseconds are cut."""
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("z", "Z"))
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


@dataclass
class _Stored:
    event: EpcisEvent
    outputs: list[Batch] = field(default_factory=list)
    inputs: list[Batch] = field(default_factory=list)


def _batch_for(actor: User, key: Key | None, cache_: dict[tuple[int, str], Batch]) -> Batch | None:
    """The batch of a lot of a registered product, created when the lot is new; None without lot or product."""
    if key is None or key.gtin is None or key.lot is None:
        return None
    product = db.session.scalar(select(Product).where(Product.gtin == key.gtin))
    if product is None:
        return None
    if (product.id, key.lot) in cache_:
        return cache_[(product.id, key.lot)]
    batch = db.session.scalar(select(Batch).where(Batch.product_id == product.id, Batch.lot == key.lot))
    if batch is None:
        batch = batches.create_batch(actor, {"product_id": product.id, "lot": key.lot}, commit=False)
    cache_[(product.id, key.lot)] = batch
    return batch


def _batches(actor: User, values: list[str], cache_: dict[tuple[int, str], Batch]) -> list[Batch]:
    found: list[Batch] = []
    for value in values:
        batch = _batch_for(actor, parse_key(value), cache_)
        if batch is not None and batch not in found:
            found.append(batch)
    return found


def _event_json(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The event as sent, carrying the terms its document's @context defined beyond GS1's, so it keeps its meaning
    outside that document."""
    extra: list[Any] = []
    in_force = False
    for item in _contexts(context):
        if item == CONTEXT:
            in_force = True
        elif isinstance(item, dict) and not in_force:
            # placed before GS1's context, which overrode these terms: they said nothing
            kept = {k: v for k, v in item.items() if k not in protected_terms()}
            if kept:
                extra.append(kept)
        else:
            extra.append(item)
    extra += _contexts(event.get("@context"))
    body = {k: v for k, v in event.items() if k != "@context"}
    if extra:
        return {"@context": extra[0] if len(extra) == 1 else extra, **body}
    return body


def _store(actor: User, capture: EpcisCapture, document: dict[str, Any]) -> int:
    cache_: dict[tuple[int, str], Batch] = {}
    context = document.get("@context")
    count = 0
    seen: set[str] = set()
    for i, event in enumerate(events_of(document)):
        if (ident := event.get("eventID")) and not event.get("errorDeclaration"):
            # EPCIS 2.0 §7.4.1: an eventID names one event; it comes again only to declare that event in error
            if ident in seen or db.session.scalar(select(EpcisEvent.id).where(EpcisEvent.event_id == ident).limit(1)):
                raise InvalidInput.one(f"epcisBody.eventList[{i}].eventID", "epcis_duplicate_event", value=ident)
            seen.add(ident)
        stored = EpcisEvent(
            capture_id=capture.id,
            event_id=(event.get("eventID") or None),
            event_type=event["type"],
            event_time=parse_time(event["eventTime"]),
            record_time=utcnow(),
            biz_step=term_uri("bizstep", event.get("bizStep")),
            biz_location=(event.get("bizLocation") or {}).get("id"),
            document=_event_json(event, context),
        )
        rows = {(kind, value) for kind, value in identifiers(event) if len(value) <= 512}
        stored.epcs = [EpcisEventEpc(kind=kind, value=value) for kind, value in sorted(rows)]
        db.session.add(stored)
        db.session.flush()
        _trace_events(actor, stored, event, cache_)
        count += 1
    return count


def _trace_events(actor: User, stored: EpcisEvent, event: dict[str, Any], cache_: dict[tuple[int, str], Batch]) -> None:
    """The event as trace events of the lots it names: one per output lot of a transformation (with its input
    lots), or one per lot named otherwise."""

    def values(*names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            items = event.get(name) or []
            out += [q["epcClass"] for q in items] if name in QUANTITY_LISTS else list(items)
        return out

    if event["type"] == "TransformationEvent":
        outputs = _batches(actor, values("outputQuantityList", "outputEPCList"), cache_)
        inputs = _batches(actor, values("inputQuantityList", "inputEPCList"), cache_)
        pairs = [(b, [i for i in inputs if i is not b]) for b in outputs] or [(b, []) for b in inputs]
    else:
        named = values(*EPC_LISTS, *QUANTITY_LISTS) + ([event["parentID"]] if event.get("parentID") else [])
        pairs = [(b, []) for b in _batches(actor, named, cache_)]
    gln = None
    for where in _locations(event):
        key = parse_key(where)
        if key is not None and key.gln is not None:
            gln = key.gln
            break
    occurred = stored.event_time.astimezone(parse_time(event["eventTime"]).tzinfo)
    biz_step = _short("bizstep", stored.biz_step, voc.BIZ_STEPS) or "other"
    disposition = _short("disp", term_uri("disp", event.get("disposition")), voc.DISPOSITIONS)
    for batch, inputs in pairs:
        batches.record_captured_event(
            actor,
            batch,
            stored,
            biz_step=biz_step,
            disposition=disposition,
            occurred_at=occurred,
            tz_offset=event.get("eventTimeZoneOffset") or "+00:00",
            gln=gln,
            inputs=inputs,
        )


def capture(actor: User | None, document: Any) -> EpcisCapture:
    """Check, then store every event or none. Refusals before storing raise (400 schema, 403 ownership, 413 size);
    a failure while storing is kept on the capture job, as the REST binding reports it."""
    user = permissions.require_role(actor, "producer")
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise SchemaInvalid(
            [
                FieldError(
                    "type",
                    "epcis_document_type",
                    {"value": str(document.get("type") if isinstance(document, dict) else type(document).__name__)},
                )
            ]
        )
    listed = (document.get("epcisBody") or {}).get("eventList") if isinstance(document.get("epcisBody"), dict) else None
    if isinstance(listed, list) and len(listed) > CAPTURE_LIMIT:  # counted before the (slower) schema check
        raise TooManyEvents(limit=CAPTURE_LIMIT)
    if errors := schema_errors(document) or context_errors(document):
        raise SchemaInvalid(errors)
    events = events_of(document)
    check_ownership(user, events)
    job = EpcisCapture(user_id=user.id, status="running", event_count=len(events))
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    try:
        stored = _store(user, job, document)
        audit.record(user, "create", "epcis_capture", job.id, None, {"events": stored})
        job.status, job.finished_at = "success", utcnow()
        db.session.commit()
    except (RegistryError, SQLAlchemyError, ValueError) as err:
        db.session.rollback()
        failed = db.session.get(EpcisCapture, job_id)
        assert failed is not None
        job = failed
        job.status, job.finished_at = "failure", utcnow()
        job.errors = _failure(err)
        db.session.commit()
    return job


class TooManyEvents(RegistryError):
    status = 413
    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__("epcis_capture_limit", limit=limit)
        self.errors = [FieldError("epcisBody.eventList", "epcis_capture_limit", {"limit": limit})]


def _failure(err: Exception) -> list[dict[str, Any]]:
    if isinstance(err, InvalidInput):
        return [
            {"field": e.field, "rule": e.rule, "params": {k: str(v) for k, v in e.params.items()}} for e in err.errors
        ]
    if isinstance(err, RegistryError):
        return [{"field": "epcisBody", "rule": err.rule, "params": {k: str(v) for k, v in err.params.items()}}]
    return [{"field": "epcisBody", "rule": "epcis_store", "params": {"detail": type(err).__name__}}]


def get_capture(actor: User | None, capture_id: int) -> EpcisCapture:
    """A capture job, for the user who sent it, someone of the same organisation, or an admin; else 404."""
    user = permissions.require_user(actor)
    job = db.session.get(EpcisCapture, capture_id) if 0 < capture_id < 2**31 else None
    if job is None:
        raise NotFound()
    same_org = user.organization_id is not None and job.user.organization_id == user.organization_id
    if user.role != "admin" and job.user_id != user.id and not same_org:
        raise NotFound()
    return job
