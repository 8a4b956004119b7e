"""Who is taking quizzes: the user bound to this browser's signed session."""

from __future__ import annotations

from flask import session

from .extensions import db
from .models import User
from .services.attempts import new_guest

SESSION_KEY = "user_id"


def current_user_id() -> int | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, int) else None


def ensure_taker() -> int:
    """The current user's id, making this visitor a guest first if needed."""
    user_id = current_user_id()
    if user_id is not None and db.session.get(User, user_id) is not None:
        return user_id
    user = new_guest(db.session)
    session[SESSION_KEY] = user.id
    session.permanent = True
    return user.id
