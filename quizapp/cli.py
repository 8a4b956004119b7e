"""Command-line interface: thin click wrappers over the bank and service modules."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from . import transfer_cli
from .bank import BankError, check_paths
from .config import PACKAGE_DIR
from .extensions import db
from .services.banks import has_questions, load_paths
from .wording import counted


def _paths(given: tuple[Path, ...]) -> list[Path]:
    return list(given) or [Path(current_app.config["QUIZAPP_BANKS"])]


def _print_summary(summary: dict) -> None:
    by_type = ", ".join(f"{n} {t}" for t, n in summary["questions_by_type"].items() if n)
    click.echo(
        f"{counted(summary['files'], 'file')}, {counted(summary['facts'], 'fact')}, "
        f"{counted(summary['topics'], 'topic')}, "
        f"{counted(summary['questions'], 'question')} ({by_type or 'none'}), "
        f"{counted(summary['quizzes'], 'quiz')}; "
        f"{summary['facts_covered']} of {counted(summary['facts'], 'fact')} covered by a question; "
        f"{counted(summary['errors'], 'error')}, {counted(summary['warnings'], 'warning')}"
    )


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--json", "as_json", is_flag=True, help="Print errors, warnings and summary as JSON.")
@with_appcontext
def check_command(paths: tuple[Path, ...], strict: bool, as_json: bool) -> None:
    """Validate bank files (default: the configured banks folder); touches no database."""
    bank = check_paths(_paths(paths))
    failed = not bank.ok(strict)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not failed,
                    "errors": [p.as_dict() for p in bank.errors],
                    "warnings": [p.as_dict() for p in bank.warnings],
                    "summary": bank.summary(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for problem in bank.problems:
            click.echo(str(problem))
        _print_summary(bank.summary())
    sys.exit(1 if failed else 0)


@click.command("load")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Refuse banks that have warnings too.")
@click.option(
    "--overwrite", is_flag=True, help="Replace records edited in the browser with the files' versions."
)
@with_appcontext
def load_command(paths: tuple[Path, ...], strict: bool, overwrite: bool) -> None:
    """Check bank files and load them into the database, all or nothing."""
    upgrade_database()
    try:
        bank, report = load_paths(db.session, _paths(paths), strict=strict, overwrite=overwrite)
    except BankError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"nothing loaded: {counted(len(error.problems), 'problem')} in the bank files", err=True)
        sys.exit(1)
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        click.echo(f"database error: {reason}", err=True)
        click.echo("nothing loaded: the database is as it was", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: nothing loaded, the database is as it was", err=True)
        sys.exit(130)
    for warning in bank.warnings:  # loaded all the same (--strict refuses them), as `check` says
        click.echo(str(warning), err=True)
    for line in report.lines():
        click.echo(line)
    for conflict in report.conflicts:
        click.echo(conflict.line())
    for note in report.notes:
        click.echo(note)
    if not report.changed_anything and not report.conflicts:
        click.echo("nothing changed: the database already holds these banks")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def serve_command(host: str, port: int, workers: int) -> None:
    """Upgrade the database, load the banks if it holds none, and serve with gunicorn."""
    upgrade_database()
    if not has_questions(db.session):
        click.echo(f"loading the question banks from {current_app.config['QUIZAPP_BANKS']}")
        try:
            _bank, report = load_paths(db.session, _paths(()))
        except BankError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            sys.exit(1)
        for line in report.lines():
            click.echo(line)
    db.session.remove()
    db.engine.dispose()
    click.echo(f"serving quizapp on http://{host}:{port}/")
    # The workers must run this very package on this very database, even when the current
    # folder holds another copy of the package (a checkout) that Python would import first.
    engine_url = db.engine.url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "QUIZAPP_INSTANCE": current_app.instance_path,
        "DATABASE_URL": engine_url,
        "QUIZAPP_BANKS": current_app.config["QUIZAPP_BANKS"],
    }
    os.execve(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--pythonpath",
            str(PACKAGE_DIR.parent),
            "--workers",
            str(workers),
            "--bind",
            f"{host}:{port}",
            "--access-logfile",
            "-",
            # Forwarded headers are the app's to trust (QUIZAPP_PROXY_HOPS), not gunicorn's: by
            # default it takes X-Forwarded-Proto from any local process, making plain http "secure".
            "--forwarded-allow-ips=",
            "quizapp.wsgi:app",
        ],
        env,
    )


@click.command("close-overdue")
@with_appcontext
def close_overdue_command() -> None:
    """Close open exam attempts past their deadline, at their deadline, with what was saved."""
    from .services.answering import close_overdue

    closed = close_overdue(db.session)
    db.session.commit()
    click.echo(f"{counted(closed, 'overdue attempt')} closed")


MIGRATION_LOCK_ID = 0x51554D47  # PostgreSQL advisory lock held while the schema is upgraded


def upgrade_database() -> None:
    """Bring the schema to the newest migration (quietly; it is idempotent).

    Servers started together on one database (a deploy) each upgrade it: on PostgreSQL they take
    turns under an advisory lock, and the later ones find nothing left to do. Without it the
    second failed creating the table of revisions the first was creating.
    """
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    if db.engine.dialect.name != "postgresql":
        upgrade()  # SQLite: one machine; its writers wait for each other (busy timeout)
        return
    with db.engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        lock.commit()  # the lock is the session's: it outlives the transaction, until unlocked
        try:
            upgrade()
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            lock.commit()


def init_app(app: Flask) -> None:
    from .accounts_cli import prune_guests_command, user_group

    commands = (
        check_command,
        load_command,
        serve_command,
        close_overdue_command,
        user_group,
        prune_guests_command,
    )
    for command in commands:
        app.cli.add_command(command)
    transfer_cli.init_app(app)


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigError

    try:
        return create_app()
    except ConfigError as error:  # one line that says what to change, not a traceback
        raise click.ClickException(str(error)) from None
    except ArgumentError as error:
        raise click.ClickException(f"DATABASE_URL is not a database address: {error}") from None


class _Commands(FlaskGroup):
    """The commands, each ending in one line when the database cannot be reached or written.

    Flask-Limiter's `limiter` commands, which installed packages add to every Flask command line,
    are left out: they need an extra we do not install, and sign-in limits lift by themselves.
    """

    HIDDEN = frozenset({"limiter"})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in super().list_commands(ctx) if name not in self.HIDDEN]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return None if name in self.HIDDEN else super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise click.ClickException(f"database error: {reason}") from None


@click.group(cls=_Commands, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """quizapp: quizzes written from documented facts."""
