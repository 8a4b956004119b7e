"""Browsers known to an account: those that have signed in to it before ("device cookies").

Failed sign-ins are limited per account and per address (quizapp/auth.py). On their own those
limits let anyone who knows a username keep its owner out (five wrong passwords every quarter
of an hour), and thirty failures from a school's one address keep out the whole school. A
browser that has signed in to an account before holds a signed cookie saying so: its sign-ins
to that account count against a limit of their own (per account and browser) and not against
the address's, so an attacker's failures elsewhere never lock it out. This is the defence
OWASP describes for account lockout by others.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from .services.accounts import normalise_username

COOKIE = "quizapp_device"
SALT = "quizapp-known-device"
MAX_ACCOUNTS = 10  # the latest accounts this browser signed in to
MAX_AGE = 400 * 24 * 3600  # browsers keep a cookie at most about that long


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def account_digest(username: str) -> str:
    """What stands for an account in keys and cookies: never the name typed itself."""
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


def known_device(username: str) -> str | None:
    """This browser's id when it has signed in to the account named `username` before; else None."""
    data = _read()
    if data is None or account_digest(username) not in data["accounts"]:
        return None
    return data["id"]


def remember_device(response: Response, username: str) -> None:
    """Mark this browser as one that signed in to the account (on `response`)."""
    data = _read() or {"id": secrets.token_urlsafe(16), "accounts": []}
    digest = account_digest(username)
    others = [a for a in data["accounts"] if a != digest]
    accounts = [*others[-(MAX_ACCOUNTS - 1) :], digest]
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"id": data["id"], "accounts": accounts}),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
