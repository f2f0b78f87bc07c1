"""Bulk import of CSV and XLSX files: streamed, validated like the API, written all-or-nothing."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import itertools
import json
import re
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import IO, Any, TypeVar, cast

import psycopg
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select, text

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput
from registry.extensions import db
from registry.models import Organization, Product, User
from registry.models.product import OCOP_GROUPS
from registry.schemas import fields as f
from registry.schemas.fields import field_errors
from registry.schemas.resources import ActivityIn, CertificateIn, OrganizationIn, ProductIn, StandardIn
from registry.services import activities, audit, certificates, gs1, organizations, permissions, products, standards
from registry.services.text import fast_fold, fold, nfc

XLSX_MAGIC = b"PK\x03\x04"
CHUNK = 2000
PROGRESS_EVERY = 500
SQLITE_CACHE_KIB = 64 * 1024  # page cache while an import writes to SQLite
Progress = Callable[[int, int | None], None]  # (data rows done, total rows if known)
T = TypeVar("T")
Steps = Generator[tuple[int, int | None], None, T]  # yields progress, returns T
_Rows = Generator[tuple[int, list[Any]], None, None]  # (row number, cells)


def header_key(text: str) -> str:
    """How a column header is compared: folded, punctuation as spaces ('Tỉnh/Thành phố' -> 'tinh thanh pho')."""
    return " ".join(re.sub(r"[_\-/.,:()*\[\]]", " ", fold(text)).split())


_COMMON = {"organization_id": ("ma to chuc", "id to chuc", "to chuc id"), "note": ("ghi chu",)}
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "organizations": {
        "name": ("ten", "ten to chuc", "ten doanh nghiep", "ten co so", "ten chu the"),
        "kind": ("loai hinh", "loai hinh to chuc", "loai"),
        "tax_code": ("ma so thue", "mst"),
        "province": ("tinh", "tinh thanh pho", "tinh thanh", "thanh pho"),
        "commune": ("xa", "xa phuong", "phuong xa", "phuong"),
        "address": ("dia chi",),
        "is_sme": ("doanh nghiep nho va vua", "dnnvv", "la dnnvv"),
        "gs1_company_prefix": ("ma doanh nghiep gs1", "tien to gs1", "ma gs1"),
        "phone": ("dien thoai", "so dien thoai"),
        "email": ("thu dien tu",),
        "website": ("trang web",),
    },
    "products": {
        "organization_id": _COMMON["organization_id"],
        "name": ("ten", "ten san pham"),
        "ocop_group": ("nhom san pham", "nhom ocop", "nhom"),
        "gtin": ("ma gtin", "ma vach", "ma so ma vach"),
        "description": ("mo ta",),
        "is_key_product": ("san pham chu luc", "chu luc"),
        "is_specialty": ("dac san", "san pham dac san"),
        "has_collective_trademark": ("nhan hieu tap the",),
        "is_high_risk": ("nguy co cao", "san pham nguy co cao"),
        "ocop_stars": ("so sao ocop", "so sao", "hang sao", "sao ocop"),
        "ocop_decision_number": ("so quyet dinh ocop", "so quyet dinh"),
        "ocop_decision_date": ("ngay quyet dinh ocop", "ngay quyet dinh"),
    },
    "standards": {
        "organization_id": _COMMON["organization_id"],
        "kind": ("loai", "loai tieu chuan"),
        "code": ("ma tieu chuan", "so hieu", "ky hieu", "so hieu tieu chuan"),
        "title": ("ten", "ten tieu chuan", "tieu de"),
        "published_on": ("ngay cong bo", "ngay ban hanh"),
        "note": _COMMON["note"],
    },
    "certificates": {
        "organization_id": _COMMON["organization_id"],
        "number": ("so chung nhan", "so giay chung nhan", "so chung chi"),
        "certification_body_id": ("ma to chuc chung nhan", "to chuc chung nhan id", "id to chuc chung nhan"),
        "category": ("loai chung nhan", "nhom chung nhan", "loai"),
        "standard_ids": ("tieu chuan", "cac tieu chuan", "ma cac tieu chuan"),
        "product_ids": ("san pham", "cac san pham", "ma cac san pham"),
        "scope": ("pham vi", "pham vi chung nhan"),
        "issued_on": ("ngay cap",),
        "expires_on": ("ngay het han", "hieu luc den"),
    },
    "support-activities": {
        "organization_id": _COMMON["organization_id"],
        "province": ("tinh", "tinh thanh pho", "tinh thanh"),
        "kind": ("loai hinh", "loai hoat dong", "loai", "hinh thuc"),
        "held_on": ("ngay", "ngay to chuc", "ngay thuc hien"),
        "attendees": ("so nguoi tham du", "so nguoi tham gia", "so luot nguoi"),
        "agency": ("co quan", "co quan thuc hien", "don vi thuc hien"),
        "note": _COMMON["note"],
    },
}


@dataclass(frozen=True)
class Spec:
    kind: str
    schema: type[Schema]
    entity: str
    owner_field: str  # the column a refusal of authorisation is reported against
    create: Callable[..., Any] | None  # the service's create function (None: the bulk path below)
    columns_excluded: tuple[str, ...] = ()


SPECS: dict[str, Spec] = {
    "organizations": Spec(
        "organizations", OrganizationIn, "organization", "province", organizations.create_organization
    ),
    "products": Spec("products", ProductIn, "product", "organization_id", None, ("status",)),
    "standards": Spec(
        "standards",
        StandardIn,
        "standard",
        "organization_id",
        standards.create_standard,
        ("supersedes", "references"),
    ),
    "certificates": Spec(
        "certificates", CertificateIn, "certificate", "organization_id", certificates.create_certificate
    ),
    "support-activities": Spec(
        "support-activities", ActivityIn, "support_activity", "organization_id", activities.create_activity
    ),
}
KIND_NAMES = {"activities": "support-activities"}
KINDS = (*SPECS, *KIND_NAMES)


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str
    rule: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int
    dry_run: bool


class ImportRejected(InvalidInput):
    """At least one row is bad: nothing was written; `rows` lists every bad row."""

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__([FieldError(f"row {e.row}: {e.field}", e.rule, e.params) for e in rows])
        self.rows = rows


def spec_for(kind: str) -> Spec:
    name = KIND_NAMES.get(kind, kind)
    if name not in SPECS:
        raise InvalidInput.one("kind", "enum", choices=list(KINDS))
    return SPECS[name]


# ---- reading ---------------------------------------------------------------------------------


def detect_format(head: bytes) -> str | None:
    """'xlsx' (a zip), 'csv' (UTF-8 text), or None for anything else."""
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if not head or b"\x00" in head:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return "csv"


def _peek(stream: IO[bytes], n: int = 8192) -> bytes:
    pos = stream.tell()
    head = stream.read(n)
    stream.seek(pos)
    return head


def _csv_rows(stream: IO[bytes]) -> tuple[_Rows, int | None]:
    pos = stream.tell()
    total = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(pos)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    first = text.readline()
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)

    def rows() -> _Rows:
        try:
            yield from enumerate(reader, start=1)
        finally:
            text.detach()  # the caller owns the byte stream and closes it

    return rows(), total


def _xlsx_rows(stream: IO[bytes]) -> tuple[_Rows, int | None]:
    from openpyxl import load_workbook  # imported on use: it is heavy and only XLSX needs it

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as err:  # a corrupt zip or a zip that is not a workbook
        raise InvalidInput.one("file", "file_type", expected="CSV, XLSX") from err
    sheet = book.active
    total = sheet.max_row if sheet is not None else 0

    def rows() -> _Rows:
        try:
            for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[union-attr]
                yield i, list(values)
        finally:
            book.close()

    return rows(), total


# ---- cells to API values ---------------------------------------------------------------------

TRUE = {"true", "1", "co", "x", "yes", "y", "dung", "phai"}
FALSE = {"false", "0", "khong", "no", "n", "sai", ""}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_INT = re.compile(r"^[+-]?\d+$")


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.match(value):
        return int(value)
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else value
    key = fold(value)
    return True if key in TRUE else False if key in FALSE else value


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and (m := _DMY.match(value)):
        day, month, year = (int(x) for x in m.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return value
    return value


def _to_list(value: Any) -> Any:
    if isinstance(value, int | float):
        return [_to_int(value)]
    return [_to_int(part.strip()) for part in re.split(r"[;,]", str(value)) if part.strip()]


def _to_str(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _file_errors(messages: Any) -> list[FieldError]:
    """The schema's refusals of a row, a date named as a file may write it (the API takes ISO dates only)."""
    return [FieldError(e.field, "import_date", e.params) if e.rule == "date" else e for e in field_errors(messages)]


def _converter(schema_field: Any) -> Callable[[Any], Any]:
    if isinstance(schema_field, f.Bool):
        return _to_bool
    if isinstance(schema_field, f.Int):
        return _to_int
    if isinstance(schema_field, f.Date):
        return _to_date
    if isinstance(schema_field, f.List):
        return _to_list
    return _to_str


class _Columns:
    """The file's header mapped to API fields, and the conversion of each cell."""

    def __init__(self, spec: Spec, header: list[Any]) -> None:
        schema = spec.schema()
        allowed = [name for name in schema.fields if name not in spec.columns_excluded]
        lookup: dict[str, str] = {header_key(name): name for name in allowed}
        for name, aliases in ALIASES[spec.kind].items():
            for alias in aliases:
                lookup.setdefault(header_key(alias), name)
        self.errors: list[RowError] = []
        self.columns: list[tuple[int, str, Callable[[Any], Any]]] = []
        seen: set[str] = set()
        for i, raw in enumerate(header):
            label = str(raw).strip() if raw is not None else ""
            if not label:
                continue
            column = lookup.get(header_key(label))
            if column is None:
                self.errors.append(RowError(1, label, "unknown_field"))
            elif column in seen:
                self.errors.append(RowError(1, label, "duplicate_column", {"column": column}))
            else:
                seen.add(column)
                self.columns.append((i, column, _converter(schema.fields[column])))
        for name in allowed:
            if schema.fields[name].required and name not in seen:
                self.errors.append(RowError(1, name, "missing_column"))

    def record(self, cells: list[Any]) -> dict[str, Any] | None:
        """The row as API input (blank cells left out), or None for a blank row."""
        data: dict[str, Any] = {}
        for i, name, convert in self.columns:
            value = cells[i] if i < len(cells) else None
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                continue
            data[name] = convert(value)
        return data or None


# ---- validating and writing ------------------------------------------------------------------


@dataclass
class _Run:
    spec: Spec
    actor: User
    dry_run: bool
    errors: list[RowError] = dataclasses.field(default_factory=list)
    created: int = 0

    def fail(self, row: int, errs: list[FieldError]) -> None:
        self.errors.extend(RowError(row, e.field, e.rule, e.params) for e in errs)


def _service_row(run: _Run, row: int, data: dict[str, Any]) -> None:
    """Create one record through its service, in the import's open transaction."""
    assert run.spec.create is not None
    try:
        run.spec.create(run.actor, data, commit=False)
    except InvalidInput as err:
        run.fail(row, err.errors)
    except Conflict as err:
        run.fail(row, err.errors or [FieldError(run.spec.owner_field, err.rule, err.params)])
    except Forbidden:
        run.fail(row, [FieldError(run.spec.owner_field, "import_forbidden")])
    else:
        run.created += 1


# ---- products: a fast path checked against the reference ------------------------------------
#
# Products come in files of tens of thousands of rows, so they skip per-row marshmallow and ORM
# objects. `_FastProducts` accepts a row only when every cell is of a plain, certainly valid form
# and builds the same values the reference would; anything else (a bad cell, an unusual type)
# goes to `_reference_product`: ProductIn.load then the service's own `products._apply`, which
# alone reports errors. tests/unit/test_import_fast_path.py runs both on a corpus of rows.

PRODUCT_COLUMNS = [c.key for c in Product.__table__.columns if c.key != "id"]
_BLANK: Any = object()  # a row with no value in any known column


class _Draft:
    """A product being checked: plain attributes, so `products._apply` runs without ORM bookkeeping."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(dict.fromkeys(PRODUCT_COLUMNS), **values)


def product_defaults() -> dict[str, Any]:
    """The values products.create_product starts from (timestamps are set per chunk)."""
    return dict(
        dict.fromkeys(PRODUCT_COLUMNS),
        status="active",
        is_key_product=False,
        is_specialty=False,
        has_collective_trademark=False,
        is_high_risk=False,
        is_demo=False,
    )


def _reference_product(columns: _Columns, cells: list[Any]) -> Any:
    """(values, errors of the service's rules), a list of schema errors, or _BLANK."""
    record = columns.record(cells)
    if record is None:
        return _BLANK
    try:
        data = ProductIn().load(record)
    except ValidationError as err:
        return _file_errors(err.messages)
    product = _Draft(**product_defaults())
    errors: list[FieldError] = []
    products._apply(cast(Product, product), data, errors)
    product.organization_id = data["organization_id"]  # type: ignore[attr-defined]  # a plain stand-in
    return product.__dict__, errors


# GS1 mod-10 over the 13 digits before the check digit, read as a leading "0" and six pairs:
# each pair "ab" weighs 1·a + 3·b, and the lone first digit (position 1 of 14) weighs 3.
_PAIR = {f"{a}{b}": a + 3 * b for a in range(10) for b in range(10)}
_DIGIT3 = {str(d): 3 * d for d in range(10)}
_ASCII_DIGITS = frozenset("0123456789")


def gtin14_if_valid(value: str) -> str | None:
    """The 14-digit GTIN when `value` is 8, 12, 13 or 14 ASCII digits with a right check digit, else None."""
    if len(value) not in (8, 12, 13, 14) or not _ASCII_DIGITS.issuperset(value):
        return None
    g = value.zfill(14)
    p = _PAIR
    total = (
        _DIGIT3[g[0]] + p[g[1:3]] + p[g[3:5]] + p[g[5:7]] + p[g[7:9]] + p[g[9:11]] + p[g[11:13]]
    )  # fmt: skip
    return g if (10 - total % 10) % 10 == ord(g[13]) - 48 else None


class _Fallback(Exception):
    """This cell is not in a form the fast path is sure of: ask the reference."""


def _cell_str(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return cast(str, value)
    if kind is int or kind is float:
        return cast(str, _to_str(value))
    raise _Fallback


def _fast_int(value: Any) -> int:
    if type(value) is not int:
        value = _to_int(value)
    if type(value) is not int or not f.INT_MIN <= value <= f.INT_MAX:
        raise _Fallback
    return cast(int, value)


def _fast_name(value: Any) -> str:
    value = _cell_str(value)
    if not 2 <= len(value) <= 255 or "\x00" in value:
        raise _Fallback
    return nfc(value)


def _fast_text(limit: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        value = _cell_str(value)
        if len(value) > limit or "\x00" in value:
            raise _Fallback
        return nfc(value)

    return check


def _fast_group(value: Any) -> str:
    if value not in _GROUPS:
        raise _Fallback
    return cast(str, value)


def _fast_gtin(value: Any) -> str:
    gtin = gtin14_if_valid(_cell_str(value))
    if gtin is None:
        raise _Fallback
    return gtin


def _fast_stars(value: Any) -> int:
    stars = _fast_int(value)
    if stars not in (3, 4, 5):
        raise _Fallback
    return stars


def _fast_date(value: Any) -> date:
    try:
        if type(value) is str:
            if m := _DMY.match(value):
                day, month, year = m.groups()
                return date(int(year), int(month), int(day))
            return date.fromisoformat(value)  # what marshmallow's Date does
        elif isinstance(value, datetime):
            return value.date()
        elif isinstance(value, date):
            return value
    except ValueError:
        pass
    raise _Fallback


_BOOL_WORDS: dict[str, bool] = {}


def _fast_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str:
        known = _BOOL_WORDS.get(value)
        if known is None:
            converted = _to_bool(value)
            if type(converted) is not bool:
                raise _Fallback
            if len(_BOOL_WORDS) < 512:  # the few spellings a file uses, not every cell
                _BOOL_WORDS[value] = converted
            return converted
        return known
    raise _Fallback


_GROUPS = frozenset(OCOP_GROUPS)
_FAST: dict[str, Callable[[Any], Any]] = {
    "organization_id": _fast_int,
    "name": _fast_name,
    "ocop_group": _fast_group,
    "gtin": _fast_gtin,
    "description": _fast_text(4000),
    "is_key_product": _fast_bool,
    "is_specialty": _fast_bool,
    "has_collective_trademark": _fast_bool,
    "is_high_risk": _fast_bool,
    "ocop_stars": _fast_stars,
    "ocop_decision_number": _fast_text(64),
    "ocop_decision_date": _fast_date,
}


def _memo(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`check` remembered per text cell: ids, stars, flags, groups and dates repeat down a file.

    Only text is remembered: 1, 1.0 and True are equal keys but not the same cell.
    """
    seen: dict[str, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) is not str:
            return check(value)
        out = seen.get(value, _MISS)
        if out is _MISS:
            out = check(value)  # a refusal (_Fallback) is not remembered: the reference takes the row
            if len(seen) < 4096:
                seen[value] = out
        return out

    return remembered


_MISS: Any = object()
_REPEATING = {"organization_id", "ocop_group", *products.FLAGS, "ocop_stars", "ocop_decision_date"}


class _FastProducts:
    """Cells to product values for rows the fast path is sure of; None sends a row to the reference."""

    def __init__(self, columns: _Columns) -> None:
        self.columns = [
            (i, name, _memo(_FAST[name]) if name in _REPEATING else _FAST[name]) for i, name, _ in columns.columns
        ]
        self.defaults = product_defaults()

    def values(self, cells: list[Any]) -> Any:
        out = self.defaults.copy()
        n = len(cells)
        empty = True
        try:
            for i, name, check in self.columns:
                if i >= n:
                    continue
                value = cells[i]
                if value is None:
                    continue
                if type(value) is str:
                    value = value.strip()
                    if not value:
                        continue
                out[name] = check(value)
                empty = False
        except _Fallback:
            return None
        if empty:
            return _BLANK
        if out["organization_id"] is None or out["name"] is None:
            return None  # required: the reference names what is missing
        if out["ocop_stars"] is not None and not (out["ocop_decision_number"] and out["ocop_decision_date"]):
            return None
        out["name_folded"] = fast_fold(out["name"])
        return out


class _Lookups:
    """What a products import reads per chunk: organisations, GTINs already registered, ids for new rows.

    On PostgreSQL through a second connection of its own, in autocommit (each read sees what is
    committed), since the import's connection streams one COPY from the first good chunk to the
    last. On SQLite through the import's session: it has one writer, and after the first chunk that
    writer is the import.
    """

    def __init__(self) -> None:
        self.pg = db.session.get_bind().dialect.name == "postgresql"
        self.conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") if self.pg else None
        self.sequence: str | None = None  # the products' id sequence, looked up once
        # PostgreSQL's look-ups run on a thread of their own (the one that uses `conn`), so a chunk's
        # are under way while the next chunk is checked.
        self.asker = ThreadPoolExecutor(1) if self.pg else None

    def _ask(self, question: Callable[..., T], *args: Any) -> Future[T]:
        """`question(*args)`, asked on the look-up thread (PostgreSQL) or answered at once (SQLite)."""
        if self.asker is not None:
            return self.asker.submit(question, *args)
        answered: Future[T] = Future()
        try:
            answered.set_result(question(*args))
        except Exception as err:  # handed to whoever reads the answer, as the thread would
            answered.set_exception(err)
        return answered

    def check(self, gtins: list[str], count: int) -> Future[tuple[set[str], list[int] | None]]:
        """Soon: which of `gtins` are registered, and `count` ids for the rows (PostgreSQL; None on SQLite).

        SQLite's ids are taken when the rows are written: they follow the table's highest id.
        """
        return self._ask(self._check, gtins, count)

    def _check(self, gtins: list[str], count: int) -> tuple[set[str], list[int] | None]:
        taken = self.registered_gtins(gtins) if gtins else set()
        return taken, (self.reserve_ids(count) if self.pg and count else None)

    def _execute(self, stmt: Any, params: dict[str, Any]) -> Any:
        return (self.conn if self.conn is not None else db.session).execute(stmt, params)

    def organizations(self, ids: set[int]) -> list[tuple[int, int | None, str | None]]:
        """(id, province id, GS1 company prefix) of each of `ids` that exists."""
        return self._ask(self._organizations, ids).result()

    def _organizations(self, ids: set[int]) -> list[tuple[int, int | None, str | None]]:
        stmt = select(Organization.id, Organization.province_id, Organization.gs1_company_prefix)
        return [tuple(row) for row in self._execute(stmt.where(Organization.id.in_(ids)), {})]  # type: ignore[misc]

    def registered_gtins(self, gtins: list[str]) -> set[str]:
        """Which of `gtins` products already have: one parameter (joined text, a JSON list), not one per GTIN."""
        if self.pg:
            stmt = text("SELECT gtin FROM products WHERE gtin = ANY(string_to_array(:gtins, ','))")
            return set(self._execute(stmt, {"gtins": ",".join(gtins)}).scalars())
        stmt = text("SELECT gtin FROM products WHERE gtin IN (SELECT value FROM json_each(:gtins))")
        return set(self._execute(stmt, {"gtins": json.dumps(gtins)}).scalars())

    def reserve_ids(self, count: int) -> list[int]:
        """Ids for `count` new products, so the rows can be written with no RETURNING."""
        if self.pg:
            if self.sequence is None:
                self.sequence = self._execute(text("SELECT pg_get_serial_sequence('products', 'id')"), {}).scalar_one()
            stmt = text("SELECT array_agg(nextval(CAST(:seq AS regclass))) FROM generate_series(1, :n)")
            return cast(list[int], self._execute(stmt, {"seq": self.sequence, "n": count}).scalar_one())
        # SQLite allows one writer at a time: after the import's first chunk it holds the write lock;
        # a writer slipping in before that makes the INSERT fail on the key, rolling the import back.
        start = (db.session.scalar(select(func.max(Product.id))) or 0) + 1
        return list(range(start, start + count))

    def close(self) -> None:
        if self.asker is not None:
            self.asker.shutdown(wait=True)
        if self.conn is not None:
            self.conn.close()


class _ProductBatch:
    """Products in chunks: rows checked one by one, references, duplicates and writes per chunk."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.orgs: dict[int, tuple[FieldError | None, str | None]] = {}  # id -> (refusal, GS1 prefix)
        self.gtin_rows: dict[int, int] = {}  # GTINs of the file so far (as numbers: smaller), and their row
        self.lookups = _Lookups()
        # The last chunk's good rows, awaiting its look-ups.
        self.checking: tuple[list[tuple[int, dict[str, Any]]], Future[Any]] | None = None
        self.writer: _ProductWriter | None = None
        if not run.dry_run:
            kind = _CopyWriter if self.lookups.pg else _InsertWriter
            self.writer = kind(run.actor, self.lookups)

    def _load_orgs(self, ids: set[int]) -> None:
        wanted = ids - self.orgs.keys()
        if not wanted:
            return
        for ident, province_id, prefix in self.lookups.organizations(wanted):
            allowed = permissions.can_write_organization(self.run.actor, ident, province_id)
            self.orgs[ident] = (None if allowed else FieldError("organization_id", "import_forbidden"), prefix)
        for missing in wanted - self.orgs.keys():
            self.orgs[missing] = (FieldError("organization_id", "unknown_reference", {"value": missing}), None)

    def add(self, chunk: list[tuple[int, dict[str, Any], list[FieldError]]]) -> None:
        """Check a chunk's rows; its look-ups start now, and are read (and the rows written) at the next call."""
        run = self.run
        self._load_orgs({values["organization_id"] for _, values, _ in chunk})
        good: list[tuple[int, dict[str, Any]]] = []
        for row, values, rule_errors in chunk:
            refusal, prefix = self.orgs[values["organization_id"]]
            errors = [refusal, *rule_errors] if refusal else [*rule_errors]
            gtin = values["gtin"]
            if gtin is not None:
                if prefix and not gs1.prefix_matches(gtin, prefix):
                    errors.append(FieldError("gtin", "gs1_prefix_mismatch", {"prefix": prefix}))
                first = self.gtin_rows.setdefault(int(gtin), row)
                if first != row:
                    errors.append(FieldError("gtin", "duplicate_in_file", {"value": gtin, "first_row": first}))
            if errors:
                run.fail(row, errors)
            else:
                good.append((row, values))
        gtins = [v["gtin"] for _, v in good if v["gtin"] is not None]
        writing = self.writer is not None and not run.errors
        checked = self.lookups.check(gtins, len(good) if writing else 0)
        self._take()
        self.checking = (good, checked)

    def _take(self) -> None:
        """The previous chunk: its rows whose GTIN is already registered are bad, the others are written."""
        if self.checking is None:
            return
        run = self.run
        (good, checked), self.checking = self.checking, None
        taken, ids = checked.result()
        if taken:
            for row, values in good:
                if values["gtin"] in taken:
                    run.fail(row, [FieldError("gtin", "duplicate", {"value": values["gtin"]})])
            good = [(row, v) for row, v in good if v["gtin"] not in taken]
        run.created += len(good)
        if self.writer is None:
            return
        if run.errors:
            # Nothing will be written: stop the database's work now; the rest is still checked, to list every bad row.
            self.writer.abort()
        elif good:
            self._writing(self.writer.write, [v for _, v in good], ids)

    def finish(self) -> None:
        """After the last chunk: its look-ups, then the last rows and the audit entries (when every row was good)."""
        self._take()
        if self.writer is not None and not self.run.errors:
            self._writing(self.writer.finish)

    def close(self) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
        finally:
            self.lookups.close()

    def _writing(self, step: Callable[..., None], *args: Any) -> None:
        """`step`, with what changed in the database since the rows were checked named as a bad input.

        A GTIN another import registered meanwhile is a bad row; an organisation deleted meanwhile
        (the foreign key trigger's refusal, when it runs) is a bad reference.
        """
        try:
            step(*args)
        except psycopg.errors.UniqueViolation as err:
            found = _KEY_VALUE.search(err.diag.message_detail or "")
            if err.diag.constraint_name != "uq_products_gtin" or found is None:
                raise
            gtin = found.group(1)
            row = self.gtin_rows.get(int(gtin), 0)
            raise ImportRejected([RowError(row, "gtin", "duplicate", {"value": gtin})]) from err
        except psycopg.errors.ForeignKeyViolation as err:
            found = _KEY_VALUE.search(err.diag.message_detail or "")
            value = int(found.group(1)) if found else None
            raise InvalidInput.one("organization_id", "unknown_reference", value=value) from err


_KEY_VALUE = re.compile(r"\(\w+\)=\((\d+)\)")  # "Key (gtin)=(08938600000019) already exists." in any language


# ---- products: writing -----------------------------------------------------------------------


class _ProductWriter:
    """Writes checked products: ids, timestamps and, per chunk, one audit entry sealing its rows.

    The audit entry (`audit.record_import`) lists the chunk's ids and seals its rows with a digest
    of their audit snapshot values, so `audit.created_entry("product", id)` still says who created
    a product and when, and the hash chain still proves the rows it recorded. Subclasses send the
    rows (`_put`) and decide when the entries are appended (`_seal`).
    """

    DIGEST_KEYS = ["id", *(c for c in PRODUCT_COLUMNS if c != "name_folded")]
    PRODUCT_KEYS = ["id", *PRODUCT_COLUMNS]
    ORGANIZATION_AT = PRODUCT_KEYS.index("organization_id")
    # Rows carry dates as ISO text, as sealed (PostgreSQL parses it; SQLite stores dates so), and the
    # creation time as `stamp` writes it: ISO text for COPY, SQLite's own layout for SQLite.
    stamp: Callable[[datetime], Any] = staticmethod(datetime.isoformat)

    def __init__(self, actor: User, lookups: _Lookups) -> None:
        self.actor = actor
        self.lookups = lookups
        self.session = db.session
        self.digest_of = itemgetter(*self.DIGEST_KEYS)
        self.row_of = itemgetter(*self.PRODUCT_KEYS)
        self.driver: Any = self.session.connection().connection.driver_connection

    def write(self, rows: list[dict[str, Any]], ids: list[int] | None = None) -> None:
        """One chunk of checked products, with the ids reserved for them (else reserved now)."""
        now = datetime.now(UTC)
        now_iso, now_stored = now.isoformat(), self.stamp(now)
        ids = ids[: len(rows)] if ids is not None else self.lookups.reserve_ids(len(rows))
        digest_of, row_of = self.digest_of, self.row_of
        days: dict[date, str] = {}
        sealed: list[tuple[Any, ...]] = []
        products_out: list[tuple[Any, ...]] = []
        for ident, values in zip(ids, rows, strict=True):
            values["id"] = ident
            values["created_at"] = values["updated_at"] = now_iso
            decided = values["ocop_decision_date"]
            if decided is not None:
                if (iso := days.get(decided)) is None:
                    iso = days[decided] = decided.isoformat()
                values["ocop_decision_date"] = iso
            sealed.append(digest_of(values))
            values["created_at"] = values["updated_at"] = now_stored
            products_out.append(row_of(values))
        self._seal(ids, audit.rows_digest(sealed))
        self._put(products_out)

    def _seal(self, ids: list[int], digest: str) -> None:
        audit.record_import(self.actor, "product", ids, digest, self.DIGEST_KEYS, self.session)

    def _put(self, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Every chunk is written: complete what is still under way (raises what writing raised)."""

    def abort(self) -> None:
        """Nothing more will be written and the import will be rolled back: stop what is under way."""

    def close(self) -> None:
        """Give back what writing took (also after a failure)."""


class _InsertWriter(_ProductWriter):
    """SQLite: a multi-row INSERT per chunk, in the caller's thread.

    (A thread of its own gained nothing: binding the values holds the GIL for most of an insert.)
    """

    def __init__(self, actor: User, lookups: _Lookups) -> None:
        super().__init__(actor, lookups)
        self.stamp = Product.__table__.c.created_at.type._cached_bind_processor(db.engine.dialect) or self.stamp
        # SQLite's default page cache (2 MB) is far smaller than the indexes an import grows, so
        # it would spill pages to disk mid-transaction; give this connection more while it writes.
        self.cache_pages: int = self.driver.execute("PRAGMA cache_size").fetchone()[0]
        self.driver.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        names = ", ".join(self.PRODUCT_KEYS)
        self.statement = f"INSERT INTO products ({names}) VALUES ({', '.join('?' * len(self.PRODUCT_KEYS))})"

    def _put(self, rows: list[tuple[Any, ...]]) -> None:
        cursor = self.driver.cursor()
        try:
            cursor.executemany(self.statement, rows)
        finally:
            cursor.close()

    def close(self) -> None:
        self.driver.execute(f"PRAGMA cache_size = {self.cache_pages}")


class _CopyWriter(_ProductWriter):
    """PostgreSQL: one COPY for the whole import, each chunk's rows streamed into it once checked.

    Most of an import's cost on PostgreSQL is the server's (its indexes, the trigram index above
    all), and the server inserts rows as they arrive while this process checks the next ones; the
    socket's buffers are the only queue between the two, so memory stays flat and a slower server
    holds this process back. The look-ups run on `_Lookups`' own connection meanwhile. The audit
    entries, one per chunk as on SQLite, are appended once the COPY is complete, so the chain's
    lock is held only from then to the commit.

    The foreign key of each row to its organisation would be checked by a trigger per row, a fifth
    of the server's work, and all at the end of the COPY, while this process waits. Where the
    database lets this connection set `session_replication_role` (a superuser, or PostgreSQL 15's
    `GRANT SET ON PARAMETER session_replication_role`), the COPY runs without those triggers and
    the import makes the same check itself, once per organisation rather than once per row: every
    organisation was looked up as its rows were checked, and before the commit the import locks
    them all (FOR KEY SHARE, as the trigger does) and finds each still there. Products have no other
    triggers (tests/services/test_import_postgresql.py keeps it so).
    """

    def __init__(self, actor: User, lookups: _Lookups) -> None:
        super().__init__(actor, lookups)
        self.cursor = self.driver.cursor()
        self.copying: Any = None  # the COPY's context manager while it is open
        self.copy: psycopg.Copy | None = None
        self.entries: list[tuple[list[int], str]] = []
        self.organizations: set[int] = set()
        self.own_key_check = _may_skip_triggers(self.driver)

    def _seal(self, ids: list[int], digest: str) -> None:
        self.entries.append((ids, digest))

    def _put(self, rows: list[tuple[Any, ...]]) -> None:
        if self.copy is None:
            if self.own_key_check:
                self.driver.execute("SET LOCAL session_replication_role = replica")
            self.copying = self.cursor.copy(f"COPY products ({', '.join(self.PRODUCT_KEYS)}) FROM STDIN")
            self.copy = self.copying.__enter__()
        write_row = self.copy.write_row
        for row in rows:
            write_row(row)
        at = self.ORGANIZATION_AT
        self.organizations.update(row[at] for row in rows)

    def finish(self) -> None:
        if self.copy is not None:
            copying, self.copying, self.copy = self.copying, None, None
            copying.__exit__(None, None, None)  # returns once the server has inserted every row
        if self.own_key_check:
            self.driver.execute("SET LOCAL session_replication_role = origin")
            self._lock_organizations()
        for ids, digest in self.entries:
            super()._seal(ids, digest)
        self.entries = []

    def _lock_organizations(self) -> None:
        """The foreign key check the COPY skipped: each organisation still there, and kept so until the commit."""
        wanted = sorted(self.organizations)
        stmt = "SELECT id FROM organizations WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE"
        found = {row[0] for row in self.driver.execute(stmt, [wanted])}
        if missing := [ident for ident in wanted if ident not in found]:  # deleted since its rows were checked
            raise InvalidInput.one("organization_id", "unknown_reference", value=missing[0])

    def abort(self) -> None:
        if self.copy is not None:
            copying, self.copying, self.copy = self.copying, None, None
            stop = _Aborted("the import has bad rows")
            copying.__exit__(_Aborted, stop, None)  # CopyFail: the server drops what it has

    def close(self) -> None:
        self.abort()
        self.cursor.close()


def _may_skip_triggers(driver: Any) -> bool:
    """Whether this PostgreSQL connection may set session_replication_role (see `_CopyWriter`)."""
    if driver.info.server_version >= 150000:
        stmt = "SELECT has_parameter_privilege('session_replication_role', 'SET')"
    else:
        stmt = "SELECT current_setting('is_superuser') = 'on'"
    return bool(driver.execute(stmt).fetchone()[0])


class _Aborted(Exception):
    """Ends a COPY whose rows will not be kept."""


def _service_rows(run: _Run, columns: _Columns, rows: Iterator[tuple[int, list[Any]]]) -> Generator[int, None, int]:
    """Each row through marshmallow and its service, in the import's one transaction."""
    schema = run.spec.schema()
    data_rows = 0
    for row, cells in rows:
        record = columns.record(cells)
        if record is None:
            continue
        data_rows += 1
        try:
            data = schema.load(record)
        except ValidationError as err:
            run.fail(row, _file_errors(err.messages))
            continue
        _service_row(run, row, data)
        if data_rows % PROGRESS_EVERY == 0:
            yield data_rows
    return data_rows


def _product_rows(run: _Run, columns: _Columns, rows: Iterator[tuple[int, list[Any]]]) -> Generator[int, None, int]:
    """Each row through the fast path (or the reference when it is unsure), checked and written per chunk."""
    fast = _FastProducts(columns)
    batch = _ProductBatch(run)
    chunk: list[tuple[int, dict[str, Any], list[FieldError]]] = []
    no_errors: list[FieldError] = []
    data_rows = 0
    try:
        for row, cells in rows:
            values = fast.values(cells)
            if values is None:
                checked = _reference_product(columns, cells)
                if checked is _BLANK:
                    continue
                data_rows += 1
                if isinstance(checked, list):
                    run.fail(row, checked)
                    continue
                chunk.append((row, *checked))
            elif values is _BLANK:
                continue
            else:
                data_rows += 1
                chunk.append((row, values, no_errors))
            if len(chunk) >= CHUNK:
                batch.add(chunk)
                chunk = []
                yield data_rows
        if chunk:
            batch.add(chunk)
        batch.finish()
    finally:
        batch.close()
    return data_rows


def import_steps(actor: User | None, kind: str, stream: IO[bytes], *, dry_run: bool = False) -> Steps[ImportResult]:
    """import_file as a generator: yields (data rows done, total rows if known) as it goes, returns the result.

    For callers that show progress while the import runs (the upload page streams its response).
    Raises as import_file does; closing the generator early rolls everything back.
    """
    spec = spec_for(kind)
    user = permissions.require_user(actor)
    fmt = detect_format(_peek(stream))
    if fmt is None:
        raise InvalidInput.one("file", "file_type", expected="CSV (UTF-8), XLSX")
    rows, total = _xlsx_rows(stream) if fmt == "xlsx" else _csv_rows(stream)
    total = max(0, total - 1) if total else None  # the header is not a data row
    run = _Run(spec, user, dry_run)
    steps: Generator[int, None, int] | None = None
    try:
        first = next(rows, None)
        if first is None:
            raise InvalidInput.one("file", "file_empty")
        columns = _Columns(spec, first[1])
        if columns.errors:
            raise ImportRejected(columns.errors)
        steps = _product_rows(run, columns, rows) if spec.create is None else _service_rows(run, columns, rows)
        while True:
            try:
                done = next(steps)
            except StopIteration as stop:
                data_rows = cast(int, stop.value)
                break
            yield done, total
        yield data_rows, total
    except UnicodeDecodeError as err:
        db.session.rollback()
        raise InvalidInput.one("file", "file_encoding") from err
    except csv.Error as err:
        db.session.rollback()
        raise InvalidInput.one("file", "file_type", expected="CSV (UTF-8), XLSX") from err
    except BaseException:
        if steps is not None:
            steps.close()  # ends any write under way on the import's connection before the rollback
        db.session.rollback()
        rows.close()  # now, while the caller's stream is still open
        raise
    if run.errors:
        db.session.rollback()
        raise ImportRejected(sorted(run.errors, key=lambda e: e.row))  # by row; a row's errors keep their order
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return ImportResult(spec.kind, data_rows, run.created, dry_run)


def import_file(
    actor: User | None,
    kind: str,
    stream: IO[bytes],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row of a CSV or XLSX file and create all its records in one transaction, or none.

    Raises ImportRejected listing every bad row (nothing written), or InvalidInput for a file
    that is not CSV or XLSX at all. With `dry_run` everything is checked and nothing is kept.
    """
    steps = import_steps(actor, kind, stream, dry_run=dry_run)
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            return cast(ImportResult, stop.value)
        if progress:
            progress(done, total)
