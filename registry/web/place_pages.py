"""`/places/…`: the communes and provinces the EPCIS export names as readPoint and bizLocation."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from registry.services import linked_data, places

from .linked_data import JSON_LD, json_ld, not_found, page, wanted

bp = Blueprint("place_pages", __name__)

MAX_AGE = 3600  # reference data, changed only by a reorganisation and a new seed


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


@bp.route("/places/communes/<code>")
def commune(code: str) -> Response:
    found = linked_data.commune_by_code(code)
    if found is None:
        return not_found()
    base = _base()
    if wanted() != "text/html":
        return json_ld(linked_data.commune_document(found, base), MAX_AGE)
    return page(
        "vocabulary/commune.html",
        commune=found,
        names=linked_data.commune_names(found),
        province_names=linked_data.province_names(found.province),
        kind=linked_data.PLACE_KINDS.get(found.kind, (found.kind, found.kind)),
        uri=linked_data.commune_uri(found.code, base),
        json_ld=JSON_LD,
    )


@bp.route("/places/provinces/<slug>")
def province(slug: str) -> Response:
    found = places.province_by_slug(slug)
    if found is None:
        return not_found()
    base = _base()
    if wanted() != "text/html":
        return json_ld(linked_data.province_document(found, base), MAX_AGE)
    return page(
        "vocabulary/province.html",
        province=found,
        names=linked_data.province_names(found),
        kind=linked_data.PLACE_KINDS.get(found.kind, (found.kind, found.kind)),
        communes=places.list_communes(found),
        uri=linked_data.province_uri(found.slug, base),
        json_ld=JSON_LD,
    )


@bp.route("/places/<path:rest>")
def unknown(rest: str) -> Response:
    return not_found()
