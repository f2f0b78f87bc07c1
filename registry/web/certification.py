"""Pages for certification-body staff (/body) and inspectors (/inspect).

Body staff issue, confirm and change the status of their own body's certificates; inspectors (and admins)
search every certificate, change its status and work the consumer reports queue. Every write goes
through the same service as the API with `actor=current_user`, so the rules cannot differ; the pages
only choose what to offer (the transitions allowed from the current status) and show the refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput
from registry.extensions import db
from registry.messages import render_rule
from registry.models import Certificate, ConsumerReport, Organization, Standard, User
from registry.models.certificate import CERTIFICATE_CATEGORIES, CERTIFICATE_STATUSES
from registry.models.lifecycle import allowed_actions
from registry.models.report import REPORT_STATUSES
from registry.schemas.resources import CertificateIn, ReasonIn
from registry.services import certificates, organizations, products, report_queue, standards
from registry.services.common import get_or_404, paginate
from registry.services.timefmt import today_vn

from . import producer
from .forms import refused_fields
from .i18n import Table, text
from .producer import current_lang

bp = Blueprint("certification", __name__, template_folder="templates")

PER_PAGE = 25
F = TypeVar("F", bound=Callable[..., Any])

# Labels of the fields these pages (and the admin pages) add to the producer pages' set.
LABELS: Table = {
    "organization_id": _lp("labels", "Đơn vị được chứng nhận"),
    "action": _lp("labels", "Thao tác"),
    "reason": _lp("labels", "Lý do"),
    "outcome": _lp("labels", "Kết quả xử lý"),
    "password": _lp("labels", "Mật khẩu"),
    "role": _lp("labels", "Vai trò"),
    "organization": _lp("labels", "Tổ chức (mã số thuế)"),
    "body": _lp("labels", "Tổ chức chứng nhận"),
    "province": _lp("labels", "Tỉnh/thành phố"),
    "user": _lp("labels", "Tài khoản"),
    "accreditation_number": _lp("labels", "Số công nhận"),
    "designation_number": _lp("labels", "Số quyết định chỉ định"),
    "confirm": _lp("labels", "Tôi hiểu và muốn đổi khoá"),
}
ACTIONS: Table = {
    "issue": _lp("actions", "Cấp"),
    "declare": _lp("actions", "Tự khai"),
    "confirm": _lp("actions", "Xác nhận"),
    "suspend": _lp("actions", "Đình chỉ"),
    "withdraw": _lp("actions", "Thu hồi"),
    "reinstate": _lp("actions", "Khôi phục"),
    "correct": _lp("actions", "Đính chính"),
    "investigate": _lp("actions", "Nhận xử lý"),
    "close": _lp("actions", "Đóng"),
}
# The verb as it reads inside the `transition_offer` rule.
VERBS: Table = {
    "suspend": _lp("verbs", "đình chỉ"),
    "withdraw": _lp("verbs", "thu hồi"),
    "reinstate": _lp("verbs", "khôi phục"),
}
REPORT_CHOICES: dict[str, Table] = {
    "kind": {
        "counterfeit": _lp("report_choices", "Nghi hàng giả"),
        "defect": _lp("report_choices", "Lỗi chất lượng"),
        "label": _lp("report_choices", "Sai nhãn"),
        "other": _lp("report_choices", "Khác"),
    },
    "status": {
        "open": _lp("report_choices", "Mới"),
        "investigating": _lp("report_choices", "Đang xử lý"),
        "closed": _lp("report_choices", "Đã đóng"),
    },
}


# --- shared by the staff pages (admin.py uses these too) -----------------------------------------


def label(name: str) -> str:
    return text(LABELS.get(name) or producer.LABELS.get(name, name))


def action_name(action: str) -> str:
    return text(ACTIONS.get(action, action))


def report_choice(group: str, value: str) -> str:
    return text(REPORT_CHOICES[group].get(value, value))


def field_messages(errors: list[FieldError]) -> dict[str, list[str]]:
    """Messages shown beside each form field; another field a rule names gets these pages' label."""
    lang = current_lang()
    out: dict[str, list[str]] = {}
    for e in errors:
        name = e.field.split(".")[0]
        params = dict(e.params)
        if isinstance(params.get("other"), str):
            params["other"] = label(params["other"])
        out.setdefault(name, []).append(render_rule(e.rule, lang, None, params))
    return out


def role_page(*roles: str) -> Callable[[F], F]:
    """Signed in (else the login page) with one of `roles` (else the 403 page)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return cast(F, login_required(wrapper))

    return decorate


def actor() -> User:
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def page_helpers() -> dict[str, Any]:
    """Template names for these pages; `label` shadows the producer pages' global (import macros with context)."""
    return {"label": label, "action_name": action_name, "report_choice": report_choice}


bp.context_processor(page_helpers)


# --- certificate lists --------------------------------------------------------------------------


def _filters() -> dict[str, Any]:
    """The list filters from the query string; values outside the allowed sets are ignored."""
    status = request.args.get("status", "")
    category = request.args.get("category", "")
    year = request.args.get("year", type=int)
    return {
        "q": request.args.get("q", "").strip()[:64] or None,
        "status": status if status in CERTIFICATE_STATUSES else None,
        "category": category if category in CERTIFICATE_CATEGORIES else None,
        "year": year if year is not None and 1900 <= year <= 2100 else None,
    }


def _list(area: str, body_id: int | None) -> str:
    filters = _filters()
    today = today_vn()
    stmt = certificates.certificate_query(body_id=body_id, today=today, **filters)
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    pending = []
    if body_id is not None:
        pending = list(db.session.scalars(certificates.certificate_query(body_id=body_id, confirmed=False).limit(100)))
    args = {k: v for k, v in filters.items() if v is not None}
    return render_template(
        "certification/certificates.html", area=area, page=page, pending=pending, filters=args, today=today
    )


@bp.route("/body")
@bp.route("/body/certificates")
@role_page("body_staff")
def body_certificates() -> str:
    return _list("body", actor().body_id)


@bp.route("/inspect")
@bp.route("/inspect/certificates")
@role_page("inspector", "admin")
def inspect_certificates() -> str:
    return _list("inspect", None)


# --- one certificate: history, confirmation, status changes ---------------------------------------


def _certificate(cert_id: int) -> Certificate:
    """A certificate this user may act on: body staff only their body's (the service's own rule)."""
    cert = get_or_404(Certificate, cert_id)
    if not certificates.may_change_status(actor(), cert):
        raise Forbidden()
    return cert


def _allowed(cert: Certificate) -> list[str]:
    return allowed_actions(cert.lifecycle)


def _detail(area: str, cert: Certificate, status: int = 200, **ctx: Any) -> tuple[str, int]:
    actor_ids = {e.actor_id for e in cert.history if e.actor_id}
    emails = {
        uid: email for uid, email in db.session.execute(select(User.id, User.email).where(User.id.in_(actor_ids)))
    }
    history = [(e, emails.get(e.actor_id or 0, "")) for e in cert.history]
    ctx.setdefault("values", MultiDict())
    ctx.setdefault("errors", {})
    return render_template(
        "certification/certificate.html",
        area=area,
        cert=cert,
        status=cert.status_on(today_vn()),
        history=history,
        allowed=_allowed(cert),
        may_confirm=area == "body" and not cert.is_confirmed,
        **ctx,
    ), status


def _transition(area: str, cert_id: int) -> Any:
    cert = _certificate(cert_id)
    action = request.form.get("action", "")
    reason = request.form.get("reason", "")
    if not action:  # nothing is preselected (a withdrawal is final), so an unmade choice is the usual mistake
        problem = FieldError("action", "choice_required")
        return _detail(area, cert, 422, values=request.form, errors=field_messages([problem]))
    if reason.strip():  # the API's length rule (TransitionIn); an empty reason is the service's own message
        problems = producer._parse(ReasonIn(), {"reason": "str"})[1]
        if problems:
            return _detail(area, cert, 422, values=request.form, errors=field_messages(problems))
    try:
        certificates.transition_certificate(actor(), cert.id, action, reason)
    except InvalidInput as err:
        db.session.rollback()
        return _detail(area, cert, 422, values=request.form, errors=field_messages(err.errors))
    except Conflict as err:
        # A forged or stale form: the action is not allowed from the current status.
        db.session.rollback()
        if err.rule != "transition":
            raise
        return _detail(area, cert, 409, values=request.form, errors={"action": [_refusal(cert, action)]})
    flash(_("Đã đổi trạng thái chứng chỉ."), "ok")
    return redirect(url_for(f".{area}_certificate", cert_id=cert.id) + "#history")


def _refusal(cert: Certificate, action: str) -> str:
    lang = current_lang()
    allowed = [str(VERBS[a]) if lang == "vi" else a for a in _allowed(cert)]
    none = _("không còn thao tác nào (thu hồi là trạng thái cuối)")
    params = {
        "status": producer.choice("status", cert.lifecycle).lower(),
        "action": text(VERBS.get(action, action)),
        "allowed": ", ".join(allowed) if allowed else none,
    }
    return render_rule("transition_offer", lang, None, params)


@bp.route("/body/certificates/<int:cert_id>")
@role_page("body_staff")
def body_certificate(cert_id: int) -> Any:
    return _detail("body", _certificate(cert_id))


@bp.route("/body/certificates/<int:cert_id>/status", methods=["POST"])
@role_page("body_staff")
def body_transition(cert_id: int) -> Any:
    return _transition("body", cert_id)


@bp.route("/body/certificates/<int:cert_id>/confirm", methods=["POST"])
@role_page("body_staff")
def body_confirm(cert_id: int) -> Any:
    cert = _certificate(cert_id)
    try:
        certificates.confirm_certificate(actor(), cert.id, request.form.get("reason") or None)
    except Conflict:
        db.session.rollback()
        flash(_("Chứng chỉ này đã được xác nhận."), "error")
    else:
        flash(_("Đã xác nhận chứng chỉ."), "ok")
    return redirect(url_for(".body_certificate", cert_id=cert.id))


@bp.route("/inspect/certificates/<int:cert_id>")
@role_page("inspector", "admin")
def inspect_certificate(cert_id: int) -> Any:
    return _detail("inspect", _certificate(cert_id))


@bp.route("/inspect/certificates/<int:cert_id>/status", methods=["POST"])
@role_page("inspector", "admin")
def inspect_transition(cert_id: int) -> Any:
    return _transition("inspect", cert_id)


# --- issuing ------------------------------------------------------------------------------------

ISSUE_FIELDS = {
    "number": "str",
    "category": "str",
    "standard_ids": "ints",
    "product_ids": "ints",
    "scope": "str",
    "issued_on": "date",
    "expires_on": "date",
}


def _holder_standards(org: Organization) -> list[Standard]:
    """The holder's own standards (TCCS) and the national ones its products apply."""
    seen = {s.id: s for s in db.session.scalars(standards.standard_query(organization_id=org.id))}
    for product in db.session.scalars(products.product_query(organization_id=org.id)):
        for s in product.standards:
            seen.setdefault(s.id, s)
    return sorted(seen.values(), key=lambda s: s.code)


@bp.route("/body/certificates/new", methods=["GET", "POST"])
@role_page("body_staff")
def body_issue() -> Any:
    user = actor()
    holder_q = request.args.get("holder_q", "").strip()[:100]
    holder_id = request.args.get("holder", type=int)
    holder = get_or_404(Organization, holder_id) if holder_id is not None else None
    if holder is None:
        if request.method == "POST":
            abort(400)
        found = []
        if holder_q:
            stmt = organizations.organization_query(q=holder_q).limit(PER_PAGE)
            found = list(db.session.scalars(stmt))
        return render_template("certification/issue.html", holder=None, holder_q=holder_q, found=found)
    values: Any = MultiDict({"issued_on": today_vn().isoformat()})
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        extra = {"organization_id": holder.id, "certification_body_id": user.body_id}
        data, problems = producer._parse(CertificateIn(), ISSUE_FIELDS, extra)
        if not problems:
            try:
                cert = certificates.create_certificate(user, data)
            except (InvalidInput, Conflict) as err:
                problems = refused_fields(err)
            else:
                flash(_("Đã cấp chứng chỉ."), "ok")
                return redirect(url_for(".body_certificate", cert_id=cert.id))
        errors, status = field_messages(problems), 422
        holder = get_or_404(Organization, holder.id)
    return render_template(
        "certification/issue.html",
        holder=holder,
        holder_q=holder_q,
        found=[],
        holder_products=list(db.session.scalars(products.product_query(organization_id=holder.id))),
        holder_standards=_holder_standards(holder),
        values=values,
        errors=errors,
    ), status


# --- consumer reports queue ---------------------------------------------------------------------


def _queue(status: int = 200, errors: dict[int, dict[str, list[str]]] | None = None, values: Any = None) -> Any:
    user = actor()
    wanted = request.args.get("status", "")
    stmt = report_queue.report_query(user, status=wanted if wanted in REPORT_STATUSES else None)
    if wanted not in REPORT_STATUSES:
        stmt = stmt.where(ConsumerReport.status != "closed")  # the work still to do
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template(
        "certification/reports.html",
        page=page,
        wanted=wanted if wanted in REPORT_STATUSES else "",
        show_contact=report_queue.may_see_contact(user),
        errors=errors or {},
        values=values or MultiDict(),
    ), status


@bp.route("/inspect/reports")
@role_page("inspector", "admin")
def reports() -> Any:
    return _queue()


@bp.route("/inspect/reports/<int:report_id>/<any(investigate, close):action>", methods=["POST"])
@role_page("inspector", "admin")
def report_action(report_id: int, action: str) -> Any:
    try:
        report_queue.transition_report(actor(), report_id, action, request.form.get("outcome"))
    except (InvalidInput, Conflict) as err:
        problems = refused_fields(err)
        code = 422 if isinstance(err, InvalidInput) else 409
        return _queue(code, {report_id: field_messages(problems)}, {report_id: request.form})
    if action == "close":
        flash(_("Đã đóng phản ánh."), "ok")
    else:
        flash(_("Bạn đã nhận xử lý phản ánh."), "ok")
    return redirect(url_for(".reports", status=request.args.get("status") or None) + f"#report-{report_id}")
