"""Password rules and hashing: one source of truth for the web forms and the CLI."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from .config import DEFAULT_PASSWORD_HASH

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords, lower-cased."""
    text = resources.files("quizapp").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why `password` is refused, in words for the person choosing it; None when it is acceptable.

    The rules apply to the password as it is kept (normalised): "password" typed in full-width
    letters is "password".
    """
    password = _normalised(password)
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if not password.strip():
        return "Use something other than spaces alone."
    if password.lower() in common_passwords():
        return "This is one of the most common passwords, which attackers try first. Choose another."
    if username and password.lower() == username.lower():
        return "Do not use your username as your password."
    return None


def _method() -> str:
    """The app's hash method (Werkzeug's scrypt by default; see config.py)."""
    return current_app.config["QUIZAPP_PASSWORD_HASH"] if has_app_context() else DEFAULT_PASSWORD_HASH


def _normalised(password: str) -> str:
    """The password in Unicode's NFKC form, as NIST SP 800-63B advises: "é" typed as one character
    or as e and an accent is the same password."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """A slow, salted hash (Werkzeug's default: scrypt) of the normalised password."""
    return generate_password_hash(_normalised(password), method=_method())


@cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash("a password that no account has", method=method)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; as slow without an account as with one, so timing tells nothing."""
    if not stored_hash:
        check_password_hash(_stand_in_hash(_method()), password)
        return False
    normalised = _normalised(password)
    if check_password_hash(stored_hash, normalised):
        return True
    # Hashes made before passwords were normalised hold the password as it was typed.
    return normalised != password and check_password_hash(stored_hash, password)
