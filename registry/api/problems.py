"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, Response, g, json, request
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from registry.errors import FieldError, RegistryError
from registry.extensions import db, login
from registry.integrity import domain_error
from registry.messages import SUPPORTED, problem_title, render_rule
from registry.observability import REQUEST_ID
from registry.schemas.fields import field_errors
from registry.schemas.jsonbody import MalformedJson
from registry.services.uploads import megabytes

PROBLEM_TYPE = "https://registry.invalid/problems/"
log = logging.getLogger(__name__)
# The database cannot be reached (down, restarting, failing over, or every pooled connection busy):
# every page and API answer is a 503 the client may retry; pool_pre_ping reconnects once it is back.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def request_language() -> str:
    return request.accept_languages.best_match(SUPPORTED, default="vi") or "vi"


def problem(
    status: int, code: str, errors: list[FieldError] | None = None, detail: str | None = None, **extra: Any
) -> Response:
    lang = request_language()
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": problem_title(code, lang),
        "status": status,
        "instance": request.path,
    }
    if REQUEST_ID in request.environ:
        body["request_id"] = request.environ[REQUEST_ID]  # the X-Request-ID of this answer, to quote to support
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [
            {"field": e.field, "rule": e.rule, "message": render_rule(e.rule, lang, e.field, e.params)} for e in errors
        ]
        body["detail"] = " ".join(item["message"] for item in body["errors"])
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")
    response.headers["Content-Language"] = lang
    return response


def _from_registry_error(err: RegistryError) -> Response:
    errors = getattr(err, "errors", None)
    if err.rule == "transition":
        lang = request_language()
        detail = render_rule("transition", lang, "action", err.params)
        return problem(err.status, "transition", detail=detail)
    code = err.rule if err.rule in ("invalid_credentials", "invalid_token", "duplicate") else err.code
    response = problem(err.status, code, errors)
    retry_after = getattr(err, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _from_http(err: HTTPException) -> Response:
    """The problem for an HTTP error, keeping the headers the status needs (`Allow` on a 405, `Retry-After`)."""
    response = _problem_for_http(err)
    kept = err.get_response().headers
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if kept.get(name) and name not in response.headers:
            response.headers[name] = kept[name]
    return response


def _problem_for_http(err: HTTPException) -> Response:
    status = err.code or 500
    exc = getattr(err, "exc", None)  # webargs attaches the ValidationError here
    data = getattr(err, "data", None) or {}
    if isinstance(exc, MalformedJson):
        return problem(400, "bad_request", [FieldError("body", exc.rule, exc.params)])
    if exc is not None and hasattr(exc, "messages"):
        messages = exc.messages
        if status == 400 or "Invalid JSON body." in str(messages):
            return problem(400, "bad_request", [FieldError("body", "malformed_json")])
        flat: Any = messages
        if isinstance(messages, dict) and len(messages) == 1:
            location = next(iter(messages))
            if location in ("json", "query", "form", "files", "view_args", "headers"):
                flat = messages[location]
        return problem(422, "invalid_input", field_errors(flat))
    if status == 400 and data.get("messages"):
        return problem(400, "bad_request", [FieldError("body", "malformed_json")])
    if status == 413:
        return problem(413, "too_large", [request_size_error()])
    return problem(status, http_code(status))


def request_size_error() -> FieldError:
    """A body past MAX_CONTENT_LENGTH (or a view's own bound), named with its limit in MB."""
    limit = request.max_content_length or 0
    return FieldError("body", "request_size", {"max": megabytes(limit)})


HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def http_code(status: int) -> str:
    """The problem code of an HTTP status (its title lives in registry/messages.py)."""
    return HTTP_CODES.get(status, "bad_request" if status < 500 else "server_error")


def _page_for_http(err: HTTPException) -> Response:
    """A page in the site's look and the reader's language, keeping the error's own headers (Retry-After, Allow)."""
    from flask import render_template

    from registry.web.i18n import select_locale

    status = err.code or 500
    try:
        lang = select_locale()
        messages = []
        if status == 413:
            size = request_size_error()
            messages.append(render_rule(size.rule, lang, None, size.params))
        title = problem_title(http_code(status), lang)
        html = render_template("error.html", status=status, title=title, messages=messages)
    except DATABASE_UNAVAILABLE as exc:  # a signed-in reader's page needs their account: the outage wins
        return database_unavailable(exc)
    response = Response(html, status=status, mimetype="text/html")
    for name in ("Retry-After", "Allow", "WWW-Authenticate"):
        value = err.get_response().headers.get(name)
        if value:
            response.headers[name] = value
    response.headers["Content-Language"] = lang
    return response


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best in (
        "application/json",
        "application/problem+json",
    )


def database_unavailable(err: SQLAlchemyError) -> Response:
    """503 with Retry-After: a problem for JSON clients, the site's error page in the reader's language for people."""
    log.warning("database unavailable: %s: %s", err.__class__.__name__, str(err).splitlines()[0][:200])
    with contextlib.suppress(SQLAlchemyError):  # the connection is gone; the request teardown discards the session
        db.session.rollback()
    # Whoever is signed in cannot be loaded now: answer as for a visitor (Flask-Login keeps the user on g).
    g._login_user = login.anonymous_user()
    if request.path.startswith("/api/") or is_api_request():
        response = problem(503, "unavailable")
    else:
        response = _page_for_http(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_problem_handlers(app: Flask) -> None:
    """API paths get problem details; pages get their own error handlers (web blueprint)."""

    @app.errorhandler(RegistryError)
    def handle_registry_error(err: RegistryError) -> Any:
        db.session.rollback()  # nothing a refused request did may be committed by a later one
        if request.path.startswith("/api/"):
            return _from_registry_error(err)
        from flask import current_app

        handler = current_app.config.get("WEB_ERROR_HANDLER")
        return handler(err) if handler else _from_registry_error(err)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(err: IntegrityError) -> Any:
        """A constraint refused a statement outside the ORM's flush (which converts its own)."""
        db.session.rollback()
        return handle_registry_error(domain_error(err))

    for exc_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(exc_class, database_unavailable)

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException) -> Any:
        if request.path.startswith("/api/") or is_api_request():
            return _from_http(err)
        if (err.code or 500) < 400 or request.path.startswith("/01/"):
            return err  # redirects pass through; the resolver answers its own errors
        return _page_for_http(err)
