"""Accounts: register, authenticate, change a password or a role, end every session of a user.

Plain values in, plain values or User rows out; functions only flush (the caller commits).
The web forms and the CLI share these rules.
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ROLES, User, new_session_token
from ..passwords import hash_password, password_problem, verify_password

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")
USERNAME_RULE = (
    "Use 3 to 40 letters a-z (without accents), digits, dots, dashes or underscores, starting with a "
    "letter or digit."
)

# Names that would pass for the site speaking: refused when registering in the browser (the
# command line, run by whoever runs the site, may still use them).
RESERVED_USERNAMES = frozenset({
    "admin", "administrator", "root", "system", "sysadmin", "webmaster", "postmaster", "hostmaster",
    "support", "help", "helpdesk", "security", "abuse", "staff", "teacher", "moderator", "owner",
    "official", "quizapp", "guest", "anonymous", "null", "none",
})  # fmt: skip
RESERVED_RULE = "That name is kept for the site itself: choose another."


class AccountError(Exception):
    """A request the account cannot take: `field` names the form field the message belongs beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_username(name: str) -> str:
    """Usernames are compared without regard to case or Unicode presentation forms."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def username_problem(name: str) -> str | None:
    return None if USERNAME.fullmatch(normalise_username(name)) else USERNAME_RULE


def reserved_username(name: str) -> bool:
    """One of the reserved words, in any case ("Admin")."""
    return normalise_username(name) in RESERVED_USERNAMES


def find_user(session: Session, username: str) -> User | None:
    """The account named `username` (guests have no name)."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def register(
    session: Session,
    *,
    username: str,
    password: str,
    email: str | None = None,
    role: str = "student",
    guest_id: int | None = None,
) -> User:
    """Make an account; a guest's own row becomes the account, so all it did stays with it."""
    name = normalise_username(username)
    email = (email or "").strip().lower() or None
    if problem := username_problem(name):
        raise AccountError("username", problem)
    if problem := password_problem(password, name):
        raise AccountError("password", problem)
    if role not in ROLES:
        raise AccountError("role", f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if email and not _is_email(email):  # the form checks it too; the command line only here
        raise AccountError("email", "Enter an email address such as name@example.org.")
    if find_user(session, name) is not None:
        raise AccountError("username", "This username is taken. Choose another.")
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("email", "An account with this email address exists already.")
    user = session.get(User, guest_id) if guest_id is not None else None
    if user is None or not user.is_guest:
        user = User()
        session.add(user)
    user.username, user.email, user.role, user.is_guest = name, email, role, False
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()  # whatever session knew the guest must sign in afresh
    session.flush()
    return user


def _is_email(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The account if the password is right; None otherwise (taking as long either way)."""
    user = find_user(session, username)
    if user is None or user.is_guest:
        verify_password(None, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def end_sessions(session: Session, user: User) -> None:
    """A new session token: every session and remember-me cookie issued so far stops working."""
    user.session_token = new_session_token()
    session.flush()


def reset_password(session: Session, user: User, new: str) -> None:
    """Set a new password without the current one (an admin's reset for a user who forgot it) and
    end every session of the account."""
    if user.is_guest:
        raise AccountError("username", "A guest has no password to reset.")
    if problem := password_problem(new, user.username):
        raise AccountError("password", problem)
    user.password_hash = hash_password(new)
    end_sessions(session, user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Set a new password (the current one is asked for) and end every other session."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current_password", "This is not your current password.")
    if new == current:
        raise AccountError("new_password", "This is your current password: choose a new one.")
    if problem := password_problem(new, user.username):
        raise AccountError("new_password", problem)
    user.password_hash = hash_password(new)
    end_sessions(session, user)


def only_admin(session: Session, user: User) -> bool:
    """Whether `user` is the last admin: someone must stay to manage roles."""
    if user.role != "admin":
        return False
    return session.scalar(select(func.count()).select_from(User).where(User.role == "admin")) <= 1


def set_role(session: Session, user: User, role: str) -> None:
    """Give `user` the role; the last admin cannot stop being one (someone must manage roles)."""
    if role not in ROLES:
        raise AccountError("role", f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if user.is_guest:
        raise AccountError("role", "A guest has no account to give a role to.")
    if role != "admin" and only_admin(session, user):
        raise AccountError("role", f"{user.username} is the only admin; make another admin first.")
    user.role = role
    session.flush()
