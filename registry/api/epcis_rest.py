"""`/epcis/`: EPCIS 2.0 capture and simple event query, after the standard's REST binding."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request

from registry.errors import FieldError, NotFound, RegistryError, Unauthorized
from registry.extensions import csrf
from registry.messages import render_rule
from registry.models import EpcisCapture
from registry.services import epcis_capture, epcis_query

from .common import actor
from .problems import _from_registry_error, problem, request_language

bp = Blueprint("epcis", __name__, url_prefix="/epcis")

# The exception names of the EPCIS 2.0 REST binding, as problem `type`s.
EXCEPTIONS = {
    epcis_capture.SchemaInvalid: (400, "bad_request", "epcisException:ValidationException"),
    epcis_capture.NotYours: (403, "forbidden", "epcisException:SecurityException"),
    epcis_capture.TooManyEvents: (413, "too_large", "epcisException:CaptureLimitExceededException"),
    epcis_query.QueryParameterError: (400, "bad_request", "epcisException:QueryParameterException"),
    NotFound: (404, "not_found", "epcisException:NoSuchNameException"),
}
JSON_TYPES = ("application/json", "application/ld+json")
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}


@bp.errorhandler(RegistryError)
def _problem(err: RegistryError) -> Response:
    for cls, (status, code, kind) in EXCEPTIONS.items():
        if isinstance(err, cls):
            response = problem(status, code, getattr(err, "errors", None) or None, type=kind)
            break
    else:
        response = _from_registry_error(err)
    if isinstance(err, Unauthorized):
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(err, epcis_capture.TooManyEvents):
        response.headers["GS1-CAPTURE-limit"] = str(epcis_capture.CAPTURE_LIMIT)
    response.headers.update(VERSION_HEADERS)
    return response


def _json(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)
    response.headers.update(VERSION_HEADERS)
    return response


def _job(job: EpcisCapture) -> dict[str, Any]:
    lang = request_language()
    errors = [
        {
            "field": e.get("field"),
            "rule": e.get("rule"),
            "message": render_rule(e.get("rule", "invalid"), lang, e.get("field"), e.get("params") or {}),
        }
        for e in job.errors or []
    ]
    return {
        "captureID": str(job.id),
        "status": job.status,
        "running": job.status == "running",
        "success": job.status == "success",
        "captureErrorBehaviour": "rollback",
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "eventCount": job.event_count,
        "errors": errors,
    }


@bp.post("/capture")
def capture() -> Response:
    """Authenticate first, then read the body: an EPCIS 2.0 document in JSON or JSON-LD."""
    user = actor()
    if user is None:
        raise Unauthorized()
    if request.mimetype not in JSON_TYPES:
        return problem(415, "unsupported_media_type", [FieldError("Content-Type", "epcis_media_type")])
    try:
        document = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError):
        return problem(
            400, "bad_request", [FieldError("body", "malformed_json")], type="epcisException:ValidationException"
        )
    job = epcis_capture.capture(user, document)
    response = _json(_job(job), 202)
    response.headers["Location"] = f"/epcis/capture/{job.id}"
    return response


@bp.get("/capture/<int:capture_id>")
def capture_job(capture_id: int) -> Response:
    job = epcis_capture.get_capture(actor(), capture_id)
    return _json(_job(job))


@bp.get("/events")
def events() -> Response:
    args = {name: request.args.getlist(name) for name in request.args}
    results = epcis_query.query_events(actor(), args, str(current_app.config["PUBLIC_BASE_URL"]))
    response = _json(results.document)
    if results.next_token:
        query = [(k, v) for k, values in args.items() if k != "nextPageToken" for v in values]
        query.append(("nextPageToken", results.next_token))
        response.headers["Link"] = f'<{request.path}?{urlencode(query)}>; rel="next"'
    return response


def register_epcis(app: Flask) -> None:
    csrf.exempt(bp)  # writes are CSRF-checked in api.common.actor for session users, like the API's
    app.register_blueprint(bp)
