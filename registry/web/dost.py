"""DOST officer pages: the progress dashboard with drill-down to records, support activities,
reported figures, report downloads; and the public statistics page of a province.

Every figure comes from registry.services.progress / metrics, and every list behind a figure from
metrics.RECORDS, which shares each metric's filters, so a figure and its list cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select
from stdnum.vn import mst
from werkzeug.datastructures import MultiDict

from registry import vocabulary as labels
from registry.errors import FieldError, Forbidden, InvalidInput, NotFound
from registry.extensions import db
from registry.messages import render_rule
from registry.models import Organization, Plan, Province, Target, User
from registry.models.activity import ACTIVITY_KINDS
from registry.schemas.fields import Date, Float, Int, Length, Range, Str, StrictSchema, field_errors
from registry.schemas.resources import ActivityIn
from registry.services import activities, metrics, progress, reminders
from registry.services.common import paginate
from registry.services.places import resolve_province
from registry.services.progress import STATUS_LABELS, TargetProgress
from registry.services.timefmt import today_vn

from .charts import Bar, bar_chart
from .i18n import Table, text
from .producer import _int, current_lang

bp = Blueprint("dost", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])
PER_PAGE = 25

LABELS: Table = {
    "kind": _lp("labels", "Loại hoạt động"),
    "organization_id": _lp("labels", "Tổ chức được hỗ trợ"),
    "held_on": _lp("labels", "Ngày thực hiện"),
    "attendees": _lp("labels", "Số người tham dự"),
    "agency": _lp("labels", "Cơ quan thực hiện"),
    "note": _lp("labels", "Ghi chú"),
    "province": _lp("labels", "Tỉnh/thành phố"),
    "year": _lp("labels", "Năm"),
    "value": _lp("labels", "Số liệu"),
    "as_of": _lp("labels", "Số liệu tính đến ngày"),
    "evidence": _lp("labels", "Căn cứ (văn bản, báo cáo)"),
    "target_id": _lp("labels", "Chỉ tiêu"),
}
KIND_LABELS = labels.ACTIVITY_KINDS
UNIT_LABELS: Table = {
    "certificates": _lp("unit_labels", "chứng nhận"),
    "organizations": _lp("unit_labels", "tổ chức"),
    "standards": _lp("unit_labels", "tiêu chuẩn"),
    "percent": _lp("unit_labels", "%"),
    "people": _lp("unit_labels", "người"),
    "attendances": _lp("unit_labels", "lượt người"),
}
KIND_OF_TARGET: Table = {
    "annual_minimum": _lp("kind_of_target", "tối thiểu mỗi năm"),
    "annual_average": _lp("kind_of_target", "bình quân mỗi năm"),
    "cumulative": _lp("kind_of_target", "cộng dồn cả giai đoạn"),
    "share": _lp("kind_of_target", "tỷ lệ"),
}
ENTITY_LABELS: Table = {
    "certificate": _lp("entity_labels", "chứng chỉ"),
    "organization": _lp("entity_labels", "tổ chức"),
    "standard": _lp("entity_labels", "tiêu chuẩn"),
    "activity": _lp("entity_labels", "hoạt động"),
    "product": _lp("entity_labels", "sản phẩm"),
}
CATEGORY_LABELS = labels.CATEGORIES_SHORT


def pick(table: Table, key: str | None) -> str:
    return text(table.get(key or "", key or ""))


# The words of a plan's clause references ("II.2.1.i; phụ lục dòng 8"), longest first so that
# "gạch đầu dòng" is not read as "gạch đầu" + "dòng".
CLAUSE_WORDS_EN = (("gạch đầu dòng", "bullet"), ("phụ lục", "appendix"), ("dòng", "row"), ("mục", "item"))


def clause_text(clause: str, lang: str | None = None) -> str:
    """A clause reference in the page's language; the numbering is the same in both."""
    if (lang or current_lang()) != "en":
        return clause
    for vi, en in CLAUSE_WORDS_EN:
        clause = clause.replace(vi, en)
    return clause


def number(value: float | None) -> str:
    """A figure as Vietnamese and English readers both read it unambiguously: 1234 or 12.5."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _messages(errors: list[FieldError]) -> dict[str, list[str]]:
    lang = current_lang()
    out: dict[str, list[str]] = {}
    for e in errors:
        name = e.field.split(".")[0]
        out.setdefault(name, []).append(render_rule(e.rule, lang, None, dict(e.params)))
    return out


# --- access -----------------------------------------------------------------------------------


def _officer_page(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role not in ("dost_officer", "admin"):
            raise Forbidden()
        return view(*args, **kwargs)

    return cast(F, login_required(wrapper))


def _actor() -> User:
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def _province() -> Province | None:
    """An officer's own province (another named in ?province= is refused); an admin's ?province=,
    or None when the admin has not chosen yet."""
    user = _actor()
    slug = request.args.get("province", "").strip()
    found: Province | None = None
    if slug:
        result = resolve_province(slug)
        if isinstance(result, FieldError):
            raise InvalidInput([result])
        found = result
    if user.role == "dost_officer":
        if found is not None and found.id != user.province_id:
            raise Forbidden()
        return db.session.get(Province, user.province_id)
    return found


def _choose() -> str:
    provinces = db.session.scalars(select(Province).join(Plan, Plan.province_id == Province.id).order_by(Province.name))
    # The page's own path arguments (a target code) go into each link too, or url_for cannot build it.
    return render_template(
        "dost/choose.html", provinces=list(provinces), endpoint=request.endpoint, args=request.view_args or {}
    )


def _year() -> int:
    raw = request.args.get("year", "").strip()
    if not raw:
        return progress.check_year(None)
    if not raw.isascii() or not raw.isdigit():
        raise InvalidInput.one("year", "integer")
    return progress.check_year(int(raw))


# --- dashboard --------------------------------------------------------------------------------


def _card(tp: TargetProgress, province: Province, year: int) -> dict[str, Any]:
    target = tp.target
    base: dict[str, Any] = {"province": province.slug, "target": target.code}
    reported = target.metric == "reported"

    def link(y: int, scope: str = "year") -> str:
        if reported:
            return url_for(".figures", province=province.slug, _anchor=f"t-{target.code}")
        return url_for(".records", **base, year=y, scope=scope)

    years = [{"year": y, "value": v, "href": link(y)} for y, v in tp.per_year.items()]
    bars = [Bar(str(y), v, link(y)) for y, v in tp.per_year.items()]
    line, line_label = target.value, _("Chỉ tiêu")
    if target.kind == "cumulative" and target.value is not None:
        span = target.period_end - target.period_start + 1
        line, line_label = target.value / span, _("Nhịp đều mỗi năm")
    chart = None
    if years:
        chart = bar_chart(
            bars,
            title=f"{target.code}: " + _("số liệu từng năm so với chỉ tiêu"),
            line=line,
            line_label=line_label,
            chart_id=f"ch-{target.code}",
        )
    return {
        "tp": tp,
        "target": target,
        "years": years,
        "period_href": link(min(year, target.period_end), "period") if tp.per_year else None,
        "status_text": text(STATUS_LABELS[tp.status]),
        "chart": chart,
    }


@bp.route("/dost")
@_officer_page
def dashboard() -> Any:
    province = _province()
    if province is None:
        return _choose()
    year = _year()
    report = progress.plan_progress(province, year)
    breakdown = metrics.certificate_breakdown(province.id, year)
    today = today_vn()
    expiring = reminders.list_reminders(_actor(), today, province_id=province.id)
    items = [(org, item) for prov in expiring["provinces"] for org in prov["organizations"] for item in org["items"]]
    rec: dict[str, Any] = {"province": province.slug, "metric": "certificates", "year": year}
    by_category = [
        Bar(pick(CATEGORY_LABELS, c)[:14], n, url_for(".records", **rec, category=c))
        for c, n in breakdown["by_category"].items()
        if n
    ]
    by_month = [
        Bar(str(m["month"]), m["count"], url_for(".records", **rec, month=m["month"])) for m in breakdown["by_month"]
    ]
    return render_template(
        "dost/dashboard.html",
        province=province,
        year=year,
        years=list(range(report.plan.period_start, today.year + 1)),
        report=report,
        cards=[_card(tp, province, year) for tp in report.targets],
        breakdown=breakdown,
        category_chart=bar_chart(
            by_category, title=_("Chứng chỉ theo loại"), chart_id="ch-cat"
        ) if by_category else None,
        month_chart=bar_chart(by_month, title=_("Chứng chỉ theo tháng"), chart_id="ch-month"),
        expiring=items,
        rec=rec,
    )  # fmt: skip


# --- drill-down -------------------------------------------------------------------------------


def _sections(target: Target, province: Province, year: int, scope: str) -> tuple[list[dict[str, Any]], str | None]:
    """What a target's figure counts: one section per year measured, and the period's rule when the
    period figure is a mean of the years."""
    fn = metrics.RECORDS[target.metric]
    params = dict(target.params or {})
    today = today_vn()
    last = min(year, target.period_end)
    if last < target.period_start:
        raise InvalidInput.one("year", "range", min=target.period_start, max=target.period_end)

    def measure(first: int, upto: int) -> metrics.MetricRecords:
        if target.metric in metrics.SHARE_METRICS:
            return fn(province.id, target.period_start, upto, as_of=today, **params)
        return fn(province.id, first, upto, **params)

    def section(first: int, upto: int) -> dict[str, Any]:
        heading = str(upto) if first == upto else f"{first}–{upto}"
        return {"heading": heading, "records": measure(first, upto)}

    if scope == "year":
        return [section(last, last)], None
    if target.kind == "cumulative" and target.metric not in metrics.SHARE_METRICS:
        return [section(target.period_start, last)], None
    if target.kind == "annual_average":
        return [section(y, y) for y in range(target.period_start, last + 1)], "mean"
    return [section(last, last)], None


@bp.route("/dost/records")
@_officer_page
def records() -> Any:
    province = _province()
    if province is None:
        return _choose()
    year = _year()
    scope = "period" if request.args.get("scope") == "period" else "year"
    code = request.args.get("target", "").strip()
    target: Target | None = None
    mean = None
    if code:
        target = progress.target_of(province, code)
        if target.metric == "reported":
            return redirect(url_for(".figures", province=province.slug, _anchor=f"t-{target.code}"))
        sections, rule = _sections(target, province, year, scope)
        if rule == "mean":
            figures = [s["records"].figure for s in sections]
            mean = round(sum(f for f in figures if f is not None) / len(figures), 2) if figures else None
        title = f"{target.code} — {clause_text(target.clause)}"
    elif request.args.get("metric") == "certificates":
        category = request.args.get("category") or None
        if category is not None and category not in CATEGORY_LABELS:
            raise InvalidInput.one("category", "enum", choices=list(CATEGORY_LABELS))
        month = request.args.get("month", type=int)
        if month is not None and not 1 <= month <= 12:
            raise InvalidInput.one("month", "range", min=1, max=12)
        categories = [category] if category else None
        found = metrics.RECORDS["certificates_issued"](province.id, year, categories=categories, month=month)
        heading = str(year) + (f"-{month:02d}" if month else "")
        sections = [{"heading": heading, "records": found}]
        title = _("Chứng chỉ được cấp") + (f" — {pick(CATEGORY_LABELS, category)}" if category else "")
    else:
        raise InvalidInput.one("target", "required")
    return render_template(
        "dost/records.html", province=province, year=year, target=target, sections=sections, mean=mean,
        title=title, scope=scope, today=today_vn(),
    )  # fmt: skip


# --- support activities -----------------------------------------------------------------------


@bp.route("/dost/activities")
@_officer_page
def activity_list() -> Any:
    province = _province()
    if province is None:
        return _choose()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in ACTIVITY_KINDS:
        kind = None
    year = request.args.get("year", type=int)
    stmt = activities.activity_query(province_id=province.id, kind=kind, year=year)
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("dost/activities.html", province=province, page=page, kind=kind, year=year)


def _organization(raw: str, province: Province) -> tuple[int | None, FieldError | None]:
    """The organisation typed as a tax code (as printed or compact) or as its registry number."""
    raw = raw.strip()
    if not raw:
        return None, None
    org = None
    if mst.is_valid(raw):
        org = db.session.scalar(select(Organization).where(Organization.tax_code == mst.format(mst.compact(raw))))
    if org is None and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        org = db.session.get(Organization, int(raw))
    if org is None:
        return None, FieldError("organization_id", "unknown_reference", {"value": raw})
    if org.province_id != province.id:
        return None, FieldError(
            "organization_id", "organization_other_province", {"value": raw, "province": province.name}
        )
    return org.id, None


ACTIVITY_FIELDS = ("kind", "held_on", "attendees", "agency", "note")


@bp.route("/dost/activities/new", methods=["GET", "POST"])
@_officer_page
def activity_new() -> Any:
    province = _province()
    if province is None:
        return _choose()
    values: Any = MultiDict({"held_on": today_vn().isoformat()})
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        problems: list[FieldError] = []
        raw: dict[str, Any] = {}
        for name in ACTIVITY_FIELDS:
            value = (request.form.get(name) or "").strip()
            if name == "attendees" and value:
                raw[name] = _int(value)  # "-3" is a number out of range, not "not a whole number"
            elif value or name in ("kind", "held_on"):
                raw[name] = value if value else None
        org_id, org_error = _organization(request.form.get("organization_id", ""), province)
        if org_error:
            problems.append(org_error)
        raw["organization_id"] = org_id
        if org_id is None:
            raw["province"] = province.slug
        try:
            data = ActivityIn().load({k: v for k, v in raw.items() if v is not None or k == "organization_id"})
        except ValidationError as err:
            problems += field_errors(err.messages)
            data = {}
        if not problems:
            try:
                activities.create_activity(_actor(), data)
            except InvalidInput as err:
                db.session.rollback()
                problems = list(err.errors)
            else:
                flash(_("Đã ghi nhận hoạt động hỗ trợ."), "ok")
                return redirect(url_for(".activity_list", province=province.slug))
        errors, status = _messages(problems), 422
    return render_template("dost/activity_form.html", province=province, values=values, errors=errors), status


# --- reported figures -------------------------------------------------------------------------


class FigureForm(StrictSchema):
    year = Int(required=True, validate=Range(min=progress.FIRST_YEAR, max=2100))
    value = Float(required=True)
    as_of = Date(required=True)
    evidence = Str(required=True, validate=Length(min=1, max=4000))


def _reported_targets(province: Province) -> list[Target]:
    return [tg for tg in progress.plan_for(province).targets if tg.source == "reported"]


def _figures_page(province: Province, failed: str | None = None, values: Any = None, errors: Any = None) -> str:
    today = today_vn()
    rows = [
        {
            "target": tg,
            "figures": sorted(progress.reported_figures(tg), key=lambda f: f.year),
            "values": values if tg.code == failed else MultiDict({"year": str(min(today.year, tg.period_end)),
                                                                  "as_of": today.isoformat()}),
            "errors": errors if tg.code == failed else {},
            "open": today.year >= tg.period_start,
        }
        for tg in _reported_targets(province)
    ]  # fmt: skip
    return render_template("dost/figures.html", province=province, rows=rows, failed=failed)


@bp.route("/dost/figures")
@_officer_page
def figures() -> Any:
    province = _province()
    if province is None:
        return _choose()
    return _figures_page(province)


@bp.route("/dost/figures/<code>", methods=["GET", "POST"])
@_officer_page
def figure_save(code: str) -> Any:
    province = _province()
    if province is None:
        return _choose()
    target = progress.target_of(province, code)
    if request.method == "GET":  # the form lives on the figures page; a `?lang=` choice goes along
        lang = request.args.get("lang")
        return redirect(url_for(".figures", province=province.slug, lang=lang, _anchor=f"t-{target.code}"))
    raw: dict[str, Any] = {}
    for name in ("year", "value", "as_of", "evidence"):
        value = (request.form.get(name) or "").strip()
        if not value:
            continue
        if name == "year":
            raw[name] = _int(value)
        elif name == "value":
            try:
                raw[name] = float(value.replace(",", "."))
            except ValueError:
                raw[name] = value
        else:
            raw[name] = value
    problems: list[FieldError] = []
    try:
        data = FigureForm().load(raw)
    except ValidationError as err:
        problems = field_errors(err.messages)
    else:
        try:
            progress.record_figure(_actor(), province.slug, target.code, data)
        except InvalidInput as err:
            db.session.rollback()
            problems = list(err.errors)
    if problems:
        return _figures_page(province, target.code, request.form, _messages(problems)), 422
    flash(_("Đã lưu số liệu báo cáo."), "ok")
    return redirect(url_for(".figures", province=province.slug, _anchor=f"t-{target.code}"))


# --- public statistics ------------------------------------------------------------------------


@bp.route("/stats/<slug>")
def public_stats(slug: str) -> Any:
    found = resolve_province(slug)
    if isinstance(found, FieldError):
        raise NotFound()
    province = found
    today = today_vn()
    year = _year()
    plan = db.session.scalar(select(Plan).where(Plan.province_id == province.id))
    first = min(plan.period_start if plan else today.year, today.year) - 4
    per_year = metrics.certificates_by_year(province.id, first, today.year)
    by_category = metrics.certificate_breakdown(province.id, year)["by_category"]
    stars = metrics.ocop_products_by_stars(province.id, today)
    tccs = metrics.tccs_by_year(province.id, first, today.year)
    charts = {
        "years": bar_chart([Bar(str(y), n) for y, n in per_year.items()],
                           title=_("Chứng chỉ được cấp mỗi năm"), chart_id="ch-y"),
        "category": bar_chart([Bar(pick(CATEGORY_LABELS, c)[:14], n) for c, n in by_category.items() if n],
                              title=_("Chứng chỉ theo loại"), chart_id="ch-c"),
        "stars": bar_chart([Bar(f"{s} ★", n) for s, n in stars.items()],
                           title=_("Sản phẩm OCOP theo số sao"), chart_id="ch-s"),
        "tccs": bar_chart([Bar(str(y), n) for y, n in tccs.items()],
                          title=_("Tiêu chuẩn cơ sở công bố mỗi năm"),
                          chart_id="ch-t"),
    }  # fmt: skip
    html = render_template(
        "dost/public.html", province=province, year=year, per_year=per_year, by_category=by_category,
        stars=stars, tccs=tccs, charts=charts, today=today, lang=current_lang(),
    )  # fmt: skip
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def register(app: Any) -> None:
    app.register_blueprint(bp)
    tables = {"kind": KIND_LABELS, "unit": UNIT_LABELS, "target_kind": KIND_OF_TARGET, "entity": ENTITY_LABELS,
              "category": CATEGORY_LABELS, "field": LABELS}  # fmt: skip
    app.jinja_env.globals.update(
        dost_label=lambda table, key: pick(tables[table], key), dost_number=number, dost_clause=clause_text
    )
