"""Bulk import of CSV and XLSX files: streamed, validated like the API, written all-or-nothing."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any, cast

from marshmallow import Schema, ValidationError
from sqlalchemy import func, insert, select, text

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput
from registry.extensions import db
from registry.models import Organization, Product, User
from registry.schemas import fields as f
from registry.schemas.fields import field_errors
from registry.schemas.resources import ActivityIn, CertificateIn, OrganizationIn, ProductIn, StandardIn
from registry.services import activities, audit, certificates, organizations, permissions, products, standards
from registry.services.text import fold

XLSX_MAGIC = b"PK\x03\x04"
CHUNK = 2000
Progress = Callable[[int, int | None], None]  # (data rows done, total rows if known)


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
    params: dict[str, Any] = field(default_factory=dict)


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


def _csv_rows(stream: IO[bytes]) -> tuple[Iterator[tuple[int, list[Any]]], int | None]:
    pos = stream.tell()
    total = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(pos)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    first = text.readline()
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from enumerate(reader, start=1)
        finally:
            text.detach()  # the caller owns the byte stream and closes it

    return rows(), total


def _xlsx_rows(stream: IO[bytes]) -> tuple[Iterator[tuple[int, list[Any]]], int | None]:
    from openpyxl import load_workbook  # imported on use: it is heavy and only XLSX needs it

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as err:  # a corrupt zip or a zip that is not a workbook
        raise InvalidInput.one("file", "file_type", expected="CSV, XLSX") from err
    sheet = book.active
    total = sheet.max_row if sheet is not None else 0

    def rows() -> Iterator[tuple[int, list[Any]]]:
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
            name = lookup.get(header_key(label))
            if name is None:
                self.errors.append(RowError(1, label, "unknown_field"))
            elif name in seen:
                self.errors.append(RowError(1, label, "duplicate_column", {"column": name}))
            else:
                seen.add(name)
                self.columns.append((i, name, _converter(schema.fields[name])))
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
    errors: list[RowError] = field(default_factory=list)
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


class _Draft:
    """A product being checked: plain attributes, so the service's `_apply` runs without ORM bookkeeping.

    The same rule code runs as for one product through the API; only SQLAlchemy's attribute
    instrumentation (a third of the time per row) is left out.
    """

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(dict.fromkeys(_ProductBatch.COLUMNS), **values)


def _reserve_ids(table: Any, count: int) -> list[int]:
    """Ids for `count` new rows, so one multi-row INSERT needs no RETURNING (row by row on SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        stmt = text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)")
        return list(db.session.scalars(stmt, {"n": count}))
    # SQLite allows one writer at a time: after the import's first chunk it holds the write lock;
    # a writer slipping in before that makes the INSERT fail on the key, rolling the import back.
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def _plain_row(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, date) else v  # datetimes are dates too
        for k, v in values.items()
        if k != "name_folded"
    }


class _ProductBatch:
    """Products in chunks: the service's own field rules per row, look-ups and writes per chunk."""

    COLUMNS = [c.key for c in Product.__table__.columns if c.key != "id"]

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.orgs: dict[int, Organization | None] = {}
        self.gtin_rows: dict[str, int] = {}  # GTINs of the file so far, and the row that has each

    def _load_orgs(self, ids: set[int]) -> None:
        wanted = ids - self.orgs.keys()
        if not wanted:
            return
        for org in db.session.scalars(select(Organization).where(Organization.id.in_(wanted))):
            self.orgs[org.id] = org
        for missing in wanted - self.orgs.keys():
            self.orgs[missing] = None

    def add(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        run = self.run
        self._load_orgs({d["organization_id"] for _, d in chunk})
        now = datetime.now(UTC)
        good: list[tuple[int, _Draft]] = []
        for row, data in chunk:
            errors: list[FieldError] = []
            org = self.orgs[data["organization_id"]]
            if org is None:
                errors.append(FieldError("organization_id", "unknown_reference", {"value": data["organization_id"]}))
            elif not permissions.can_write_organization(run.actor, org.id, org.province_id):
                errors.append(FieldError("organization_id", "import_forbidden"))
            # The defaults products.create_product starts from.
            product = _Draft(
                organization_id=data["organization_id"],
                status="active",
                is_key_product=False,
                is_specialty=False,
                has_collective_trademark=False,
                is_high_risk=False,
                is_demo=False,
                created_at=now,
                updated_at=now,
            )
            draft = cast(Product, product)
            products._apply(draft, data, errors)
            if org is not None:
                products._check_prefix(draft, org, errors)
            if product.gtin is not None:
                first = self.gtin_rows.setdefault(product.gtin, row)
                if first != row:
                    errors.append(FieldError("gtin", "duplicate_in_file", {"value": product.gtin, "first_row": first}))
            if errors:
                run.fail(row, errors)
            else:
                good.append((row, product))
        gtins = [p.gtin for _, p in good if p.gtin]
        taken = set(db.session.scalars(select(Product.gtin).where(Product.gtin.in_(gtins)))) if gtins else set()
        if taken:
            for row, product in good:
                if product.gtin in taken:
                    run.fail(row, [FieldError("gtin", "duplicate", {"value": product.gtin})])
            good = [(row, p) for row, p in good if p.gtin not in taken]
        if run.errors or run.dry_run:
            run.created += len(good)
            return  # nothing will be written: keep validating the rest, skip the writes
        if not good:
            return
        table = Product.__table__
        ids = _reserve_ids(table, len(good))
        rows = [{"id": ident, **p.__dict__} for ident, (_, p) in zip(ids, good, strict=True)]
        db.session.execute(insert(table), rows)
        audit.record_many(run.actor, "create", "product", [(r["id"], None, _plain_row(r)) for r in rows], plain=True)
        run.created += len(rows)


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
    spec = spec_for(kind)
    user = permissions.require_user(actor)
    fmt = detect_format(_peek(stream))
    if fmt is None:
        raise InvalidInput.one("file", "file_type", expected="CSV (UTF-8), XLSX")
    rows, total = _xlsx_rows(stream) if fmt == "xlsx" else _csv_rows(stream)
    total = max(0, total - 1) if total else None  # the header is not a data row
    run = _Run(spec, user, dry_run)
    batch = _ProductBatch(run) if spec.create is None else None
    schema = spec.schema()
    data_rows = 0
    try:
        first = next(rows, None)
        if first is None:
            raise InvalidInput.one("file", "file_empty")
        columns = _Columns(spec, first[1])
        if columns.errors:
            raise ImportRejected(columns.errors)
        chunk: list[tuple[int, dict[str, Any]]] = []
        for row, cells in rows:
            record = columns.record(cells)
            if record is None:
                continue
            data_rows += 1
            try:
                data = schema.load(record)
            except ValidationError as err:
                run.fail(row, field_errors(err.messages))
                continue
            if batch is None:
                _service_row(run, row, data)
            else:
                chunk.append((row, data))
                if len(chunk) >= CHUNK:
                    batch.add(chunk)
                    chunk = []
            if progress and data_rows % 500 == 0:
                progress(data_rows, total)
        if batch is not None and chunk:
            batch.add(chunk)
        if progress:
            progress(data_rows, total)
    except UnicodeDecodeError as err:
        db.session.rollback()
        raise InvalidInput.one("file", "file_encoding") from err
    except csv.Error as err:
        db.session.rollback()
        raise InvalidInput.one("file", "file_type", expected="CSV (UTF-8), XLSX") from err
    except BaseException:
        db.session.rollback()
        raise
    if run.errors:
        db.session.rollback()
        raise ImportRejected(run.errors)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return ImportResult(spec.kind, data_rows, run.created, dry_run)
