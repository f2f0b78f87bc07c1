"""Looking up provinces and communes by slug, code or name."""

from __future__ import annotations

from sqlalchemy import or_, select

from registry.errors import FieldError
from registry.extensions import db
from registry.models import Commune, Province
from registry.services.text import fold, slugify


def province_by_slug(slug: str) -> Province | None:
    return db.session.scalar(select(Province).where(Province.slug == slug.strip().lower()))


def resolve_province(value: str, field: str = "province") -> Province | FieldError:
    province = province_by_slug(value) or province_by_slug(slugify(value))
    if province is None:
        return FieldError(field, "unknown_province", {"value": value})
    return province


def resolve_commune(province: Province, value: str, field: str = "commune") -> Commune | FieldError:
    """A commune of `province` named by slug, official code or name (with or without prefix)."""
    raw = value.strip()
    slug = slugify(raw)
    for prefix in ("xa-", "phuong-", "dac-khu-"):
        if slug.startswith(prefix) and len(slug) > len(prefix):
            bare = slug[len(prefix) :]
            break
    else:
        bare = slug
    commune = db.session.scalar(
        select(Commune)
        .where(
            Commune.province_id == province.id,
            or_(Commune.code == raw, Commune.slug == slug, Commune.slug == bare),
        )
        .limit(1)
    )
    if commune is None:
        return FieldError(field, "unknown_commune", {"value": value})
    return commune


def list_provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.name)))


def list_communes(province: Province, q: str | None = None) -> list[Commune]:
    stmt = select(Commune).where(Commune.province_id == province.id).order_by(Commune.name)
    communes = list(db.session.scalars(stmt))
    if q:
        needle = fold(q)
        communes = [c for c in communes if needle in fold(c.name)]
    return communes
