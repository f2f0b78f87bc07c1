"""The annual report of a province's plan for a year, in XLSX, CSV (UTF-8 with BOM) and PDF.

Every format follows the plan's structure: target id, clause, wording (Vietnamese), period, target
value, the figure of each year, the period figure, the status and a note. The report deadline reads
as on the dashboard (`vocabulary.deadline_text`: "còn N ngày", "hạn chót hôm nay", "quá hạn N ngày").
The XLSX adds a bar chart and a sheet listing every certificate counted; the PDF embeds DejaVu Sans,
which carries every Vietnamese diacritic.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from registry.errors import InvalidInput
from registry.models import Certificate
from registry.services import metrics, progress
from registry.services.pdf_fonts import register_fonts
from registry.services.progress import STATUS_LABELS, PlanProgress, TargetProgress

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
CATEGORY_LABELS = {
    "product_standard": "Sản phẩm phù hợp tiêu chuẩn",
    "product_regulation": "Sản phẩm phù hợp quy chuẩn kỹ thuật",
    "management_system": "Hệ thống quản lý",
    "gap": "Thực hành nông nghiệp tốt (GAP)",
    "organic": "Hữu cơ",
    "traceability": "Truy xuất nguồn gốc",
    "declaration_standard": "Công bố hợp chuẩn",
    "declaration_regulation": "Công bố hợp quy",
    "other": "Khác",
}
CERT_STATUS_LABELS = {
    "valid": "Còn hiệu lực",
    "suspended": "Tạm đình chỉ",
    "withdrawn": "Đã thu hồi",
    "expired": "Hết hiệu lực",
}
REASON_NOTES = {
    "not_started": "Giai đoạn thực hiện chưa bắt đầu.",
    "missing_figure": "Chưa nhập số liệu báo cáo của năm {year}.",
    "nothing_to_measure": "Chưa có đối tượng để tính tỷ lệ.",
    "no_previous_year": "Chưa có số liệu năm trước để so sánh.",
    "rising": "Tỷ lệ tăng so với năm trước.",
    "flat": "Tỷ lệ không tăng so với năm trước.",
    "falling": "Tỷ lệ giảm so với năm trước.",
}
UNIT_LABELS = {
    "percent": "%",
    "certificates": "chứng nhận",
    "organizations": "tổ chức",
    "standards": "tiêu chuẩn",
    "experts": "chuyên gia",
    "attendances": "lượt",
}
HEADERS = ["Mã chỉ tiêu", "Điều khoản", "Nội dung chỉ tiêu", "Giai đoạn", "Chỉ tiêu", "Đơn vị"]
TAIL = ["Kết quả giai đoạn", "Dự báo cuối giai đoạn", "Trạng thái", "Ghi chú"]
DEADLINE_HEADER = "Hạn nộp báo cáo"
CERT_HEADERS = [
    "Số chứng nhận",
    "Tổ chức chứng nhận",
    "Tổ chức được chứng nhận",
    "Lĩnh vực",
    "Ngày cấp",
    "Ngày hết hạn",
    "Trạng thái hiện nay",
]


@dataclass
class AnnualReport:
    progress: PlanProgress
    certificates: list[Certificate]
    years: list[int]

    @property
    def title(self) -> str:
        return f"Báo cáo kết quả thực hiện Kế hoạch năm {self.progress.year} — {self.progress.province.name}"


def build_report(province_value: str | None, year: int | None, now: datetime | None = None) -> AnnualReport:
    province = progress.check_province(province_value)
    year = progress.check_year(year, now)
    plan_progress = progress.plan_progress(province, year, now)
    first = min([plan_progress.plan.period_start, *(t.period_start for t in plan_progress.plan.targets)])
    return AnnualReport(plan_progress, metrics.counted_certificates(province.id, year), list(range(first, year + 1)))


def check_format(fmt: str | None) -> str:
    if fmt not in FORMATS:
        raise InvalidInput.one("format", "report_format", choices=list(FORMATS))
    return fmt


def filename(report: AnnualReport, fmt: str) -> str:
    return f"bao-cao-{report.progress.province.slug}-{report.progress.year}.{fmt}"


def render(report: AnnualReport, fmt: str) -> bytes:
    return {"xlsx": render_xlsx, "csv": render_csv, "pdf": render_pdf}[check_format(fmt)](report)


# ---- the rows every format shares ------------------------------------------------------------


def _period(t: TargetProgress) -> str:
    return f"{t.target.period_start}–{t.target.period_end}"


def _target_value(t: TargetProgress) -> str | float:
    return t.value if t.value is not None else "Tăng qua từng năm"


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def _note(t: TargetProgress, year: int) -> str:
    parts = []
    if t.reason in REASON_NOTES:
        parts.append(REASON_NOTES[t.reason].format(year=min(year, t.target.period_end)))
    figure = t.figures.get(min(year, t.target.period_end))
    if figure is not None:
        parts.append(f"Số liệu đến ngày {figure.as_of:%d/%m/%Y}; minh chứng: {figure.evidence}")
    if t.target.note:
        parts.append(t.target.note)
    return " ".join(parts)


def _row(report: AnnualReport, t: TargetProgress) -> list[str | float | int | None]:
    per_year: list[str | float | int | None] = [
        _number(t.per_year.get(y)) if y in t.per_year else "" for y in report.years
    ]
    return [
        t.target.code,
        t.target.clause,
        t.target.wording,
        _period(t),
        _target_value(t),
        UNIT_LABELS.get(t.target.unit, t.target.unit),
        *per_year,
        _number(t.period_actual),
        _number(t.projection),
        STATUS_LABELS[t.status][0],
        _note(t, report.progress.year),
    ]


def _headers(report: AnnualReport) -> list[str]:
    return [*HEADERS, *(f"Năm {y}" for y in report.years), *TAIL]


def _cert_row(cert: Certificate, report: AnnualReport) -> list[str]:
    return [
        cert.number,
        cert.body.name,
        cert.organization.name,
        CATEGORY_LABELS.get(cert.category, cert.category),
        cert.issued_on.isoformat(),
        cert.expires_on.isoformat() if cert.expires_on else "",
        CERT_STATUS_LABELS[cert.status_on(report.progress.today)],
    ]


def _deadline(p: PlanProgress) -> str:
    """`01/12/2026 (còn 9 ngày)`, `(hạn chót hôm nay)` or `(quá hạn 4 ngày)`: the dashboard's wording."""
    return f"{p.deadline:%d/%m/%Y} ({p.deadline_text[0]})"


def _preamble(report: AnnualReport) -> list[str]:
    p = report.progress
    return [
        report.title,
        p.plan.title,
        f"Năm báo cáo: {p.year}. Số liệu đến ngày {p.today:%d/%m/%Y}.",
        f"Hạn nộp báo cáo: {_deadline(p)}.",
        f"Số chứng nhận được tính trong năm: {len(report.certificates)}.",
    ]


# ---- CSV ------------------------------------------------------------------------------------


def render_csv(report: AnnualReport) -> bytes:
    """One table, UTF-8 with a byte-order mark so spreadsheet programs read the diacritics.

    Having no preamble, the table carries the report deadline in a last column on every row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*_headers(report), DEADLINE_HEADER])
    deadline = _deadline(report.progress)
    for t in report.progress.targets:
        writer.writerow([*("" if v is None else v for v in _row(report, t)), deadline])
    return out.getvalue().encode("utf-8-sig")


# ---- XLSX -----------------------------------------------------------------------------------


def render_xlsx(report: AnnualReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    bold = Font(bold=True)
    for i, line in enumerate(_preamble(report), start=1):
        ws.cell(row=i, column=1, value=line).font = Font(bold=i == 1, size=13 if i == 1 else 11)
    header_row = len(_preamble(report)) + 2
    headers = _headers(report)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, name in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=col, value=name)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    targets = report.progress.targets
    for r, t in enumerate(targets, start=header_row + 1):
        for col, value in enumerate(_row(report, t), start=1):
            ws.cell(row=r, column=col, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    widths = {1: 18, 2: 22, 3: 60, 4: 12, 5: 14, 6: 12}
    for col in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 14)
    ws.column_dimensions[get_column_letter(len(headers))].width = 60
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)

    # Chart data: the report year's figure beside the target value, numbers only.
    data_col = len(headers) + 2
    ws.cell(row=header_row, column=data_col, value="Mã").font = bold
    ws.cell(row=header_row, column=data_col + 1, value=f"Kết quả năm {report.progress.year}").font = bold
    ws.cell(row=header_row, column=data_col + 2, value="Chỉ tiêu").font = bold
    for r, t in enumerate(targets, start=header_row + 1):
        ws.cell(row=r, column=data_col, value=t.target.code)
        ws.cell(row=r, column=data_col + 1, value=_number(t.actual) or 0)
        ws.cell(row=r, column=data_col + 2, value=_number(t.value) or 0)
    if targets:
        chart = BarChart()
        chart.type = "col"
        chart.title = f"Kết quả năm {report.progress.year} so với chỉ tiêu"
        chart.y_axis.title = "Giá trị"
        last_row = header_row + len(targets)
        values = Reference(ws, min_col=data_col + 1, max_col=data_col + 2, min_row=header_row, max_row=last_row)
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=data_col, min_row=header_row + 1, max_row=last_row))
        chart.width, chart.height = 28, 10
        ws.add_chart(chart, f"A{last_row + 3}")

    certs = wb.create_sheet("Chứng nhận")
    certs.append([f"Chứng nhận được tính năm {report.progress.year} — {report.progress.province.name}"])
    certs["A1"].font = Font(bold=True, size=13)
    certs.append(CERT_HEADERS)
    for cell in certs[2]:
        cell.font, cell.fill = bold, fill
    for cert in report.certificates:
        certs.append(_cert_row(cert, report))
    for col, width in enumerate((22, 36, 40, 32, 12, 12, 16), start=1):
        certs.column_dimensions[get_column_letter(col)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- PDF ------------------------------------------------------------------------------------


def render_pdf(report: AnnualReport) -> bytes:
    register_fonts()
    body = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9, leading=11)
    cell = ParagraphStyle("cell", fontName="DejaVuSans", fontSize=7, leading=8.5)
    head = ParagraphStyle("head", fontName="DejaVuSans-Bold", fontSize=7, leading=8.5)
    title = ParagraphStyle("title", fontName="DejaVuSans-Bold", fontSize=13, leading=16, spaceAfter=4)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=report.title,
        author="Registry OCOP và tiêu chuẩn",
    )
    lines = _preamble(report)
    story: list = [Paragraph(escape(lines[0]), title)]
    story += [Paragraph(escape(line), body) for line in lines[1:]]
    story.append(Spacer(1, 4 * mm))

    def para(value: object, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape("" if value is None else str(value)), style)

    headers = _headers(report)
    year_width = 30 if len(report.years) <= 6 else 24
    note_width = 120 if len(report.years) <= 6 else 90
    # The id column fits the longest id (DN-CERT-SHARE-2035) on one line, so ids can be searched.
    fixed = [84, 52, None, 40, 40, 36, *([year_width] * len(report.years)), 40, 40, 56, note_width]
    wording = max(90, doc.width - sum(w for w in fixed if w))
    widths = [w if w else wording for w in fixed]
    rows = [[para(h, head) for h in headers]]
    rows += [[para(v) for v in _row(report, t)] for t in report.progress.targets]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if report.certificates:
        story += [Spacer(1, 6 * mm), Paragraph(f"Chứng nhận được tính năm {report.progress.year}", title)]
        cert_rows = [[para(h, head) for h in CERT_HEADERS]]
        cert_rows += [[para(v) for v in _cert_row(c, report)] for c in report.certificates]
        certs = Table(cert_rows, colWidths=[90, 150, 170, 130, 60, 60, 80], repeatRows=1)
        certs.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(certs)
    doc.build(story)
    return out.getvalue()
