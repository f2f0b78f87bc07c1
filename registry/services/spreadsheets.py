"""Cells that cannot attack the reader of an export: every XLSX and CSV the registry writes goes through here.

A spreadsheet program runs a cell as a formula when its text starts with `=`, `+`, `-` or `@` (and, in
CSV, after a leading tab or carriage return), so a producer naming its organisation
`=HYPERLINK("http://…")` would run that in a DOST officer's Excel. Numbers stay numbers; text is
kept readable:

- XLSX: text is written explicitly as a string cell (data type 's', never 'f'), and text that looks
  like a formula also carries the "quote prefix" style, so Excel shows it as typed and keeps it text
  when someone edits the cell. Characters XML cannot hold (C0 controls) become U+FFFD instead of
  failing the whole export.
- CSV: text that looks like a formula is prefixed with an apostrophe (`'=1+1`), the usual guard
  (OWASP "CSV injection"), which Excel and LibreOffice show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

# Characters that make a spreadsheet read the rest of the cell as a formula (or smuggle one in after
# a control character); the full-width forms are read as their ASCII twins by some programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

Value = str | int | float | date | datetime | None


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_cell(value: Value) -> Value:
    """The value as a CSV writer should receive it: None as empty, formula-like text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[Iterable[Value]], rows_per_chunk: int = 500) -> Iterator[str]:
    """A CSV file as text chunks of `rows_per_chunk` rows (to stream a large file), every cell guarded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(v) for v in row])
        if n % rows_per_chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_bytes(rows: Iterable[Iterable[Value]]) -> bytes:
    """A CSV file, UTF-8 with a byte-order mark so spreadsheet programs read the diacritics."""
    return "".join(csv_chunks(rows)).encode("utf-8-sig")


def put(ws: Worksheet, row: int, column: int, value: Value) -> Cell:
    """Write one XLSX cell; text is always a string cell, whatever it starts with."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        # Assigning the value lets openpyxl guess the type ('f' for "=…"); set the string ourselves.
        cell._value = text
        cell.data_type = "s"
        if looks_like_formula(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append(ws: Worksheet, values: Iterable[Value]) -> list[Cell]:
    """`Worksheet.append` through `put`: one row below the last used one."""
    row = ws._current_row + 1  # the row `Worksheet.append` would use; `ws.cell` keeps it current
    cells = [put(ws, row, col, value) for col, value in enumerate(values, start=1)]
    ws._current_row = row  # an empty row still counts, as with `Worksheet.append`
    return cells
