"""Security headers on every response, set by flask-talisman with a per-request nonce in the CSP.

Every inline <style> and <script> in a template carries `nonce="{{ csp_nonce() }}"`; `style="…"`
attributes are not allowed (a nonce cannot cover them), so pages use classes instead.
HTTPS is the proxy's job by default: FORCE_HTTPS (config or environment) turns on the redirect,
HSTS and the secure session cookie for an app that sees HTTPS itself.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, render_template, request, url_for
from flask_talisman import Talisman

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
NONCE_IN = ["script-src", "style-src"]
# The barcode and QR SVGs colour their shapes with style attributes; opened on their own they are
# documents, so they get a policy of their own: their inline styles, and no script at all.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
PERMISSIONS = {"camera": "(self)", "geolocation": "()", "microphone": "()", "browsing-topics": "()"}
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"

# Stands for the nonce in HTML kept between requests (the scan cache); random per process, so a
# stored text can never spell it and be handed a live nonce.
NONCE_PLACEHOLDER = f"@@csp-nonce-{secrets.token_hex(12)}@@"


def csp_nonce() -> str:
    """This request's nonce, made on first use.

    Talisman makes it in a before_request hook, which never runs when an earlier hook refused the
    request (rate limit, CSRF); the error page rendered then still needs one.
    """
    nonce = getattr(request, "csp_nonce", None)
    if not nonce:
        nonce = secrets.token_urlsafe(24)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
    return nonce


def register_security_headers(app: Flask) -> None:
    force_https = bool(app.config.get("FORCE_HTTPS"))
    app.config["SESSION_COOKIE_SECURE"] = force_https

    @app.after_request
    def svg_policy(response: Response) -> Response:
        # Registered before Talisman's hook, so it runs after it (Flask runs them in reverse).
        if response.mimetype == "image/svg+xml":
            response.headers["Content-Security-Policy"] = SVG_CSP
        return response

    talisman = Talisman(
        app,
        force_https=force_https,
        strict_transport_security=force_https,  # and then only on requests that came over HTTPS
        session_cookie_secure=False,  # set above from FORCE_HTTPS; Talisman would force it on
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        frame_options="DENY",
        content_security_policy=CSP,
        content_security_policy_nonce_in=NONCE_IN,
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS,
    )
    app.extensions["talisman"] = talisman
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    if SWAGGER_UI_ENDPOINT in app.view_functions:
        app.view_functions[SWAGGER_UI_ENDPOINT] = swagger_ui


def swagger_ui() -> str:
    """flask-smorest's Swagger UI page starts the viewer with an inline script; ours carries the nonce."""
    return render_template(
        "api_docs.html",
        title=current_app.config.get("API_TITLE", "API"),
        spec_url=url_for("api-docs.openapi_json"),
        swagger_ui_url=current_app.config["OPENAPI_SWAGGER_UI_URL"],
        swagger_ui_config=current_app.config.get("OPENAPI_SWAGGER_UI_CONFIG", {}),
    )
