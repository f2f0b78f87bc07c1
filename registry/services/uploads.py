"""What an uploaded file may cost before and while it is parsed: bytes, unpacked bytes, rows, columns, cells, time.

A spreadsheet is a zip of XML: 47 KB can unpack to 30 MB of cells, and a sheet may declare (or hold)
a cell at XFD1048576, which a reader pads row by row. So the zip's own directory is read first, and
nothing is decompressed when it promises too much; then rows are read only as wide as the header and
counted, and every cell and the clock are checked as they stream. Each refusal names the field and the
limit (413 for sizes, 422 for the shape of the content), in the rule texts of registry/messages.py.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import IO, Any

from registry.errors import FieldError, InvalidInput, TooLarge

MB = 1024 * 1024
# Below this a part's compression ratio is not judged: small parts of real workbooks compress oddly.
RATIO_FROM_BYTES = 1 * MB


@dataclass(frozen=True)
class UploadLimits:
    """The bounds of one import upload; `seconds=None` for no time budget (the command line)."""

    file_bytes: int = 50 * MB
    unpacked_bytes: int = 100 * MB
    ratio: int = 100
    parts: int = 1000
    rows: int = 200_000
    columns: int = 100
    cell_chars: int = 32_767  # Excel's own limit for a cell
    seconds: float | None = 120.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, timed: bool = True) -> UploadLimits:
        limits = cls(
            file_bytes=int(config.get("IMPORT_MAX_BYTES", cls.file_bytes)),
            unpacked_bytes=int(config.get("IMPORT_MAX_UNPACKED_BYTES", cls.unpacked_bytes)),
            ratio=int(config.get("IMPORT_MAX_RATIO", cls.ratio)),
            rows=int(config.get("IMPORT_MAX_ROWS", cls.rows)),
            columns=int(config.get("IMPORT_MAX_COLUMNS", cls.columns)),
            cell_chars=int(config.get("IMPORT_MAX_CELL_CHARS", cls.cell_chars)),
            seconds=float(config.get("IMPORT_MAX_SECONDS", cls.seconds)),
        )
        return limits if timed else replace(limits, seconds=None)


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def megabytes(n: int) -> int | float:
    return _whole(n / MB)


def file_size_error(limit: int, field: str = "file") -> TooLarge:
    """The upload is larger than `limit` bytes (413, the limit in MB)."""
    return TooLarge([FieldError(field, "file_size", {"max": megabytes(limit)})])


def check_xlsx_archive(stream: IO[bytes], limits: UploadLimits, field: str = "file") -> None:
    """Judge an XLSX by its zip directory alone (nothing is decompressed): parts, unpacked size, ratio.

    The sizes a zip declares are also the most its reader will produce (zipfile stops at the declared
    size and fails the CRC), so a directory that lies cannot smuggle in more."""
    pos = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise InvalidInput.one(field, "file_type", expected="CSV (UTF-8), XLSX") from err
    finally:
        stream.seek(pos)
    if len(infos) > limits.parts:
        raise InvalidInput.one(field, "file_parts", max=limits.parts)
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked_bytes:
        raise TooLarge([FieldError(field, "file_unpacked", {"max": megabytes(limits.unpacked_bytes)})])
    for info in infos:
        if info.file_size >= RATIO_FROM_BYTES and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise TooLarge([FieldError(field, "file_ratio", {"max": limits.ratio})])


_Rows = Generator[tuple[int, list[Any]], None, None]


def bounded_rows(rows: Iterable[tuple[int, list[Any]]], limits: UploadLimits, field: str = "file") -> _Rows:
    """`rows` (numbered from 1, the header) as they stream, refused at the first one past a bound."""
    deadline = time.monotonic() + limits.seconds if limits.seconds else None
    last_row = limits.rows + 1  # the header is row 1
    try:
        yield from _check_rows(rows, limits, field, deadline, last_row)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()  # the reader's own clean-up (the workbook, the text wrapper) runs now, not at collection


def _check_rows(
    rows: Iterable[tuple[int, list[Any]]], limits: UploadLimits, field: str, deadline: float | None, last_row: int
) -> _Rows:
    for number, values in rows:
        if number > last_row:
            raise InvalidInput.one(field, "file_rows", max=limits.rows)
        if len(values) > limits.columns:
            if any(v is not None and v != "" for v in values[limits.columns :]):
                raise InvalidInput.one(field, "file_columns", max=limits.columns, row=number)
            values = values[: limits.columns]
        if any(isinstance(v, str) and len(v) > limits.cell_chars for v in values):
            column = next(i for i, v in enumerate(values) if isinstance(v, str) and len(v) > limits.cell_chars)
            raise InvalidInput.one(field, "file_cell", max=limits.cell_chars, row=number, column=column + 1)
        if deadline is not None and time.monotonic() > deadline:
            raise InvalidInput.one(field, "file_time", max=_whole(limits.seconds or 0))
        yield number, values
