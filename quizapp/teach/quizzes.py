"""The quiz builder: list, make, edit, retire and restore quizzes in the browser."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ButtonForm
from ..models import Fact, Quiz, Source, utcnow
from ..services import quiz_builder, stale
from ..services.attempts import as_utc
from . import bp
from .quiz_forms import QuizForm, choices


@bp.get("/quizzes")
def quizzes() -> str:
    return render_template("teach/quizzes.html", rows=quiz_builder.quiz_rows(db.session), form=ButtonForm())


@bp.route("/quizzes/new", methods=["GET", "POST"])
def new_quiz() -> Response | str | tuple[str, int]:
    return _builder(None)


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
def edit_quiz(quiz_id: int) -> Response | str | tuple[str, int]:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    return _builder(quiz)


@bp.post("/quizzes/<int:quiz_id>/retire")
def retire_quiz(quiz_id: int) -> Response:
    return _set_retired(quiz_id, True)


@bp.post("/quizzes/<int:quiz_id>/restore")
def restore_quiz(quiz_id: int) -> Response:
    return _set_retired(quiz_id, False)


def _set_retired(quiz_id: int, retired: bool) -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400, description="The form's security token is missing or has expired.")
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    quiz_builder.set_retired(db.session, quiz, retired)
    db.session.commit()
    flash(f"“{quiz.title}” was {'retired' if retired else 'restored'}.", "info")
    return redirect(url_for("teach.quizzes"))


def _choices(form: QuizForm) -> None:
    form.source.choices = choices(db.session.execute(select(Source.key, Source.title).order_by(Source.title)))
    form.topics.choices = choices(quiz_builder.topic_choices(db.session))
    active_facts = (
        select(Fact.key, Fact.statement, Source.title)
        .join(Source, Source.id == Fact.source_id)
        .where(Fact.retired_at.is_(None))
        .order_by(Source.title, Fact.id)
    )
    rows = db.session.execute(active_facts).all()
    several = len({bank for _key, _statement, bank in rows}) > 1  # a quiz draws from its own bank only
    form.facts.choices = choices(
        (key, f"{statement} ({bank})" if several else statement) for key, statement, bank in rows
    )


_SAME_TITLE = (
    "This bank has a quiz with this title already (id {key}): to change it, open it from the list of"
    " quizzes; for a second one, give it another title or an id of its own."
)


def _builder(quiz: Quiz | None) -> Response | str | tuple[str, int]:
    """Show the builder; on a post check the quiz, then preview it or save it."""
    form = QuizForm()
    _choices(form)
    source_key = quiz.source.key if quiz else form.source.data
    if request.method == "GET":
        if quiz is not None:
            form.fill(quiz_builder.current_record(db.session, quiz), source_key)
            form.opened_version.data = str(quiz.version)
        return _page(form, quiz)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, description="The form's security token is missing or has expired.")
        return _page(form, quiz), 422  # a choice that is not offered: beside its field
    key = (
        quiz.key
        if quiz
        else (form.id.data or "").strip() or quiz_builder.key_from_title(db.session, form.title.data or "")
    )
    record, problems = quiz_builder.check(
        db.session, form.record_data(key), source_key or "", quiz.id if quiz else None
    )
    # An id made from the title: the same form sent twice (Back, a second click) would make a copy.
    made_id = not problems and quiz is None and not (form.id.data or "").strip()
    if made_id and (taken := quiz_builder.same_title(db.session, source_key or "", form.title.data or "")):
        problems = {"title": [_SAME_TITLE.format(key=taken)]}
    if problems:
        return _page(form, quiz, problems), 422
    if request.form.get("go") == "preview":
        return _page(form, quiz, preview=quiz_builder.matching(db.session, record, source_key))
    try:
        opened = stale.opened_version(form.opened_version.data) if quiz else None
        saved, changed = quiz_builder.save(db.session, record, source_key, quiz, opened=opened)
        title, closes_at = saved.title, saved.closes_at
        db.session.commit()
    except stale.StaleEdit as error:
        db.session.rollback()
        form.opened_version.data = str(error.now)  # saving again, after a review, goes through
        return _page(form, quiz, stale_message=error.message()), 409
    except IntegrityError:  # another teacher saved a new quiz with this id meanwhile
        db.session.rollback()
        if quiz is not None:
            raise
        taken = {"id": ["This id was taken a moment ago: choose another, or leave it blank for a new one."]}
        return _page(form, quiz, taken), 409
    flash(f"“{title}” was saved." if changed else f"“{title}” had no changes to save.", "info")
    if closes_at is not None and as_utc(closes_at) <= utcnow():
        flash(f"“{title}” closed at {closes_at:%H:%M UTC on %d %B %Y}: no one can start it.", "error")
    return redirect(url_for("teach.quizzes"))


def _page(
    form: QuizForm,
    quiz: Quiz | None,
    problems: dict[str, list[str]] | None = None,
    preview: list[tuple[str, str]] | None = None,
    stale_message: str | None = None,
) -> str:
    problems = dict(problems or {})
    if form.kind.data == "questions" and "select" in problems:  # beside the list it is about
        problems["questions"] = problems.pop("select") + problems.get("questions", [])
    for name, messages in problems.items():
        field = getattr(form, name, None) if name != "select" else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(messages)
    return render_template(
        "teach/quiz_form.html",
        form=form,
        quiz=quiz,
        problems=problems,
        preview=preview,
        stale=stale_message,
        questions=quiz_builder.question_list(db.session),
    )
