"""Endpoints for the operator's machines: readiness for load balancers (and /healthz in pages.py)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json

from registry.services import health

bp = Blueprint("operations", __name__)
RETRY_AFTER_SECONDS = 30


@bp.route("/readyz")
def readyz() -> Response:
    """200 when this process can serve (database reachable, schema at the code's head, Redis if set); else 503."""
    checks = health.readiness(current_app.config.get("REDIS_URL"))
    ready = all(value == health.OK for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    response = Response(json.dumps(body), status=200 if ready else 503, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
