"""Proofs from the audit log's Merkle tree (RFC 9162): an entry's inclusion, two sizes' consistency."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from registry.extensions import limiter
from registry.services import transparency

blp = Blueprint("audit_log", __name__, url_prefix="/api/v1", description="The audit log's transparency proofs")


@blp.route("/audit/entries/<int:entry_id>/proof")
@limiter.limit("60/minute")
@blp.doc(
    parameters=[{"in": "query", "name": "tree_size", "schema": {"type": "integer"}, "required": False}],
    responses={"200": {"description": "leaf_index, tree_size, leaf_hash, root_hash, proof (hex), checkpoint"}},
)
def entry_proof(entry_id: int) -> dict[str, Any]:
    """The inclusion proof of one entry, in the latest signed checkpoint's tree when that holds it."""
    return transparency.inclusion(entry_id, request.args.get("tree_size"))


@blp.route("/audit/consistency")
@limiter.limit("60/minute")
@blp.doc(
    parameters=[
        {"in": "query", "name": "first", "schema": {"type": "integer"}, "required": True},
        {"in": "query", "name": "second", "schema": {"type": "integer"}, "required": False},
    ],
    responses={"200": {"description": "first, second, their root hashes and the consistency proof (hex)"}},
)
def consistency() -> dict[str, Any]:
    """The consistency proof between the trees of `first` and `second` entries (default: the whole log)."""
    return transparency.consistency(request.args.get("first"), request.args.get("second"))
