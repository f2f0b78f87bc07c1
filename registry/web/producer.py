"""The producer's workspace pages: organisation, products, standards, certificates, batches.

Each view parses the form (typed and length-checked by the API's own input schemas, so the rules and
rule codes are the same), calls the same service the API calls with `actor=current_user`, and on
InvalidInput re-renders the form with each message beside its field and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    json,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError
from sqlalchemy import or_
from werkzeug.datastructures import MultiDict

from registry import vocabulary as labels
from registry.errors import Conflict, FieldError, Forbidden, InvalidInput, RegistryError, Unauthorized
from registry.extensions import db
from registry.messages import SUPPORTED, problem_title, render_rule
from registry.models import Batch, Organization, Product, Standard, User
from registry.models.batch import BIZ_STEPS
from registry.models.certificate import CERTIFICATE_CATEGORIES
from registry.models.product import OCOP_GROUPS
from registry.models.standard import STANDARD_KINDS
from registry.schemas.fields import field_errors
from registry.schemas.resources import BatchIn, CertificateIn, EventIn, OrganizationIn, ProductIn, ReasonIn, StandardIn
from registry.services import (
    batches,
    certificates,
    gs1,
    organizations,
    permissions,
    places,
    products,
    reminders,
    standards,
    users,
)
from registry.services.common import get_or_404, paginate
from registry.services.timefmt import local_iso, today_vn

from .forms import form_errors
from .i18n import Table, select_locale, text

bp = Blueprint("producer", __name__, template_folder="templates")

WRITER_ROLES = ("producer", "dost_officer", "admin")
PER_PAGE = 25

# Field labels (vi, en), also used to name the field inside rule messages.
LABELS: Table = {
    "name": _lp("labels", "Tên"),
    "address": _lp("labels", "Địa chỉ"),
    "commune": _lp("labels", "Xã/phường"),
    "phone": _lp("labels", "Điện thoại"),
    "email": _lp("labels", "Email"),
    "website": _lp("labels", "Trang web"),
    "gs1_company_prefix": _lp("labels", "Mã doanh nghiệp GS1"),
    "is_sme": _lp("labels", "Doanh nghiệp nhỏ và vừa"),
    "tax_code": _lp("labels", "Mã số thuế"),
    "organization_id": _lp("labels", "Tổ chức"),
    "ocop_group": _lp("labels", "Nhóm sản phẩm OCOP"),
    "gtin": _lp("labels", "Mã GTIN (mã vạch)"),
    "description": _lp("labels", "Mô tả"),
    "is_key_product": _lp("labels", "Sản phẩm chủ lực của tỉnh"),
    "is_specialty": _lp("labels", "Đặc sản địa phương"),
    "has_collective_trademark": _lp("labels", "Có nhãn hiệu tập thể/chứng nhận"),
    "is_high_risk": _lp("labels", "Hàng hoá có nguy cơ cao"),
    "ocop_stars": _lp("labels", "Số sao OCOP"),
    "ocop_decision_number": _lp("labels", "Số quyết định OCOP"),
    "ocop_decision_date": _lp("labels", "Ngày quyết định OCOP"),
    "reason": _lp("labels", "Lý do"),
    "standard_id": _lp("labels", "Tiêu chuẩn"),
    "kind": _lp("labels", "Loại"),
    "code": _lp("labels", "Số hiệu"),
    "title": _lp("labels", "Tên tiêu chuẩn"),
    "published_on": _lp("labels", "Ngày công bố"),
    "note": _lp("labels", "Ghi chú"),
    "document": _lp("labels", "Tài liệu (PDF)"),
    "number": _lp("labels", "Số chứng chỉ"),
    "certification_body_id": _lp("labels", "Tổ chức chứng nhận"),
    "category": _lp("labels", "Loại chứng nhận"),
    "standard_ids": _lp("labels", "Tiêu chuẩn được chứng nhận"),
    "product_ids": _lp("labels", "Sản phẩm được chứng nhận"),
    "scope": _lp("labels", "Phạm vi"),
    "issued_on": _lp("labels", "Ngày cấp"),
    "expires_on": _lp("labels", "Ngày hết hạn"),
    "product_id": _lp("labels", "Sản phẩm"),
    "lot": _lp("labels", "Số lô"),
    "produced_on": _lp("labels", "Ngày sản xuất"),
    "quantity": _lp("labels", "Số lượng"),
    "unit": _lp("labels", "Đơn vị"),
    "biz_step": _lp("labels", "Công đoạn"),
    "disposition": _lp("labels", "Tình trạng hàng"),
    "occurred_at": _lp("labels", "Thời điểm"),
    "commune_id": _lp("labels", "Xã/phường nơi diễn ra"),
    "gln": _lp("labels", "Mã địa điểm GLN"),
    "input_batch_ids": _lp("labels", "Lô đầu vào"),
    "language": _lp("labels", "Ngôn ngữ"),
}

CHOICES: dict[str, Table] = {
    "ocop_group": labels.OCOP_GROUPS,
    "kind": labels.STANDARD_KINDS,
    "category": labels.CATEGORIES,
    "biz_step": labels.BIZ_STEPS,
    "disposition": labels.DISPOSITIONS,
    "unit": labels.UNITS,
    "status": labels.STATUSES,
}
assert set(CHOICES["ocop_group"]) == set(OCOP_GROUPS) and set(CHOICES["kind"]) == set(STANDARD_KINDS)
assert set(CHOICES["category"]) == set(CERTIFICATE_CATEGORIES) and set(CHOICES["biz_step"]) == set(BIZ_STEPS)

F = TypeVar("F", bound=Callable[..., Any])


# --- language and labels ----------------------------------------------------------------------


def current_lang() -> str:
    # Read per request: flask-babel caches its choice on the app context, which the test client reuses.
    return "en" if select_locale() == "en" else "vi"


def label(name: str) -> str:
    return text(LABELS.get(name, name))


def choice(group: str, value: str | None) -> str:
    if value is None:
        return ""
    return text(CHOICES[group].get(value, value))


def choices(group: str) -> list[tuple[str, str]]:
    return [(key, text(entry)) for key, entry in CHOICES[group].items()]


def opts(items: Any, attr: str) -> list[tuple[str, str]]:
    """Select options (id, text) from records."""
    return [(str(item.id), str(getattr(item, attr))) for item in items]


def lot_options(items: Any) -> list[tuple[str, str]]:
    return [(str(b.id), f"{b.product.name} — {b.lot}") for b in items]


def _messages(errors: list[FieldError]) -> dict[str, list[str]]:
    """Messages shown beside each form field (a list item's path `standard_ids.0` belongs to `standard_ids`)."""
    lang = current_lang()
    out: dict[str, list[str]] = {}
    for e in errors:
        name = e.field.split(".")[0]
        params = dict(e.params)
        if isinstance(params.get("other"), str):  # another field named in the rule (date order)
            params["other"] = label(params["other"])
        out.setdefault(name, []).append(render_rule(e.rule, lang, None, params))
    return out


# --- access -----------------------------------------------------------------------------------


def _writer_page(view: F) -> F:
    """Signed in, and a role that writes producers' records; other roles get the 403 page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role not in WRITER_ROLES:
            raise Forbidden()
        return view(*args, **kwargs)

    return cast(F, login_required(wrapper))


def _actor() -> User:
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def _require_writer(org: Organization) -> Organization:
    permissions.require_organization_writer(_actor(), org.id, org.province_id)
    return org


def _org() -> Organization | None:
    """The organisation the page acts for: a producer's own, or `?org=` for officers and admins."""
    user = _actor()
    org_id = request.args.get("org", type=int)
    if org_id is None and user.role == "producer":
        org_id = user.organization_id
    if org_id is None:
        return None
    return _require_writer(get_or_404(Organization, org_id))


def _choose_org() -> str:
    """Officers and admins first pick which organisation they act for."""
    user = _actor()
    stmt = organizations.organization_query(
        province_id=user.province_id if user.role == "dost_officer" else None, q=request.args.get("q") or None
    )
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("producer/choose_org.html", page=page, q=request.args.get("q", ""))


def _org_args(org: Organization) -> dict[str, Any]:
    """`org=` for links of officers and admins (a producer's pages need none)."""
    return {} if _actor().role == "producer" else {"org": org.id}


# --- parsing ----------------------------------------------------------------------------------


def _parse(schema: Schema, kinds: dict[str, str], extra: dict[str, Any] | None = None) -> tuple[dict[str, Any], list]:
    """Form strings -> the API's JSON shape -> the API's schema; empty optional fields become None."""
    raw: dict[str, Any] = {}
    for name, kind in kinds.items():
        if kind == "bool":
            raw[name] = name in request.form
            continue
        if kind == "ints":
            raw[name] = [_int(v) for v in request.form.getlist(name) if v.strip()]
            continue
        value = (request.form.get(name) or "").strip()
        if not value:
            if not schema.fields[name].required:
                raw[name] = None
            continue
        if kind == "int":
            raw[name] = _int(value)
        elif kind == "float":
            try:
                raw[name] = float(value.replace(",", "."))
            except ValueError:
                raw[name] = value  # the schema names it as the wrong type
        elif kind == "datetime":
            # <input type=datetime-local> carries no offset: it is Vietnam's time unless one is given.
            has_offset = value.endswith("Z") or (len(value) > 16 and value[-6] in "+-")
            raw[name] = value if has_offset else value + "+07:00"
        else:
            raw[name] = value
    raw.update(extra or {})
    try:
        return schema.load(raw), []
    except ValidationError as err:
        return {}, field_errors(err.messages)


def _int(value: str) -> int | str:
    value = value.strip()
    return int(value) if value.isascii() and value.lstrip("-").isdigit() else value


def _values(obj: Any, names: list[str]) -> MultiDict[str, str]:
    """A record's fields as the strings a form shows."""
    out: MultiDict[str, str] = MultiDict()
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, bool):
            if value:
                out.add(name, "y")
        elif value is not None:
            out.add(name, value.isoformat() if hasattr(value, "isoformat") else str(value))
    return out


# --- shell: language switch, error pages ------------------------------------------------------


def lang_url(code: str) -> str:
    """This page in another language (the choice is then remembered, see `remember_language`)."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return request.path + "?" + urlencode(query)


def remember_language() -> None:
    """A signed-in user's ?lang= choice is kept on the user, so it follows them to other devices."""
    lang = request.args.get("lang")
    if (
        lang in SUPPORTED
        and not request.path.startswith("/api/")
        and current_user.is_authenticated
        and current_user.language != lang
    ):
        users.set_language(_actor(), lang)


def web_error(err: RegistryError) -> Any:
    """Friendly error pages for RegistryError raised outside /api/ (set as WEB_ERROR_HANDLER)."""
    if isinstance(err, Unauthorized) and not current_user.is_authenticated:
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
    lang = current_lang()
    code = err.rule if isinstance(err, Conflict) and err.rule in ("duplicate", "transition") else err.code
    title = problem_title(code, lang)
    messages = [m for ms in _messages(form_errors(err) or []).values() for m in ms]
    wants_json = request.args.get("format") == "json" or request.accept_mimetypes.best in (
        "application/json",
        "application/problem+json",
    )
    if wants_json:
        body = {"type": "https://registry.invalid/problems/" + code, "title": title, "status": err.status}
        if messages:
            body["detail"] = " ".join(messages)
        return Response(json.dumps(body, ensure_ascii=False), err.status, mimetype="application/problem+json")
    return render_template("error.html", status=err.status, title=title, messages=messages), err.status


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.config["WEB_ERROR_HANDLER"] = web_error
    app.before_request(remember_language)
    app.jinja_env.globals.update(
        current_lang=current_lang, label=label, choice=choice, choices=choices, opts=opts,
        lot_options=lot_options, lang_url=lang_url,
    )  # fmt: skip


# --- organisation -----------------------------------------------------------------------------

ORG_FIELDS = {
    "name": "str",
    "address": "str",
    "commune": "str",
    "phone": "str",
    "email": "str",
    "website": "str",
    "gs1_company_prefix": "str",
}


@bp.route("/workspace/organization", methods=["GET", "POST"])
@_writer_page
def organization() -> Any:
    org = _org()
    if org is None:
        return _choose_org()
    errors: dict[str, list[str]] = {}
    values = _values(org, list(ORG_FIELDS))
    if org.commune:
        values["commune"] = org.commune.slug
    status = 200
    if request.method == "POST":
        values = request.form
        data, problems = _parse(OrganizationIn(only=tuple(ORG_FIELDS)), ORG_FIELDS)
        if not problems:
            data["commune"] = data.get("commune") or None
            try:
                organizations.update_organization(_actor(), org.id, data)
            except (InvalidInput, Conflict) as err:
                problems = form_errors(err) or []
                if not problems:
                    raise
        if not problems:
            flash(_("Đã lưu thông tin tổ chức."), "ok")
            return redirect(url_for(".organization", **_org_args(org)))
        errors, status = _messages(problems), 422
        db.session.refresh(org)
    communes = places.list_communes(org.province)
    return render_template(
        "producer/organization.html", org=org, values=values, errors=errors, communes=communes
    ), status


# --- products ---------------------------------------------------------------------------------

PRODUCT_FIELDS = {
    "name": "str",
    "ocop_group": "str",
    "gtin": "str",
    "description": "str",
    "is_key_product": "bool",
    "is_specialty": "bool",
    "has_collective_trademark": "bool",
    "is_high_risk": "bool",
    "ocop_stars": "int",
    "ocop_decision_number": "str",
    "ocop_decision_date": "date",
}


@bp.route("/workspace/products")
@_writer_page
def product_list() -> Any:
    org = _org()
    if org is None:
        return _choose_org()
    q = request.args.get("q", "").strip()[:100]
    stmt = products.product_query(organization_id=org.id, q=q or None)
    page = paginate(stmt, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("producer/products.html", org=org, page=page, q=q, org_args=_org_args(org))


@bp.route("/workspace/products/new", methods=["GET", "POST"])
@_writer_page
def product_new() -> Any:
    org = _org()
    if org is None:
        return _choose_org()
    values: Any = MultiDict()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        data, problems = _parse(ProductIn(), PRODUCT_FIELDS, {"organization_id": org.id})
        if not problems:
            try:
                product = products.create_product(_actor(), data)
            except (InvalidInput, Conflict) as err:
                problems = form_errors(err) or []
                if not problems:
                    raise
                db.session.rollback()
            else:
                flash(_("Đã đăng ký sản phẩm."), "ok")
                return redirect(url_for(".product_edit", product_id=product.id))
        errors, status = _messages(problems), 422
    return render_template(
        "producer/product_form.html", org=org, product=None, values=values, errors=errors, org_args=_org_args(org)
    ), status


def _product(product_id: int) -> Product:
    product = get_or_404(Product, product_id)
    _require_writer(product.organization)
    return product


def _product_page(product: Product, **ctx: Any) -> str:
    org = product.organization
    available = db.session.scalars(
        standards.standard_query().where(or_(Standard.organization_id == org.id, Standard.organization_id.is_(None)))
    ).all()
    applied = {s.id for s in product.standards}
    if "values" not in ctx:
        ctx["values"] = _values(product, list(PRODUCT_FIELDS))
        if product.gtin:
            ctx["values"]["gtin"] = gs1.display_gtin(product.gtin)
    ctx.setdefault("errors", {})
    return render_template(
        "producer/product_form.html",
        org=org,
        product=product,
        available=[s for s in available if s.id not in applied],
        certificates=db.session.scalars(certificates.certificate_query(product_id=product.id)).all(),
        today=today_vn(),
        org_args=_org_args(org),
        **ctx,
    )


@bp.route("/workspace/products/<int:product_id>", methods=["GET", "POST"])
@_writer_page
def product_edit(product_id: int) -> Any:
    product = _product(product_id)
    if request.method == "GET":
        return _product_page(product)
    data, problems = _parse(ProductIn(), PRODUCT_FIELDS, {"organization_id": product.organization_id})
    if not problems:
        try:
            products.update_product(_actor(), product.id, data)
        except (InvalidInput, Conflict) as err:
            problems = form_errors(err) or []
            if not problems:
                raise
            db.session.rollback()
        else:
            flash(_("Đã lưu sản phẩm."), "ok")
            return redirect(url_for(".product_edit", product_id=product.id))
    product = _product(product_id)
    return _product_page(product, values=request.form, errors=_messages(problems)), 422


@bp.route("/workspace/products/<int:product_id>/withdraw", methods=["POST"])
@_writer_page
def product_withdraw(product_id: int) -> Any:
    product = _product(product_id)
    data, problems = _parse(ReasonIn(), {"reason": "str"})
    if not problems:
        try:
            products.withdraw_product(_actor(), product.id, data["reason"])
        except InvalidInput as err:
            problems = err.errors
        else:
            flash(_("Sản phẩm đã được thu hồi."), "ok")
            return redirect(url_for(".product_edit", product_id=product.id))
    return _product_page(product, withdraw_values=request.form, withdraw_errors=_messages(problems)), 422


@bp.route("/workspace/products/<int:product_id>/standards", methods=["POST"])
@_writer_page
def product_apply_standard(product_id: int) -> Any:
    product = _product(product_id)
    standard_id = _int(request.form.get("standard_id", ""))
    try:
        products.apply_standard(_actor(), product.id, standard_id if standard_id != "" else None)
    except InvalidInput as err:
        # The choice stays selected beside its message, as every other form keeps what was typed.
        return _product_page(product, standard_errors=_messages(err.errors), standard_chosen=standard_id), 422
    flash(_("Đã thêm tiêu chuẩn áp dụng."), "ok")
    return redirect(url_for(".product_edit", product_id=product.id) + "#standards")


@bp.route("/workspace/products/<int:product_id>/standards/<int:standard_id>/remove", methods=["POST"])
@_writer_page
def product_remove_standard(product_id: int, standard_id: int) -> Any:
    product = _product(product_id)
    products.remove_standard(_actor(), product.id, standard_id)
    flash(_("Đã bỏ tiêu chuẩn khỏi sản phẩm."), "ok")
    return redirect(url_for(".product_edit", product_id=product.id) + "#standards")


# --- standards --------------------------------------------------------------------------------

STANDARD_FIELDS = {"kind": "str", "code": "str", "title": "str", "published_on": "date", "note": "str"}


def _document_store() -> Path:
    return Path(current_app.instance_path) / "documents"


@bp.route("/workspace/standards", methods=["GET", "POST"])
@_writer_page
def standard_list() -> Any:
    org = _org()
    if org is None:
        return _choose_org()
    values: Any = MultiDict({"kind": "tccs"})
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        kind = request.form.get("kind", "")
        owner = {"organization_id": org.id if kind == "tccs" else None}
        data, problems = _parse(StandardIn(), STANDARD_FIELDS, owner)
        max_bytes = int(current_app.config["DOCUMENT_MAX_BYTES"])
        upload = request.files.get("document")
        content = upload.read(max_bytes + 1) if upload and upload.filename else b""
        if upload and upload.filename and (err := standards.document_error(content, max_bytes)):
            problems.append(err)
        if not problems:
            try:
                # One transaction: the standard is only kept if its document is accepted too.
                standard = standards.create_standard(_actor(), data, commit=not content)
                if content:
                    standards.attach_document(_actor(), standard.id, content, _document_store(), max_bytes)
            except (InvalidInput, Conflict) as err:
                db.session.rollback()
                problems = form_errors(err) or []
                if not problems:
                    raise
            else:
                flash(_("Đã lưu tiêu chuẩn."), "ok")
                return redirect(url_for(".standard_list", **_org_args(org)))
        errors, status = _messages(problems), 422
    own = db.session.scalars(standards.standard_query(organization_id=org.id)).all()
    return render_template(
        "producer/standards.html",
        org=org,
        own=own,
        national=_applied_national(org),
        values=values,
        errors=errors,
        org_args=_org_args(org),
    ), status


def _applied_national(org: Organization) -> list[Standard]:
    """National and international standards the organisation's products apply."""
    seen: dict[int, Standard] = {}
    for product in db.session.scalars(products.product_query(organization_id=org.id)):
        for s in product.standards:
            if s.organization_id is None:
                seen[s.id] = s
    return sorted(seen.values(), key=lambda s: s.code)


# --- certificates -----------------------------------------------------------------------------

CERT_FIELDS = {
    "number": "str",
    "certification_body_id": "int",
    "category": "str",
    "standard_ids": "ints",
    "product_ids": "ints",
    "scope": "str",
    "issued_on": "date",
    "expires_on": "date",
}


@bp.route("/workspace/certificates", methods=["GET", "POST"])
@_writer_page
def certificate_list() -> Any:
    org = _org()
    if org is None:
        return _choose_org()
    values: Any = MultiDict()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        data, problems = _parse(CertificateIn(), CERT_FIELDS, {"organization_id": org.id})
        if not problems:
            try:
                certificates.create_certificate(_actor(), data)
            except (InvalidInput, Conflict) as err:
                db.session.rollback()
                problems = form_errors(err) or []
                if not problems:
                    raise
            else:
                flash(_("Đã ghi nhận chứng chỉ."), "ok")
                return redirect(url_for(".certificate_list", **_org_args(org)))
        errors, status = _messages(problems), 422
    held = db.session.scalars(certificates.certificate_query(organization_id=org.id)).all()
    return render_template(
        "producer/certificates.html",
        org=org,
        held=held,
        today=today_vn(),
        bodies=db.session.scalars(organizations.body_query()).all(),
        own_standards=db.session.scalars(
            standards.standard_query().where(
                or_(Standard.organization_id == org.id, Standard.organization_id.is_(None))
            )
        ).all(),
        own_products=db.session.scalars(products.product_query(organization_id=org.id)).all(),
        expiring=reminders.due_reminders(today_vn(), organization_id=org.id),
        values=values,
        errors=errors,
        org_args=_org_args(org),
    ), status


# --- batches ----------------------------------------------------------------------------------

BATCH_FIELDS = {
    "product_id": "int",
    "lot": "str",
    "produced_on": "date",
    "expires_on": "date",
    "quantity": "float",
    "unit": "str",
}
EVENT_FIELDS = {
    "biz_step": "str",
    "disposition": "str",
    "occurred_at": "datetime",
    "commune_id": "int",
    "gln": "str",
    "input_batch_ids": "ints",
    "note": "str",
}


@bp.route("/workspace/batches", methods=["GET", "POST"])
@_writer_page
def batch_list() -> Any:
    org = _org()
    if org is None:
        return _choose_org()
    values: Any = MultiDict({"product_id": request.args.get("product", "")})
    errors: dict[str, list[str]] = {}
    status = 200
    own_products = db.session.scalars(products.product_query(organization_id=org.id, status="active")).all()
    if request.method == "POST":
        values = request.form
        data, problems = _parse(BatchIn(), BATCH_FIELDS)
        if not problems and data["product_id"] not in {p.id for p in own_products}:
            # Another organisation's product: the service would refuse it; say so beside the field.
            product = db.session.get(Product, data["product_id"])
            if product is not None and not permissions.can_write_organization(
                _actor(), product.organization_id, product.organization.province_id
            ):
                raise Forbidden()
        if not problems:
            try:
                batch = batches.create_batch(_actor(), data)
            except (InvalidInput, Conflict) as err:
                db.session.rollback()
                problems = form_errors(err) or []
                if not problems:
                    raise
            else:
                flash(_("Đã tạo lô."), "ok")
                return redirect(url_for(".batch_view", batch_id=batch.id))
        errors, status = _messages(problems), 422
    page = paginate(batches.batch_query(organization_id=org.id), request.args.get("page", 1, type=int), PER_PAGE)
    return render_template(
        "producer/batches.html",
        org=org,
        page=page,
        own_products=own_products,
        values=values,
        errors=errors,
        org_args=_org_args(org),
    ), status


@bp.route("/workspace/batches/<int:batch_id>", methods=["GET", "POST"])
@_writer_page
def batch_view(batch_id: int) -> Any:
    batch = get_or_404(Batch, batch_id)
    org = _require_writer(batch.product.organization)
    values: Any = MultiDict({"commune_id": str(org.commune_id or "")})
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        data, problems = _parse(EventIn(), EVENT_FIELDS)
        if not problems:
            try:
                batches.add_event(_actor(), batch.id, data)
            except InvalidInput as err:
                db.session.rollback()
                problems = err.errors
            else:
                flash(_("Đã thêm sự kiện truy xuất."), "ok")
                return redirect(url_for(".batch_view", batch_id=batch.id))
        errors, status = _messages(problems), 422
        batch = get_or_404(Batch, batch_id)
    others = [b for b in db.session.scalars(batches.batch_query(organization_id=org.id)) if b.id != batch.id]
    return render_template(
        "producer/batch.html",
        org=org,
        batch=batch,
        events=[(e, local_iso(e.occurred_at, e.tz_offset)) for e in batch.events],
        others=others,
        communes=places.list_communes(org.province),
        values=values,
        errors=errors,
        org_args=_org_args(org),
    ), status
