"""Certificates and their status transitions."""

from __future__ import annotations

from typing import Any

from registry.models import Certificate
from registry.schemas.resources import (
    CertificateArgs,
    CertificateIn,
    CertificateOut,
    TransitionIn,
    page_schema,
)
from registry.services import certificates
from registry.services.common import get_or_404, paginate
from registry.services.timefmt import today_vn

from .blueprint import Blueprint
from .common import actor, envelope, province_id

blp = Blueprint("certificates", __name__, url_prefix="/api/v1", description="Conformity certificates")


@blp.route("/certificates")
@blp.arguments(CertificateArgs, location="query")
@blp.response(200, page_schema(CertificateOut, "CertificatePage"))
def list_certificates(args: dict[str, Any]) -> dict[str, Any]:
    stmt = certificates.certificate_query(
        province_id=province_id(args),
        organization_id=args.get("organization_id"),
        body_id=args.get("certification_body_id"),
        category=args.get("category"),
        status=args.get("status"),
        year=args.get("year"),
        product_id=args.get("product_id"),
        q=args.get("q"),
        confirmed=args.get("confirmed"),
        today=today_vn(),
    )
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/certificates", methods=["POST"])
@blp.arguments(CertificateIn)
@blp.response(201, CertificateOut)
def create_certificate(data: dict[str, Any]) -> Any:
    """Body staff, inspectors, DOST and admins issue; a producer's own record stays declared."""
    return certificates.create_certificate(actor(), data)


@blp.route("/certificates/<int:cert_id>")
@blp.response(200, CertificateOut)
def get_certificate(cert_id: int) -> Any:
    return get_or_404(Certificate, cert_id)


@blp.route("/certificates/<int:cert_id>/transitions", methods=["POST"])
@blp.arguments(TransitionIn)
@blp.response(200, CertificateOut)
def transition(data: dict[str, Any], cert_id: int) -> Any:
    """Suspend, withdraw or reinstate, with a reason; withdrawn is final."""
    return certificates.transition_certificate(actor(), cert_id, data["action"], data["reason"])


@blp.route("/certificates/<int:cert_id>/confirm", methods=["POST"])
@blp.response(200, CertificateOut)
def confirm(cert_id: int) -> Any:
    """The issuing body's staff or DOST confirm a certificate a producer declared."""
    return certificates.confirm_certificate(actor(), cert_id)
