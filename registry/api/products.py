"""Products and the standards they apply."""

from __future__ import annotations

from typing import Any

from registry.models import Product
from registry.schemas.resources import (
    ApplyStandardIn,
    ProductArgs,
    ProductIn,
    ProductOut,
    ReasonIn,
    StandardOut,
    page_schema,
)
from registry.services import products
from registry.services.common import get_or_404, paginate

from .blueprint import Blueprint
from .common import actor, envelope, province_id

blp = Blueprint("products", __name__, url_prefix="/api/v1", description="Products")


@blp.route("/products")
@blp.arguments(ProductArgs, location="query")
@blp.response(200, page_schema(ProductOut, "ProductPage"))
def list_products(args: dict[str, Any]) -> dict[str, Any]:
    stmt = products.product_query(
        organization_id=args.get("organization_id"),
        province_id=province_id(args),
        status=args.get("status"),
        q=args.get("q"),
        gtin=args.get("gtin"),
        ocop_stars=args.get("ocop_stars"),
        is_key_product=args.get("is_key_product"),
    )
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/products", methods=["POST"])
@blp.arguments(ProductIn)
@blp.response(201, ProductOut)
def create_product(data: dict[str, Any]) -> Any:
    data.pop("status", None)
    return products.create_product(actor(), data)


@blp.route("/products/<int:product_id>")
@blp.response(200, ProductOut)
def get_product(product_id: int) -> Any:
    return get_or_404(Product, product_id)


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@blp.arguments(ProductIn(partial=True))
@blp.response(200, ProductOut)
def update_product(data: dict[str, Any], product_id: int) -> Any:
    return products.update_product(actor(), product_id, data)


@blp.route("/products/<int:product_id>/withdraw", methods=["POST"])
@blp.arguments(ReasonIn)
@blp.response(200, ProductOut)
def withdraw_product(data: dict[str, Any], product_id: int) -> Any:
    """Withdraw a product: it stays readable and shows as withdrawn."""
    return products.withdraw_product(actor(), product_id, data["reason"])


@blp.route("/products/<int:product_id>/standards")
@blp.response(200, StandardOut(many=True))
def product_standards(product_id: int) -> Any:
    return get_or_404(Product, product_id).standards


@blp.route("/products/<int:product_id>/standards", methods=["POST"])
@blp.arguments(ApplyStandardIn)
@blp.response(201, ProductOut)
def apply_standard(data: dict[str, Any], product_id: int) -> Any:
    return products.apply_standard(actor(), product_id, data["standard_id"])


@blp.route("/products/<int:product_id>/standards/<int:standard_id>", methods=["DELETE"])
@blp.response(204)
def remove_standard(product_id: int, standard_id: int) -> None:
    products.remove_standard(actor(), product_id, standard_id)
