"""`/voc/`: the registry's own EPCIS vocabulary terms (those CBV 2.0 lacks), dereferenceable."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect
from flask.typing import ResponseReturnValue

from registry.services import linked_data

from .linked_data import JSON_LD, json_ld, not_found, page, wanted

bp = Blueprint("vocabulary_terms", __name__)

MAX_AGE = 86400  # terms change with a release, not with the data


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


@bp.route("/voc/")
def index() -> Response:
    base = _base()
    if wanted() != "text/html":
        return json_ld(linked_data.scheme_document(base), MAX_AGE)
    return page(
        "vocabulary/index.html",
        base=base,
        own=linked_data.terms(own=True),
        cbv=linked_data.terms(own=False),
        schemes=linked_data.SCHEME_LABELS,
        json_ld=JSON_LD,
    )


@bp.route("/voc/<any(BizStep, Disp):scheme>-<code>")
def term(scheme: str, code: str) -> ResponseReturnValue:
    """Our term's definition; a CBV term asked for under our prefix moves (301) to GS1's URI."""
    found = linked_data.term(scheme, code)
    if found is None:
        return not_found()
    base = _base()
    if found.own is None:
        return redirect(found.uri(base), 301)
    if wanted() != "text/html":
        return json_ld(linked_data.term_document(found, base), MAX_AGE)
    return page(
        "vocabulary/term.html", term=found, uri=found.uri(base), schemes=linked_data.SCHEME_LABELS, json_ld=JSON_LD
    )


@bp.route("/voc/<path:rest>")
def unknown(rest: str) -> Response:
    return not_found()
