"""Progress of a province's plan targets for a year: figures, projection, status, deadline.

Rules (a year is a calendar year in Vietnam time, UTC+7; the report year may not be in the future):

* ``per_year`` holds the figure of each year of the target's period up to the report year; a count
  is the year's count, a share is the share at the end of that year (today for the current year),
  a reported figure is the one entered for that year.
* ``period_actual`` by kind: ``annual_average`` = mean of the years so far (the current year
  included); ``cumulative`` = the count over the period so far (distinct where the metric counts
  distinct records); ``annual_minimum`` = the report year's figure; ``share`` = the latest figure.
* ``projection`` to the end of the period is linear from the pace so far, with ``f`` the fraction of
  the report year elapsed (1 for a finished year): cumulative = period figure x period years /
  years elapsed; annual average = mean of the finished years and the current year's figure / f;
  annual minimum = the year's figure / f; share = the latest share plus the last year's change per
  year left (capped at 100), or the latest share when there is no earlier year.
* ``status``: ``no_data`` when the period has not started, a reported figure is missing for the
  year, or there is nothing to measure (an empty population). With a value: ``met`` when the period
  figure reaches it (an annual average only once its last year is over); else ``on_track`` when
  the projection reaches it, ``at_risk`` when it reaches 80 % of it, ``behind`` otherwise. With no
  value ("rising year on year"): higher than the previous year = ``on_track``, equal = ``at_risk``,
  lower = ``behind``, no previous figure = ``no_data``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from registry import vocabulary
from registry.errors import FieldError, InvalidInput, NotFound
from registry.extensions import db
from registry.models import Plan, Province, ReportedFigure, Target, User
from registry.services import audit, metrics, permissions
from registry.services.places import resolve_province
from registry.services.text import nfc
from registry.services.timefmt import VN

FIRST_YEAR = 2000
AT_RISK_RATIO = 0.8
STATUS_LABELS = {
    "met": ("Đã đạt", "Met"),
    "on_track": ("Đúng tiến độ", "On track"),
    "at_risk": ("Có nguy cơ không đạt", "At risk"),
    "behind": ("Chậm tiến độ", "Behind"),
    "no_data": ("Chưa có dữ liệu", "No data"),
}


@dataclass
class TargetProgress:
    target: Target
    actual: float | None
    per_year: dict[int, float | None]
    period_actual: float | None
    projection: float | None
    status: str
    reason: str
    figures: dict[int, ReportedFigure] = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        return self.target.value


@dataclass
class PlanProgress:
    province: Province
    plan: Plan
    year: int
    today: date
    year_fraction: float
    deadline: date
    targets: list[TargetProgress]

    @property
    def days_left(self) -> int:
        """Days from today to the report deadline; negative once it has passed."""
        return (self.deadline - self.today).days

    @property
    def deadline_text(self) -> tuple[str, str]:
        """ "còn 3 ngày" / "hạn chót hôm nay" / "quá hạn 1 ngày", and in English (`vocabulary.deadline_text`)."""
        return vocabulary.deadline_text(self.days_left)


def now_vn() -> datetime:
    return datetime.now(VN)


def year_fraction(year: int, now: datetime) -> float:
    """How much of `year` has elapsed at `now` in Vietnam: 0 before it, 1 after it."""
    local = now.astimezone(VN)
    start = datetime(year, 1, 1, tzinfo=VN)
    end = datetime(year + 1, 1, 1, tzinfo=VN)
    if local >= end:
        return 1.0
    if local <= start:
        return 0.0
    return (local - start) / (end - start)


def check_province(value: str | None, field_name: str = "province") -> Province:
    if not value:
        raise InvalidInput.one(field_name, "required")
    found = resolve_province(value, field_name)
    if isinstance(found, FieldError):
        raise InvalidInput([found])
    return found


def check_year(year: int | None, now: datetime | None = None) -> int:
    """The report year: the current one by default, never in the future."""
    current = (now or now_vn()).astimezone(VN).year
    if year is None:
        return current
    if not FIRST_YEAR <= year <= current:
        raise InvalidInput.one("year", "range", min=FIRST_YEAR, max=current)
    return year


def plan_for(province: Province) -> Plan:
    plan = db.session.scalar(select(Plan).where(Plan.province_id == province.id))
    if plan is None:
        raise InvalidInput.one("province", "no_plan", value=province.slug)
    return plan


def _measure(target: Target, province_id: int, first: int, last: int, today: date) -> float | None:
    fn = metrics.COMPUTED[target.metric]
    params = dict(target.params or {})
    if target.metric in metrics.SHARE_METRICS:
        # A share is a state: measured at the end of `last` (today for the current year), with
        # guidance counted from the start of the target's period.
        return fn(province_id, target.period_start, last, as_of=today, **params)  # type: ignore[no-any-return]
    return float(fn(province_id, first, last, **params))


def _metric_key(target: Target) -> tuple[str, str]:
    """Targets measured by the same metric with the same parameters share their yearly figures."""
    return target.metric, json.dumps(target.params or {}, sort_keys=True)


def _yearly_figures(targets: list[Target], province_id: int, year: int) -> dict[tuple[str, str], dict[int, int]]:
    """Every year's figure of each count metric the targets use, one grouped query per metric over
    the years all its targets need up to `year`."""
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for t in targets:
        if t.metric in metrics.BY_YEAR and year >= t.period_start:
            key, last = _metric_key(t), min(year, t.period_end)
            first_, last_ = spans.get(key, (t.period_start, last))
            spans[key] = (min(first_, t.period_start), max(last_, last))
    return {
        key: metrics.BY_YEAR[key[0]](province_id, first, last, **json.loads(key[1]))
        for key, (first, last) in spans.items()
    }


def target_progress(
    target: Target, province_id: int, year: int, now: datetime, yearly: dict[int, int] | None = None
) -> TargetProgress:
    """`yearly` may carry the metric's figures for the target's years already (see `_yearly_figures`)."""
    today = now.astimezone(VN).date()
    if year < target.period_start:
        return TargetProgress(target, None, {}, None, None, "no_data", "not_started")
    last = min(year, target.period_end)
    years = list(range(target.period_start, last + 1))
    figures: dict[int, ReportedFigure] = {}
    if target.metric == "reported":
        rows = db.session.scalars(
            select(ReportedFigure).where(
                ReportedFigure.target_id == target.id,
                ReportedFigure.year >= target.period_start,
                ReportedFigure.year <= last,
            )
        )
        figures = {r.year: r for r in rows}
        per_year: dict[int, float | None] = {y: (figures[y].value if y in figures else None) for y in years}
    elif target.metric in metrics.BY_YEAR:
        if yearly is None:
            yearly = metrics.BY_YEAR[target.metric](province_id, years[0], years[-1], **(target.params or {}))
        per_year = {y: float(yearly[y]) for y in years}
    else:
        per_year = {y: _measure(target, province_id, y, y, today) for y in years}
    actual = per_year.get(year)
    known = [v for v in per_year.values() if v is not None]
    if target.kind == "annual_average":
        period_actual = round(sum(known) / len(known), 2) if known else None
    elif target.kind == "cumulative":
        if target.metric == "reported":
            period_actual = sum(known) if known else None
        elif target.metric in metrics.SHARE_METRICS:
            period_actual = per_year[last]
        elif target.metric in metrics.ADDITIVE_METRICS:
            period_actual = sum(known)
        else:
            period_actual = _measure(target, province_id, target.period_start, last, today)
    elif target.kind == "annual_minimum":
        period_actual = per_year[last]
    else:  # share: the latest figure
        period_actual = next((per_year[y] for y in reversed(years) if per_year[y] is not None), None)

    f = year_fraction(last, now)
    projection = _project(target, per_year, period_actual, last, f)
    status, reason = _status(target, per_year, period_actual, projection, last, f)
    return TargetProgress(target, actual, per_year, period_actual, projection, status, reason, figures)


def _project(
    target: Target, per_year: dict[int, float | None], period_actual: float | None, last: int, f: float
) -> float | None:
    if period_actual is None:
        return None
    current = per_year.get(last)
    if target.kind == "cumulative":
        elapsed = (last - target.period_start) + f
        years = target.period_end - target.period_start + 1
        return round(period_actual * years / elapsed, 2) if elapsed > 0 else None
    if target.kind == "annual_minimum":
        return round(current / f, 2) if current is not None and f > 0 else None
    if target.kind == "annual_average":
        finished = [v for y, v in per_year.items() if y < last and v is not None]
        if current is None or f <= 0:
            return round(sum(finished) / len(finished), 2) if finished else None
        values = [*finished, current / f]
        return round(sum(values) / len(values), 2)
    # share: continue last year's change for the time left in the period
    previous = per_year.get(last - 1)
    if current is None:
        return period_actual
    if previous is None:
        return current
    left = (target.period_end - last) + (1 - f)
    return round(max(0.0, min(100.0, current + (current - previous) * left)), 2)


def _status(
    target: Target,
    per_year: dict[int, float | None],
    period_actual: float | None,
    projection: float | None,
    last: int,
    f: float,
) -> tuple[str, str]:
    if target.metric == "reported" and per_year.get(last) is None:
        return "no_data", "missing_figure"
    if period_actual is None:
        return "no_data", "nothing_to_measure"
    if target.value is None:
        current, previous = per_year.get(last), per_year.get(last - 1)
        if current is None or previous is None:
            return "no_data", "no_previous_year"
        if current > previous:
            return "on_track", "rising"
        return ("at_risk", "flat") if current == previous else ("behind", "falling")
    value = target.value
    period_over = last == target.period_end and f >= 1.0
    if period_actual >= value and (target.kind != "annual_average" or period_over):
        return "met", "reached"
    if projection is not None and projection >= value:
        return "on_track", "projection_reaches"
    if projection is not None and projection >= AT_RISK_RATIO * value:
        return "at_risk", "projection_near"
    return "behind", "projection_short"


def plan_progress(province: Province, year: int, now: datetime | None = None) -> PlanProgress:
    now = now or now_vn()
    plan = plan_for(province)
    month, day = (int(part) for part in plan.report_deadline.split("-"))
    targets = list(plan.targets)
    yearly = _yearly_figures(targets, province.id, year)
    return PlanProgress(
        province=province,
        plan=plan,
        year=year,
        today=now.astimezone(VN).date(),
        year_fraction=year_fraction(year, now),
        deadline=date(year, month, day),
        targets=[target_progress(t, province.id, year, now, yearly.get(_metric_key(t))) for t in targets],
    )


def progress_document(province: Province, year: int, now: datetime | None = None) -> dict[str, Any]:
    """The progress of every target as plain JSON-ready data (the API's /stats/progress)."""
    report = plan_progress(province, year, now)
    return {
        "province": province.slug,
        "year": year,
        "as_of": report.today.isoformat(),
        "year_fraction": round(report.year_fraction, 4),
        "deadline": report.deadline.isoformat(),
        "days_left": report.days_left,
        "targets": [
            {
                "id": t.target.code,
                "clause": t.target.clause,
                "wording": t.target.wording,
                "kind": t.target.kind,
                "metric": t.target.metric,
                "source": t.target.source,
                "unit": t.target.unit,
                "period_start": t.target.period_start,
                "period_end": t.target.period_end,
                "value": t.value,
                "actual": t.actual,
                "per_year": {str(y): v for y, v in t.per_year.items()},
                "period_actual": t.period_actual,
                "projection": t.projection,
                "status": t.status,
                "status_reason": t.reason,
            }
            for t in report.targets
        ],
    }


# ---- reported figures ------------------------------------------------------------------------


def target_of(province: Province, code: str) -> Target:
    target = db.session.scalar(
        select(Target).join(Plan, Plan.id == Target.plan_id).where(Plan.province_id == province.id, Target.code == code)
    )
    if target is None:
        raise NotFound()
    return target


def reported_figures(target: Target) -> list[ReportedFigure]:
    return list(db.session.scalars(select(ReportedFigure).where(ReportedFigure.target_id == target.id)))


def record_figure(
    actor: User | None, province_value: str, target_code: str, data: dict[str, Any], now: datetime | None = None
) -> ReportedFigure:
    """Enter (or correct) the figure of a reported target for a year; the province's DOST officer
    or an admin only. Evidence is required so the figure can be checked."""
    province = check_province(province_value)
    target = target_of(province, target_code)
    user = permissions.require_province_officer(actor, province.id)
    today = (now or now_vn()).astimezone(VN).date()
    errors: list[FieldError] = []
    if target.source != "reported":
        errors.append(FieldError("target_id", "target_not_reported", {"value": target.code}))
    year, value, as_of = data.get("year"), data.get("value"), data.get("as_of")
    evidence = (data.get("evidence") or "").strip()
    if year is None:
        errors.append(FieldError("year", "required"))
    elif not target.period_start <= year <= min(target.period_end, today.year):
        errors.append(
            FieldError("year", "range", {"min": target.period_start, "max": min(target.period_end, today.year)})
        )
    if value is None:
        errors.append(FieldError("value", "required"))
    elif value < 0 or (target.unit == "percent" and value > 100):
        errors.append(FieldError("value", "range", {"min": 0, "max": 100 if target.unit == "percent" else "∞"}))
    if as_of is None:
        errors.append(FieldError("as_of", "required"))
    elif as_of > today:
        errors.append(FieldError("as_of", "future_date"))
    elif year is not None and as_of < date(year, 1, 1):
        errors.append(FieldError("as_of", "as_of_before_year", {"year": year}))
    if not evidence:
        errors.append(FieldError("evidence", "required"))
    if errors:
        raise InvalidInput(errors)
    figure = db.session.scalar(
        select(ReportedFigure).where(ReportedFigure.target_id == target.id, ReportedFigure.year == year)
    )
    before = audit.snapshot(figure) if figure else None
    if figure is None:
        figure = ReportedFigure(target_id=target.id, year=year)
        db.session.add(figure)
    figure.value, figure.as_of, figure.evidence = float(value), as_of, nfc(evidence)  # type: ignore[arg-type,assignment]  # checked above
    figure.entered_by_id = user.id
    figure.entered_at = datetime.now(VN)
    db.session.flush()
    audit.record(actor, "report_figure", "reported_figure", figure.id, before, audit.snapshot(figure))
    db.session.commit()
    return figure
