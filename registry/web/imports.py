"""The bulk-import upload page: choose a kind, upload CSV/XLSX, optionally a dry run, see counts or every bad row.

The import runs synchronously inside the request, but the page is streamed: the form and a
"checking…" line go out at once, a progress line follows every few thousand rows, and the result
(counts, or the table of bad rows) closes the page. No script is needed: later progress lines are
drawn over earlier ones with CSS. The service does the authorisation per row, as for the API.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_template
from flask_babel import force_locale
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from registry.errors import FieldError, InvalidInput, RegistryError
from registry.extensions import csrf
from registry.messages import render_rule
from registry.services import imports, uploads

from .i18n import select_locale
from .producer import LABELS as FIELD_LABELS

bp = Blueprint("import_page", __name__, template_folder="templates")

# The kinds each role may import; the service still checks every row (own organisation, province, body).
KINDS_BY_ROLE: dict[str, tuple[str, ...]] = {
    "admin": ("organizations", "products", "standards", "certificates", "support-activities"),
    "dost_officer": ("organizations", "products", "standards", "certificates", "support-activities"),
    "body_staff": ("certificates",),
    "producer": ("products", "standards", "certificates"),
}
KIND_LABELS = {
    "organizations": _lp("kind_labels", "Tổ chức (chủ thể sản xuất)"),
    "products": _lp("kind_labels", "Sản phẩm"),
    "standards": _lp("kind_labels", "Tiêu chuẩn"),
    "certificates": _lp("kind_labels", "Chứng nhận"),
    "support-activities": _lp("kind_labels", "Hoạt động hỗ trợ"),
}
PROGRESS_SECONDS = 0.5  # at most two progress lines a second


def _lang() -> str:
    return "en" if select_locale() == "en" else "vi"


def _allowed_kinds() -> tuple[str, ...]:
    kinds = KINDS_BY_ROLE.get(current_user.role)
    if not kinds:
        abort(403)
    return kinds


@dataclass
class _Outcome:
    """The import as the streamed template consumes it: `steps()` runs it, then the fields say how it ended."""

    kind: str
    stream: IO[bytes]
    dry_run: bool
    lang: str
    limits: uploads.UploadLimits
    result: imports.ImportResult | None = None
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    bad_row_count: int = 0
    file_errors: list[str] = field(default_factory=list)
    rows_seen: int = 0

    def _message(self, error: imports.RowError) -> str:
        """The rule in the page's language, naming the field as the forms do ("Mã GTIN (mã vạch)", not "gtin")."""
        name = error.field
        entry = FIELD_LABELS.get(error.field)
        if entry is not None:
            with force_locale(self.lang):
                name = str(entry)
        return render_rule(error.rule, self.lang, name, error.params)

    def steps(self) -> Iterator[tuple[int, int | None]]:
        last = 0.0
        gen = imports.import_steps(
            current_user._get_current_object(), self.kind, self.stream, dry_run=self.dry_run, limits=self.limits
        )
        try:
            while True:
                try:
                    done, total = next(gen)
                except StopIteration as stop:
                    self.result = stop.value
                    self.rows_seen = self.result.rows if self.result else self.rows_seen
                    return
                self.rows_seen = done
                if time.monotonic() - last >= PROGRESS_SECONDS:
                    last = time.monotonic()
                    yield done, total
        except imports.ImportRejected as err:
            self.bad_row_count = len({e.row for e in err.rows})
            self.bad_rows = [
                {"row": e.row, "field": e.field, "rule": e.rule, "message": self._message(e)} for e in err.rows
            ]
        except InvalidInput as err:
            self.file_errors = [render_rule(e.rule, self.lang, e.field, e.params) for e in err.errors]
        except RegistryError as err:  # Forbidden, Unauthorized: nothing was written
            self.file_errors = [render_rule(err.rule, self.lang, "file", {})]
        finally:
            self.stream.close()


def _form(kinds: tuple[str, ...], errors: dict[str, list[str]], values: dict[str, Any], status: int) -> Any:
    page = render_template("imports/upload.html", kinds=kinds, kind_labels=KIND_LABELS, errors=errors, values=values)
    return page, status


@bp.get("/imports")
@login_required
def upload_form() -> Any:
    kinds = _allowed_kinds()
    chosen = request.args.get("kind")
    return _form(kinds, {}, {"kind": chosen if chosen in kinds else kinds[0], "dry_run": True}, 200)


@bp.post("/imports")
@csrf.exempt  # checked below, once the body may be as large as an import: the site-wide check reads it first
@login_required
def upload() -> Any:
    kinds = _allowed_kinds()
    lang = _lang()
    limits = uploads.UploadLimits.from_config(current_app.config)
    request.max_content_length = limits.file_bytes + 64 * 1024  # as the API: room for the multipart envelope
    try:
        csrf.protect()
    except RequestEntityTooLarge:
        error = uploads.file_size_error(limits.file_bytes).errors[0]
        values = {"kind": "", "dry_run": True}
        return _form(kinds, {"file": [render_rule(error.rule, lang, None, error.params)]}, values, 413)
    kind = request.form.get("kind", "")
    dry_run = request.form.get("dry_run") == "1"
    values = {"kind": kind, "dry_run": dry_run}
    errors: dict[str, list[str]] = {}
    if kind not in kinds:
        errors["kind"] = [render_rule("enum", lang, None, {"choices": list(kinds)})]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = [render_rule("required", lang, None, {})]
    if errors:
        return _form(kinds, errors, values, 422)
    assert upload is not None
    limit = limits.file_bytes
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (closed by _Outcome.steps)
    shutil.copyfileobj(upload.stream, spool, 1 << 20)
    size = spool.tell()
    spool.seek(0)
    problem: FieldError | None = None
    if size == 0:
        problem = FieldError("file", "file_empty")
    elif size > limit:
        problem = uploads.file_size_error(limit).errors[0]
    elif imports.detect_format(spool.read(8192)) is None:
        problem = FieldError("file", "file_type", {"expected": "CSV (UTF-8), XLSX"})
    spool.seek(0)
    if problem is not None:
        spool.close()
        errors["file"] = [render_rule(problem.rule, lang, None, problem.params)]
        return _form(kinds, errors, values, 413 if problem.rule == "file_size" else 422)
    outcome = _Outcome(kind, spool, dry_run, lang, limits)
    body = stream_template(
        "imports/upload.html",
        kinds=kinds,
        kind_labels=KIND_LABELS,
        errors={},
        values=values,
        outcome=outcome,
        filename=upload.filename,
    )
    response = Response(body, mimetype="text/html")  # stream_template keeps the request context
    response.headers["X-Accel-Buffering"] = "no"  # let nginx pass the progress lines on as they come
    response.headers["Cache-Control"] = "no-store"
    return response
