"""Standards and their documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, request, send_file
from werkzeug.exceptions import RequestEntityTooLarge

from registry.errors import InvalidInput, NotFound
from registry.models import Standard
from registry.schemas.resources import StandardArgs, StandardIn, StandardOut, page_schema
from registry.services import standards, uploads
from registry.services.common import get_or_404, paginate

from .blueprint import Blueprint
from .common import actor, envelope, province_id

blp = Blueprint("standards", __name__, url_prefix="/api/v1", description="Standards (TCCS, TCVN, QCVN, ISO, ...)")


def document_store() -> Path:
    return Path(current_app.instance_path) / "documents"


@blp.route("/standards")
@blp.arguments(StandardArgs, location="query")
@blp.response(200, page_schema(StandardOut, "StandardPage"))
def list_standards(args: dict[str, Any]) -> dict[str, Any]:
    stmt = standards.standard_query(
        args.get("kind"), args.get("organization_id"), province_id(args), args.get("q"), args.get("year")
    )
    return envelope(paginate(stmt, args["page"], args["per_page"]))


@blp.route("/standards", methods=["POST"])
@blp.arguments(StandardIn)
@blp.response(201, StandardOut)
def create_standard(data: dict[str, Any]) -> Any:
    return standards.create_standard(actor(), data)


@blp.route("/standards/<int:standard_id>")
@blp.response(200, StandardOut)
def get_standard(standard_id: int) -> Any:
    return get_or_404(Standard, standard_id)


@blp.route("/standards/<int:standard_id>", methods=["PATCH"])
@blp.arguments(StandardIn(partial=True))
@blp.response(200, StandardOut)
def update_standard(data: dict[str, Any], standard_id: int) -> Any:
    return standards.update_standard(actor(), standard_id, data)


@blp.route("/standards/<int:standard_id>/document", methods=["PUT"])
@blp.response(200, StandardOut)
@blp.doc(
    requestBody={
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"document": {"type": "string", "format": "binary"}}}
            },
        }
    }
)
def upload_document(standard_id: int) -> Any:
    """Upload the standard's PDF (raw application/pdf body, or multipart field `document`)."""
    who = actor()
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    request.max_content_length = limit + 64 * 1024  # room for a multipart envelope
    try:
        upload = request.files.get("document")
        if upload is not None:
            content = upload.read(limit + 1)
        elif request.mimetype == "application/pdf":
            content = request.get_data()
        else:
            raise InvalidInput.one("document", "file_type", expected="PDF")
    except RequestEntityTooLarge as err:
        raise uploads.file_size_error(limit, "document") from err
    return standards.attach_document(
        who, standard_id, content, document_store(), current_app.config["DOCUMENT_MAX_BYTES"]
    )


@blp.route("/standards/<int:standard_id>/document")
@blp.response(200, content_type="application/pdf")
def get_document(standard_id: int) -> Any:
    standard = get_or_404(Standard, standard_id)
    if not standard.document_path:
        raise NotFound()
    name = standard.code.replace("/", "-").replace(" ", "_") + ".pdf"
    return send_file(
        document_store() / standard.document_path, mimetype="application/pdf", download_name=name, max_age=86400
    )
