"""The inspectors' queue of consumer reports sent from the scan page."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields

from registry.models.report import REPORT_STATUSES
from registry.schemas.fields import Length, OneOf, QInt, Str, StrictSchema
from registry.schemas.resources import PageArgs
from registry.services import report_queue
from registry.services.common import paginate
from registry.services.timefmt import local_iso

from .blueprint import Blueprint
from .common import actor, envelope, province_id

blp = Blueprint("reports_queue", __name__, url_prefix="/api/v1", description="Consumer reports (inspectors' queue)")


class ReportArgs(PageArgs):
    status = Str(validate=OneOf(REPORT_STATUSES))
    province = Str()
    product_id = QInt()


class ReportTransitionIn(StrictSchema):
    action = Str(required=True, validate=OneOf(tuple(report_queue.REPORT_TRANSITIONS)))
    outcome = Str(allow_none=True, validate=Length(max=report_queue.OUTCOME_MAX))


def _time(value: Any) -> str | None:
    return local_iso(value) if value else None


class ReportOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    message = fields.Str()
    contact = fields.Str(allow_none=True)
    place = fields.Str(allow_none=True)
    status = fields.Str()
    outcome = fields.Str(allow_none=True)
    product_id = fields.Int(allow_none=True)
    product_name = fields.Function(lambda r: r.product.name if r.product else None)
    gtin = fields.Function(lambda r: r.product.gtin if r.product else None)
    organization_id = fields.Function(lambda r: r.product.organization_id if r.product else None)
    organization_name = fields.Function(lambda r: r.product.organization.name if r.product else None)
    province = fields.Function(lambda r: r.product.organization.province.slug if r.product else None)
    batch_id = fields.Int(allow_none=True)
    lot = fields.Function(lambda r: r.batch.lot if r.batch else None)
    handled_by_id = fields.Int(allow_none=True)
    created_at = fields.Function(lambda r: _time(r.created_at))
    closed_at = fields.Function(lambda r: _time(r.closed_at))


class ReportPage(Schema):
    items = fields.List(fields.Nested(ReportOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()
    pages = fields.Int()


def _dump(user: Any, data: Any, many: bool = False) -> Any:
    # The consumer's contact goes only to those who follow reports up (inspectors, admins).
    schema = ReportOut(many=many) if report_queue.may_see_contact(user) else ReportOut(many=many, exclude=("contact",))
    return schema.dump(data)


def _json(body: Any) -> Response:
    # Already dumped for this reader; a Response passes flask-smorest's schema (kept for the OpenAPI document).
    return jsonify(body)


@blp.route("/consumer-reports")
@blp.arguments(ReportArgs, location="query")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, ReportPage)
def list_reports(args: dict[str, Any]) -> Response:
    """Newest first; inspectors and admins see every report, a DOST officer those of their province."""
    user = actor()
    stmt = report_queue.report_query(user, args.get("status"), province_id(args), args.get("product_id"))
    page = paginate(stmt, args["page"], args["per_page"])
    assert user is not None  # report_query refused anonymous callers
    page.items = _dump(user, page.items, many=True)
    return _json(envelope(page))


@blp.route("/consumer-reports/<int:report_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, ReportOut)
def get_report(report_id: int) -> Response:
    user = actor()
    report = report_queue.get_report(user, report_id)
    return _json(_dump(user, report))


@blp.route("/consumer-reports/<int:report_id>/transitions", methods=["POST"])
@blp.arguments(ReportTransitionIn)
@blp.doc(security=[{"bearer": []}])
@blp.response(200, ReportOut)
def transition(data: dict[str, Any], report_id: int) -> Response:
    """`investigate` takes an open report; `close` records the required `outcome` and is final."""
    user = actor()
    report = report_queue.transition_report(user, report_id, data["action"], data.get("outcome"))
    return _json(_dump(user, report))
