"""The home page: the banks and their quizzes, resuming, and practising a topic."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from .extensions import db
from .forms import ButtonForm, PractiseForm
from .models import Fact, Topic
from .services.attempts import AttemptError, best_scores, open_attempts, start_practice
from .services.catalogue import catalogue
from .takers import current_user_id, ensure_taker

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


@bp.post("/practise")
def practise() -> Response | tuple[str, int]:
    """Start a practice attempt on the topics and facts picked on the home page."""
    form = practise_form()
    if not form.validate_on_submit():
        return render_home(practise=form), 422
    try:
        attempt = start_practice(
            db.session,
            ensure_taker(),
            topics=form.topics.data,
            facts=form.facts.data,
            count=form.count.data,
            title="Practice: chosen topics and facts",
        )
    except AttemptError as error:
        db.session.rollback()
        form.topics.errors = [str(error)]
        return render_home(practise=form), 422
    db.session.commit()
    return redirect(url_for("quiz.question", attempt_id=attempt.id, position=1))


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """A hello-world endpoint: the baseline for benchmarks and a liveness probe."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
