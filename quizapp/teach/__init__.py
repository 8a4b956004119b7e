"""The teacher area: sources, facts, questions and quizzes edited in the browser, imports.

Every route of the blueprint is for teachers (and admins) only: a visitor who is not known
to the app is asked to sign in; a guest or a student gets 403. Feature modules add their
routes to `bp`; `init_app` imports them and registers the blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template
from flask_login import current_user

from ..permissions import can_teach, sign_in_redirect
from .overview import overview

bp = Blueprint("teach", __name__, url_prefix="/teach")


@bp.before_request
def _teachers_only() -> Any:
    if current_user.is_anonymous:
        return sign_in_redirect()
    if not can_teach(current_user):
        abort(403)
    return None


@bp.get("/")
def index() -> str:
    return render_template("teach/index.html", counts=overview())


def init_app(app: Flask) -> None:
    from . import authoring, bank_edits, catalogue, quizzes, transfer  # noqa: F401

    app.register_blueprint(bp)
