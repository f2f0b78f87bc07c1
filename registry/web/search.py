"""The public search page `/search?q=…` (JSON with `Accept: application/json`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from registry.extensions import limiter
from registry.models import Product
from registry.services import search as finder
from registry.services.timefmt import today_vn

from .producer import current_lang

bp = Blueprint("search", __name__)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _product(p: Product) -> dict[str, Any]:
    org = p.organization
    return {
        "id": p.id,
        "name": p.name,
        "gtin": p.gtin,
        "ocop_stars": p.ocop_stars,
        "ocop_group": p.ocop_group,
        "is_key_product": p.is_key_product,
        "organization": {"id": org.id, "name": org.name, "province": org.province.slug},
        "url": f"/01/{p.gtin}" if p.gtin else None,
    }


@bp.get("/search")
@limiter.limit("120/minute")
def page() -> Any:
    q = request.args.get("q", "").strip()[:128]
    lang = current_lang()
    target = finder.jump_target(q) if q else None
    if target is not None:
        return redirect(target + ("?lang=en" if lang == "en" and "lang" in request.args else ""), code=303)
    filters, ignored = finder.filters_from(request.args)
    found = finder.search(q, filters, request.args.get("page", 1, type=int) or 1, today_vn())
    if _wants_json():
        response = jsonify(
            {
                "q": found.q,
                "filters": filters.args(),
                "ignored": ignored,
                "page": found.page,
                "pages": found.pages,
                "products": {"total": found.product_total, "items": [_product(p) for p in found.products]},
                "producers": {
                    "total": found.producer_total,
                    "items": [
                        {"id": o.id, "name": o.name, "tax_code": o.tax_code, "province": o.province.slug}
                        for o in found.producers
                    ],
                },
                "certificates": [
                    {"id": c.id, "number": c.number, "holder": c.organization.name, "url": f"/verify/{c.id}"}
                    for c in found.certificates
                ],
                "facets": {
                    k: [{"value": v, "label": lbl, "count": n} for v, lbl, n in items]
                    for k, items in found.facets.items()
                },
            }
        )
    else:
        response = Response(
            render_template("search/page.html", r=found, lang=lang, today=today_vn(), url=_url),
            mimetype="text/html",
        )
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response


def _url(r: finder.Results, **changes: Any) -> str:
    """This search's URL with some filters changed (None removes one) and back to page 1."""
    args: dict[str, Any] = {"q": r.q, **r.filters.args(), **changes}
    return url_for("search.page", **{k: v for k, v in args.items() if v not in (None, "", 0)})
