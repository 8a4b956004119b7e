"""Import a bank file by upload (a dry run, then a confirmation) and export banks by download."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Any

from flask import Response, abort, current_app, flash, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, HiddenField, SelectField

from .. import database
from ..bank.export import UnknownSource, yaml_file_name
from ..bank.gift_write import LEFT_OUT_ALWAYS
from ..bank.problems import Problem
from ..downloads import attachment
from ..extensions import db
from ..forms import choices
from ..models import PendingImport
from ..services import uploads
from ..services.transfer import ImportResult, export_gift, export_yaml
from ..wording import counted
from . import bp

FORMAT_CHOICES = [
    ("", "Tell from the file (.yaml, .gift, .aiken; .txt by its content)"),
    ("yaml", "YAML (a quizapp bank)"),
    ("gift", "GIFT (Moodle's text format)"),
    ("aiken", "Aiken"),
]
NEW_SOURCE = ("", "A new source named after the file")
# The services speak in the command line's words; the page names its own controls instead.
_WEB_WORDS = (
    ("give --format", "choose the format"),
    ("--source is for GIFT and Aiken files", "choosing a source is for GIFT and Aiken files"),
    ("--strict:", "refused because skipped questions were not allowed:"),
    ("pass --source ", "choose the source "),
)


class ImportForm(FlaskForm):
    file = FileField("File to import", validators=[FileRequired("Choose a file to import.")])
    format = SelectField("Format", choices=choices(FORMAT_CHOICES), default="")
    source = SelectField("Source for GIFT and Aiken questions", choices=choices([NEW_SOURCE]), default="")
    strict = BooleanField("Refuse the file if any question would be skipped")


class ConfirmImportForm(FlaskForm):
    """The confirmation: the pending import's id is in the form's address, and the digest of the
    text the page showed is sent with it."""

    digest = HiddenField()


def _import_form(**kwargs: Any) -> ImportForm:
    form = ImportForm(**kwargs)
    form.source.choices = choices([NEW_SOURCE, *uploads.source_choices(db.session)])
    return form


MULTIPART_ALLOWANCE = 16 * 1024  # the form's other fields and the multipart framing around the file


def _limit() -> int:
    """The largest file an upload may hold: the import limit, within the request size limit
    (less what the rest of the request takes, so that a file of the size the page states fits)."""
    config = current_app.config
    request_limit = config.get("MAX_CONTENT_LENGTH") or 1 << 62
    return min(config["QUIZAPP_IMPORT_MAX_BYTES"], request_limit - MULTIPART_ALLOWANCE)


def web_problem(problem: Problem) -> Problem:
    """The problem in the page's words rather than the command line's."""
    message = problem.message
    for cli, web in _WEB_WORDS:
        message = message.replace(cli, web)
    return Problem(problem.path, problem.line, problem.where, message, problem.warning)


def _result_page(
    form: ImportForm, result: ImportResult | None, pending: PendingImport | None, status: int = 200
) -> tuple[str, int]:
    if result is not None:
        result.errors = [web_problem(p) for p in result.errors]
    return (
        render_template(
            "teach/import.html",
            form=form,
            result=result,
            pending=pending,
            confirm=ConfirmImportForm(formdata=None, digest=pending.sha256 if pending else ""),
            limit=_limit(),
        ),
        status,
    )


@bp.route("/import", methods=["GET", "POST"])
def import_bank() -> Any:
    form = _import_form()
    if not form.validate_on_submit():
        return _result_page(form, None, None, 422 if form.is_submitted() else 200)
    upload = uploads.Upload(
        filename=form.file.data.filename,
        raw=form.file.data.read(_limit() + 1),
        format=form.format.data or None,
        source=form.source.data or None,
        strict=form.strict.data,
    )
    result, pending = uploads.dry_run(db.session, current_user.id, upload, _limit())
    if result.errors:
        form.file.errors = [
            f"{counted(result.error_count, 'error')} in the file: nothing can be imported. The list is below."
        ]
    return _result_page(form, result, pending, 422 if result.errors else 200)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Any:
    if request.endpoint != "teach.import_bank":
        return render_template("errors/error.html", title="Too large", message=error.description), 413
    form = _import_form(formdata=None)
    form.file.errors = [f"The file is too large: an import may hold at most {_limit():,} bytes."]
    return _result_page(form, None, None, 413)


PENDING_GONE = (
    "This dry run is not kept any more: a dry run is kept for a day, and a new upload of a file of the "
    "same name replaces it. Upload the file again to import it."
)


@bp.get("/import/<int:pending_id>")
def pending_import(pending_id: int) -> Any:
    """An upload's page opened again (a bookmark, a reload, another tab): its dry run, checked
    anew and ready to confirm, or when it was imported."""
    try:
        pending = uploads.pending_import(db.session, pending_id, current_user.id)
    except uploads.PendingNotFound:
        abort(404, description=PENDING_GONE)
    if pending.committed_at is not None:
        return render_template("teach/imported_before.html", pending=pending)
    database.begin_write(db.session)  # a dry run loads into the database and rolls back
    result = uploads.check_pending(db.session, pending)
    return _result_page(_import_form(formdata=None), result, None if result.errors else pending)


@bp.post("/import/<int:pending_id>")
def confirm_import(pending_id: int) -> Any:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = uploads.commit_pending(db.session, pending_id, current_user.id, form.digest.data or "")
    except uploads.PendingNotFound:
        abort(404, description=PENDING_GONE)
    if result is None:
        flash("This file was imported already: it has not been imported again.", "info")
        return _result_page(_import_form(formdata=None), None, None, 409)
    if result.errors:
        flash("The bank changed since the dry run: nothing was imported. The errors are below.", "error")
        return _result_page(_import_form(formdata=None), result, None, 422)
    return render_template("teach/imported.html", result=result)


@bp.get("/export")
def export_bank() -> str:
    gift = export_gift(db.session)
    return render_template(
        "teach/export.html",
        sources=uploads.source_choices(db.session),
        gift=gift,
        left_out_always=LEFT_OUT_ALWAYS,
    )


@bp.get("/export/yaml")
def export_yaml_file() -> Response:
    source = request.args.get("source") or None
    try:
        files = export_yaml(db.session, source)
    except UnknownSource:
        abort(404)
    if not files:
        abort(404, "The database holds no bank to export.")
    if len(files) == 1:
        [(name, text)] = files
        return attachment(text.encode(), "application/yaml", yaml_file_name(name))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for name, text in files:
            archive.writestr(_unused(yaml_file_name(name), used), text)
    return attachment(buffer.getvalue(), "application/zip", f"quizapp-{source or 'banks'}.zip")


@bp.get("/export/gift")
def export_gift_file() -> Response:
    source = request.args.get("source") or None
    try:
        export = export_gift(db.session, source)
    except UnknownSource:
        abort(404)
    return attachment(export.text.encode(), "text/plain", f"{source or 'quizapp'}.gift")


def _unused(name: str, used: set[str]) -> str:
    """`name`, or `name-2`, `name-3`... when two sources hold files of the same name."""
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    number, candidate = 1, name
    while candidate in used:
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    used.add(candidate)
    return candidate
