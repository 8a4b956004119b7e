"""Browsers known to an account: those that have signed in to it before ("device cookies").

Failed sign-ins are limited per account and per address (quizapp/auth.py). On their own those
limits let anyone who knows a username keep its owner out (five wrong passwords every quarter
of an hour), and thirty failures from a school's one address keep out the whole school. A
browser that has signed in to an account before holds a signed cookie saying so: its sign-ins
to that account count against a limit of their own (per account and browser) and not against
the address's, so an attacker's failures elsewhere never lock it out. This is the defence
OWASP describes for account lockout by others.

The cookie names an account by a keyed digest of its id and password hash: only a browser that
gave the current password holds one, and a new password (changed, or reset by an admin) makes
every browser unknown to the account again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response

from .database import reads
from .extensions import db
from .models import User
from .services.accounts import normalise_username

COOKIE = "quizapp_device"
SALT = "quizapp-known-device"
MAX_ACCOUNTS = 10  # the latest accounts this browser signed in to
MAX_AGE = 400 * 24 * 3600  # browsers keep a cookie at most about that long


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def account_digest(username: str) -> str:
    """What stands for an account in the limiter's keys: never the name typed itself."""
    return hashlib.sha256(normalise_username(username).encode()).hexdigest()[:32]


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), str)
        or not isinstance(data.get("accounts"), list)
    ):
        return None
    return data


def _account_mark(user_id: int, password_hash: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"{user_id}:{password_hash}".encode(), hashlib.sha256).hexdigest()[:32]


def known_device(username: str) -> str | None:
    """This browser's id when it has signed in to the account named `username` with its current
    password before; else None (read once per request)."""
    if "known_device" not in g:
        g.known_device = _known_device(username)
    return g.known_device


def _known_device(username: str) -> str | None:
    data = _read()
    if data is None:
        return None
    # On the request's read-only connection: a POST's session would take SQLite's write lock,
    # which the limiter, writing its counters on a connection of its own, then waits for.
    with reads(db.engine) as connection:
        account = connection.execute(
            select(User.id, User.password_hash).where(User.username == normalise_username(username))
        ).first()
    if account is None or not account.password_hash:
        return None
    return data["id"] if _account_mark(*account) in data["accounts"] else None


def remember_device(response: Response, user: User) -> None:
    """Mark this browser as one that signed in to `user`'s account (on `response`)."""
    data = _read() or {"id": secrets.token_urlsafe(16), "accounts": []}
    mark = _account_mark(user.id, user.password_hash)
    others = [a for a in data["accounts"] if a != mark]
    accounts = [*others[-(MAX_ACCOUNTS - 1) :], mark]
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"id": data["id"], "accounts": accounts}),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
