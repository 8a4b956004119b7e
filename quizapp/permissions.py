"""Who may do what: small named predicates on a user, and a decorator for views.

Roles: student (everyone who registers), teacher, admin. A guest or a new visitor has no
account, so no role-based permission.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])
Predicate = Callable[[Any], bool]


def is_signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def can_teach(user: Any) -> bool:
    return is_signed_in(user) and user.role in ("teacher", "admin")


def can_manage_users(user: Any) -> bool:
    """Change roles, see the list of accounts."""
    return is_signed_in(user) and user.role == "admin"


def sign_in_redirect() -> Any:
    """To the sign-in page, coming back to this page afterwards."""
    flash("Sign in to see that page.", "info")
    here = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=here))


def requires(predicate: Predicate) -> Callable[[F], F]:
    """Let a view run only for a signed-in user that `predicate` accepts.

    A visitor or guest is sent to sign in; a signed-in user without the permission gets 403.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not is_signed_in(current_user):
                return sign_in_redirect()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
