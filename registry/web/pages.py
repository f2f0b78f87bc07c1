"""The home page; the workspace pages arrive with the web issue."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, send_from_directory
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Certificate, Organization, Product, Province

bp = Blueprint("web", __name__, template_folder="templates")


@bp.route("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Liveness for load balancers; also the bare baseline the benchmarks compare against."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.route("/")
def home() -> str:
    counts = {
        "organizations": db.session.scalar(select(func.count(Organization.id))),
        "products": db.session.scalar(select(func.count(Product.id))),
        "certificates": db.session.scalar(select(func.count(Certificate.id))),
        "provinces": db.session.scalar(select(func.count(Province.id))),
    }
    return render_template("home.html", counts=counts)


@bp.route("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(current_app.static_folder or "", "favicon.ico", max_age=7 * 86400)


@bp.route("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: the registry can be added to a phone's home screen."""
    response = jsonify(
        {
            "name": "Cơ sở dữ liệu OCOP và tiêu chuẩn",
            "short_name": "OCOP",
            "description": "Sản phẩm OCOP, tiêu chuẩn và chứng nhận — OCOP products, standards and certificates",
            "lang": "vi",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#fafaf7",
            "theme_color": "#0b5d3b",
            "icons": [
                {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
                {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
                {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
