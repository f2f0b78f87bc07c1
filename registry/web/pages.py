"""The home page; the workspace pages arrive with the web issue."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Certificate, Organization, Product, Province

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


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
