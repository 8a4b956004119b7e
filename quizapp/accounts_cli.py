"""`quizapp user ...`: make accounts, set roles and reset forgotten passwords from the command line;
`quizapp prune-guests`: erase guests unused for a long time."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn

import click
from flask.cli import with_appcontext

from .extensions import db
from .models import ROLES, User, utcnow
from .services import guests
from .services.accounts import AccountError, find_user, register, reset_password, set_role
from .wording import counted


def _stdin_is_a_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password(from_stdin: bool) -> str:
    """Ask twice at a terminal; otherwise read one line from standard input (for scripts)."""
    if from_stdin or not _stdin_is_a_terminal():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group("user")
def user_group() -> None:
    """Manage accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="student", show_default=True)
@click.option("--email", default=None, help="An email address for the account (optional).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_command(username: str, role: str, email: str | None, password_stdin: bool) -> None:
    """Make an account; the password is asked for at the terminal (twice) or read from stdin."""
    password = _read_password(password_stdin)
    try:
        user = register(db.session, username=username, password=password, email=email, role=role)
    except AccountError as error:
        _fail(f"{error.field}: {error.message}")
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")


def _change(username: str, change: Callable[[User], None], done: str) -> None:
    """Apply `change` to the account named `username` and commit, or say why not and exit 1."""
    user = find_user(db.session, username)
    if user is None:
        _fail(f"there is no account named {username!r}")
    try:
        change(user)
    except AccountError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(done.format(name=user.username))


@user_group.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def role_command(username: str, role: str) -> None:
    """Give an account a role: student, teacher or admin."""
    _change(username, lambda user: set_role(db.session, user, role), f"{{name}} is now {role}")


@user_group.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@with_appcontext
def password_command(username: str, password_stdin: bool) -> None:
    """Set a new password for an account whose owner forgot it; every session of it ends."""
    _change(
        username,
        lambda user: reset_password(db.session, user, _read_password(password_stdin)),
        "{name} has a new password; their other sessions are signed out",
    )


@click.command("prune-guests")
@click.option(
    "--inactive-days",
    type=click.IntRange(min=1),
    default=180,
    show_default=True,
    help="Erase guests with nothing done in this many days.",
)
@click.option("--dry-run", is_flag=True, help="Say how many would go; erase nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before erasing (for scheduled runs).")
@with_appcontext
def prune_guests_command(inactive_days: int, dry_run: bool, yes: bool) -> None:
    """Erase guests (visitors without an account) unused for a long time, with everything they did.

    A guest lives in one browser's cookie: once that browser is gone, nobody can reach its work.
    """
    cutoff = utcnow() - timedelta(days=inactive_days)
    ids = guests.inactive_guests(db.session, cutoff)
    attempts = guests.attempts_of(db.session, ids)
    db.session.rollback()
    click.echo(
        f"{counted(len(ids), 'guest')} with nothing done since {cutoff:%Y-%m-%d %H:%M} UTC, "
        f"holding {counted(attempts, 'attempt')}."
    )
    if not ids or dry_run:
        click.echo("Nothing erased." if ids else "Nothing to erase.")
        return
    if not yes and not click.confirm("Erase them and everything they did?", default=False):
        click.echo("Nothing erased.")
        return
    total = len(ids)

    def report(done: int) -> None:
        if total > guests.BATCH:  # long work says how far it got
            click.echo(f"  {done} of {total} erased", err=True)

    guests.prune(db.session, ids, progress=report)
    click.echo(f"{counted(total, 'guest')} erased.")
