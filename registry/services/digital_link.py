"""GS1 Digital Link 1.4 paths for GTINs: parsing, validation, and what a scan resolves to."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as GS1_AIS
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from registry.errors import BadRequest, FieldError, NotFound
from registry.extensions import db
from registry.models import (
    Batch,
    Certificate,
    CertificationBody,
    Commune,
    Organization,
    Product,
    ProductStandard,
    Province,
    Standard,
    TraceEvent,
)
from registry.models.certificate import DECLARATION_CATEGORIES, certificate_products
from registry.models.product import OCOP_VALIDITY_MONTHS, add_months
from registry.services import dl_compression, gs1
from registry.services.timefmt import local_iso, today_vn

# Key qualifiers of AI (01): either a subsequence of 22, 10, 21 in this order, or 235 (TPX) alone
# (GS1 Digital Link URI syntax 1.4+; the syntax dictionary's `dlpkey=22,10,21|235`; 21 excludes 235).
QUALIFIER_SEQUENCES = (("22", "10", "21"), ("235",))
QUALIFIERS = ("22", "10", "21", "235")
# Their formats: GS1 AI encodable character set 82, at most this many characters.
QUALIFIER_MAX = {"22": 20, "10": 20, "21": 20, "235": 28}
SET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DATE_AIS = {"11", "12", "13", "15", "16", "17"}
# Primary keys and key qualifiers: identifiers that belong in the path, never in the query string.
_PATH_ONLY = {"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013", "8017"}
_PATH_ONLY |= {"8018", "22", "10", "21", "235", "254", "7040"}


class InvalidDigitalLink(BadRequest):
    """A Digital Link path or query that breaks the standard; `errors` name each AI and rule."""

    code = "invalid_digital_link"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("invalid_digital_link")
        self.errors = errors

    @classmethod
    def one(cls, ai: str, rule: str, **params: Any) -> InvalidDigitalLink:
        return cls([FieldError(ai, rule, params)])


@dataclass(frozen=True)
class DigitalLink:
    gtin: str  # 14 digits
    given_gtin: str  # as written in the path (8, 12, 13 or 14 digits)
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    tpx: str | None = None

    @property
    def is_canonical(self) -> bool:
        return self.given_gtin == self.gtin

    @property
    def path(self) -> str:
        """The canonical path: 14-digit GTIN, qualifiers in order, each value percent-encoded."""
        return build_path(self.gtin, cpv=self.cpv, lot=self.lot, serial=self.serial, tpx=self.tpx)

    @property
    def query(self) -> str:
        """The data attributes as a query string, in AI order, each value percent-encoded."""
        return "&".join(f"{ai}={quote(v, safe='')}" for ai, v in sorted(self.attributes.items()))

    @property
    def uri_path(self) -> str:
        """The path and query string of the uncompressed, canonical Digital Link."""
        return self.path + (f"?{self.query}" if self.attributes else "")

    def up(self) -> DigitalLink:
        """The link one level up: without its last key qualifier (walk-up)."""
        if self.tpx is not None:
            return DigitalLink(self.gtin, self.gtin, cpv=self.cpv)
        if self.serial is not None:
            return DigitalLink(self.gtin, self.gtin, cpv=self.cpv, lot=self.lot)
        if self.lot is not None:
            return DigitalLink(self.gtin, self.gtin, cpv=self.cpv)
        return DigitalLink(self.gtin, self.gtin)

    @property
    def expires_on(self) -> date | None:
        return yymmdd(self.attributes["17"]) if "17" in self.attributes else None


def encode_value(value: str) -> str:
    """A key or attribute value as GS1 Digital Link writes it: every character outside A-Z a-z 0-9 - . _ ~
    percent-encoded (so `/` in a lot is `%2F`, never a path separator)."""
    return quote(value, safe="")


def build_path(
    gtin: str, *, cpv: str | None = None, lot: str | None = None, serial: str | None = None, tpx: str | None = None
) -> str:
    """The one builder of Digital Link paths the registry writes (pages, QR codes, feeds, linksets, exports)."""
    parts = ["", "01", gtin]
    for ai, value in (("22", cpv), ("10", lot), ("21", serial), ("235", tpx)):
        if value is not None:
            parts += [ai, encode_value(value)]
    return "/".join(parts)


def build_uri(base_url: str, gtin: str, **qualifiers: str | None) -> str:
    """An absolute Digital Link under `base_url` (the deployment's PUBLIC_BASE_URL)."""
    return base_url.rstrip("/") + build_path(gtin, **qualifiers)


def yymmdd(value: str) -> date | None:
    """A GS1 date; day 00 means the month's last day; the century follows GS1 GenSpec 7.12."""
    if not re.fullmatch(r"\d{6}", value):
        return None
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    current = today_vn().year
    century = current - current % 100
    year = century + yy
    if year - current >= 51:
        year -= 100
    elif current - year > 49:
        year += 100
    if not 1 <= mm <= 12:
        return None
    last = calendar.monthrange(year, mm)[1]
    if dd == 0:
        dd = last
    return date(year, mm, dd) if 1 <= dd <= last else None


def _decode(raw: str, ai: str) -> str:
    if _PERCENT.search(raw):
        raise InvalidDigitalLink.one(ai, "dl_percent")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as err:
        raise InvalidDigitalLink.one(ai, "dl_percent") from err


@lru_cache(maxsize=16_384)
def parse_path(raw_path: str) -> DigitalLink:
    """Parse `/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]` or `/01/{gtin}[/235/{tpx}]` (still percent-encoded).

    One trailing slash is tolerated (the resolver standard's SHOULD); an empty segment anywhere else is refused,
    naming the AI whose value is missing. Memoised: a pure function of the path, and the GTIN check is a large
    part of a cached scan's time. Invalid paths raise and so are never kept.
    """
    path = raw_path.split("?", 1)[0]
    if path.endswith("/") and not path.endswith("//"):
        path = path[:-1]
    segments = path.split("/")
    if segments[:1] == [""]:
        segments = segments[1:]
    if len(segments) < 2 or segments[0] != "01":
        raise InvalidDigitalLink.one("01", "dl_path")
    for i, segment in enumerate(segments):
        if segment == "":
            ai = segments[i - 1] if i % 2 else (segments[i - 2] if i >= 2 else "01")
            raise InvalidDigitalLink.one(ai or "path", "dl_empty_segment")
    if len(segments) % 2:
        raise InvalidDigitalLink.one(segments[-1] or "path", "dl_value_missing")
    given = _decode(segments[1], "01")
    if err := gs1.gtin_error(given, "01"):
        raise InvalidDigitalLink([err])
    values: dict[str, str] = {}
    order: list[str] = []
    for i in range(2, len(segments), 2):
        ai, raw = segments[i], segments[i + 1]
        if ai not in QUALIFIERS:
            raise InvalidDigitalLink.one(ai or "path", "dl_qualifier_unknown", value=ai)
        if ai in values:
            raise InvalidDigitalLink.one(ai, "dl_qualifier_repeated")
        value = _decode(raw, ai)
        if not value:
            raise InvalidDigitalLink.one(ai, "dl_value_missing")
        if len(value) > QUALIFIER_MAX[ai] or not SET82.match(value):
            raise InvalidDigitalLink.one(ai, "dl_charset", max=QUALIFIER_MAX[ai])
        values[ai] = value
        order.append(ai)
    _check_order(order)
    return DigitalLink(
        gtin=gs1.normalize_gtin(given),
        given_gtin=given,
        cpv=values.get("22"),
        lot=values.get("10"),
        serial=values.get("21"),
        tpx=values.get("235"),
    )


def _check_order(order: list[str]) -> None:
    """The qualifiers must be an ordered subsequence of one of QUALIFIER_SEQUENCES."""
    for sequence in QUALIFIER_SEQUENCES:
        if all(ai in sequence for ai in order):
            positions = [sequence.index(ai) for ai in order]
            for before, after, ai in zip(positions, positions[1:], order[1:], strict=False):
                if after < before:
                    raise InvalidDigitalLink.one(ai, "dl_qualifier_order", other=sequence[before])
            return
    tpx = "235"
    other = next(ai for ai in order if ai != tpx)
    raise InvalidDigitalLink.one(tpx, "dl_qualifier_combination", other=other)


def parse_attributes(query: dict[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """GS1 data attributes from the query string (pairs, so a repeated AI is seen and refused); keys that are
    not all digits are not GS1's and pass."""
    attributes: dict[str, str] = {}
    pairs = query.items() if isinstance(query, dict) else query
    for key, value in pairs:
        if not key.isdigit():
            continue
        if key in attributes:
            raise InvalidDigitalLink.one(key, "dl_attribute_repeated")
        if key in _PATH_ONLY:
            raise InvalidDigitalLink.one(key, "dl_attribute_in_path")
        ai = GS1_AIS.get(key)
        if ai is None:
            raise InvalidDigitalLink.one(key, "dl_attribute_unknown")
        if not re.fullmatch(ai.pattern, key + value):
            raise InvalidDigitalLink.one(key, "dl_attribute_format", format=ai.format)
        if key in _DATE_AIS and yymmdd(value) is None:
            raise InvalidDigitalLink.one(key, "dl_date")
        attributes[key] = value
    return attributes


def parse(raw_path: str, query: dict[str, str] | Iterable[tuple[str, str]] | None = None) -> DigitalLink:
    link = parse_path(raw_path)
    attributes = parse_attributes(query or {})
    if not attributes:
        return link
    return replace(link, attributes=attributes)


def from_compressed(segment: str) -> tuple[DigitalLink, list[tuple[str, str]]]:
    """The Digital Link a compressed path segment stands for, and its non-GS1 key=value pairs.

    Its element strings are checked exactly as the uncompressed form's would be: the path by `parse_path`,
    the data attributes by `parse_attributes`. Only GTIN-keyed links are resolved here.
    """
    try:
        elements, others = dl_compression.decompress(segment)
    except dl_compression.DecompressionError as err:
        raise InvalidDigitalLink.one("path", "dl_compressed", reason=str(err)) from err
    return _from_elements(elements), others


_PARTIAL = re.compile(r"^/01/([^/]+)/([A-Za-z0-9_-]+)/?$")


def from_partially_compressed(raw_path: str) -> tuple[DigitalLink, list[tuple[str, str]]] | None:
    """`/01/{gtin}/{compressed qualifiers and attributes}` (the standard's partially compressed form), or None."""
    match = _PARTIAL.match(raw_path.split("?", 1)[0])
    if match is None:
        return None
    try:
        elements, others = dl_compression.decompress(match.group(2))
    except dl_compression.DecompressionError:
        return None
    if any(ai == "01" for ai, _ in elements):
        return None
    return _from_elements([("01", _decode(match.group(1), "01")), *elements]), others


def _from_elements(elements: list[tuple[str, str]]) -> DigitalLink:
    values: dict[str, str] = {}
    for ai, value in elements:
        if ai in values:
            raise InvalidDigitalLink.one(ai, "dl_attribute_repeated")
        values[ai] = value
    if "01" not in values:
        raise InvalidDigitalLink.one(elements[0][0], "dl_primary_key")
    qualifiers = {ai: values.pop(ai) for ai in QUALIFIERS if ai in values}
    gtin = values.pop("01")
    # The path in the order the compressed string gave, so a wrong order is refused as it would be uncompressed.
    order = [ai for ai, _ in elements if ai in qualifiers]
    path = "/01/" + encode_value(gtin) + "".join(f"/{ai}/{encode_value(qualifiers[ai])}" for ai in order)
    return parse(path, list(values.items()))


# --- What a scan resolves to ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _statements() -> tuple[Any, Any, Any]:
    """The three selects of a scan, built once with bound parameters (building them costs more than running them)."""
    p, o, c = Product, Organization, Certificate
    product = (
        select(
            p.id,
            p.name,
            p.gtin,
            p.description,
            p.ocop_group,
            p.ocop_stars,
            p.ocop_decision_number,
            p.ocop_decision_date,
            p.status,
            p.withdrawn_reason,
            p.is_key_product,
            o.id.label("org_id"),
            o.name.label("org_name"),
            o.address,
            o.phone,
            o.email,
            o.website,
            Province.name.label("province"),
            Province.name_en.label("province_en"),
            Province.slug.label("province_slug"),
            Commune.name.label("commune"),
        )
        .join(o, o.id == p.organization_id)
        .join(Province, Province.id == o.province_id)
        .outerjoin(Commune, Commune.id == o.commune_id)
        .where(p.gtin == bindparam("gtin"))
    )
    standards = (
        select(Standard.id, Standard.kind, Standard.code, Standard.title, Standard.document_path)
        .join(ProductStandard, ProductStandard.standard_id == Standard.id)
        .where(ProductStandard.product_id == bindparam("product_id"))
        .order_by(Standard.code)
    )
    certificates = (
        select(
            c.id,
            c.number,
            c.category,
            CertificationBody.name.label("body"),
            c.issued_on,
            c.expires_on,
            c.lifecycle,
            c.is_confirmed,
            c.scope,
        )
        .join(certificate_products, certificate_products.c.certificate_id == c.id)
        .outerjoin(CertificationBody, CertificationBody.id == c.certification_body_id)
        .where(certificate_products.c.product_id == bindparam("product_id"))
        .order_by(c.issued_on.desc(), c.id)
    )
    return product, standards, certificates


def resolve_digital_link(link: DigitalLink) -> dict[str, Any]:
    """Everything the consumer page and JSON show, read in a few Core selects.

    Statuses are computed on every call from the stored lifecycle and today's date, so a
    suspension shows at once on every worker. Raises NotFound for an unknown GTIN. An unknown lot, and any
    serial or TPX (the registry records none), walks up to the level above (GS1-Conformant Resolver: links
    of each level up to the primary key apply): `walk_up` then names the qualifier that was not found.
    """
    product_stmt, standards_stmt, certificates_stmt = _statements()
    row = db.session.execute(product_stmt, {"gtin": link.gtin}).one_or_none()
    if row is None:
        raise NotFound("unknown_gtin")
    today = today_vn()
    standards = [
        {"id": s.id, "kind": s.kind, "code": s.code, "title": s.title, "has_document": s.document_path is not None}
        for s in db.session.execute(standards_stmt, {"product_id": row.id})
    ]
    certificates = [
        {
            "id": cert.id,
            "number": cert.number,
            "category": cert.category,
            "body": cert.body,
            "issued_on": cert.issued_on,
            "expires_on": cert.expires_on,
            # The model's rule, applied to a plain row (it reads only lifecycle and expires_on).
            "status": Certificate.status_on(cert, today),  # type: ignore[arg-type]
            "is_confirmed": cert.is_confirmed,
            "is_self_declared": cert.category in DECLARATION_CATEGORIES,
            "scope": cert.scope,
        }
        for cert in db.session.execute(certificates_stmt, {"product_id": row.id})
    ]
    result: dict[str, Any] = {
        "link": link,
        "product": {
            "id": row.id,
            "name": row.name,
            "gtin": row.gtin,
            "gtin13": gs1.display_gtin(row.gtin),
            "description": row.description,
            "ocop_group": row.ocop_group,
            "status": row.status,
            "withdrawn_reason": row.withdrawn_reason,
            "is_key_product": row.is_key_product,
        },
        "producer": {
            "id": row.org_id,
            "name": row.org_name,
            "commune": row.commune,
            "province": row.province,
            "province_en": row.province_en,
            "province_slug": row.province_slug,
            "address": row.address,
            "phone": row.phone,
            "email": row.email,
            "website": row.website,
        },
        "ocop": None,
        "standards": standards,
        "certificates": certificates,
        "batch": None,
    }
    if row.ocop_stars:
        ocop_expires = add_months(row.ocop_decision_date, OCOP_VALIDITY_MONTHS) if row.ocop_decision_date else None
        result["ocop"] = {
            "stars": row.ocop_stars,
            "decision_number": row.ocop_decision_number,
            "decision_date": row.ocop_decision_date,
            "expires_on": ocop_expires,
            "is_valid": bool(ocop_expires and row.ocop_decision_date <= today < ocop_expires),
        }
    result["walk_up"] = None
    if link.lot is not None:
        result["batch"] = _batch(row.id, link.lot)
        if result["batch"] is None:
            above = link.up().up() if link.serial else link.up()
            result["walk_up"] = {"ai": "10", "value": link.lot, "to": above.path}
    if result["walk_up"] is None and (link.serial is not None or link.tpx is not None):
        ai, value = ("21", link.serial) if link.serial is not None else ("235", link.tpx)
        result["walk_up"] = {"ai": ai, "value": value, "to": link.up().path}
    problems = [c for c in certificates if c["status"] != "valid"]
    result["warning"] = bool(problems) or row.status == "withdrawn"
    return result


def _batch(product_id: int, lot: str) -> dict[str, Any] | None:
    batch = db.session.execute(
        select(Batch.id, Batch.lot, Batch.produced_on, Batch.expires_on, Batch.quantity, Batch.unit).where(
            Batch.product_id == product_id, Batch.lot == lot
        )
    ).one_or_none()
    if batch is None:
        return None
    events = []
    stmt = (
        select(TraceEvent, Commune.name, Organization.name)
        .outerjoin(Commune, Commune.id == TraceEvent.commune_id)
        .outerjoin(Organization, Organization.id == TraceEvent.organization_id)
        .where(TraceEvent.batch_id == batch.id)
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
        .options(selectinload(TraceEvent.inputs).joinedload(Batch.product))
    )
    for event, commune, actor in db.session.execute(stmt):
        events.append(
            {
                "id": event.id,
                "event_type": event.event_type,
                "biz_step": event.biz_step,
                "disposition": event.disposition,
                "occurred_at": local_iso(event.occurred_at, event.tz_offset),
                "commune": commune,
                "gln": event.gln,
                "organization": actor,
                "note": event.note,
                "inputs": [
                    {"id": b.id, "lot": b.lot, "product": b.product.name, "gtin": b.product.gtin} for b in event.inputs
                ],
            }
        )
    return {
        "id": batch.id,
        "lot": batch.lot,
        "produced_on": batch.produced_on,
        "expires_on": batch.expires_on,
        "quantity": float(batch.quantity) if batch.quantity is not None else None,
        "unit": batch.unit,
        "events": events,
    }
