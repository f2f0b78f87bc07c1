"""The signed documents an offline verifier or a witness syncs: the status list, the log's checkpoint and proofs."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, jsonify, request

from registry.extensions import limiter
from registry.services import status_list, transparency

bp = Blueprint("transparency", __name__)


def _public(response: Response, max_age: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def signed_json(body: str, max_age: int) -> Response:
    """A signed document as stored, with a strong ETag so syncs of an unchanged one cost a 304."""
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.make_conditional(request)  # turns itself into a 304 when If-None-Match matches
    return _public(response, max_age)


@bp.route("/.well-known/registry-log/checkpoint")
@limiter.limit("120/minute")
def checkpoint() -> Response:
    """The latest signed checkpoint; the first request of a new registry records its first one."""
    doc = transparency.latest_checkpoint()
    if doc is None:
        doc = transparency.make_checkpoint(current_app.instance_path, current_app.config["PUBLIC_BASE_URL"])
    return signed_json(transparency.dump(doc), 300)


@bp.route("/.well-known/registry-log/consistency")
@limiter.limit("60/minute")
def consistency() -> Response:
    """RFC 9162 consistency proof between the trees of `first` and `second` entries, for witnesses."""
    proof = transparency.consistency(request.args.get("first"), request.args.get("second"))
    return _public(jsonify(proof), 300 if "second" in request.args else 0)


@bp.route("/.well-known/registry-status-list.json")
@limiter.limit("120/minute")
def certificate_status_list() -> Response:
    """Every certificate's revocation and suspension bit, signed; verifiers sync it to check offline."""
    text = status_list.current(current_app.instance_path, current_app.config["PUBLIC_BASE_URL"])
    return signed_json(text, 300)
