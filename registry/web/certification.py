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
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from registry.errors import Conflict, FieldError, Forbidden, InvalidInput
from registry.extensions import db
from registry.messages import render_rule
from registry.models import Certificate, ConsumerReport, Organization, Standard, User
from registry.models.certificate import CERTIFICATE_CATEGORIES, CERTIFICATE_STATUSES, TRANSITIONS
from registry.models.report import REPORT_STATUSES
from registry.schemas.resources import CertificateIn
from registry.services import certificates, organizations, products, report_queue, standards
from registry.services.common import get_or_404, paginate
from registry.services.timefmt import today_vn

from . import producer
from .producer import current_lang, t

bp = Blueprint("certification", __name__, template_folder="templates")

PER_PAGE = 25
F = TypeVar("F", bound=Callable[..., Any])

# Labels of the fields these pages (and the admin pages) add to the producer pages' set.
LABELS: dict[str, tuple[str, str]] = {
    "organization_id": ("Đơn vị được chứng nhận", "Certificate holder"),
    "action": ("Thao tác", "Action"),
    "reason": ("Lý do", "Reason"),
    "outcome": ("Kết quả xử lý", "Outcome"),
    "password": ("Mật khẩu", "Password"),
    "role": ("Vai trò", "Role"),
    "organization": ("Tổ chức (mã số thuế)", "Organisation (tax code)"),
    "body": ("Tổ chức chứng nhận", "Certification body"),
    "province": ("Tỉnh/thành phố", "Province"),
    "user": ("Tài khoản", "User"),
    "accreditation_number": ("Số công nhận", "Accreditation number"),
    "designation_number": ("Số quyết định chỉ định", "Designation number"),
    "confirm": ("Tôi hiểu và muốn đổi khoá", "I understand and want to rotate the key"),
}
ACTIONS: dict[str, tuple[str, str]] = {
    "issue": ("Cấp", "Issued"),
    "declare": ("Tự khai", "Declared"),
    "confirm": ("Xác nhận", "Confirmed"),
    "suspend": ("Đình chỉ", "Suspend"),
    "withdraw": ("Thu hồi", "Withdraw"),
    "reinstate": ("Khôi phục", "Reinstate"),
    "correct": ("Đính chính", "Corrected"),
    "investigate": ("Nhận xử lý", "Take"),
    "close": ("Đóng", "Close"),
}
# The verb as it reads inside the `transition_offer` rule.
VERBS: dict[str, tuple[str, str]] = {
    "suspend": ("đình chỉ", "suspended"),
    "withdraw": ("thu hồi", "withdrawn"),
    "reinstate": ("khôi phục", "reinstated"),
}
REPORT_CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "counterfeit": ("Nghi hàng giả", "Suspected counterfeit"),
        "defect": ("Lỗi chất lượng", "Defect"),
        "label": ("Sai nhãn", "Labelling"),
        "other": ("Khác", "Other"),
    },
    "status": {
        "open": ("Mới", "Open"),
        "investigating": ("Đang xử lý", "Investigating"),
        "closed": ("Đã đóng", "Closed"),
    },
}


# --- shared by the staff pages (admin.py uses these too) -----------------------------------------


def label(name: str) -> str:
    vi, en = LABELS.get(name) or producer.LABELS.get(name, (name, name))
    return t(vi, en)


def action_name(action: str) -> str:
    vi, en = ACTIONS.get(action, (action, action))
    return t(vi, en)


def report_choice(group: str, value: str) -> str:
    vi, en = REPORT_CHOICES[group].get(value, (value, value))
    return t(vi, en)


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
    return [action for action, (allowed_from, _) in TRANSITIONS.items() if cert.lifecycle in allowed_from]


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
    flash(t("Đã đổi trạng thái chứng chỉ.", "The certificate's status is changed."), "ok")
    return redirect(url_for(f".{area}_certificate", cert_id=cert.id) + "#history")


def _refusal(cert: Certificate, action: str) -> str:
    lang = current_lang()
    index = 0 if lang == "vi" else 1
    allowed = [VERBS[a][0] if lang == "vi" else a for a in _allowed(cert)]
    none = ("không còn thao tác nào (thu hồi là trạng thái cuối)", "none (a withdrawal is final)")[index]
    params = {
        "status": producer.choice("status", cert.lifecycle).lower(),
        "action": VERBS.get(action, (action, action))[index],
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
        flash(t("Chứng chỉ này đã được xác nhận.", "This certificate is already confirmed."), "error")
    else:
        flash(t("Đã xác nhận chứng chỉ.", "The certificate is confirmed."), "ok")
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
                db.session.rollback()
                problems = list(getattr(err, "errors", None) or [])
                if not problems:
                    raise
            else:
                flash(t("Đã cấp chứng chỉ.", "The certificate is issued."), "ok")
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
        db.session.rollback()
        problems = list(getattr(err, "errors", None) or [])
        if not problems:
            raise
        code = 422 if isinstance(err, InvalidInput) else 409
        return _queue(code, {report_id: field_messages(problems)}, {report_id: request.form})
    if action == "close":
        flash(t("Đã đóng phản ánh.", "The report is closed."), "ok")
    else:
        flash(t("Bạn đã nhận xử lý phản ánh.", "You have taken the report."), "ok")
    return redirect(url_for(".reports", status=request.args.get("status") or None) + f"#report-{report_id}")
