"""Who is taking quizzes: the user of this browser's session, through Flask-Login.

A visitor who starts something becomes a guest (a user without a name) bound to the browser by
the signed session cookie; registering or signing in turns that into an account. Flask-Login
knows every user by their session token (`User.get_id`), so a new token ends old sessions.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, abort, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import AnonymousUserMixin, UserMixin, current_user, login_user, logout_user
from itsdangerous import BadSignature
from sqlalchemy import Row, bindparam, select
from werkzeug.wrappers import Request, Response

from .database import reads
from .extensions import db, login_manager
from .models import User
from .services.attempts import new_guest


class Visitor(AnonymousUserMixin):
    """Someone not yet known to the app: no user row, no attempts."""

    id = None
    username = None
    role = None
    is_guest = False


def current_user_id() -> int | None:
    """The id of this browser's user (a guest or an account), or None for a new visitor."""
    return current_user.id


def current_time_zone() -> str | None:
    """This browser's user's time zone (an IANA name), or None for UTC (quizapp/days.py)."""
    return getattr(current_user, "time_zone", None)


def current_guest_id() -> int | None:
    """The id of this browser's guest, or None when it is a new visitor or signed in."""
    return current_user.id if current_user.is_guest else None


def ensure_taker() -> int:
    """The current user's id, making this visitor a guest first if needed."""
    user_id = current_user_id()
    if user_id is not None:
        return user_id
    guest = new_guest(db.session)
    login_user(guest)
    session.permanent = True  # a guest's work outlives the browser window
    return guest.id


def start_session(user: User, remember: bool = False) -> None:
    """Sign `user` in on a new session: nothing of the session before carries over (no fixation)."""
    session.clear()
    login_user(user, remember=remember)


def end_session() -> None:
    """Forget the user in this browser: the session and the remember-me cookie."""
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion


def remembered() -> bool:
    """Whether this browser holds a remember-me cookie."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


class SignedIn(UserMixin):
    """Who this request's session names, as read once per request: plain values, not a row.

    Nearly every page needs only who the user is. Reading those columns on the request's
    read-only connection (`database.read_connection`), outside the ORM session, costs less than
    half of loading a `User`, and leaves the session untouched on pages that read nothing else
    through it. A view that changes the account loads the row with `signed_in_account()`.
    """

    __slots__ = ("email", "id", "is_guest", "role", "session_token", "time_zone", "username")

    def __init__(self, row: Row) -> None:
        self.id, self.username, self.email, self.role, self.is_guest, self.session_token, self.time_zone = row

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_authenticated(self) -> bool:
        return not self.is_guest


_USERS = User.__table__.c
_BY_TOKEN = select(  # built once: cheaper
    *(_USERS[name] for name in ("id", "username", "email", "role", "is_guest", "session_token", "time_zone"))
).where(_USERS.session_token == bindparam("token"))


def _load(token: str) -> SignedIn | None:
    with reads(db.engine) as connection:
        row = connection.execute(_BY_TOKEN, {"token": token}).first()
    return SignedIn(row) if row is not None else None


def signed_in_account() -> User:
    """The signed-in user's row, in the session: for views that change the account."""
    user = current_user._get_current_object()
    if isinstance(user, User):
        return user
    account = db.session.get(User, user.id)
    if account is None:  # deleted since this request read it
        abort(404)
    return account


class CookieSession(SecureCookieSession):
    """A signed-cookie session that knows when its cookie was signed."""

    signed_at: int | None = None


def _unknown(value: object) -> bool:
    return False


def _is_text(value: object) -> bool:
    return isinstance(value, str) and "\x00" not in value  # PostgreSQL refuses NUL in a parameter


def _is_flash(value: object) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_text(v) for v in value)


# What this app and its libraries keep in the session (Flask-Login, Flask-WTF, flash messages),
# and the shape each reads it in.
_SESSION_SHAPES = {
    "_user_id": _is_text,
    "_id": _is_text,
    "_fresh": lambda v: isinstance(v, bool),
    "_remember": _is_text,
    "_remember_seconds": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "_permanent": lambda v: isinstance(v, bool),
    "csrf_token": _is_text,
    "_flashes": lambda v: isinstance(v, list) and all(_is_flash(item) for item in v),
}


def well_formed(data: object) -> dict:
    """The session's known keys that have the shape their readers expect; nothing else.

    A cookie signed with this app's key can still hold other shapes: one written by an older
    version, or by another app that shares the key and the cookie's name. Read as they are,
    they were a 500 on every page (even the error page, which reads the session too).
    """
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if _SESSION_SHAPES.get(key, _unknown)(value)}


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but an unchanged permanent session is signed again (its
    expiry pushed back) at most once per `REFRESH_AFTER`, not on every request: signing costs
    about as much as a small page, and the expiry moves by that much less at most."""

    session_class = CookieSession
    REFRESH_AFTER = timedelta(hours=1)

    def open_session(self, app: Flask, request: Request) -> CookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(well_formed(data))
        opened.signed_at = int(signed_at.timestamp())
        return opened

    def save_session(self, app: Flask, session: CookieSession, response: Response) -> None:  # type: ignore[override]
        """As Flask's, but a static file's response neither sets the cookie nor varies with it: it is
        the same for everyone, and a shared cache must be free to keep it (quizapp/static_files.py)."""
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session: CookieSession) -> bool:  # type: ignore[override]
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        return (
            session.signed_at is None or time.time() - session.signed_at >= self.REFRESH_AFTER.total_seconds()
        )


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    login_manager.init_app(app)
    login_manager.user_loader(_load)
    login_manager.anonymous_user = Visitor
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
