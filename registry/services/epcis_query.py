"""EPCIS 2.0 simple event query over captured events, answered as an EPCISQueryDocument."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select

from registry.errors import BadRequest, FieldError
from registry.extensions import db
from registry.models import EpcisCapture, EpcisEvent, EpcisEventEpc, User
from registry.services import permissions
from registry.services.epcis import CONTEXT
from registry.services.epcis_capture import parse_time, term_uri

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


def _token(moment: datetime, ident: int) -> str:
    raw = json.dumps([moment.astimezone(UTC).isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> tuple[datetime, int]:
    try:
        moment, ident = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return datetime.fromisoformat(moment), int(ident)
    except (ValueError, TypeError, binascii.Error) as err:
        raise QueryParameterError([FieldError("nextPageToken", "invalid")]) from err


def _time(name: str, raw: list[str]) -> datetime:
    try:
        return parse_time(raw[-1])
    except ValueError as err:
        raise QueryParameterError([FieldError(name, "datetime")]) from err


def build_query(actor: User, args: dict[str, list[str]]) -> tuple[Select[tuple[EpcisEvent]], int]:
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        raise QueryParameterError([FieldError(name, "unknown_field") for name in unknown])
    stmt = select(EpcisEvent)
    if actor.role == "producer":
        # A producer reads what its own organisation captured; staff read everything.
        stmt = stmt.join(EpcisCapture).join(User).where(User.organization_id == actor.organization_id)
    if "eventType" in args:
        types = _values(args["eventType"])
        bad = [t for t in types if t not in EVENT_TYPES]
        if bad:
            raise QueryParameterError([FieldError("eventType", "enum", {"choices": list(EVENT_TYPES)})])
        stmt = stmt.where(EpcisEvent.event_type.in_(types))
    if "GE_eventTime" in args:
        stmt = stmt.where(EpcisEvent.event_time >= _time("GE_eventTime", args["GE_eventTime"]))
    if "LT_eventTime" in args:
        stmt = stmt.where(EpcisEvent.event_time < _time("LT_eventTime", args["LT_eventTime"]))
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
    try:
        per_page = int(args.get("perPage", [str(PER_PAGE)])[-1])
    except ValueError as err:
        raise QueryParameterError([FieldError("perPage", "integer")]) from err
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryParameterError([FieldError("perPage", "range", {"min": 1, "max": MAX_PER_PAGE})])
    if "nextPageToken" in args:
        moment, ident = _untoken(args["nextPageToken"][-1])
        stmt = stmt.where(
            or_(EpcisEvent.event_time > moment, and_(EpcisEvent.event_time == moment, EpcisEvent.id > ident))
        )
    return stmt.order_by(EpcisEvent.event_time, EpcisEvent.id), per_page


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_out(event: EpcisEvent) -> dict[str, Any]:
    """The event as captured, with the recordTime the repository gave it (EPCIS 2.0 §7.3: ignored on capture,
    present on query)."""
    body = dict(event.document)
    body["recordTime"] = _iso(event.record_time)
    return body


def query_events(actor: User | None, args: dict[str, list[str]]) -> Results:
    user = permissions.require_user(actor)
    stmt, per_page = build_query(user, args)
    found = list(db.session.scalars(stmt.limit(per_page + 1)))
    page, more = found[:per_page], len(found) > per_page
    document = {
        "@context": [CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(datetime.now(UTC)),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [event_out(e) for e in page]},
            }
        },
    }
    token = _token(page[-1].event_time, page[-1].id) if more else None
    return Results(document, token)
