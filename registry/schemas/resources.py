"""Input and output schemas of every resource, named as in DESIGN.md."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.models.activity import ACTIVITY_KINDS
from registry.models.batch import BIZ_STEPS, DISPOSITIONS, QUANTITY_MAX, UNITS
from registry.models.certificate import CERTIFICATE_CATEGORIES, CERTIFICATE_STATUSES
from registry.models.organization import ORGANIZATION_KINDS
from registry.models.product import OCOP_GROUPS, PRODUCT_STATUSES
from registry.models.standard import STANDARD_KINDS
from registry.models.user import ROLES
from registry.schemas.fields import (
    Bool,
    Date,
    DateTime,
    Email,
    Int,
    Length,
    List,
    LocalNumber,
    Name,
    OneOf,
    QInt,
    QuerySchema,
    Range,
    Str,
    StrictSchema,
    WebAddress,
)
from registry.services.timefmt import local_iso, today_vn

# ---- inputs -------------------------------------------------------------------------------


class TokenIn(StrictSchema):
    email = Name(required=True, validate=Length(min=3, max=255))
    password = Str(required=True, trim=False, validate=Length(min=1, max=512))


class PasswordChangeIn(StrictSchema):
    current_password = Str(required=True, validate=Length(min=1, max=512))
    password = Str(required=True, validate=Length(min=1, max=512))


class UserIn(StrictSchema):
    email = Email(required=True)
    password = Str(required=True, trim=False, validate=Length(min=1, max=512))
    role = Str(required=True, validate=OneOf(ROLES))
    organization_id = Int(allow_none=True)
    body_id = Int(allow_none=True)
    province = Name(allow_none=True)


class OrganizationIn(StrictSchema):
    name = Name(required=True, validate=Length(min=2, max=255))
    kind = Str(required=True, validate=OneOf(ORGANIZATION_KINDS))
    tax_code = Name(required=True, validate=Length(min=1, max=20))
    province = Name(required=True, validate=Length(min=2, max=64))
    commune = Name(allow_none=True, validate=Length(max=128))
    address = Str(allow_none=True, validate=Length(max=255))
    is_sme = Bool()
    gs1_company_prefix = Name(allow_none=True, validate=Length(max=12))
    phone = Name(allow_none=True, validate=Length(max=32))
    email = Email(allow_none=True)
    website = Str(allow_none=True, validate=[Length(max=255), WebAddress()])


class BodyIn(StrictSchema):
    name = Name(required=True, validate=Length(min=2, max=255))
    accreditation_number = Name(allow_none=True, validate=Length(max=64))
    designation_number = Name(allow_none=True, validate=Length(max=64))
    address = Str(allow_none=True, validate=Length(max=255))
    phone = Name(allow_none=True, validate=Length(max=32))
    email = Email(allow_none=True)
    website = Str(allow_none=True, validate=[Length(max=255), WebAddress()])
    note = Str(allow_none=True, validate=Length(max=4000))


class ProductIn(StrictSchema):
    organization_id = Int(required=True)
    name = Name(required=True, validate=Length(min=2, max=255))
    ocop_group = Str(allow_none=True, validate=OneOf(OCOP_GROUPS))
    gtin = Name(allow_none=True, validate=Length(max=14))
    description = Str(allow_none=True, validate=Length(max=4000))
    is_key_product = Bool()
    is_specialty = Bool()
    has_collective_trademark = Bool()
    is_high_risk = Bool()
    ocop_stars = Int(allow_none=True, validate=Range(min=3, max=5))
    ocop_decision_number = Name(allow_none=True, validate=Length(max=64))
    ocop_decision_date = Date(allow_none=True)
    status = Str(validate=OneOf(PRODUCT_STATUSES))


class ReasonIn(StrictSchema):
    reason = Str(required=True, validate=Length(min=1, max=2000))


class ApplyStandardIn(StrictSchema):
    standard_id = Int(required=True)


class StandardIn(StrictSchema):
    kind = Str(required=True, validate=OneOf(STANDARD_KINDS))
    code = Name(required=True, validate=Length(min=2, max=128))
    title = Name(required=True, validate=Length(min=2, max=512))
    organization_id = Int(allow_none=True)
    published_on = Date(allow_none=True)
    note = Str(allow_none=True, validate=Length(max=4000))
    supersedes = List(Int())
    references = List(Int())


class CertificateIn(StrictSchema):
    number = Name(required=True, validate=Length(min=1, max=64))
    # Required for a certificate; refused on a self-declaration (the service names the field).
    certification_body_id = Int(allow_none=True)
    organization_id = Int(required=True)
    category = Str(required=True, validate=OneOf(CERTIFICATE_CATEGORIES))
    standard_ids = List(Int(), load_default=list)
    product_ids = List(Int(), load_default=list)
    scope = Str(allow_none=True, validate=Length(max=4000))
    issued_on = Date(required=True)
    expires_on = Date(allow_none=True)


class TransitionIn(StrictSchema):
    action = Str(required=True, validate=OneOf(("suspend", "withdraw", "reinstate")))
    reason = Str(required=True, validate=Length(min=1, max=2000))


class BatchIn(StrictSchema):
    product_id = Int(required=True)
    lot = Name(required=True, validate=Length(min=1, max=20))
    produced_on = Date(allow_none=True)
    expires_on = Date(allow_none=True)
    quantity = LocalNumber(
        allow_none=True,
        validate=Range(min=0, max=QUANTITY_MAX),
        metadata={"description": 'A number, or text typed as in Vietnam: "1.000,5" = 1000.5 (see README).'},
    )
    unit = Str(allow_none=True, validate=OneOf(UNITS))  # UN/ECE Recommendation 20 code


class EventIn(StrictSchema):
    biz_step = Str(required=True, validate=OneOf(BIZ_STEPS))
    occurred_at = DateTime(required=True)
    disposition = Str(allow_none=True, validate=OneOf(DISPOSITIONS))
    commune_id = Int(allow_none=True)
    gln = Name(allow_none=True, validate=Length(max=13))
    organization_id = Int(allow_none=True)
    destination_organization_id = Int(allow_none=True)
    input_batch_ids = List(Int(), load_default=list)
    note = Str(allow_none=True, validate=Length(max=2000))


class ActivityIn(StrictSchema):
    organization_id = Int(allow_none=True)
    province = Name(allow_none=True)
    kind = Str(required=True, validate=OneOf(ACTIVITY_KINDS))
    held_on = Date(required=True)
    attendees = Int(allow_none=True, validate=Range(min=0, max=1_000_000))
    agency = Name(allow_none=True, validate=Length(max=255))
    note = Str(allow_none=True, validate=Length(max=4000))


# ---- query strings ---------------------------------------------------------------------------


class PageArgs(QuerySchema):
    page = QInt(load_default=1, validate=Range(min=1, max=1_000_000))
    per_page = QInt(load_default=50, validate=Range(min=1, max=200))
    q = Str()


class UserArgs(PageArgs):
    role = Str(validate=OneOf(ROLES))
    province = Str()


class OrganizationArgs(PageArgs):
    province = Str()
    kind = Str(validate=OneOf(ORGANIZATION_KINDS))
    is_sme = Bool()


class ProductArgs(PageArgs):
    province = Str()
    organization_id = QInt()
    status = Str(validate=OneOf(PRODUCT_STATUSES))
    gtin = Str()
    ocop_stars = QInt(validate=Range(min=3, max=5))
    is_key_product = Bool()


class StandardArgs(PageArgs):
    kind = Str(validate=OneOf(STANDARD_KINDS))
    organization_id = QInt()
    province = Str()
    year = QInt(validate=Range(min=1900, max=2100))


class CertificateArgs(PageArgs):
    province = Str()
    organization_id = QInt()
    certification_body_id = QInt()
    product_id = QInt()
    category = Str(validate=OneOf(CERTIFICATE_CATEGORIES))
    status = Str(validate=OneOf(CERTIFICATE_STATUSES))
    year = QInt(validate=Range(min=1900, max=2100))
    confirmed = Bool()


class BatchArgs(PageArgs):
    product_id = QInt()
    organization_id = QInt()
    lot = Str()


class ActivityArgs(PageArgs):
    province = Str()
    organization_id = QInt()
    kind = Str(validate=OneOf(ACTIVITY_KINDS))
    year = QInt(validate=Range(min=1900, max=2100))


# ---- outputs ---------------------------------------------------------------------------------


class ProvinceOut(Schema):
    id = fields.Int()
    code = fields.Str()
    slug = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    kind = fields.Str()


class CommuneOut(Schema):
    id = fields.Int()
    code = fields.Str()
    slug = fields.Str()
    name = fields.Str()
    kind = fields.Str()
    province = fields.Function(lambda c: c.province.slug)


class OrganizationOut(Schema):
    id = fields.Int()
    name = fields.Str()
    kind = fields.Str()
    tax_code = fields.Str()
    province = fields.Function(lambda o: o.province.slug)
    commune = fields.Function(lambda o: o.commune.slug if o.commune else None)
    commune_name = fields.Function(lambda o: o.commune.name if o.commune else None)
    address = fields.Str(allow_none=True)
    is_sme = fields.Bool()
    gs1_company_prefix = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True)
    website = fields.Str(allow_none=True)
    is_demo = fields.Bool()


class BodyOut(Schema):
    id = fields.Int()
    name = fields.Str()
    accreditation_number = fields.Str(allow_none=True)
    designation_number = fields.Str(allow_none=True)
    address = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True)
    website = fields.Str(allow_none=True)


class StandardOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    code = fields.Str()
    title = fields.Str()
    organization_id = fields.Int(allow_none=True)
    published_on = fields.Date(allow_none=True)
    has_document = fields.Function(lambda s: s.document_path is not None)
    document_sha256 = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)


class ProductOut(Schema):
    id = fields.Int()
    organization_id = fields.Int()
    name = fields.Str()
    ocop_group = fields.Str(allow_none=True)
    gtin = fields.Str(allow_none=True)
    description = fields.Str(allow_none=True)
    is_key_product = fields.Bool()
    is_specialty = fields.Bool()
    has_collective_trademark = fields.Bool()
    is_high_risk = fields.Bool()
    ocop_stars = fields.Int(allow_none=True)
    ocop_decision_number = fields.Str(allow_none=True)
    ocop_decision_date = fields.Date(allow_none=True)
    ocop_expires_on = fields.Date(allow_none=True)
    status = fields.Str()
    withdrawn_reason = fields.Str(allow_none=True)
    standard_ids = fields.Function(lambda p: [s.id for s in p.standards])


class HistoryOut(Schema):
    action = fields.Str()
    reason = fields.Str(allow_none=True)
    at = fields.AwareDateTime()
    actor_role = fields.Function(lambda e: None)


class CertificateOut(Schema):
    id = fields.Int()
    number = fields.Str()
    certification_body_id = fields.Int(allow_none=True)
    organization_id = fields.Int()
    category = fields.Str()
    is_self_declared = fields.Bool()
    standard_ids = fields.Function(lambda c: [s.id for s in c.standards])
    product_ids = fields.Function(lambda c: [p.id for p in c.products])
    scope = fields.Str(allow_none=True)
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    status = fields.Function(lambda c: c.status_on(today_vn()))
    is_confirmed = fields.Bool()
    province = fields.Function(lambda c: c.organization.province.slug)
    history = fields.List(fields.Nested(HistoryOut))


class EventOut(Schema):
    id = fields.Int()
    batch_id = fields.Int()
    event_type = fields.Str()
    biz_step = fields.Str()
    disposition = fields.Str(allow_none=True)
    occurred_at = fields.Function(lambda e: local_iso(e.occurred_at, e.tz_offset))
    commune_id = fields.Int(allow_none=True)
    commune = fields.Function(lambda e: e.commune.name if e.commune else None)
    gln = fields.Str(allow_none=True)
    organization_id = fields.Int(allow_none=True)
    destination_organization_id = fields.Int(allow_none=True)
    input_batch_ids = fields.Function(lambda e: [b.id for b in e.inputs])
    note = fields.Str(allow_none=True)


class BatchOut(Schema):
    id = fields.Int()
    product_id = fields.Int()
    lot = fields.Str()
    produced_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    quantity = fields.Float(allow_none=True)
    unit = fields.Str(allow_none=True)


class ActivityOut(Schema):
    id = fields.Int()
    organization_id = fields.Int(allow_none=True)
    province = fields.Function(lambda a: a.province.slug)
    kind = fields.Str()
    held_on = fields.Date()
    attendees = fields.Int(allow_none=True)
    agency = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)


class TargetOut(Schema):
    id = fields.Str(attribute="code")
    clause = fields.Str()
    wording = fields.Str()
    wording_en = fields.Str(allow_none=True)
    period_start = fields.Function(lambda t: f"{t.period_start}-01-01")
    period_end = fields.Function(lambda t: f"{t.period_end}-12-31")
    kind = fields.Str()
    value = fields.Float(allow_none=True)
    unit = fields.Str()
    source = fields.Str()
    metric = fields.Str()
    params = fields.Dict()
    note = fields.Str(allow_none=True)


class PlanOut(Schema):
    id = fields.Int()
    province = fields.Function(lambda p: p.province.slug)
    title = fields.Str()
    title_en = fields.Str(allow_none=True)
    number = fields.Str(allow_none=True)
    implements = fields.Str(allow_none=True)
    period_start = fields.Int()
    period_end = fields.Int()
    report_to = fields.Str(allow_none=True)
    report_deadline = fields.Str()
    targets = fields.List(fields.Nested(TargetOut))


class UserOut(Schema):
    id = fields.Int()
    email = fields.Str()
    role = fields.Str()
    organization_id = fields.Int(allow_none=True)
    body_id = fields.Int(allow_none=True)
    province = fields.Function(lambda u: u.province.slug if u.province else None)
    is_active = fields.Bool()


class TokenOut(Schema):
    token = fields.Str()
    token_type = fields.Str()
    expires_at = fields.AwareDateTime()
    user = fields.Nested(UserOut)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """An envelope {items, total, page, per_page, pages} around `item`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "total": fields.Int(),
            "page": fields.Int(),
            "per_page": fields.Int(),
            "pages": fields.Int(),
        },
        name=name,
    )
