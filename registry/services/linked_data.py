"""What the URIs the registry mints under its public base URL say when dereferenced (JSON-LD).

Its own EPCIS business steps (`/voc/BizStep-…`, the terms CBV 2.0 lacks), the scheme listing them
(`/voc/`), and the communes and provinces events happen in (`/places/communes/{code}`,
`/places/provinces/{slug}`). The EPCIS export mints its URIs with the functions here, so an exported
URI and the page answering it cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from registry import vocabulary as voc
from registry.extensions import db
from registry.models import Commune, Province

CONTEXT: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "cbv": voc.CBV,
}
VOC_PATH = "/voc/"
# URI prefix of a scheme's terms (as CBV spells them: BizStep-shipping, Disp-in_transit) → its tables.
SCHEMES: dict[str, tuple[voc.Table, frozenset[str], dict[str, voc.OwnTerm]]] = {
    "BizStep": (voc.BIZ_STEPS, voc.CBV_BIZ_STEPS, voc.OWN_BIZ_STEPS),
    "Disp": (voc.DISPOSITIONS, voc.CBV_DISPOSITIONS, voc.OWN_DISPOSITIONS),
}
SCHEME_LABELS: dict[str, tuple[str, str]] = {
    "BizStep": ("Công đoạn", "Business step"),
    "Disp": ("Tình trạng", "Disposition"),
}
SCHEME_TITLE = ("Từ vựng truy xuất nguồn gốc của cơ sở dữ liệu", "The registry's traceability vocabulary")
SCHEME_COMMENT = (
    "Các công đoạn mà Từ vựng nghiệp vụ cốt lõi GS1 (CBV 2.0) chưa có, dùng trong sự kiện EPCIS 2.0 của các lô hàng.",
    "Business steps the GS1 Core Business Vocabulary (CBV 2.0) has no term for, used in the EPCIS 2.0 events of "
    "batches.",
)
PLACE_KINDS: dict[str, tuple[str, str]] = {
    "commune": ("Xã", "Commune"),
    "ward": ("Phường", "Ward"),
    "special_zone": ("Đặc khu", "Special zone"),
    "province": ("Tỉnh", "Province"),
    "city": ("Thành phố trực thuộc trung ương", "Centrally-run city"),
}


@dataclass(frozen=True)
class Term:
    """One business step or disposition: a CBV 2.0 term (`own` is None) or one of ours."""

    scheme: str
    code: str
    label: tuple[str, str]
    own: voc.OwnTerm | None

    def uri(self, base: str) -> str:
        if self.own is None:
            return f"{voc.CBV}{self.scheme}-{self.code}"
        return f"{base.rstrip('/')}{VOC_PATH}{self.scheme}-{self.code}"


def term(scheme: str, code: str) -> Term | None:
    tables = SCHEMES.get(scheme)
    if tables is None or code not in tables[0]:
        return None
    names, _cbv, own = tables
    return Term(scheme, code, names[code], own.get(code))


def terms(*, own: bool) -> list[Term]:
    """Every term the registry offers, ours (`own=True`) or CBV's, scheme by scheme in table order."""
    found = (term(scheme, code) for scheme, tables in SCHEMES.items() for code in tables[0])
    return [t for t in found if t is not None and (t.own is not None) == own]


def term_uri(scheme: str, code: str, base: str) -> str:
    """The URI of a stored code in an EPCIS document; a code already written as a URI is kept."""
    if code.startswith(("http://", "https://", "urn:")):
        return code
    found = term(scheme, code)
    if found is None:  # not offered any more: ours, so that it still names something we answer for
        return f"{base.rstrip('/')}{VOC_PATH}{scheme}-{code}"
    return found.uri(base)


def _texts(pair: tuple[str, str]) -> list[dict[str, str]]:
    return [{"@value": pair[0], "@language": "vi"}, {"@value": pair[1], "@language": "en"}]


def _ids(uris: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"@id": u} for u in uris]


def _term_node(found: Term, base: str) -> dict[str, Any]:
    assert found.own is not None
    node: dict[str, Any] = {
        "@id": found.uri(base),
        "@type": ["skos:Concept", f"cbv:{found.scheme}"],
        "skos:inScheme": {"@id": base.rstrip("/") + VOC_PATH},
        "skos:notation": found.code,
        "rdfs:label": _texts(found.label),
        "skos:prefLabel": _texts(found.label),
        "rdfs:comment": _texts(found.own.comment),
    }
    if found.own.close_match:
        node["skos:closeMatch"] = _ids(found.own.close_match)
    if found.own.see_also:
        node["rdfs:seeAlso"] = _ids(found.own.see_also)
    return node


def term_document(found: Term, base: str) -> dict[str, Any]:
    return {"@context": CONTEXT, **_term_node(found, base)}


def scheme_document(base: str) -> dict[str, Any]:
    """The concept scheme `/voc/`: our terms in full, and the CBV terms the registry also uses."""
    root = base.rstrip("/") + VOC_PATH
    return {
        "@context": CONTEXT,
        "@id": root,
        "@type": "skos:ConceptScheme",
        "rdfs:label": _texts(SCHEME_TITLE),
        "rdfs:comment": _texts(SCHEME_COMMENT),
        "skos:hasTopConcept": [_term_node(t, base) for t in terms(own=True)],
        "rdfs:seeAlso": [{"@id": t.uri(base)} for t in terms(own=False)],
    }


def commune_uri(code: str, base: str) -> str:
    return f"{base.rstrip('/')}/places/communes/{code}"


def province_uri(slug: str, base: str) -> str:
    return f"{base.rstrip('/')}/places/provinces/{slug}"


def commune_by_code(code: str) -> Commune | None:
    return db.session.scalar(select(Commune).where(Commune.code == code)) if code.isdigit() else None


def commune_count(province: Province) -> int:
    return db.session.scalar(select(func.count(Commune.id)).where(Commune.province_id == province.id)) or 0


def commune_names(commune: Commune) -> tuple[str, str]:
    """`Xã Tân Cương` and `Tân Cương Commune`: the stored name carries its Vietnamese kind word."""
    vi_kind, en_kind = PLACE_KINDS.get(commune.kind, ("", ""))
    bare = commune.name.removeprefix(vi_kind).strip() if vi_kind else commune.name
    return commune.name, f"{bare} {en_kind}".strip()


def province_names(province: Province) -> tuple[str, str]:
    vi_kind = "Thành phố" if province.kind == "city" else "Tỉnh"
    return f"{vi_kind} {province.name}", province.name_en


def _place(uri: str, names: tuple[str, str], code: str) -> dict[str, Any]:
    return {
        "@id": uri,
        "@type": "schema:AdministrativeArea",
        "schema:name": _texts(names),
        "schema:identifier": {
            "@type": "schema:PropertyValue",
            "schema:propertyID": "Mã đơn vị hành chính / Administrative unit code (Vietnam, 2025)",
            "schema:value": code,
        },
    }


def commune_document(commune: Commune, base: str) -> dict[str, Any]:
    """A commune as a schema.org administrative area inside its province; no coordinates are kept."""
    province = commune.province
    names, pnames = commune_names(commune), province_names(province)
    kind = PLACE_KINDS.get(commune.kind, (commune.kind, commune.kind))
    description = (
        f"{names[0]}, {pnames[0]}, Việt Nam: đơn vị hành chính cấp xã ({kind[0].lower()}) sau sắp xếp năm 2025, "
        f"mã {commune.code}. Nơi diễn ra các sự kiện truy xuất nguồn gốc ghi theo xã.",
        f"{names[1]}, {pnames[1]}, Viet Nam: a commune-level administrative unit ({kind[1].lower()}) after the "
        f"2025 reorganisation, code {commune.code}. Where trace events recorded by commune took place.",
    )
    province_node = _place(province_uri(province.slug, base), pnames, province.code)
    return {
        "@context": CONTEXT,
        **_place(commune_uri(commune.code, base), names, commune.code),
        "schema:additionalType": _texts(kind),
        "schema:description": _texts(description),
        "schema:containedInPlace": province_node,
        "schema:address": {
            "@type": "schema:PostalAddress",
            "schema:addressLocality": commune.name,
            "schema:addressRegion": pnames[0],
            "schema:addressCountry": "VN",
        },
    }


def province_document(province: Province, base: str) -> dict[str, Any]:
    pnames = province_names(province)
    kind = PLACE_KINDS.get(province.kind, (province.kind, province.kind))
    count = commune_count(province)
    description = (
        f"{pnames[0]}, Việt Nam: đơn vị hành chính cấp tỉnh sau sắp xếp năm 2025, mã {province.code}, "
        f"gồm {count} xã, phường, đặc khu.",
        f"{pnames[1]}, Viet Nam: a province-level administrative unit after the 2025 reorganisation, "
        f"code {province.code}, with {count} communes, wards and special zones.",
    )
    root = base.rstrip("/")
    return {
        "@context": CONTEXT,
        **_place(province_uri(province.slug, base), pnames, province.code),
        "schema:additionalType": _texts(kind),
        "schema:description": _texts(description),
        "schema:containedInPlace": {"@type": "schema:Country", "schema:name": "Việt Nam", "schema:identifier": "VN"},
        "rdfs:seeAlso": [
            {"@id": f"{root}/api/v1/provinces/{province.slug}"},
            {"@id": f"{root}/api/v1/provinces/{province.slug}/communes"},
        ],
    }
