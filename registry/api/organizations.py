"""Organisations (producers) and certification bodies."""

from __future__ import annotations

from typing import Any

from registry.models import CertificationBody, Organization
from registry.schemas.resources import (
    BodyIn,
    BodyOut,
    OrganizationArgs,
    OrganizationIn,
    OrganizationOut,
    PageArgs,
    page_schema,
)
from registry.services import organizations
from registry.services.common import get_or_404, paginate

from .blueprint import Blueprint
from .common import actor, envelope, province_id

blp = Blueprint("organizations", __name__, url_prefix="/api/v1", description="Producers and certification bodies")


@blp.route("/organizations")
@blp.arguments(OrganizationArgs, location="query")
@blp.response(200, page_schema(OrganizationOut, "OrganizationPage"))
def list_organizations(args: dict[str, Any]) -> dict[str, Any]:
    stmt = organizations.organization_query(province_id(args), args.get("kind"), args.get("q"), args.get("is_sme"))
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/organizations", methods=["POST"])
@blp.arguments(OrganizationIn)
@blp.response(201, OrganizationOut)
def create_organization(data: dict[str, Any]) -> Any:
    return organizations.create_organization(actor(), data)


@blp.route("/organizations/<int:org_id>")
@blp.response(200, OrganizationOut)
def get_organization(org_id: int) -> Any:
    return get_or_404(Organization, org_id)


@blp.route("/organizations/<int:org_id>", methods=["PATCH"])
@blp.arguments(OrganizationIn(partial=True))
@blp.response(200, OrganizationOut)
def update_organization(data: dict[str, Any], org_id: int) -> Any:
    return organizations.update_organization(actor(), org_id, data)


@blp.route("/certification-bodies")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(BodyOut, "CertificationBodyPage"))
def list_bodies(args: dict[str, Any]) -> dict[str, Any]:
    return envelope(paginate(organizations.body_query(args.get("q")), args["page"], args["per_page"]))


@blp.route("/certification-bodies", methods=["POST"])
@blp.arguments(BodyIn)
@blp.response(201, BodyOut)
def create_body(data: dict[str, Any]) -> Any:
    return organizations.create_body(actor(), data)


@blp.route("/certification-bodies/<int:body_id>")
@blp.response(200, BodyOut)
def get_body(body_id: int) -> Any:
    return get_or_404(CertificationBody, body_id)


@blp.route("/certification-bodies/<int:body_id>", methods=["PATCH"])
@blp.arguments(BodyIn(partial=True))
@blp.response(200, BodyOut)
def update_body(data: dict[str, Any], body_id: int) -> Any:
    return organizations.update_body(actor(), body_id, data)
