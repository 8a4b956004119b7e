"""My progress: attempts history, score over time, mastery, streak, due reviews; Review; export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField

from . import clock
from .charts import score_chart
from .days import day_number
from .downloads import attachment
from .extensions import db
from .presenting import utc_time
from .services import export, review
from .services import progress as svc
from .services.held_back import held_back
from .takers import current_time_zone, current_user_id
from .wording import counted

bp = Blueprint("progress", __name__)

PER_PAGE = 20
RETURN_TO = {"home": "home.index", "progress": "progress.index"}


class ReviewForm(FlaskForm):
    """The Review button: a CSRF token and the page to come back to when nothing is due."""

    back = HiddenField(default="progress")


@bp.get("/progress")
def index() -> str:
    user_id = current_user_id()
    now = clock.now()
    zone_name = current_time_zone()
    today = day_number(now, zone_name)
    context: dict = {"now": now, "user_id": user_id, "zone_name": zone_name or "UTC"}
    if user_id is not None:
        settings = review.current_settings()
        shape = svc.bank_shape(db.session)
        facts, topics = svc.mastery(db.session, user_id, now, settings.scheduler(), shape)
        facts = svc.shown_facts(facts, shape)
        points, streak = svc.chart_and_streak(db.session, user_id, today)
        held = held_back(db.session, now).ids
        history = svc.attempts_history(db.session, user_id, request.args.get("page", 1, type=int), PER_PAGE)
        context.update(
            history=history,
            history_lines=[history_line(row) for row in history.rows],
            points=points,
            chart=score_chart(points, "score-chart-caption") if points else None,
            facts=facts,
            topics=topics,
            weakest=svc.weakest(facts),
            streak=streak,
            due=svc.due_counts(db.session, user_id, now, held, zone_name),
            held_facts=svc.held_facts(shape, held),
        )
    return render_template("progress/index.html", **context)


@bp.post("/review")
def start_review() -> BaseResponse:
    """Start (or resume) a practice attempt of the user's due questions."""
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400, description="The form's security token is missing or has expired.")
    back = url_for(RETURN_TO.get(form.back.data, "progress.index"))
    user_id = current_user_id()
    if user_id is None:
        flash(nothing_due_message(None, clock.now()), "info")
        return redirect(back)
    now = clock.now()
    try:
        attempt = review.start_review(db.session, user_id, now)
    except review.NothingDue as nothing:
        db.session.rollback()
        flash(nothing_due_message(nothing.next_due, now, nothing.held), "info")
        return redirect(back)
    attempt_id, position = attempt.id, attempt.position
    db.session.commit()
    return redirect(url_for("quiz.question", attempt_id=attempt_id, position=position))


def nothing_due_message(next_due: datetime | None, now: datetime, held: int = 0) -> str:
    if held:
        verb, pronoun = ("belongs", "it comes") if held == 1 else ("belong", "they come")
        return (
            f"The {counted(held, 'question')} due {verb} to a quiz that does not show its right answers"
            f" yet, so {pronoun} back for review once it does."
        )
    if next_due is None:
        return "Nothing to review yet: questions you answer in practice come back here when they are due."
    return (
        f"Nothing is due for review. The next question is due at {next_due:%H:%M} UTC on "
        f"{next_due.day} {next_due:%B %Y} ({until(next_due - now)})."
    )


def until(delta: timedelta) -> str:
    """A rough, readable 'in ...' for a time to come."""
    seconds = max(0, int(delta.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = round(seconds / size)
            return f"in {counted(count, unit)}"
    return "in less than a minute"


@dataclass(frozen=True)
class HistoryLine:
    """A row of the attempts table as text, made here: twenty rows through Jinja's filters and
    properties cost more than the page's queries."""

    href: str
    title: str
    in_progress: bool
    started: Markup
    duration: str
    score: str


def history_line(row: svc.HistoryRow) -> HistoryLine:
    if row.state == "open":
        href = url_for("quiz.question", attempt_id=row.id, position=1)
    else:
        href = url_for("quiz.review", attempt_id=row.id)
    percent = row.percent
    score = (
        "—" if percent is None else f"{percent:.0f}% ({round(row.score, 2):g} of {round(row.max_score, 2):g})"
    )
    started = utc_time(row.started_at, "%d %b %Y, %H:%M UTC")
    return HistoryLine(href, row.title, row.state == "open", started, duration(row.duration), score)


def duration(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


# --- export -------------------------------------------------------------------------------------


def _chunks(kind: str) -> Iterator[list[dict]]:
    user_id = current_user_id()
    if user_id is None:
        return
    for rows in export.READERS[kind](db.session, user_id):
        # End the read transaction between chunks: on SQLite it holds the write lock.
        db.session.rollback()
        yield rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (a quiz titled "=HYPERLINK(...)") made plain text
    by a leading apostrophe, as OWASP advises against CSV injection; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@bp.get("/progress/export/<kind>.csv")
def export_csv(kind: str) -> Response:
    """One CSV per kind (attempts, answers, reviews), streamed."""
    if kind not in export.KINDS:
        abort(404)

    def body() -> Iterator[str]:
        buffer = io.StringIO()
        # Every cell quoted: a spreadsheet set to split on ";" must not find a formula inside one.
        writer = csv.DictWriter(
            buffer, fieldnames=export.FIELDS[kind], lineterminator="\r\n", quoting=csv.QUOTE_ALL
        )
        writer.writeheader()
        yield "\ufeff" + buffer.getvalue()  # the BOM: spreadsheets on Windows read UTF-8 by it
        for rows in _chunks(kind):
            buffer.seek(0)
            buffer.truncate()
            for row in rows:
                writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
            yield buffer.getvalue()

    return attachment(stream_with_context(body()), "text/csv", f"quizapp-{kind}.csv")


@bp.get("/progress/export.json")
def export_json() -> Response:
    """Everything in one JSON document {"exported_at", "attempts", "answers", "reviews"}, streamed."""
    exported_at = clock.now().isoformat()

    def body() -> Iterator[str]:
        yield '{"exported_at": ' + json.dumps(exported_at)
        for kind in export.KINDS:
            yield f', "{kind}": ['
            first = True
            for rows in _chunks(kind):
                text = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
                yield ("\n" if first else ",\n") + text
                first = False
            yield "]"
        yield "}\n"

    return attachment(stream_with_context(body()), "application/json", "quizapp-my-data.json")


def init_app(app: Flask) -> None:
    """Register the blueprint; the clock may come from the environment."""
    app.config.setdefault("QUIZAPP_CLOCK", clock.clock_from_environment(app.config.get("QUIZAPP_ENV", "")))
    app.register_blueprint(bp)
