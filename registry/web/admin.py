"""Admins' pages (/admin): users, certification bodies and the keys that sign certificate QR codes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.vn import mst
from werkzeug.datastructures import MultiDict

from registry import vocabulary as labels
from registry.errors import Conflict, FieldError, InvalidInput
from registry.extensions import db
from registry.models import CertificationBody, Organization
from registry.models.user import ROLES
from registry.schemas.resources import BodyIn
from registry.services import administration, organizations, places, signing, users
from registry.services.common import get_or_404, paginate

from . import producer
from .certification import actor, field_messages, page_helpers, role_page
from .forms import refused_fields
from .i18n import text

bp = Blueprint("admin", __name__, template_folder="templates")
bp.context_processor(page_helpers)

PER_PAGE = 50
ROLE_NAMES = labels.ROLES
BODY_FIELDS = {
    "name": "str",
    "accreditation_number": "str",
    "designation_number": "str",
    "address": "str",
    "phone": "str",
    "email": "str",
    "website": "str",
    "note": "str",
}


def role_options() -> list[tuple[str, str]]:
    return [(key, text(entry)) for key, entry in ROLE_NAMES.items()]


@bp.context_processor
def _admin_helpers() -> dict[str, Any]:
    return {"role_options": role_options, "role_name": lambda r: dict(role_options()).get(r, r)}


@bp.route("/admin")
@role_page("admin")
def index() -> str:
    return render_template("admin/index.html")


# --- users --------------------------------------------------------------------------------------


def _organization_id(raw: str, errors: list[FieldError]) -> int | None:
    """The organisation named by its tax code (as people know it), or None with an error noted."""
    if not raw:
        return None
    code = mst.compact(raw) if mst.is_valid(raw) else None
    org_id = (
        db.session.scalar(select(Organization.id).where(Organization.tax_code == mst.format(code))) if code else None
    )
    if org_id is None:
        errors.append(FieldError("organization", "unknown_reference", {"value": raw}))
    return org_id


def _users_page(values: Any, errors: dict[str, list[str]], status: int = 200) -> Any:
    role = request.args.get("role", "")
    q = request.args.get("q", "").strip()[:100]
    stmt = administration.user_query(actor(), role=role if role in ROLES else None, q=q or None)
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template(
        "admin/users.html",
        page=page,
        role=role if role in ROLES else "",
        q=q,
        list_args={k: v for k, v in (("role", role if role in ROLES else ""), ("q", q)) if v},
        bodies=list(db.session.scalars(organizations.body_query())),
        province_options=[
            (p.slug, p.name if producer.current_lang() == "vi" else p.name_en) for p in places.list_provinces()
        ],
        values=values,
        errors=errors,
    ), status


@bp.route("/admin/users", methods=["GET", "POST"])
@role_page("admin")
def user_list() -> Any:
    if request.method == "GET":
        return _users_page(MultiDict(), {})
    form = request.form
    role = form.get("role", "")
    problems: list[FieldError] = []
    # Only the scope the role needs is read; the others are ignored as the service ignores them.
    org_id = _organization_id(form.get("organization", "").strip(), problems) if role == "producer" else None
    body_id = producer._int(form.get("body", "")) if role == "body_staff" else None
    if not problems:
        try:
            users.create_user(
                actor(),
                email=form.get("email", ""),
                password=form.get("password", ""),
                role=role,
                organization_id=org_id,
                body_id=body_id if isinstance(body_id, int) else None,
                province=(form.get("province") or None) if role == "dost_officer" else None,
            )
        except (InvalidInput, Conflict) as err:
            problems = refused_fields(err)
        else:
            flash(_("Đã tạo tài khoản."), "ok")
            return redirect(url_for(".user_list"))
    kept = MultiDict([(k, v) for k, v in form.items(multi=True) if k != "password"])  # never echo a password
    return _users_page(kept, field_messages(problems), 422)


@bp.route("/admin/users/<int:user_id>/<any(deactivate, activate):action>", methods=["POST"])
@role_page("admin")
def user_active(user_id: int, action: str) -> Any:
    try:
        user = users.set_user_active(actor(), user_id, action == "activate")
    except InvalidInput as err:
        db.session.rollback()
        flash(" ".join(m for ms in field_messages(err.errors).values() for m in ms), "error")
        return redirect(url_for(".user_list"))
    if user.is_active:
        flash(_("Đã mở lại tài khoản %(email)s.", email=user.email), "ok")
    else:
        flash(_("Đã khoá tài khoản %(email)s.", email=user.email), "ok")
    return redirect(url_for(".user_list"))


# --- certification bodies -----------------------------------------------------------------------


def _save_body(body: CertificationBody | None) -> tuple[Any, dict[str, list[str]]]:
    """Create or update from the form: (the saved body, {}) or (None, messages by field)."""
    data, problems = producer._parse(BodyIn(), BODY_FIELDS)
    if problems:
        return None, field_messages(problems)
    try:
        if body is None:
            return organizations.create_body(actor(), data), {}
        return organizations.update_body(actor(), body.id, data), {}
    except (InvalidInput, Conflict) as err:
        problems = refused_fields(err)
        return None, field_messages(problems)


@bp.route("/admin/bodies", methods=["GET", "POST"])
@role_page("admin")
def body_list() -> Any:
    values: Any = MultiDict()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        saved, errors = _save_body(None)
        if saved is not None:
            flash(_("Đã thêm tổ chức chứng nhận."), "ok")
            return redirect(url_for(".body_list"))
        values, status = request.form, 422
    q = request.args.get("q", "").strip()[:100]
    page = paginate(organizations.body_query(q=q or None), request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("admin/bodies.html", page=page, q=q, body=None, values=values, errors=errors), status


@bp.route("/admin/bodies/<int:body_id>", methods=["GET", "POST"])
@role_page("admin")
def body_edit(body_id: int) -> Any:
    body = get_or_404(CertificationBody, body_id)
    values: Any = producer._values(body, list(BODY_FIELDS))
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        saved, errors = _save_body(body)
        if saved is not None:
            flash(_("Đã lưu tổ chức chứng nhận."), "ok")
            return redirect(url_for(".body_edit", body_id=body.id))
        values, status = request.form, 422
        body = get_or_404(CertificationBody, body_id)
    return render_template("admin/body.html", body=body, values=values, errors=errors), status


# --- signing keys -------------------------------------------------------------------------------


def _keys_page(errors: dict[str, list[str]], status: int = 200) -> Any:
    signing.ensure_keys(current_app.instance_path)
    keys = sorted(signing.list_keys(current_app.instance_path), key=lambda k: k["created_at"], reverse=True)
    return render_template("admin/keys.html", keys=keys, errors=errors, values=MultiDict()), status


@bp.route("/admin/keys")
@role_page("admin")
def keys() -> Any:
    return _keys_page({})


@bp.route("/admin/keys/rotate", methods=["POST"])
@role_page("admin")
def keys_rotate() -> Any:
    if request.form.get("confirm") != "y":
        return _keys_page(field_messages([FieldError("confirm", "confirm_required")]), 422)
    new, old = administration.rotate_signing_keys(actor(), current_app.instance_path)
    flash(
        _("Khoá ký mới: %(new)s. Khoá cũ %(old)s vẫn được công bố để kiểm tra mã đã in.", new=new, old=old),
        "ok",
    )
    return redirect(url_for(".keys"))
