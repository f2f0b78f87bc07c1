"""EAN-13 barcodes and Digital Link QR codes as SVG and PNG, generated once per content and cached."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Literal

import qrcode
from barcode import EAN13
from barcode.writer import ImageWriter, SVGWriter
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage
from sqlalchemy import select

from registry.errors import Conflict, FieldError, NotFound
from registry.extensions import db
from registry.models import Batch, Product
from registry.services import digital_link

Format = Literal["svg", "png"]
MIMETYPES = {"svg": "image/svg+xml", "png": "image/png"}
# Room for every product and batch image a busy deployment serves; an entry is a few KB.
CACHE_SIZE = 8192


@dataclass(frozen=True)
class CodeImage:
    content: bytes
    mimetype: str
    etag: str


def _image(content: bytes, fmt: Format) -> CodeImage:
    return CodeImage(content, MIMETYPES[fmt], hashlib.sha256(content).hexdigest()[:32])


def product_link(base_url: str, gtin14: str) -> str:
    return digital_link.build_uri(base_url, gtin14)


def batch_link(base_url: str, gtin14: str, lot: str) -> str:
    return digital_link.build_uri(base_url, gtin14, lot=lot)


@lru_cache(maxsize=CACHE_SIZE)
def ean13(gtin13: str, fmt: Format) -> CodeImage:
    """An EAN-13 symbol with its human-readable digits; the writers' defaults meet GS1's X-dimension range."""
    out = BytesIO()
    writer = SVGWriter() if fmt == "svg" else ImageWriter(format="PNG")
    EAN13(gtin13, writer=writer).write(out, {"module_height": 15.0, "quiet_zone": 6.5, "font_size": 10})
    return _image(out.getvalue(), fmt)


@lru_cache(maxsize=CACHE_SIZE)
def qr(url: str, fmt: Format) -> CodeImage:
    """A QR code of `url` with error correction M (survives some wear on a printed label)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    out = BytesIO()
    if fmt == "svg":
        code.make_image(image_factory=SvgPathImage).save(out)
    else:
        code.make_image(image_factory=PilImage).save(out)
    return _image(out.getvalue(), fmt)


def _product_gtin(product_id: int) -> str | None:
    found = db.session.execute(select(Product.gtin).where(Product.id == product_id)).one_or_none()
    if found is None:
        raise NotFound()
    return found.gtin


def product_barcode(product_id: int, fmt: Format) -> CodeImage:
    """EAN-13 needs a GTIN-13 (a 14-digit GTIN with a leading zero); a GTIN-14 has no EAN-13."""
    gtin = _product_gtin(product_id)
    if not gtin or not gtin.startswith("0"):
        raise Conflict("no_gtin13", [FieldError("gtin", "gtin13_required")])
    return ean13(gtin[1:], fmt)


def product_qr(product_id: int, base_url: str, fmt: Format) -> CodeImage:
    gtin = _product_gtin(product_id)
    if not gtin:
        raise Conflict("no_gtin", [FieldError("gtin", "gtin_required_for_code")])
    return qr(product_link(base_url, gtin), fmt)


def batch_qr(batch_id: int, base_url: str, fmt: Format) -> CodeImage:
    found = db.session.execute(
        select(Batch.lot, Product.gtin).join(Product, Product.id == Batch.product_id).where(Batch.id == batch_id)
    ).one_or_none()
    if found is None:
        raise NotFound()
    if not found.gtin:
        raise Conflict("no_gtin", [FieldError("gtin", "gtin_required_for_code")])
    return qr(batch_link(base_url, found.gtin, found.lot), fmt)
