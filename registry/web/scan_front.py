"""The scan path's front door: a repeated scan is answered from stored bytes without entering Flask.

A phone that scans a QR code sends `GET /01/…` with no cookie. The resolver (web/resolver.py) renders
the answer once and marks it storable; this WSGI layer then keeps the whole response (status,
headers after every hook, body) in the process's scan cache (services/scan_cache.py) under the raw
request line and the headers the answer varies on. The next identical request is answered here, at
the cost of a dictionary lookup and a fresh CSP nonce, instead of Flask's request context, session,
rate-limit and security-header hooks — which cost more than the lookup itself.

Freshness is the scan cache's: `peek` serves only while no version check is due, so at least once
per check interval a request takes the full path, which re-reads the registry's version and drops
every stored answer if anything changed. A suspension therefore shows here exactly as soon as it
shows on the full path. Requests with a cookie, a conditional header or any method but GET always take
the full path, as does anything the resolver did not mark (link-type redirects, reports, errors).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from registry.observability import ENDPOINT, SCAN_FRONT
from registry.services.scan_cache import Cached
from registry.services.timefmt import today_vn
from registry.web.security import NONCE_PLACEHOLDER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MARK = "registry.scan_front"  # environ key the resolver sets to (generation, nonce) on a storable answer
_PLACEHOLDER = NONCE_PLACEHOLDER.encode()
FRONT_ENDPOINT = "resolver.resolve"  # a stored answer is the resolver's: it is counted as that route
_BYPASS_HEADERS = ("HTTP_COOKIE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_AUTHORIZATION")


def _status_line(code: int) -> str:
    return f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}"


def request_key(environ: WSGIEnvironment) -> tuple[Any, ...] | None:
    """What a stored answer is filed under, or None when this request must take the full path."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    path = environ.get("PATH_INFO", "")
    if not path.startswith("/01/") or path.endswith("/report"):
        return None
    if any(name in environ for name in _BYPASS_HEADERS):
        return None
    return (
        "front",
        environ.get("RAW_URI") or path,
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT", ""),
        environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_X_FORWARDED_PROTO", ""),
        today_vn(),  # statuses that change with the calendar (expiry) change with the day
    )


class ScanFront:
    """WSGI middleware around the Flask app; see the module docstring."""

    def __init__(self, app: Flask, wrapped: WSGIApplication) -> None:
        self.app = app
        self.wrapped = wrapped

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        key = request_key(environ)
        if key is None:
            return self.wrapped(environ, start_response)
        cache = self.app.extensions.get("scan_cache")
        hit = cache.peek(key) if cache is not None else None
        if hit is not None:
            environ[ENDPOINT] = FRONT_ENDPOINT
            SCAN_FRONT.inc()
            return self._serve(hit, start_response)
        return self._pass_and_keep(key, environ, start_response)

    @staticmethod
    def _serve(hit: Cached, start_response: StartResponse) -> list[bytes]:
        body, headers = hit.body, list(hit.headers)
        if _PLACEHOLDER in body or any(NONCE_PLACEHOLDER in v for _, v in headers):
            nonce = secrets.token_urlsafe(24)
            body = body.replace(_PLACEHOLDER, nonce.encode())
            headers = [(k, v.replace(NONCE_PLACEHOLDER, nonce)) for k, v in headers]
        headers.append(("Content-Length", str(len(body))))
        start_response(_status_line(hit.status), headers)
        return [body]

    def _pass_and_keep(self, key: tuple[Any, ...], environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wrapped(environ, capture)
        mark = environ.get(MARK)
        cache = self.app.extensions.get("scan_cache")
        if mark is None or cache is None or "status" not in seen:
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        generation, nonce = mark
        stored_body = body.replace(nonce.encode(), _PLACEHOLDER) if nonce else body
        headers = tuple(
            (k, v.replace(nonce, NONCE_PLACEHOLDER) if nonce else v)
            for k, v in seen["headers"]
            if k.lower() not in ("content-length", "set-cookie", "date")
        )
        if not any(k.lower() == "set-cookie" for k, _ in seen["headers"]):
            status = int(seen["status"].split(" ", 1)[0])
            cache.put(key, Cached(status, stored_body, "", headers), generation)
        return [body]


def install(app: Flask) -> None:
    """Put the scan front door before the app's own WSGI callable (after any proxy fix-ups added later)."""
    app.wsgi_app = ScanFront(app, app.wsgi_app)  # type: ignore[method-assign]
