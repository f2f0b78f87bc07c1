"""Bulk import of CSV and XLSX files: POST /api/v1/imports/{kind}."""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from flask import Response, current_app, json, request
from werkzeug.exceptions import RequestEntityTooLarge

from registry.errors import FieldError, InvalidInput
from registry.messages import render_rule
from registry.schemas.fields import Bool, QuerySchema
from registry.services import imports, uploads

from .blueprint import Blueprint
from .common import actor
from .openapi import ImportResultOut
from .problems import problem, request_language

blp = Blueprint("imports", __name__, url_prefix="/api/v1", description="Bulk import")


class ImportArgs(QuerySchema):
    dry_run = Bool(load_default=False)


def _rejected(err: imports.ImportRejected) -> Response:
    lang = request_language()
    errors = [
        {"row": e.row, "field": e.field, "rule": e.rule, "message": render_rule(e.rule, lang, e.field, e.params)}
        for e in err.rows
    ]
    bad = len({e.row for e in err.rows})
    detail = (
        f"{bad} dòng có lỗi; không dòng nào được nhập." if lang == "vi" else f"{bad} bad row(s); nothing was imported."
    )
    response = problem(422, "invalid_input", detail=detail)
    body = json.loads(response.get_data())
    body["errors"] = errors  # problem() takes FieldErrors; these carry the row number too
    response.set_data(json.dumps(body, ensure_ascii=False))
    return response


@blp.route("/imports/<string:kind>", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.doc(
    requestBody={
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            }
        }
    },
    responses={"422": {"description": "Every bad row with its number, field, rule and message; nothing imported"}},
)
@blp.alt_response(200, schema=ImportResultOut, description="Dry run: the rows checked", success=True)
@blp.alt_response(201, schema=ImportResultOut, description="Imported: the records created", success=True)
def import_records(args: dict[str, Any], kind: str) -> Any:
    """Import a CSV (UTF-8) or XLSX file of organizations, products, standards, certificates or support-activities.

    All rows or none: one bad row imports nothing. `?dry_run=true` checks and counts without writing.
    """
    who = actor()
    imports.spec_for(kind)
    limits = uploads.UploadLimits.from_config(current_app.config)
    limit = limits.file_bytes
    request.max_content_length = limit + 64 * 1024  # room for the multipart envelope
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge as err:
        raise uploads.file_size_error(limit) from err
    if upload is None:
        raise InvalidInput.one("file", "required")
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        shutil.copyfileobj(upload.stream, spool, 1 << 20)
        size = spool.tell()
        if size == 0:
            raise InvalidInput([FieldError("file", "file_empty")])
        if size > limit:
            raise uploads.file_size_error(limit)
        spool.seek(0)
        if imports.detect_format(spool.read(8192)) is None:
            raise InvalidInput([FieldError("file", "file_type", {"expected": "CSV (UTF-8), XLSX"})])
        spool.seek(0)
        try:
            result = imports.import_file(who, kind, spool, dry_run=args["dry_run"], limits=limits)  # type: ignore[arg-type]
        except imports.ImportRejected as err:
            return _rejected(err)
    body = {
        "kind": result.kind,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "created": {result.kind: result.created},
    }
    return body, 200 if result.dry_run else 201
