"""`quizapp import` and `quizapp export`: thin click wrappers over services/transfer.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from .bank.export import UnknownSource, yaml_file_name
from .bank.gift_write import LEFT_OUT_ALWAYS
from .bank.problems import Problem
from .extensions import db
from .services.transfer import FORMATS, ImportResult, export_gift, export_yaml, import_file
from .wording import counted


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _line(problem: Problem) -> str:
    return f"{problem.path}:{problem.line}: {problem.where}: {problem.message}"


def _print_result(result: ImportResult, dry_run: bool) -> None:
    kind = (result.format or "?").upper() if result.format != "yaml" else "YAML"
    click.echo(
        f"{result.path}: {kind}, {counted(result.questions, 'question')} to import, "
        f"{result.skipped_questions} skipped"
    )
    for problem in result.skipped:
        click.echo(f"skipped {_line(problem)}")
    for problem in result.notes:
        click.echo(f"note {_line(problem)}")
    if result.drafts:
        click.echo(f"{counted(len(result.drafts), 'drafted fact')} to review (marked draft: true):")
        for fact in result.drafts:
            click.echo(f"  {fact['id']}: {' / '.join(fact['statement'].splitlines())}")
    if result.report is not None:
        for line in result.report.lines():
            click.echo(line)
        for conflict in result.report.conflicts:
            click.echo(conflict.line())
        if dry_run:
            click.echo("dry run: nothing was written")
        elif not result.report.changed_anything:
            click.echo("nothing changed: the database already holds this file")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file's extension.")
@click.option("--source", "source_id", help="Add the questions to this existing source.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--strict", is_flag=True, help="Refuse the file if any question would be skipped.")
@click.option("--overwrite", is_flag=True, help="Replace records edited in the browser with the file's.")
@with_appcontext
def import_command(
    file: Path, fmt: str | None, source_id: str | None, dry_run: bool, strict: bool, overwrite: bool
) -> None:
    """Import a YAML, GIFT or Aiken file as a bank: all of it or nothing."""
    from .cli import upgrade_database

    upgrade_database()
    try:
        result = import_file(
            db.session,
            file,
            shown=_shown(file),
            fmt=fmt,
            source_id=source_id,
            dry_run=dry_run,
            strict=strict,
            overwrite=overwrite,
            max_bytes=current_app.config["QUIZAPP_IMPORT_MAX_BYTES"],
        )
    except SQLAlchemyError as error:
        click.echo(f"database error: {getattr(error, 'orig', None) or error}", err=True)
        click.echo("nothing imported: the database is as it was", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: nothing imported, the database is as it was", err=True)
        sys.exit(130)
    _print_result(result, dry_run)
    if result.errors:
        for problem in result.errors:
            click.echo(_line(problem), err=True)
        if result.more_errors:
            click.echo(f"... and {counted(result.more_errors, 'more error')}, not listed", err=True)
        click.echo(
            f"nothing imported: {counted(result.error_count, 'error')} in {result.path}; "
            "the database is as it was",
            err=True,
        )
        sys.exit(1)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "gift"]), default="yaml", show_default=True)
@click.option("--source", "source_id", help="Export this source only.")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="A file, or a folder (one YAML file per bank file, named as loaded). Default: standard output.",
)
@with_appcontext
def export_command(fmt: str, source_id: str | None, output: str | None) -> None:
    """Export the banks in the database as YAML (reloads to the same rows) or GIFT (for Moodle)."""
    folder = output is not None and (output.endswith(("/", "\\")) or Path(output).is_dir())
    target = Path(output) if output is not None else None
    try:
        if fmt == "yaml":
            _export_yaml(source_id, target, folder)
        else:
            _export_gift(source_id, target, folder)
    except UnknownSource as error:
        click.echo(f"no source {error.args[0]!r} in the database", err=True)
        sys.exit(1)


def _export_yaml(source_id: str | None, output: Path | None, folder: bool) -> None:
    files = export_yaml(db.session, source_id)
    if not files:
        click.echo("nothing to export: the database holds no bank", err=True)
        sys.exit(1)
    if output is not None and folder:
        output.mkdir(parents=True, exist_ok=True)
        for name, text in files:
            target = output / yaml_file_name(name)
            target.write_text(text, encoding="utf-8")
            click.echo(f"wrote {target}")
        return
    if len(files) > 1:
        names = ", ".join(name for name, _ in files)
        click.echo(f"the export is {len(files)} bank files ({names}): give -o FOLDER", err=True)
        sys.exit(1)
    [(_name, text)] = files
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


def _export_gift(source_id: str | None, output: Path | None, folder: bool) -> None:
    export = export_gift(db.session, source_id)
    if output is not None and folder:
        output.mkdir(parents=True, exist_ok=True)
        output = output / f"{source_id or 'quizapp'}.gift"
    if output is None:
        click.echo(export.text, nl=False)
    else:
        output.write_text(export.text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    for line in export.left_out:
        click.echo(f"not exported: {line}", err=True)
    for line in export.partly:
        click.echo(f"partly exported: {line}", err=True)
    click.echo(f"note: {LEFT_OUT_ALWAYS}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
