"""Barcode and QR images of products and batches (SVG and PNG), with ETags."""

from __future__ import annotations

from flask import Response, current_app, json, request

from registry.services import codes, epcis, labels
from registry.services.codes import CodeImage, Format

from .blueprint import Blueprint

blp = Blueprint(
    "codes", __name__, url_prefix="/api/v1", description="EAN-13 barcodes, Digital Link QR codes, EPCIS export"
)

# Not `immutable`: the URL names a record, whose GTIN may be corrected; a day's reuse plus a
# cheap ETag revalidation (304) keeps printed labels from ever showing a stale code for long.
CACHE_CONTROL = "public, max-age=86400"
IMAGE_DOC = {
    "responses": {
        "200": {
            "description": "The image",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}, "image/png": {"schema": {"type": "string"}}},
        },
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
    }
}


def _send(image: CodeImage) -> Response:
    if image.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(image.content, mimetype=image.mimetype)
    response.set_etag(image.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


@blp.route("/products/<int:product_id>/barcode.<any(svg, png):fmt>")
@blp.doc(**IMAGE_DOC)
def product_barcode(product_id: int, fmt: Format) -> Response:
    """EAN-13 of the product's GTIN-13."""
    return _send(codes.product_barcode(product_id, fmt))


@blp.route("/products/<int:product_id>/qr.<any(svg, png):fmt>")
@blp.doc(**IMAGE_DOC)
def product_qr(product_id: int, fmt: Format) -> Response:
    """QR code of the product's GS1 Digital Link URL under the public base URL."""
    return _send(codes.product_qr(product_id, _base(), fmt))


@blp.route("/batches/<int:batch_id>/qr.<any(svg, png):fmt>")
@blp.doc(**IMAGE_DOC)
def batch_qr(batch_id: int, fmt: Format) -> Response:
    """QR code of the batch's Digital Link URL (`/01/{gtin}/10/{lot}`)."""
    return _send(codes.batch_qr(batch_id, _base(), fmt))


@blp.route("/batches/<int:batch_id>/epcis")
@blp.doc(responses={"200": {"description": "EPCIS 2.0 document", "content": {"application/ld+json": {}}}})
def batch_epcis(batch_id: int) -> Response:
    """The batch's trace events as an EPCIS 2.0 JSON-LD document."""
    body = epcis.batch_document(batch_id, _base())
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/ld+json")


def _pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@blp.route("/products/<int:product_id>/labels.pdf")
@blp.doc(responses={"200": {"description": "A4 label sheet", "content": {"application/pdf": {}}}})
def product_labels(product_id: int) -> Response:
    """An A4 sheet of 3 × 8 labels (70 × 37 mm) of the product; `?count=` labels over several sheets."""
    label = labels.product_label(product_id, _base())
    return _pdf(labels.render_sheet(label, request.args.get("count", type=int)), f"product-{product_id}-labels.pdf")


@blp.route("/batches/<int:batch_id>/labels.pdf")
@blp.doc(responses={"200": {"description": "A4 label sheet", "content": {"application/pdf": {}}}})
def batch_labels(batch_id: int) -> Response:
    """An A4 sheet of labels of the batch, with its lot, production and expiry dates."""
    label = labels.batch_label(batch_id, _base())
    return _pdf(labels.render_sheet(label, request.args.get("count", type=int)), f"batch-{batch_id}-labels.pdf")
