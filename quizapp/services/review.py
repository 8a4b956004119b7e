"""Spaced review with fsrs: every graded answer reviews the user's card for its question.

Rating rule (`rating_for`): a wrong answer (no credit) is Again; a right one accepted with a
spelling slip, or partial credit, is Hard; a right one is Good, and Easy when it was given
within the fast threshold of its question type (`ReviewSettings.fast_seconds`). The answer time
runs from when the question page was first shown (`Slot.shown_at`) to when the answer was saved.

Practice answers (review attempts are practice attempts) update the schedule when graded; exam
answers only when the quiz says `updates_review: true`, when the exam is finished. Each card keeps
the serialised fsrs Card and every review is logged, so `replay` can rebuild cards from the logs
with other scheduler parameters. Every function takes plain values and a session and only flushes.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any

from flask import current_app, has_app_context
from fsrs import Card, Rating, Scheduler
from fsrs import ReviewLog as FsrsLog
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..days import day_number
from ..models import Attempt, Question, Quiz, QuizVersion, Slot, User, utcnow
from ..review_models import ReviewCard, ReviewLog, StudyDay
from .attempts import AttemptError, as_utc, hold_starts, start_questions
from .held_back import held_back
from .visibility import feedback_at_once

#: The per-user tables of this module, keyed by users.id (ON DELETE CASCADE). Merging two accounts
#: must not just re-point them (a user has one card per question, one row per day): use `merge_users`.
PER_USER_MODELS = (ReviewCard, ReviewLog, StudyDay)

REVIEW_TITLE = "Due questions (spaced review)"  # not "Review: ...": the results page says "Review: <title>"

FAST_SECONDS = {  # at most this long to answer right for Easy, per question type
    "true_false": 5,
    "single_choice": 8,
    "numeric": 10,
    "short_answer": 12,
    "multiple_choice": 12,
    "cloze": 20,
    "ordering": 20,
    "matching": 25,
}


@dataclass(frozen=True)
class ReviewSettings:
    """Scheduler parameters and the thresholds of the rating rule (config keys REVIEW_*)."""

    fast_seconds: Mapping[str, float] = field(default_factory=lambda: dict(FAST_SECONDS))
    session_size: int = 20
    desired_retention: float = 0.9
    learning_steps: tuple[float, ...] = (1, 10)  # minutes
    relearning_steps: tuple[float, ...] = (10,)  # minutes
    maximum_interval: int = 365  # days
    parameters: tuple[float, ...] | None = None  # fsrs weights; None: the package's defaults

    def scheduler(self) -> Scheduler:
        return _scheduler(
            self.parameters,
            self.desired_retention,
            self.learning_steps,
            self.relearning_steps,
            self.maximum_interval,
        )


@cache
def _scheduler(
    parameters: tuple[float, ...] | None,
    retention: float,
    learning: tuple[float, ...],
    relearning: tuple[float, ...],
    maximum: int,
) -> Scheduler:
    options: dict[str, Any] = {} if parameters is None else {"parameters": parameters}
    # No fuzz: intervals must be reproducible, so that replaying the logs gives the stored cards.
    return Scheduler(
        desired_retention=retention,
        learning_steps=[timedelta(minutes=m) for m in learning],
        relearning_steps=[timedelta(minutes=m) for m in relearning],
        maximum_interval=maximum,
        enable_fuzzing=False,
        **options,
    )


def settings_from(config: Mapping[str, Any]) -> ReviewSettings:
    """Settings from an app's config: REVIEW_FAST_SECONDS (merged over the defaults), REVIEW_SIZE,
    REVIEW_DESIRED_RETENTION, REVIEW_LEARNING_STEPS, REVIEW_RELEARNING_STEPS (minutes),
    REVIEW_MAXIMUM_INTERVAL (days), REVIEW_PARAMETERS (fsrs weights)."""
    defaults = ReviewSettings()
    parameters = config.get("REVIEW_PARAMETERS")
    return ReviewSettings(
        fast_seconds={**FAST_SECONDS, **config.get("REVIEW_FAST_SECONDS", {})},
        session_size=int(config.get("REVIEW_SIZE", defaults.session_size)),
        desired_retention=float(config.get("REVIEW_DESIRED_RETENTION", defaults.desired_retention)),
        learning_steps=tuple(config.get("REVIEW_LEARNING_STEPS", defaults.learning_steps)),
        relearning_steps=tuple(config.get("REVIEW_RELEARNING_STEPS", defaults.relearning_steps)),
        maximum_interval=int(config.get("REVIEW_MAXIMUM_INTERVAL", defaults.maximum_interval)),
        parameters=tuple(parameters) if parameters else None,
    )


def current_settings() -> ReviewSettings:
    """The running app's settings; the defaults outside an app."""
    return settings_from(current_app.config) if has_app_context() else ReviewSettings()


# --- the rating rule ---------------------------------------------------------------------------


def rating_for(fraction: float, near_miss: bool, seconds: float | None, fast_seconds: float | None) -> Rating:
    """The fsrs rating of a graded answer (see the module docstring)."""
    if fraction <= 0:
        return Rating.Again
    if fraction < 1 or near_miss:
        return Rating.Hard
    if seconds is not None and fast_seconds is not None and seconds <= fast_seconds:
        return Rating.Easy
    return Rating.Good


def answer_seconds(shown_at: datetime | None, saved_at: datetime) -> float | None:
    """Seconds from the page shown to the answer saved; None when unknown (never shown, or shown after)."""
    if shown_at is None:
        return None
    seconds = (as_utc(saved_at) - as_utc(shown_at)).total_seconds()
    return seconds if seconds >= 0 else None


# --- recording answers (called from services/answering.py) ------------------------------------------


def page_shown(session: Session, slot: Slot, now: datetime | None = None) -> None:
    """Remember when an unanswered question page was first shown, to time its answer."""
    if slot.fraction is None and slot.shown_at is None:
        session.execute(
            update(Slot)
            .where(Slot.id == slot.id, Slot.shown_at.is_(None))
            .values(shown_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )


Graded = tuple[Slot, float, Mapping[str, Any] | None]  # a slot, its fraction, its feedback


def record_answers(
    session: Session,
    attempt: Attempt,
    graded: Iterable[Graded],
    now: datetime,
    settings: ReviewSettings | None = None,
    saved_times: bool = False,
    user_id: int | None = None,
) -> None:
    """Count graded answers in the study days and, when they count for review, review their cards.

    Practice answers checked when saved are reviewed at `now`; answers graded or counted at the
    finish (`saved_times`: an exam's, and practice answers saved unchecked or whose feedback waits
    for the submit) at the time each was saved, `now` for one never saved. They are
    the user's `user_id` (the attempt's owner as read under a lock), or else `attempt.user_id`.
    """
    graded = [(slot, float(fraction or 0.0), feedback) for slot, fraction, feedback in graded]
    if not graded:
        return
    owner = attempt.user_id if user_id is None else user_id
    practice = attempt.mode == "practice"
    at_save = practice and not saved_times
    moments = [now if at_save else as_utc(slot.saved_at or now) for slot, _, _ in graded]
    _count_days(session, owner, [(m, f) for m, (_, f, _) in zip(moments, graded, strict=True)])
    if not (practice or _exam_updates_review(session, attempt)) or _holds_answers_back(session, attempt):
        return
    settings = settings or current_settings()
    scheduler = settings.scheduler()
    question_ids = {slot.version.question_id for slot, _, _ in graded}
    cards = {
        row.question_id: row
        for row in session.scalars(
            select(ReviewCard).where(ReviewCard.user_id == owner, ReviewCard.question_id.in_(question_ids))
        )
    }
    logs = []
    for moment, (slot, fraction, feedback) in sorted(zip(moments, graded, strict=True), key=lambda p: p[0]):
        version = slot.version
        seconds = answer_seconds(slot.shown_at, moment)
        rating = rating_for(
            fraction,
            bool((feedback or {}).get("near_miss")),
            seconds,
            settings.fast_seconds.get(version.type),
        )
        row = cards.get(version.question_id)
        if row is None:
            card = Card(card_id=version.question_id, due=moment)
            row = ReviewCard(user_id=owner, question_id=version.question_id, reviews=0)
            session.add(row)
            cards[version.question_id] = row
        else:
            card = Card.from_dict(row.card)
        previous = card.last_review
        moment = max(moment, previous) if previous else moment  # fsrs counts elapsed days forward
        card, _ = scheduler.review_card(card, rating, moment)
        _store(row, card, rating)
        logs.append(
            {
                "user_id": owner,
                "question_id": version.question_id,
                "question_version_id": version.id,
                "slot_id": slot.id,
                "rating": int(rating),
                "fraction": fraction,
                "reviewed_at": moment,
                "duration_ms": round(seconds * 1000) if seconds is not None else None,
                "elapsed_days": (moment - previous).days if previous else None,
            }
        )
    session.execute(insert(ReviewLog), logs)
    session.flush()


def _store(row: ReviewCard, card: Card, rating: Rating) -> None:
    row.card = dict(card.to_dict())
    row.state = int(card.state)
    row.due = card.due
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.last_review = card.last_review
    row.reviews = (row.reviews or 0) + 1
    row.last_rating = int(rating)


def counted_at_save(session: Session, attempt: Any) -> bool:
    """Whether a practice answer counts (study days, review) when saved: only when its feedback is
    shown at once. One whose feedback waits for the submit counts at the submit, as an exam's
    does: My progress (the week's score, mastery, reviews due) must not tell its verdict first."""
    feedback = getattr(attempt, "feedback", None)  # a page's snapshot carries the quiz's setting
    if feedback is None and getattr(attempt, "quiz_id", None) is not None:
        feedback = session.scalar(select(Quiz.feedback).where(Quiz.id == attempt.quiz_id))
    return feedback_at_once(attempt.mode, feedback)


def _holds_answers_back(session: Session, attempt: Any) -> bool:
    """Whether the attempt's quiz hides right answers: a review of its questions would show them."""
    shown = getattr(attempt, "show_answers", None)  # a page's snapshot carries the quiz's setting
    if shown is None and getattr(attempt, "quiz_id", None) is not None:
        shown = session.scalar(select(Quiz.show_answers).where(Quiz.id == attempt.quiz_id))
    return shown not in (None, "after_submit")


def _exam_updates_review(session: Session, attempt: Attempt) -> bool:
    if attempt.quiz_version_id is None:
        return False
    definition = session.scalar(
        select(QuizVersion.definition).where(QuizVersion.id == attempt.quiz_version_id)
    )
    return bool((definition or {}).get("updates_review"))


def _count_days(session: Session, user_id: int, answers: list[tuple[datetime, float]]) -> None:
    """Add the answers to the user's study days, numbered on the user's calendar (quizapp/days.py)."""
    zone_name = session.scalar(select(User.time_zone).where(User.id == user_id))
    per_day: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    for moment, fraction in answers:
        totals = per_day[day_number(moment, zone_name)]
        totals[0] += 1
        totals[1] += fraction
    rows = [{"user_id": user_id, "day": d, "answers": n, "credit": c} for d, (n, c) in per_day.items()]
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StudyDay)
    statement = statement.on_conflict_do_update(
        index_elements=[StudyDay.user_id, StudyDay.day],
        set_={
            "answers": StudyDay.answers + statement.excluded.answers,
            "credit": StudyDay.credit + statement.excluded.credit,
        },
    )
    for row in rows:  # one day per answer in practice; an exam may span midnight
        session.execute(statement, row)


# --- due questions and review attempts ------------------------------------------------------------------


def retrievability(
    scheduler: Scheduler, stability: float | None, last_review: datetime | None, now: datetime
) -> float:
    """fsrs's probability of recalling a card at `now`; 0 for a card never reviewed."""
    if stability is None or last_review is None:
        return 0.0
    card = Card(card_id=0, stability=stability, last_review=as_utc(last_review), due=now)
    return float(scheduler.get_card_retrievability(card, now))


def recall_curve(scheduler: Scheduler, now: datetime) -> Callable[[float | None, datetime | None], float]:
    """`retrievability` at `now` for many cards: what My progress computes for every card a user has.

    fsrs's forgetting curve (R = (1 + factor * elapsed days / stability) ** decay, with the
    scheduler's decay) without an fsrs Card made per card, which cost four times the formula;
    tests hold it to fsrs's own `get_card_retrievability`.
    """
    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    naive_now = now.astimezone(UTC).replace(tzinfo=None)

    def recall(stability: float | None, last_review: datetime | None) -> float:
        if stability is None or last_review is None:
            return 0.0
        last = last_review.astimezone(UTC).replace(tzinfo=None) if last_review.tzinfo else last_review
        return float((1 + factor * max(0, (naive_now - last).days) / stability) ** decay)

    return recall


@dataclass(frozen=True)
class DueQuestion:
    key: str
    due: datetime
    recall: float


def due_questions(
    session: Session, user_id: int, now: datetime, settings: ReviewSettings | None = None
) -> list[DueQuestion]:
    """The user's due questions (active ones): most overdue first (in whole days), then lowest recall."""
    scheduler = (settings or current_settings()).scheduler()
    rows = session.execute(
        select(Question.key, ReviewCard.due, ReviewCard.stability, ReviewCard.last_review)
        .join(Question, Question.id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, ReviewCard.due <= now, Question.retired_at.is_(None))
    ).all()
    due = [
        DueQuestion(key, as_utc(due), retrievability(scheduler, stability, last, now))
        for key, due, stability, last in rows
    ]
    due.sort(key=lambda q: (-(now - q.due).days, q.recall, q.due, q.key))
    return due


class NothingDue(AttemptError):
    """No question is due; `next_due` says when one will be (None: nothing practised yet)."""

    def __init__(self, next_due: datetime | None, held: int = 0) -> None:
        self.next_due = next_due
        self.held = held  # due questions left out because a quiz holds their right answers back
        super().__init__("Nothing is due for review.")


def next_due(session: Session, user_id: int) -> datetime | None:
    """When the user's next active question falls due."""
    moment = session.scalar(
        select(func.min(ReviewCard.due))
        .join(Question, Question.id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, Question.retired_at.is_(None))
    )
    return as_utc(moment) if moment is not None else None


def start_review(
    session: Session,
    user_id: int,
    now: datetime,
    settings: ReviewSettings | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """A practice attempt of the user's due questions, in `due_questions` order, capped at the session size.

    An open review attempt with questions left is resumed instead; questions whose right
    answers a quiz holds back are left out. Raises NothingDue.
    """
    settings = settings or current_settings()
    hold_starts(session, user_id)
    unfinished = session.scalar(
        select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.state == "open",
            Attempt.quiz_id.is_(None),
            Attempt.title == REVIEW_TITLE,
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )
    if unfinished is not None and any(slot.fraction is None for slot in unfinished.slots):
        return unfinished
    due = due_questions(session, user_id, now, settings)
    if not due:
        raise NothingDue(next_due(session, user_id))
    held = held_back(session, now).keys  # a review shows right answers, which those quizzes hold back
    practisable = [q for q in due if q.key not in held]
    if not practisable:
        raise NothingDue(None, held=len(due))
    due = practisable
    keys = [q.key for q in due[: settings.session_size]]
    return start_questions(session, user_id, keys, title=REVIEW_TITLE, now=now, rng=rng)


# --- replaying and merging ----------------------------------------------------------------------------


def replay(logs: Iterable[ReviewLog | Mapping[str, Any]], card_id: int, scheduler: Scheduler) -> Card:
    """The card that a question's review logs give under `scheduler` (fsrs's reschedule_card)."""
    entries = [
        FsrsLog(
            card_id=card_id,
            rating=Rating(_get(log, "rating")),
            review_datetime=as_utc(_get(log, "reviewed_at")),
            review_duration=_get(log, "duration_ms"),
        )
        for log in logs
    ]
    first = min((e.review_datetime for e in entries), default=utcnow())
    return scheduler.reschedule_card(Card(card_id=card_id, due=first), entries)


def _get(log: ReviewLog | Mapping[str, Any], name: str) -> Any:
    return log[name] if isinstance(log, Mapping) else getattr(log, name)


def rebuild_cards(session: Session, user_id: int, settings: ReviewSettings | None = None) -> int:
    """Replace the user's cards by replaying every review log (new parameters, merged accounts).

    A log's days since the question's previous review are counted again too: merged histories
    interleave. Returns the number of cards written.
    """
    scheduler = (settings or current_settings()).scheduler()
    per_question: dict[int, list[Any]] = defaultdict(list)
    for log in session.execute(
        select(
            ReviewLog.id,
            ReviewLog.question_id,
            ReviewLog.rating,
            ReviewLog.reviewed_at,
            ReviewLog.duration_ms,
            ReviewLog.elapsed_days,
        )
        .where(ReviewLog.user_id == user_id)
        .order_by(ReviewLog.question_id, ReviewLog.reviewed_at, ReviewLog.id)
    ).mappings():
        per_question[log["question_id"]].append(log)
    recounted = [
        {"id": log["id"], "elapsed_days": elapsed}
        for logs in per_question.values()
        for log, elapsed in zip(logs, _elapsed_days(logs), strict=True)
        if elapsed != log["elapsed_days"]
    ]
    if recounted:
        session.execute(update(ReviewLog), recounted)
    session.execute(delete(ReviewCard).where(ReviewCard.user_id == user_id))
    for question_id, logs in per_question.items():
        row = ReviewCard(user_id=user_id, question_id=question_id, reviews=0)
        _store(row, replay(logs, question_id, scheduler), Rating(logs[-1]["rating"]))
        row.reviews = len(logs)
        session.add(row)
    session.flush()
    return len(per_question)


def _elapsed_days(logs: list[Any]) -> list[int | None]:
    """Whole days from each of a question's reviews (in time order) to the one before; None first."""
    times = [as_utc(log["reviewed_at"]) for log in logs]
    return [None] + [(later - earlier).days for earlier, later in pairwise(times)]


def merge_users(
    session: Session, source_id: int, target_id: int, settings: ReviewSettings | None = None
) -> None:
    """Move the source user's review data to the target: logs re-pointed, days added up, cards replayed."""
    session.execute(update(ReviewLog).where(ReviewLog.user_id == source_id).values(user_id=target_id))
    days = session.execute(
        select(StudyDay.day, StudyDay.answers, StudyDay.credit).where(StudyDay.user_id == source_id)
    ).all()
    session.execute(delete(StudyDay).where(StudyDay.user_id == source_id))
    session.execute(delete(ReviewCard).where(ReviewCard.user_id == source_id))
    for day, answers, credit in days:
        _count_days_row(session, target_id, day, answers, credit)
    rebuild_cards(session, target_id, settings)


def _count_days_row(session: Session, user_id: int, day: int, answers: int, credit: float) -> None:
    existing = session.get(StudyDay, (user_id, day))
    if existing is None:
        session.add(StudyDay(user_id=user_id, day=day, answers=answers, credit=credit))
    else:
        existing.answers += answers
        existing.credit += credit
    session.flush()
