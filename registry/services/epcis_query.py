"""EPCIS 2.0 simple event query over captured events, answered as an EPCISQueryDocument."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, true

from registry.errors import BadRequest, FieldError
from registry.extensions import db
from registry.models import Batch, Commune, EpcisCapture, EpcisEvent, EpcisEventEpc, Product, TraceEvent, User
from registry.models.batch import trace_event_inputs
from registry.services import permissions
from registry.services.epcis import CONTEXT, event_document
from registry.services.epcis_capture import CBV, parse_time, term_uri
from registry.services.epcis_ids import parse_key
from registry.services.linked_data import VOC_PATH, commune_uri

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
PARAMETERS = (
    "eventType",
    "GE_eventTime",
    "LT_eventTime",
    "EQ_bizStep",
    "MATCH_anyEPC",
    "MATCH_epcClass",
    "EQ_bizLocation",
    "perPage",
    "nextPageToken",
)
PER_PAGE, MAX_PER_PAGE = 30, 1000


class QueryParameterError(BadRequest):
    """epcisException:QueryParameterException: an unknown parameter or a value of the wrong form."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("epcis_query_parameter")
        self.errors = errors


@dataclass
class Results:
    document: dict[str, Any]
    next_token: str | None


def _values(raw: list[str]) -> list[str]:
    """A parameter's values: repeated, or separated by `|` as the REST binding writes lists."""
    return [v for item in raw for v in item.split("|") if v]


def _pattern(column: Any, value: str) -> Any:
    """EPC patterns: `urn:epc:idpat:sgtin:0614141.107346.*` and a trailing `*` match by prefix."""
    if value.endswith("*"):
        stem = value[:-1].replace("urn:epc:idpat:", "urn:epc:id:", 1)
        escaped = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    return column == value


# Events come in (eventTime, source, id) order: source 0 is a captured event, 1 one recorded in the registry.
Position = tuple[datetime, int, int]


def _token(position: Position) -> str:
    moment, source, ident = position
    raw = json.dumps([moment.astimezone(UTC).isoformat(), source, ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> Position:
    try:
        moment, source, ident = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return datetime.fromisoformat(moment), int(source), int(ident)
    except (ValueError, TypeError, binascii.Error) as err:
        raise QueryParameterError([FieldError("nextPageToken", "invalid")]) from err


def _after(time_col: Any, id_col: Any, source: int, position: Position | None) -> Any:
    """Rows of `source` after `position` in (eventTime, source, id) order."""
    if position is None:
        return true()
    moment, at_source, ident = position
    same_time = time_col == moment
    if source > at_source:
        return or_(time_col > moment, same_time)
    if source < at_source:
        return time_col > moment
    return or_(time_col > moment, and_(same_time, id_col > ident))


def _time(name: str, raw: list[str]) -> datetime:
    try:
        return parse_time(raw[-1])
    except ValueError as err:
        raise QueryParameterError([FieldError(name, "datetime")]) from err


@dataclass
class Query:
    args: dict[str, list[str]]
    types: list[str] | None
    since: datetime | None
    before: datetime | None
    per_page: int
    position: Position | None


def parse_query(args: dict[str, list[str]]) -> Query:
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        raise QueryParameterError([FieldError(name, "unknown_field") for name in unknown])
    types = _values(args["eventType"]) if "eventType" in args else None
    if types is not None and any(t not in EVENT_TYPES for t in types):
        raise QueryParameterError([FieldError("eventType", "enum", {"choices": list(EVENT_TYPES)})])
    try:
        per_page = int(args.get("perPage", [str(PER_PAGE)])[-1])
    except ValueError as err:
        raise QueryParameterError([FieldError("perPage", "integer")]) from err
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryParameterError([FieldError("perPage", "range", {"min": 1, "max": MAX_PER_PAGE})])
    return Query(
        args,
        types,
        _time("GE_eventTime", args["GE_eventTime"]) if "GE_eventTime" in args else None,
        _time("LT_eventTime", args["LT_eventTime"]) if "LT_eventTime" in args else None,
        per_page,
        _untoken(args["nextPageToken"][-1]) if "nextPageToken" in args else None,
    )


def captured_query(actor: User, q: Query) -> Select[EpcisEvent]:
    args = q.args
    stmt = select(EpcisEvent)
    if actor.role == "producer":
        # A producer reads what its own organisation captured; staff read everything.
        stmt = stmt.join(EpcisCapture).join(User).where(User.organization_id == actor.organization_id)
    if q.types is not None:
        stmt = stmt.where(EpcisEvent.event_type.in_(q.types))
    if q.since is not None:
        stmt = stmt.where(EpcisEvent.event_time >= q.since)
    if q.before is not None:
        stmt = stmt.where(EpcisEvent.event_time < q.before)
    if "EQ_bizStep" in args:
        stmt = stmt.where(EpcisEvent.biz_step.in_([term_uri("bizstep", v) for v in _values(args["EQ_bizStep"])]))
    if "EQ_bizLocation" in args:
        stmt = stmt.where(EpcisEvent.biz_location.in_(_values(args["EQ_bizLocation"])))
    for name, kind in (("MATCH_anyEPC", "epc"), ("MATCH_epcClass", "class")):
        if name in args:
            match = or_(*(_pattern(EpcisEventEpc.value, v) for v in _values(args[name])))
            stmt = stmt.where(
                EpcisEvent.id.in_(select(EpcisEventEpc.event_id).where(EpcisEventEpc.kind == kind, match))
            )
    stmt = stmt.where(_after(EpcisEvent.event_time, EpcisEvent.id, 0, q.position))
    return stmt.order_by(EpcisEvent.event_time, EpcisEvent.id).limit(q.per_page + 1)


def _step_codes(values: list[str], base: str) -> list[str]:
    """The stored codes of business steps named by URI (CBV's, or ours under /voc/), and the URIs themselves."""
    codes: list[str] = []
    ours = f"{base.rstrip('/')}{VOC_PATH}BizStep-"
    for value in values:
        uri = term_uri("bizstep", value) or value
        codes.append(uri)
        for prefix in (CBV + "BizStep-", ours):
            if uri.startswith(prefix):
                codes.append(uri.removeprefix(prefix))
    return codes


def native_query(q: Query, base: str) -> Select[TraceEvent] | None:
    """The registry's own trace events (not captured ones: those answer as captured), filtered the same way on
    what their export says; None when a filter cannot match any of them."""
    args = q.args
    stmt = (
        select(TraceEvent)
        .join(Batch, TraceEvent.batch_id == Batch.id)
        .join(Product, Batch.product_id == Product.id)
        .where(TraceEvent.epcis_event_id.is_(None), Product.gtin.is_not(None))
    )
    if q.types is not None:
        stmt = stmt.where(TraceEvent.event_type.in_(q.types))
    if q.since is not None:
        stmt = stmt.where(TraceEvent.occurred_at >= q.since)
    if q.before is not None:
        stmt = stmt.where(TraceEvent.occurred_at < q.before)
    if "EQ_bizStep" in args:
        stmt = stmt.where(TraceEvent.biz_step.in_(_step_codes(_values(args["EQ_bizStep"]), base)))
    if "MATCH_anyEPC" in args:
        return None  # they name lots (classes), never single EPCs
    if "EQ_bizLocation" in args:
        places = []
        communes = commune_uri("", base)
        for value in _values(args["EQ_bizLocation"]):
            key = parse_key(value)
            if key is not None and key.gln is not None:
                places.append(TraceEvent.gln == key.gln)
            elif value.startswith(communes):
                code = value.removeprefix(communes)
                places.append(TraceEvent.commune_id.in_(select(Commune.id).where(Commune.code == code)))
        if not places:
            return None
        stmt = stmt.where(or_(*places))
    if "MATCH_epcClass" in args:
        lots = []
        for value in _values(args["MATCH_epcClass"]):
            key = parse_key(value)
            if key is not None and key.gtin is not None and key.serial is None:
                lots.append(
                    and_(Product.gtin == key.gtin, Batch.lot == key.lot) if key.lot else Product.gtin == key.gtin
                )
        if not lots:
            return None
        ids = select(Batch.id).join(Product, Batch.product_id == Product.id).where(or_(*lots))
        used = select(trace_event_inputs.c.event_id).where(trace_event_inputs.c.batch_id.in_(ids))
        stmt = stmt.where(or_(TraceEvent.batch_id.in_(ids), TraceEvent.id.in_(used)))
    stmt = stmt.where(_after(TraceEvent.occurred_at, TraceEvent.id, 1, q.position))
    return stmt.order_by(TraceEvent.occurred_at, TraceEvent.id).limit(q.per_page + 1)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_out(event: EpcisEvent) -> dict[str, Any]:
    """The event as captured, with the recordTime the repository gave it (EPCIS 2.0 §7.3: ignored on capture,
    present on query)."""
    body = dict(event.document)
    body["recordTime"] = _iso(event.record_time)
    return body


def query_events(actor: User | None, args: dict[str, list[str]], base_url: str) -> Results:
    user = permissions.require_user(actor)
    q = parse_query(args)
    found: list[tuple[Position, dict[str, Any]]] = [
        ((e.event_time, 0, e.id), event_out(e)) for e in db.session.scalars(captured_query(user, q))
    ]
    native = native_query(q, base_url)
    if native is not None:
        for t in db.session.scalars(native):
            body = event_document(t, base_url.rstrip("/"))
            body["recordTime"] = _iso(t.recorded_at)
            found.append(((t.occurred_at, 1, t.id), body))
    found.sort(key=lambda item: item[0])
    page, more = found[: q.per_page], len(found) > q.per_page
    document = {
        "@context": [CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(datetime.now(UTC)),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [body for _, body in page]},
            }
        },
    }
    return Results(document, _token(page[-1][0]) if more else None)
