"""Content negotiation for the URIs the registry mints: JSON-LD for programs, a page for people."""

from __future__ import annotations

from typing import Any

from flask import Response, json, render_template, request

from registry.messages import problem_title

from .i18n import select_locale

JSON_LD = "application/ld+json"
OFFERED = [JSON_LD, "application/json", "text/html"]


def page_lang() -> str:
    return "en" if select_locale() == "en" else "vi"


def wanted() -> str:
    """The media type to answer with. `?format=jsonld` for a link a browser can follow; no Accept header
    or `*/*` means a program, so JSON-LD; a browser ranks text/html above its `*/*` and gets the page."""
    if request.args.get("format") in ("json", "jsonld"):
        return JSON_LD
    return request.accept_mimetypes.best_match(OFFERED) or JSON_LD


def _varies(response: Response) -> Response:
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    return response


def json_ld(document: dict[str, Any], max_age: int) -> Response:
    """The document as JSON-LD (or as plain JSON when that is what was asked), cacheable and open to any origin."""
    mimetype = "application/json" if wanted() == "application/json" else JSON_LD
    response = Response(json.dumps(document, ensure_ascii=False), mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _varies(response)


def page(template: str, **context: Any) -> Response:
    """A page in the visitor's language; private, since the header shows who is signed in."""
    lang = page_lang()
    response = Response(render_template(template, lang=lang, **context), mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Language"] = lang
    return _varies(response)


def not_found() -> Response:
    """404 as an RFC 9457 problem for a program, the usual error page for a browser."""
    lang = page_lang()
    title = problem_title("not_found", lang)
    if wanted() != "text/html":
        body = {"type": "https://registry.invalid/problems/not_found", "title": title, "status": 404}
        body["instance"] = request.path
        response = Response(json.dumps(body, ensure_ascii=False), 404, mimetype="application/problem+json")
    else:
        response = Response(render_template("error.html", status=404, title=title, messages=[]), 404)
    response.headers["Content-Language"] = lang
    return _varies(response)
