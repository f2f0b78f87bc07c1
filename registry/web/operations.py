"""Endpoints for the operator's machines: readiness for load balancers, Prometheus metrics (/healthz: pages.py)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json, request

from registry import observability
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


@bp.route("/metrics")
def metrics() -> Response:
    """Prometheus text format, for a bearer METRICS_TOKEN or a client in METRICS_ALLOW_FROM only."""
    if not observability.may_read_metrics(current_app.config, request.environ, request.headers.get("Authorization")):
        response = Response("forbidden\n", status=403, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = observability.exposition()
    response = Response(body, status=200, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
