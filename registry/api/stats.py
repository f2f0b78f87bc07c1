"""Yearly certificate counts, plan target progress, annual reports and reported figures."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from registry.schemas.fields import Date, Float, Int, Length, QInt, QuerySchema, Range, Str, StrictSchema
from registry.services import metrics, progress, reports

from .common import actor

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics, plan progress and annual reports")


def national_goal(year: int) -> dict[str, int]:
    value, by = metrics.national_goal(year)
    return {"value": value, "by": by}


class StatsArgs(QuerySchema):
    province = Str()
    year = QInt(validate=Range(min=progress.FIRST_YEAR, max=2100))


class ReportArgs(StatsArgs):
    format = Str(load_default="xlsx")


class FigureIn(StrictSchema):
    year = Int(required=True)
    value = Float(required=True)
    as_of = Date(required=True)
    evidence = Str(required=True, validate=Length(min=1, max=4000))


class FigureOut(Schema):
    id = fields.Int()
    target_id = fields.Function(lambda f: f.target.code)
    year = fields.Int()
    value = fields.Float()
    as_of = fields.Date()
    evidence = fields.Str(allow_none=True)
    entered_at = fields.AwareDateTime()


@blp.route("/stats/certificates")
@blp.arguments(StatsArgs, location="query")
def certificate_stats(args: dict[str, Any]) -> dict[str, Any]:
    """Confirmed certificates issued in a year (in the holder's province at issue), with breakdowns
    by category, month and body; without `province`, every province and the national goal."""
    year = progress.check_year(args.get("year"))
    if args.get("province"):
        province = progress.check_province(args["province"])
        return {"province": province.slug, **metrics.certificate_breakdown(province.id, year)}
    return {"province": None, **metrics.certificate_breakdown(None, year), "national_goal": national_goal(year)}


@blp.route("/stats/progress")
@blp.arguments(StatsArgs, location="query")
def progress_stats(args: dict[str, Any]) -> dict[str, Any]:
    """Every target of the province's plan for a year: figures, projection, status, deadline."""
    province = progress.check_province(args.get("province"))
    return progress.progress_document(province, progress.check_year(args.get("year")))


@blp.route("/stats/report")
@blp.arguments(ReportArgs, location="query")
def annual_report(args: dict[str, Any]) -> Response:
    """The annual report as XLSX, CSV (UTF-8 with BOM) or PDF."""
    fmt = reports.check_format(args.get("format"))
    report = reports.build_report(args.get("province"), args.get("year"))
    response = Response(reports.render(report, fmt), mimetype=reports.FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = reports.FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{reports.filename(report, fmt)}"'
    return response


@blp.route("/plans/<province>/targets/<target_id>/figures")
@blp.response(200, FigureOut(many=True))
def list_figures(province: str, target_id: str) -> Any:
    target = progress.target_of(progress.check_province(province), target_id)
    return sorted(progress.reported_figures(target), key=lambda f: f.year)


@blp.route("/plans/<province>/targets/<target_id>/figures", methods=["POST"])
@blp.arguments(FigureIn)
@blp.response(201, FigureOut)
def record_figure(data: dict[str, Any], province: str, target_id: str) -> Any:
    """Enter or correct a reported figure (the province's DOST officer or an admin)."""
    return progress.record_figure(actor(), province, target_id, data)
