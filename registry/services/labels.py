"""A4 label sheets (PDF) for a product or a batch: name, producer, GTIN, EAN-13, QR, lot and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from registry.errors import NotFound
from registry.extensions import db
from registry.models import Batch, Organization, Product
from registry.services import codes, gs1
from registry.services.pdf_fonts import REGULAR, register_fonts

FONT = REGULAR


@dataclass(frozen=True)
class LabelStock:
    """A sheet of equal labels; the default is the common A4 3 × 8 stock of 70 × 37 mm."""

    columns: int = 3
    rows: int = 8
    width: float = 70 * mm
    height: float = 37 * mm

    @property
    def margins(self) -> tuple[float, float]:
        page_w, page_h = A4
        return (page_w - self.columns * self.width) / 2, (page_h - self.rows * self.height) / 2


@dataclass(frozen=True)
class Label:
    name: str
    producer: str
    gtin14: str | None
    url: str | None
    lot: str | None = None
    produced_on: date | None = None
    expires_on: date | None = None


def _font() -> str:
    return register_fonts()[0]


def _fit(canvas: Canvas, text: str, size: float, width: float) -> str:
    while text and canvas.stringWidth(text, FONT, size) > width:
        text = text[:-2] + "…"
    return text


def _draw(canvas: Canvas, label: Label, x: float, y: float, stock: LabelStock) -> None:
    pad = 2.5 * mm
    qr_size = 22 * mm
    text_w = stock.width - 2 * pad - qr_size - 1 * mm
    top = y + stock.height - pad
    canvas.setFont(FONT, 8)
    canvas.drawString(x + pad, top - 7, _fit(canvas, label.name, 8, text_w))
    canvas.setFont(FONT, 6)
    canvas.drawString(x + pad, top - 14, _fit(canvas, label.producer, 6, text_w))
    lines = []
    if label.lot:
        lines.append(f"Lô/Lot: {label.lot}")
    if label.produced_on:
        lines.append(f"NSX: {label.produced_on:%d/%m/%Y}")
    if label.expires_on:
        lines.append(f"HSD: {label.expires_on:%d/%m/%Y}")
    for i, line in enumerate(lines):
        canvas.drawString(x + pad, top - 21 - 7 * i, _fit(canvas, line, 6, text_w))
    if label.url:
        qr = codes.qr(label.url, "png")
        canvas.drawImage(
            ImageReader(BytesIO(qr.content)), x + stock.width - pad - qr_size, top - qr_size, qr_size, qr_size
        )
    if label.gtin14 and label.gtin14.startswith("0"):
        ean = codes.ean13(label.gtin14[1:], "png")
        image = ImageReader(BytesIO(ean.content))
        iw, ih = image.getSize()
        bar_w = min(text_w, 38 * mm)
        canvas.drawImage(image, x + pad, y + pad, bar_w, bar_w * ih / iw)
    elif label.gtin14:
        canvas.drawString(x + pad, y + pad, f"GTIN {gs1.display_gtin(label.gtin14)}")


def render_sheet(label: Label, count: int | None = None, stock: LabelStock | None = None) -> bytes:
    """One label repeated over a full sheet (or `count` labels over as many sheets as needed)."""
    stock = stock or LabelStock()
    per_page = stock.columns * stock.rows
    total = max(1, min(count or per_page, 50 * per_page))
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(label.name)
    _font()
    left, bottom = stock.margins
    for i in range(total):
        if i and i % per_page == 0:
            canvas.showPage()
        slot = i % per_page
        row, col = divmod(slot, stock.columns)
        x = left + col * stock.width
        y = A4[1] - bottom - (row + 1) * stock.height
        _draw(canvas, label, x, y, stock)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def product_label(product_id: int, base_url: str) -> Label:
    row = db.session.execute(
        select(Product.name, Product.gtin, Organization.name.label("producer"))
        .join(Organization, Organization.id == Product.organization_id)
        .where(Product.id == product_id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    url = codes.product_link(base_url, row.gtin) if row.gtin else None
    return Label(row.name, row.producer, row.gtin, url)


def batch_label(batch_id: int, base_url: str) -> Label:
    row = db.session.execute(
        select(Batch.lot, Batch.produced_on, Batch.expires_on, Product.name, Product.gtin, Organization.name)
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Product.organization_id)
        .where(Batch.id == batch_id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    lot, produced, expires, name, gtin, producer = row
    url = codes.batch_link(base_url, gtin, lot) if gtin else None
    return Label(name, producer, gtin, url, lot, produced, expires)
