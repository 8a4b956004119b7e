"""The home page: the banks and their quizzes, resuming, and practising a topic."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from .extensions import db
from .forms import ButtonForm, PractiseForm
from .models import utcnow
from .services.attempts import AttemptError, best_scores, open_attempts, start_practice
from .services.catalogue import Listing, listing
from .takers import current_user_id, ensure_taker

bp = Blueprint("home", __name__)


def practise_form(bank: Listing) -> PractiseForm:
    form = PractiseForm()
    form.topics.choices = bank.topics
    form.facts.choices = bank.facts
    return form


@lru_cache(maxsize=4)
def _fact_options(bank: Listing) -> Markup:
    """The facts' <option>s with none chosen, as WTForms writes them: a long list, kept per listing."""
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(key, statement) for key, statement in bank.facts
    )


def render_home(bank: Listing | None = None, practise: PractiseForm | None = None) -> str:
    user_id = current_user_id()
    bank = bank or listing(db.session)
    return render_template(
        "home.html",
        sources=bank.sources,
        resumable=open_attempts(db.session, user_id) if user_id else [],
        best=best_scores(db.session, user_id) if user_id else {},
        practise=practise or practise_form(bank),
        start_form=ButtonForm(),
        fact_options=_fact_options(bank),
        now=utcnow(),
    )


@bp.get("/")
def index() -> str:
    return render_home()


@bp.post("/practise")
def practise() -> Response | tuple[str, int]:
    """Start a practice attempt on the topics and facts picked on the home page."""
    bank = listing(db.session)
    form = practise_form(bank)
    if not form.validate_on_submit():
        return render_home(bank, form), 422
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
        return render_home(bank, form), 422
    db.session.commit()
    return redirect(url_for("quiz.question", attempt_id=attempt.id, position=1))


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """A hello-world endpoint: the baseline for benchmarks and a liveness probe."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
