"""A certificate's signed verify link and its QR code (SVG, PNG)."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Response, current_app

from registry.extensions import limiter
from registry.services import verification
from registry.services.timefmt import today_vn

from .blueprint import Blueprint

blp = Blueprint("verification", __name__, url_prefix="/api/v1", description="Signed certificate QR codes")


def _signed(cert_id: int) -> dict[str, Any]:
    cert = verification.load_certificate(cert_id)
    return verification.signed_link(cert, today_vn(), current_app.instance_path, current_app.config["PUBLIC_BASE_URL"])


def _qr(url: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def _image(body: bytes, mimetype: str, cert_id: int, ext: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{cert_id}.{ext}"'
    return response


@blp.route("/certificates/<int:cert_id>/token")
@limiter.limit("60/minute")
@blp.doc(responses={"200": {"description": "token, url, kid, qr_version and the signed claims"}})
def token(cert_id: int) -> dict[str, Any]:
    """A freshly signed token and verify URL; refused (409) unless the certificate is valid today."""
    return _signed(cert_id)


@blp.route("/certificates/<int:cert_id>/qr.svg")
@limiter.limit("60/minute")
@blp.doc(responses={"200": {"description": "QR code of the signed verify URL", "content": {"image/svg+xml": {}}}})
def qr_svg(cert_id: int) -> Response:
    image = _qr(_signed(cert_id)["url"]).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return _image(buffer.getvalue(), "image/svg+xml", cert_id, "svg")


@blp.route("/certificates/<int:cert_id>/qr.png")
@limiter.limit("60/minute")
@blp.doc(responses={"200": {"description": "QR code of the signed verify URL", "content": {"image/png": {}}}})
def qr_png(cert_id: int) -> Response:
    image = _qr(_signed(cert_id)["url"]).make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return _image(buffer.getvalue(), "image/png", cert_id, "png")
