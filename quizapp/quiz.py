"""Taking quizzes: start, answer page by page, summary, finish, review."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from . import database, grading
from .answer_forms import build_form, initial_values, response_from, unanswered_parts
from .extensions import db
from .forms import ButtonForm
from .models import Attempt, QuestionVersion, Quiz, utcnow
from .permissions import sign_in_redirect
from .presenting import cloze_parts, describe_response, in_shown_order
from .services import answering, pages, visibility
from .services import attempts as svc
from .services import review as reviewing
from .services.held_back import HELD_NOTE, held_back
from .takers import current_user_id, ensure_taker
from .wording import counted

bp = Blueprint("quiz", __name__)


@bp.after_request
def _not_kept(response: Response) -> Response:
    """An attempt's pages are never stored by the browser: Back after submitting must not bring
    back a page that still offers to answer or submit (with its timer running), nor leave them
    on a shared computer's disk."""
    if request.path.startswith("/attempts/"):
        response.headers["Cache-Control"] = "no-store"
    return response


# --- starting --------------------------------------------------------------------------------

TIME_UP = "Time is up: the answers you saved before the deadline were submitted."


@bp.get("/quizzes/<key>/start")
def confirm_start(key: str) -> Response | str:
    """The "Start now?" page of a quiz with a time limit: a page of its own (GET, so that Back from
    the first question comes here, not to a form to post again). Otherwise back to the quizzes."""
    timed = svc.time_limit_to_confirm(db.session, current_user_id(), key, utcnow())
    if timed is None:
        return redirect(url_for("home.index"))
    title, minutes = timed
    return render_template("quiz/start_timed.html", key=key, title=title, minutes=minutes, form=ButtonForm())


@bp.post("/quizzes/<key>/start")
def start(key: str) -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    if current_user_id() is None and svc.limits_attempts(db.session, key):  # no guest is made for it
        return _sign_in_to_start()
    now = utcnow()
    unfinished = svc.unfinished_attempt(db.session, current_user_id(), key)
    if unfinished is not None and svc.overdue(unfinished, now):  # Continue on one that ran out
        _close_at_deadline(unfinished)
        flash(TIME_UP, "error")
        return redirect(url_for("quiz.review", attempt_id=unfinished.id))
    if request.form.get("confirmed") != "yes" and svc.time_limit_to_confirm(
        db.session, current_user_id(), key, now
    ):  # a time limit starts running at once: ask first
        ensure_taker()  # as a guest already: a double-clicked "Start now" then resumes, not starts twice
        db.session.commit()
        return redirect(url_for("quiz.confirm_start", key=key), code=303)
    try:
        attempt = svc.start_quiz(db.session, ensure_taker(), key)  # a guest's open attempt resumes
    except LookupError:
        abort(404)
    except svc.AccountNeeded:
        db.session.rollback()
        return _sign_in_to_start()
    except svc.AttemptError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("home.index"))
    db.session.commit()
    return redirect(url_for("quiz.question", attempt_id=attempt.id, position=attempt.position))


def _sign_in_to_start() -> Response:
    flash(svc.ACCOUNT_NEEDED, "error")
    return redirect(url_for("auth.sign_in", next=url_for("home.index")))


# --- answering ----------------------------------------------------------------------------------


def _taker_id() -> int:
    """The visitor's user id; a visitor without one (signed out, or in another browser) is sent to
    sign in: an attempt's page must not tell its owner that it does not exist."""
    user_id = current_user_id()
    if user_id is None:
        abort(sign_in_redirect())
    return user_id


def _attempt_or_404(
    attempt_id: int, with_facts: bool = False, close_overdue: bool = True, with_versions: bool = False
) -> Attempt:
    loads = {"with_facts": with_facts, "with_versions": with_versions}
    attempt = svc.attempt_of(db.session, attempt_id, _taker_id(), **loads)
    if attempt is None:
        abort(404)
    if close_overdue and svc.overdue(attempt, utcnow()):
        _close_at_deadline(attempt)
        flash(TIME_UP, "error")
        attempt = svc.attempt_of(db.session, attempt_id, _taker_id(), **loads)
    return attempt


def _close_at_deadline(attempt: Attempt | pages.AttemptView) -> None:
    database.begin_write(db.session)
    answering.close(db.session, attempt.id, finished_at=svc.as_utc(attempt.deadline))
    db.session.commit()


MISSED_PREFIX = "Practising what I missed: "
CHECK_ANYWAY = "check-anyway"  # the button offered when a checked answer leaves parts empty


@bp.route("/attempts/<int:attempt_id>/<int:position>", methods=["GET", "POST"])
def question(attempt_id: int, position: int) -> Response | str | tuple[str, int]:
    if request.method == "POST":
        database.read_first()  # a save reads, then writes in a short transaction of its own
    page = pages.page_of(db.session, attempt_id, _taker_id(), position)
    if page is None:  # no such page: an attempt that is not open still sends the taker to its review
        attempt = _attempt_or_404(attempt_id, close_overdue=request.method == "GET")
        if attempt.state != "open":
            return _submitted(attempt)
        abort(404)
    if page.attempt.state != "open":
        return _submitted(page.attempt)
    if request.method == "GET":
        if svc.overdue(page.attempt, utcnow()):
            _close_at_deadline(page.attempt)
            flash(TIME_UP, "error")
            return redirect(url_for("quiz.review", attempt_id=attempt_id))
        return _show(page)
    # A save after the deadline must be refused (409 in _save), not silently redirected to the review.
    return _save(page)


def _submitted(attempt: Attempt | pages.AttemptView) -> Response | tuple[str, int]:
    """A page of a submitted attempt: a visit goes to its review; an answer posted from a page left
    open (another tab submitted it, or it was closed at its deadline) is refused, and says so."""
    if request.method == "GET":
        return redirect(url_for("quiz.review", attempt_id=attempt.id))
    message = (
        "This attempt was already submitted (from another page or tab, or at its deadline), so this answer "
        "was not saved. Its review shows what was saved."
    )
    return render_template(
        "quiz/message.html", title="Already submitted", message=message, attempt=attempt
    ), 409


def _show(page: pages.Page) -> str:
    attempt, slot = page.attempt, page.slot
    version = slot.version
    initial = initial_values(version.type, version.data, slot.layout, slot.response)
    form = build_form(version.type, version.data, slot.layout, initial=initial)
    form.seq.data = str(slot.sequence)
    form.flag.data = slot.flagged
    html = _render_question(page, form, _locked(attempt, slot))
    moved = attempt.position != slot.position  # remember where the taker is, so that resuming lands here
    first_view = slot.fraction is None and slot.shown_at is None  # the answer's time counts from here
    if moved or first_view:
        database.begin_write(db.session)
        if moved:
            answering.move_to(db.session, attempt, slot.position)
        if first_view:
            reviewing.page_shown(db.session, slot)
        db.session.commit()
    return html


def _locked(attempt: pages.AttemptView, slot: pages.SlotView) -> bool:
    """A practice answer, once checked, is final."""
    return attempt.mode == "practice" and slot.fraction is not None


def _save(page: pages.Page) -> Response | tuple[str, int]:
    """Save the posted page (grading it in practice mode), then go where the taker asked.

    Everything is read and checked first; the write is one short transaction whose
    conditional UPDATE checks again what could have changed meanwhile.
    """
    attempt, slot = page.attempt, page.slot
    if svc.overdue(attempt, utcnow()):
        _close_at_deadline(attempt)
        message = (
            "Time is up: this answer was not saved; the answers you saved before the deadline were submitted."
        )
        return render_template("quiz/message.html", title="Time is up", message=message, attempt=attempt), 409
    version, locked = slot.version, _locked(attempt, slot)
    form = build_form(version.type, version.data, slot.layout, formdata=request.form)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400, description="The form's security token is missing or has expired.")
        return _render_question(page, form, locked), 422
    action = request.form.get("go", "save")
    try:
        sequence = int(form.seq.data)
    except (TypeError, ValueError):
        abort(400, description="The page's sequence number is missing.")
    if sequence != slot.sequence:
        return _stale(attempt, slot)
    try:
        response = None if locked else response_from(form)
        if response is None and action in ("check", CHECK_ANYWAY) and not locked:
            form.answer_fields()[0].errors = ["Choose or type an answer before checking it."]
            return _render_question(page, form, locked), 422
        gaps = None if locked or action != "check" else unanswered_parts(form, response)
        if gaps is not None:  # a checked answer is final: Enter in the first blank must not end it
            name, empty, total = gaps
            parts = "blank" if version.type == "cloze" else "pair"
            anyway = "Save anyway" if attempt.feedback == "after_submit" else "Check anyway"
            form[name].errors = [
                f"{empty} of {counted(total, parts)} {'is' if empty == 1 else 'are'} still empty. Fill "
                f"{'it' if empty == 1 else 'them'} in, or press “{anyway}”: a checked answer is final."
            ]
            return _render_question(page, form, locked, check_anyway=anyway), 422
        database.begin_write(db.session)
        if not locked:
            check = action in ("check", CHECK_ANYWAY)  # moving on keeps a practice answer unchecked
            answering.save_response(db.session, attempt, slot, sequence, response, check=check)
        if bool(form.flag.data) != slot.flagged:
            answering.set_flag(db.session, slot, bool(form.flag.data))
    except ValidationError:
        return _render_question(page, form, locked), 422
    except grading.InvalidResponse as error:
        db.session.rollback()
        form.answer_fields()[0].errors = [str(error)]
        return _render_question(page, form, locked), 422
    except svc.TimeUp as error:
        db.session.commit()
        return render_template(
            "quiz/message.html", title="Time is up", message=str(error), attempt=attempt
        ), 409
    except svc.AttemptClosed:  # submitted from another tab (or deleted: 404) since this page was read
        db.session.rollback()
        _attempt_or_404(attempt.id, close_overdue=False)
        return _submitted(attempt)
    except svc.StalePage:
        db.session.rollback()
        return _stale(attempt, slot)
    attempt_id, position, last = attempt.id, slot.position, page.total
    db.session.commit()
    if action == "summary" or (action == "next" and position == last):
        return redirect(url_for("quiz.summary", attempt_id=attempt_id))
    target = {"next": position + 1, "prev": position - 1}.get(action, position)
    # After a check, land on its feedback (browsers scroll there and Tab goes on from there).
    anchor = f"feedback-{position}" if action in ("check", CHECK_ANYWAY) and not locked else None
    return redirect(url_for("quiz.question", attempt_id=attempt_id, position=target, _anchor=anchor))


def _stale(attempt: pages.AttemptView, slot: pages.SlotView) -> tuple[str, int]:
    return render_template(
        "quiz/message.html",
        title="This page is out of date",
        attempt=attempt,
        message="This answer was already saved from another page or tab. Open the question again to see "
        "what was saved.",
        link=url_for("quiz.question", attempt_id=attempt.id, position=slot.position),
    ), 409


def _render_question(page: pages.Page, form: Any, locked: bool, check_anyway: str | None = None) -> str:
    attempt, slot = page.attempt, page.slot
    version = slot.version
    feedback = None
    at_once = visibility.feedback_at_once(attempt.mode, attempt.feedback)
    if locked and at_once:  # practice feedback is shown only once the taker has answered
        if version.question_id in held_back(db.session, utcnow()).ids:
            feedback = _feedback_view(slot, version, [], HELD_NOTE)
        else:
            feedback = _feedback_view(slot, version, pages.facts_of(db.session, version.id))
    return render_template(
        "quiz/question.html",
        attempt=attempt,
        slot=slot,
        version=version,
        form=form,
        locked=locked,
        feedback=feedback,
        feedback_later=locked and not at_once,
        total=page.total,
        check_anyway=check_anyway,
        cloze=cloze_parts(version.data["text"]) if version.type == "cloze" else None,
    )


def _feedback_view(
    slot: Any, version: Any, facts: list[tuple[str, str, str]], hidden: str | None = None
) -> dict[str, Any]:
    """What the feedback shows of a checked slot; `facts` as (statement, source, section title).

    With `hidden` (the note saying when answers show) only the verdict and the taker's
    answer are given: option feedback, explanations and facts can all tell the right answer.
    """
    stored = slot.feedback or {}
    qtype, layout = version.type, slot.layout
    yours = in_shown_order(qtype, layout, describe_response(qtype, version.data, slot.response), version.data)
    if hidden:
        return {
            "verdict": stored.get("verdict", "wrong"),
            "answered": slot.response is not None,
            "messages": [],
            "fraction": slot.fraction or 0.0,
            "yours": yours,
            "hidden": hidden,
        }
    return {
        "verdict": stored.get("verdict", "wrong"),
        "answered": slot.response is not None,
        "messages": stored.get("messages", []),
        "fraction": slot.fraction or 0.0,
        "yours": yours,
        "right": in_shown_order(qtype, layout, grading.right_answer(qtype, version.data), version.data),
        "explanation": version.explanation,
        "facts": facts,
    }


def _facts(version: QuestionVersion, then: dict[int, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(statement, source, section title) of the facts a version tests, as `then` has them."""
    shown = []
    for fact in version.facts:
        statement, section = then.get(fact.id, (fact.statement, fact.section))
        shown.append((statement, fact.source.title, fact.source.section_title(section)))
    return shown


# --- summary, finishing, review ----------------------------------------------------------------------


@bp.get("/attempts/<int:attempt_id>/summary")
def summary(attempt_id: int) -> Response | str:
    attempt = _attempt_or_404(attempt_id, with_versions=True)
    if attempt.state != "open":
        return redirect(url_for("quiz.review", attempt_id=attempt.id))
    return render_template("quiz/summary.html", attempt=attempt, form=ButtonForm())


@bp.get("/attempts/<int:attempt_id>/finish")
def confirm_finish(attempt_id: int) -> Response | str:
    attempt = _attempt_or_404(attempt_id)
    if attempt.state != "open":
        return redirect(url_for("quiz.review", attempt_id=attempt.id))
    unanswered = sum(1 for s in attempt.slots if s.response is None)
    return render_template("quiz/confirm.html", attempt=attempt, form=ButtonForm(), unanswered=unanswered)


@bp.post("/attempts/<int:attempt_id>/finish")
def finish(attempt_id: int) -> Response | tuple[str, int]:
    if not ButtonForm().validate_on_submit():
        abort(400, description="The form's security token is missing or has expired.")
    attempt = svc.attempt_of(db.session, attempt_id, _taker_id())
    if attempt is None:
        abort(404)
    try:
        outcome = answering.finish(db.session, attempt)
    except svc.TimeUp as error:
        db.session.commit()
        return render_template(
            "quiz/message.html",
            title="Time is up",
            message=str(error),
            attempt=attempt,
        ), 409
    db.session.commit()
    if not outcome.finished_now:
        flash("This attempt was already submitted; here is its review.", "info")
    return redirect(url_for("quiz.review", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/review")
def review(attempt_id: int) -> Response | str:
    attempt = _attempt_or_404(attempt_id, with_facts=True)
    if attempt.state == "open":
        return redirect(url_for("quiz.question", attempt_id=attempt.id, position=attempt.position))
    hidden = _hidden_note(attempt)
    held = held_back(db.session, utcnow()).ids  # held back by another quiz: hidden here too
    fact_ids = {fact.id for slot in attempt.slots for fact in slot.version.facts}
    then = pages.facts_as_of(db.session, fact_ids, attempt.finished_at or utcnow())
    items = []
    for slot in attempt.slots:
        note = hidden or (HELD_NOTE if slot.version.question_id in held else None)
        facts = [] if note else _facts(slot.version, then)
        items.append((slot, _feedback_view(slot, slot.version, facts, note)))
    return render_template(
        "quiz/review.html",
        attempt=attempt,
        items=items,
        form=ButtonForm(),
        hidden=hidden,
        missed=[] if hidden else answering.missed_facts(attempt),
    )


def _hidden_note(attempt: Attempt) -> str | None:
    """None when the attempt's review may show right answers, else the note saying when they show."""
    quiz = db.session.get(Quiz, attempt.quiz_id) if attempt.quiz_id else None
    if quiz is None or visibility.answers_shown(quiz.show_answers, quiz.closes_at, utcnow()):
        return None
    return visibility.hidden_note(quiz.show_answers, quiz.closes_at)


@bp.post("/attempts/<int:attempt_id>/practise-missed")
def practise_missed(attempt_id: int) -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400, description="The form's security token is missing or has expired.")
    attempt = svc.attempt_of(db.session, attempt_id, _taker_id(), with_facts=True)
    if attempt is None or attempt.state == "open":
        abort(404)
    if _hidden_note(attempt):  # practising the missed facts would show the answers held back
        abort(403)
    facts = answering.missed_facts(attempt)
    if not facts:
        flash("You missed nothing in this attempt.", "info")
        return redirect(url_for("quiz.review", attempt_id=attempt_id))
    try:
        new = svc.start_practice(
            db.session,
            attempt.user_id,
            facts=facts,
            count=max(5, len(facts)),
            title=MISSED_PREFIX + attempt.title.removeprefix(MISSED_PREFIX),  # not nested round after round
        )
    except svc.AttemptError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("quiz.review", attempt_id=attempt_id))
    db.session.commit()
    return redirect(url_for("quiz.question", attempt_id=new.id, position=1))


@bp.get("/help/scoring")
def scoring_help() -> str:
    return render_template("quiz/scoring.html", rules=grading.__doc__)
