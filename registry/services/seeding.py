"""Loading the seed data: places, plans, the first admin and the demo records. Idempotent."""

from __future__ import annotations

import csv
import secrets
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from registry.extensions import db
from registry.models import (
    Batch,
    Certificate,
    CertificationBody,
    Commune,
    Organization,
    Plan,
    Product,
    Province,
    Standard,
    SupportActivity,
    Target,
    User,
)
from registry.services import activities, batches, certificates, organizations, products, standards, users
from registry.services.text import nfc

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed_places(root: Path = SEEDS) -> tuple[int, int]:
    """Upsert the 34 provinces and their communes from seeds/places/."""
    provinces = {p.code: p for p in db.session.scalars(select(Province))}
    with open(root / "places" / "provinces.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            p = provinces.get(row["code"]) or Province(code=row["code"])
            p.slug, p.name, p.name_en, p.kind = row["slug"], nfc(row["name"]), row["name_en"], row["kind"]
            if p.id is None:
                db.session.add(p)
                provinces[p.code] = p
    db.session.flush()
    existing = {c.code: c for c in db.session.scalars(select(Commune))}
    with open(root / "places" / "communes.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            c = existing.get(row["code"]) or Commune(code=row["code"])
            c.province_id = provinces[row["province_code"]].id
            c.slug, c.name, c.kind = row["slug"], nfc(row["name"]), row["kind"]
            if c.id is None:
                db.session.add(c)
    db.session.commit()
    return len(provinces), db.session.query(Commune).count()


def _year_field(value: Any) -> int:
    return value.year if isinstance(value, date) else int(value)


def seed_plans(root: Path = SEEDS) -> int:
    """Upsert every plan file in seeds/plans/; a new province's plan is a new file."""
    count = 0
    for path in sorted((root / "plans").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        province = db.session.scalar(select(Province).where(Province.slug == data["province"]))
        if province is None:
            raise ValueError(f"{path.name}: unknown province {data['province']!r}")
        plan = db.session.scalar(select(Plan).where(Plan.province_id == province.id)) or Plan(province_id=province.id)
        plan.title, plan.title_en = nfc(data["title"]), data.get("title_en")
        plan.number, plan.issued_on = data.get("number"), data.get("issued_on")
        plan.implements, plan.implements_date = data.get("implements"), data.get("implements_date")
        plan.period_start, plan.period_end = _year_field(data["period_start"]), _year_field(data["period_end"])
        plan.report_to, plan.report_deadline = data.get("report_to"), str(data["report_deadline"])
        plan.report_to_en = data.get("report_to_en")
        plan.report_deadline_note = data.get("report_deadline_note")
        db.session.add(plan)
        db.session.flush()
        for position, t in enumerate(data["targets"]):
            target = db.session.scalar(select(Target).where(Target.code == t["id"])) or Target(code=t["id"])
            target.plan_id, target.position = plan.id, position
            target.clause, target.wording, target.wording_en = t["clause"], nfc(t["wording"]), t.get("wording_en")
            target.period_start, target.period_end = _year_field(t["period_start"]), _year_field(t["period_end"])
            target.kind, target.value, target.unit = t["kind"], t.get("value"), t["unit"]
            target.source, target.metric, target.params = t["source"], t["metric"], t.get("params") or {}
            target.note, target.note_en = t.get("note"), t.get("note_en")
            db.session.add(target)
            count += 1
    db.session.commit()
    return count


def ensure_admin(instance_path: Path, email: str = "admin@registry.local") -> tuple[User, str | None]:
    """Create the first admin with a random password, kept in instance/ and returned once."""
    existing = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    user = users.create_user(None, email=email, password=password, role="admin", system=True)
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = instance_path / "admin_password.txt"
    secret.write_text(f"{email}\n{password}\n", encoding="utf-8")
    secret.chmod(0o600)
    return user, password


def _once(model: Any, where: Any, create: Callable[[], Any]) -> Any:
    found = db.session.scalar(select(model).where(where))
    if found is not None:
        return found
    obj = create()
    obj.is_demo = True
    db.session.commit()
    return obj


def seed_demo(actor: User, root: Path = SEEDS) -> int:
    """Load seeds/demo/*.yaml through the services, skipping records already there."""
    created = 0
    for path in sorted((root / "demo").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        refs: dict[str, Any] = {}
        for key, body in data.get("bodies", {}).items():
            refs[key] = _once(
                CertificationBody,
                CertificationBody.name == body["name"],
                partial(organizations.create_body, actor, body, commit=False),
            )
        for key, org in data.get("organizations", {}).items():
            refs[key] = _once(
                Organization,
                Organization.tax_code == org["tax_code"],
                partial(organizations.create_organization, actor, org, commit=False),
            )
        for key, std in data.get("standards", {}).items():
            fields = {**std, "organization_id": refs[std["organization"]].id if std.get("organization") else None}
            fields.pop("organization", None)
            refs[key] = _once(
                Standard,
                Standard.code_key == standards.code_key(fields["organization_id"], std["code"]),
                partial(standards.create_standard, actor, fields, commit=False),
            )
        for key, prod in data.get("products", {}).items():
            fields = {k: v for k, v in prod.items() if k not in ("organization", "standards")}
            fields["organization_id"] = refs[prod["organization"]].id
            p = _once(
                Product,
                Product.name == nfc(prod["name"]),
                partial(products.create_product, actor, fields, commit=False),
            )
            refs[key] = p
            for s in prod.get("standards", []):
                products.apply_standard(actor, p.id, refs[s].id)
        for key, cert in data.get("certificates", {}).items():
            fields = {
                **{
                    k: v
                    for k, v in cert.items()
                    if k not in ("body", "organization", "standards", "products", "transitions")
                },
                "certification_body_id": refs[cert["body"]].id,
                "organization_id": refs[cert["organization"]].id,
                "standard_ids": [refs[s].id for s in cert.get("standards", [])],
                "product_ids": [refs[p].id for p in cert.get("products", [])],
            }
            found = db.session.scalar(select(Certificate).where(Certificate.number == cert["number"]))
            if found is None:
                found = certificates.create_certificate(actor, fields, commit=False)
                found.is_demo = True
                db.session.commit()
                for action, reason in cert.get("transitions", []):
                    certificates.transition_certificate(actor, found.id, action, reason)
                created += 1
            refs[key] = found
        for key, batch in data.get("batches", {}).items():
            product = refs[batch["product"]]
            b = db.session.scalar(select(Batch).where(Batch.product_id == product.id, Batch.lot == batch["lot"]))
            if b is None:
                fields = {k: v for k, v in batch.items() if k not in ("product", "events")}
                b = batches.create_batch(actor, {**fields, "product_id": product.id}, commit=False)
                b.is_demo = True
                db.session.commit()
                for event in batch.get("events", []):
                    ev = dict(event)
                    if "commune" in ev:
                        province = product.organization.province
                        commune = db.session.scalar(
                            select(Commune).where(Commune.province_id == province.id, Commune.slug == ev.pop("commune"))
                        )
                        ev["commune_id"] = commune.id if commune else None
                    ev["input_batch_ids"] = [refs[i].id for i in ev.pop("inputs", [])]
                    ev["occurred_at"] = datetime.fromisoformat(str(ev["occurred_at"]))
                    batches.add_event(actor, b.id, ev)
            refs[key] = b
        for act in data.get("activities", []):
            fields = {k: v for k, v in act.items() if k != "organization"}
            if act.get("organization"):
                fields["organization_id"] = refs[act["organization"]].id
            exists = db.session.scalar(
                select(SupportActivity.id).where(
                    SupportActivity.held_on == act["held_on"],
                    SupportActivity.kind == act["kind"],
                    SupportActivity.organization_id == fields.get("organization_id"),
                    SupportActivity.note == (nfc(act["note"]) if act.get("note") else None),
                )
            )
            if exists is None:
                a = activities.create_activity(actor, fields, commit=False)
                a.is_demo = True
                db.session.commit()
    return created
