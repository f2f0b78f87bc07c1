"""The printable certificate record (PDF) with its signed QR code."""

from __future__ import annotations

from flask import Response, current_app

from registry.extensions import limiter
from registry.services import certificate_pdf, verification
from registry.services.timefmt import today_vn

from .blueprint import Blueprint

blp = Blueprint("certificate_record", __name__, url_prefix="/api/v1", description="Printable certificate records")


@blp.route("/certificates/<int:cert_id>/record.pdf")
@limiter.limit("20/minute")
@blp.doc(responses={"200": {"description": "A4 record with the signed QR", "content": {"application/pdf": {}}}})
def record_pdf(cert_id: int) -> Response:
    """Every public field, the live status, the history and (while the certificate is valid) a freshly
    signed verify QR code with its URL; a suspended, withdrawn or expired one gets the plain verify URL."""
    cert = verification.load_certificate(cert_id)
    pdf = certificate_pdf.certificate_record_pdf(
        cert, today_vn(), current_app.instance_path, current_app.config["PUBLIC_BASE_URL"]
    )
    response = Response(pdf, mimetype="application/pdf")
    # The status printed is today's; never let a cache hand out yesterday's record.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{cert.id}.pdf"'
    return response
