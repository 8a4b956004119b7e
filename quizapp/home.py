"""The home page: the banks and their quizzes, resuming, and practising a topic."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from .extensions import db
from .forms import PractiseForm
from .models import utcnow
from .services.attempts import AttemptError, Standing, open_attempts, standings, start_practice
from .services.catalogue import Listing, QuizEntry, listing
from .takers import current_user_id, ensure_taker
from .wording import counted

bp = Blueprint("home", __name__)


def practise_form(bank: Listing, **options: Any) -> PractiseForm:
    form = PractiseForm(**options)
    form.topics.choices = bank.topics
    form.facts.choices = bank.facts
    return form


# Marks left in the rendered listing where each visitor's own values go. Text in the listing is
# escaped, so no bank text can contain "<?".
_TOKEN_MARK = Markup("<?quizapp csrf?>")
_QUIZ_MARK = re.compile(r"<\?quizapp (best|verb) (\d+)\?>")  # best score; Start or Continue
# Around a Start button of a quiz that allows so many attempts: gone for a visitor who has used them.
_START_MARK = re.compile(r"<\?quizapp start (\d+) (\d+)\?>(.*?)<\?quizapp /start\?>", re.DOTALL)


_SIGN_IN_TO_START = Markup(
    '<p class="quiz-closed">Attempts are counted per account: <a href="{}">sign in</a> or '
    '<a href="{}">register</a> to take this quiz.</p>'
)


def _best_mark(quiz_id: int) -> Markup:
    return Markup(f"<?quizapp best {int(quiz_id)}?>")


def _verb_mark(quiz_id: int) -> Markup:
    return Markup(f"<?quizapp verb {int(quiz_id)}?>")


def _start_mark(quiz_id: int, allowed: int) -> Markup:
    return Markup(f"<?quizapp start {int(quiz_id)} {int(allowed)}?>")


QuizStates = tuple[tuple[int, str], ...]  # (quiz id, "open", "opens", "closes" or "closed")


def quiz_states(bank: Listing, now: datetime) -> QuizStates:
    """Whether each quiz is open now, not yet open, open until a date or closed."""

    def state(quiz: QuizEntry) -> str:
        if quiz.opens_at and now < quiz.opens_at:
            return "opens"
        if quiz.closes_at and now >= quiz.closes_at:
            return "closed"
        return "closes" if quiz.closes_at else "open"

    return tuple((quiz.id, state(quiz)) for source in bank.sources for quiz in source.quizzes)


def _render_listing(bank: Listing, states: QuizStates, practise: PractiseForm) -> str:
    return render_template(
        "home/_listing.html",
        sources=bank.sources,
        states=dict(states),
        practise=practise,
        token=_TOKEN_MARK,
        best_mark=_best_mark,
        verb_mark=_verb_mark,
        start_mark=_start_mark,
        end_start_mark=Markup("<?quizapp /start?>"),
    )


@lru_cache(maxsize=16)
def _kept_listing(bank: Listing, states: QuizStates, script_root: str) -> str:
    """The listing with an empty practise form, rendered once per bank listing, quiz states and
    mount point (the links in it): the same for every visitor until one of them changes."""
    return _render_listing(bank, states, practise_form(bank, formdata=None))


def _personal(listing: str, standing: dict[int, Standing], signed_in: bool) -> Markup:
    """The listing with this visitor's CSRF token, best scores and attempts left in their marks;
    a quiz that counts attempts offers a visitor who is not signed in to sign in instead."""
    listing = listing.replace(_TOKEN_MARK, escape(generate_csrf()))

    def quiz_mark(match: re.Match[str]) -> str:
        mine = standing.get(int(match.group(2)))
        if match.group(1) == "verb":  # an unfinished attempt is resumed, not started again
            return "Continue" if mine is not None and mine.open else "Start"
        return "" if mine is None or mine.best is None else f" · your best: {mine.best:.0f}%"

    def start(match: re.Match[str]) -> str:
        mine, allowed = standing.get(int(match.group(1))), int(match.group(2))
        if not signed_in and not (mine and mine.open):  # an open attempt (a guest's, from before) resumes
            return _SIGN_IN_TO_START.format(
                url_for("auth.sign_in", next=url_for("home.index")), url_for("auth.register_account")
            )
        if mine is None or mine.open or mine.used < allowed:  # an open attempt is resumed
            return match.group(3)
        used = "the one attempt" if allowed == 1 else f"all {allowed} attempts"
        reviews = escape(url_for("progress.index", _anchor="history-heading"))
        return (
            f'<p class="quiz-closed">No attempts left: you have used {used} allowed. Their reviews are '
            f'under <a href="{reviews}">your attempts</a>.</p>'
        )

    return Markup(_START_MARK.sub(start, _QUIZ_MARK.sub(quiz_mark, listing)))


def render_home(bank: Listing | None = None, practise: PractiseForm | None = None) -> str:
    """The home page; `practise` is a practise form to show again (with what was typed and its errors)."""
    user_id = current_user_id()
    bank = bank or listing(db.session)
    states = quiz_states(bank, utcnow())
    if practise is None:
        shared = _kept_listing(bank, states, request.script_root)
    else:
        shared = _render_listing(bank, states, practise)
    return render_template(
        "home.html",
        resumable=open_attempts(db.session, user_id) if user_id else [],
        listing=_personal(
            shared, standings(db.session, user_id) if user_id else {}, current_user.is_authenticated
        ),
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
        _plain_practise_errors(form)
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
    total = len(attempt.slots)
    db.session.commit()
    if total < form.count.data:
        matching = counted(total, "question")
        flash(f"Only {matching} match what you picked: this practice holds them all.", "info")
    return redirect(url_for("quiz.question", attempt_id=attempt.id, position=1))


def _plain_practise_errors(form: PractiseForm) -> None:
    """WTForms' messages in the page's words: one per field, saying what to do."""
    for field, what in ((form.topics, "topic"), (form.facts, "fact")):
        if any("not a valid choice" in error for error in field.errors):  # retired since the page was shown
            field.errors = [f"A {what} you picked is no longer offered: pick again from the list."]
    if form.count.errors:
        form.count.errors = ["Enter a whole number of questions from 1 to 50."]


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """A hello-world endpoint: the baseline for benchmarks and a liveness probe."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
