"""The home page: the banks and their quizzes, resuming, and practising a topic."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from .extensions import db
from .models import Fact, Topic
from .quiz import ButtonForm, PractiseForm
from .services.attempts import best_scores, open_attempts
from .services.catalogue import catalogue
from .takers import current_user_id

bp = Blueprint("home", __name__)


def practise_form() -> PractiseForm:
    form = PractiseForm()
    form.topics.choices = [(t.key, t.title) for t in db.session.scalars(select(Topic).order_by(Topic.title))]
    form.facts.choices = [
        (f.key, f.statement)
        for f in db.session.scalars(select(Fact).where(Fact.retired_at.is_(None)).order_by(Fact.id))
    ]
    return form


def render_home(practise: PractiseForm | None = None) -> str:
    user_id = current_user_id()
    return render_template(
        "home.html",
        sources=catalogue(db.session),
        resumable=open_attempts(db.session, user_id) if user_id else [],
        best=best_scores(db.session, user_id) if user_id else {},
        practise=practise or practise_form(),
        start_form=ButtonForm(),
    )


@bp.get("/")
def index() -> str:
    return render_home()


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """A hello-world endpoint: the baseline for benchmarks and a liveness probe."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
