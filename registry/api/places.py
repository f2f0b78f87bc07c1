"""Provinces, communes, plans and the audit head."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.errors import NotFound
from registry.extensions import db
from registry.models import Plan
from registry.schemas.fields import QuerySchema, Str
from registry.schemas.resources import CommuneOut, PlanOut, ProvinceOut
from registry.services import audit, places

from .blueprint import Blueprint
from .openapi import AuditHeadOut

blp = Blueprint("places", __name__, url_prefix="/api/v1", description="Provinces, communes and plans")


class CommuneArgs(QuerySchema):
    q = Str()


@blp.route("/provinces")
@blp.response(200, ProvinceOut(many=True))
def list_provinces() -> Any:
    return places.list_provinces()


@blp.route("/provinces/<slug>")
@blp.response(200, ProvinceOut)
def get_province(slug: str) -> Any:
    province = places.province_by_slug(slug)
    if province is None:
        raise NotFound()
    return province


@blp.route("/provinces/<slug>/communes")
@blp.arguments(CommuneArgs, location="query")
@blp.response(200, CommuneOut(many=True))
def list_communes(args: dict[str, Any], slug: str) -> Any:
    province = places.province_by_slug(slug)
    if province is None:
        raise NotFound()
    return places.list_communes(province, args.get("q"))


@blp.route("/plans")
@blp.response(200, PlanOut(many=True))
def list_plans() -> Any:
    return list(db.session.scalars(select(Plan).order_by(Plan.id)))


@blp.route("/plans/<slug>")
@blp.response(200, PlanOut)
def get_plan(slug: str) -> Any:
    province = places.province_by_slug(slug)
    plan = db.session.scalar(select(Plan).where(Plan.province_id == province.id)) if province else None
    if plan is None:
        raise NotFound()
    return plan


@blp.route("/audit/head")
@blp.alt_response(200, schema=AuditHeadOut, description="The audit log's head", success=True)
def audit_head() -> dict[str, Any]:
    """The head of the hash-chained audit log, for outside parties to record."""
    return audit.head()
