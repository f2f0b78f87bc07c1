"""DOST officers' page (/dost/users): the accounts of their province, created, deactivated and reactivated.

Who may do what is decided in registry.services.users and permissions, the same rules as the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from registry import vocabulary
from registry.errors import Conflict, FieldError, InvalidInput
from registry.extensions import db
from registry.models import Organization, Province, User
from registry.models.user import ROLES
from registry.services import organizations, users
from registry.services.common import MAX_ID, paginate
from registry.services.permissions import PROVINCE_ROLES

from .certification import actor, field_messages, role_page
from .dost import _choose, _province
from .forms import refused_fields
from .i18n import Table, text
from .producer import _int

bp = Blueprint("province_users", __name__, template_folder="templates")

PER_PAGE = 50
# The organisation picker lists at most this many; a province with thousands is narrowed by `org_q` first.
ORG_OPTIONS_CAP = 200
LABELS: Table = {
    "email": _lp("labels", "Email"),
    "password": _lp("labels", "Mật khẩu ban đầu"),
    "role": _lp("labels", "Vai trò"),
    "organization": _lp("labels", "Tổ chức"),
}


def label(name: str) -> str:
    return text(LABELS.get(name, name))


def role_name(role: str) -> str:
    return text(vocabulary.ROLES.get(role, (role, role)))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "label": label,
        "role_name": role_name,
        "role_options": [(r, role_name(r)) for r in PROVINCE_ROLES],
    }


def _list_args(province: Province, role: str, q: str, org_q: str = "") -> dict[str, Any]:
    """The query string that keeps the page's province (for admins) and filters across links."""
    args = {"province": province.slug} if actor().role == "admin" else {}
    return {**args, **{k: v for k, v in (("role", role), ("q", q), ("org_q", org_q)) if v}}


def _organization_options(province: Province, org_q: str, chosen: str) -> tuple[list[tuple[int, str]], bool]:
    """The province's organisations matching `org_q` (folded: "che tan" finds "Chè Tân"; or a tax code), at most
    ORG_OPTIONS_CAP of them, and whether more matched. The one already chosen stays offered even when the filter
    or the cap would leave it out, so a re-shown form never loses it."""
    stmt = organizations.organization_query(province.id, q=org_q or None)
    orgs = list(db.session.scalars(stmt.limit(ORG_OPTIONS_CAP + 1)))
    more = len(orgs) > ORG_OPTIONS_CAP
    orgs = orgs[:ORG_OPTIONS_CAP]
    picked = _int(chosen)
    if isinstance(picked, int) and all(o.id != picked for o in orgs):
        org = db.session.get(Organization, picked) if 0 < picked <= MAX_ID else None
        if org is not None and org.province_id == province.id:
            orgs.insert(0, org)
    return [(o.id, f"{o.name} ({o.tax_code})") for o in orgs], more


def _page(province: Province, values: Any, errors: dict[str, list[str]], status: int = 200, **extra: Any) -> Any:
    role = request.args.get("role", "")
    role = role if role in PROVINCE_ROLES else ""
    q = request.args.get("q", "").strip()[:100]
    # The organisation filter comes from the query string (its own GET form) or, on a re-shown POST, the form.
    org_q = (request.args.get("org_q") or request.form.get("org_q") or "").strip()[:100]
    stmt = users.user_query(actor(), role=role or None, q=q or None, province_id=province.id)
    stmt = stmt.options(selectinload(User.organization))
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    options, more = _organization_options(province, org_q, values.get("organization", "").strip())
    return render_template(
        "dost/users.html",
        province=province,
        page=page,
        role=role,
        q=q,
        org_filter=org_q,  # not "org_q": base.html sets that name for its own links
        list_args=_list_args(province, role, q, org_q),
        list_args_without_org=_list_args(province, role, q),
        admin_args={"province": province.slug} if actor().role == "admin" else {},
        organization_options=options,
        organization_more=more,
        organization_cap=ORG_OPTIONS_CAP,
        values=values,
        errors=errors,
        **extra,
    ), status


def _organization_id(raw: str, province: Province, errors: list[FieldError]) -> int | None:
    """The organisation chosen. The service refuses an officer one of another province (403); an admin may
    hold any, so for them the page itself keeps to its province."""
    value = _int(raw)
    org = db.session.get(Organization, value) if isinstance(value, int) else None
    if raw and org is None:
        errors.append(FieldError("organization", "unknown_reference", {"value": raw}))
    elif org is not None and org.province_id != province.id and actor().role == "admin":
        errors.append(
            FieldError("organization", "organization_other_province", {"value": org.name, "province": province.name})
        )
        return None
    return org.id if org is not None else None


@bp.route("/dost/users", methods=["GET", "POST"])
@role_page("dost_officer", "admin")
def user_list() -> Any:
    province = _province()
    if province is None:
        return _choose()
    if request.method == "GET":
        return _page(province, MultiDict(), {})
    form = request.form
    role = form.get("role", "")
    problems: list[FieldError] = []
    org_id = _organization_id(form.get("organization", "").strip(), province, problems) if role == "producer" else None
    password = form.get("password", "")
    generated = not password
    if generated:
        password = users.generate_password()
    if not problems:
        try:
            user = users.create_user(
                actor(),
                email=form.get("email", ""),
                password=password,
                role=role if role in PROVINCE_ROLES or (role in ROLES and actor().role != "admin") else "",
                organization_id=org_id,
                province=province.slug if role in ("dost_officer", "inspector") else None,
            )
        except (InvalidInput, Conflict) as err:
            problems = refused_fields(err)
        else:
            if generated:
                # Shown on this response only: never flashed into the session cookie, never cached.
                response, status = _page(province, MultiDict(), {}, 201, created=user, password=password)
                return response, status, {"Cache-Control": "no-store"}
            flash(_("Đã tạo tài khoản %(email)s.", email=user.email), "ok")
            return redirect(url_for(".user_list", **_list_args(province, "", "")))
    # The page offers the role's choices itself, so an empty or foreign one reads "choose one".
    problems = [FieldError("role", "choice_required") if e.field == "role" else e for e in problems]
    kept = MultiDict([(k, v) for k, v in form.items(multi=True) if k != "password"])  # never echo a password
    return _page(province, kept, field_messages(problems), 422)


@bp.route("/dost/users/<int:user_id>/<any(deactivate, activate):action>", methods=["POST"])
@role_page("dost_officer", "admin")
def user_active(user_id: int, action: str) -> Any:
    province = _province()
    scope: dict[str, Any] = {"province": province.slug} if province and actor().role == "admin" else {}
    back = url_for(".user_list", **scope)
    try:
        user = users.set_user_active(actor(), user_id, action == "activate")
    except InvalidInput as err:
        db.session.rollback()
        flash(" ".join(m for ms in field_messages(err.errors).values() for m in ms), "error")
        return redirect(back)
    if user.is_active:
        flash(_("Đã mở lại tài khoản %(email)s.", email=user.email), "ok")
    else:
        flash(_("Đã khoá tài khoản %(email)s.", email=user.email), "ok")
    return redirect(back)
