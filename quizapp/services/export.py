"""A user's own data for download: attempts, answers and the review log, in chunks.

Each kind is read in keyset chunks (rows after the last id seen), so memory stays bounded
whatever the history's size, and the caller may end its transaction between chunks.

An export tells no more than the pages do: an answer is the text the taker gave (the stored
response holds bank positions, and the bank lists an ordering's items, and a matching's right
answers, in the right order), and the verdict (fraction, rating) of an answer whose feedback
waits for the submit is left out until the attempt is submitted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Answer, Attempt, Question, QuestionVersion, Quiz, Slot
from ..presenting import describe_response
from ..review_models import ReviewLog
from .attempts import HAS_RESPONSE, as_utc
from .visibility import feedback_at_once

CHUNK = 1000

FIELDS: dict[str, list[str]] = {
    "attempts": [
        "attempt_id",
        "title",
        "mode",
        "state",
        "started_at",
        "finished_at",
        "duration_seconds",
        "score",
        "max_score",
    ],
    "answers": [
        "answer_id",
        "attempt_id",
        "question",
        "question_version",
        "prompt",
        "answered_at",
        "fraction",
        "answer",
        "graded",
    ],
    "reviews": [
        "review_id",
        "question",
        "question_version",
        "attempt_slot_id",
        "rating",
        "fraction",
        "reviewed_at",
        "duration_ms",
        "elapsed_days",
    ],
}
KINDS = tuple(FIELDS)
RATINGS = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def _time(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def _verdict_shown(state: str | None, mode: str | None, feedback: str | None) -> bool:
    """Whether the taker has been told how an answer in this attempt was graded."""
    return state is None or state != "open" or feedback_at_once(mode or "", feedback)


def attempts(session: Session, user_id: int, chunk: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.id > last)
            .order_by(Attempt.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        yield [
            {
                "attempt_id": a.id,
                "title": a.title,
                "mode": a.mode,
                "state": a.state,
                "started_at": _time(a.started_at),
                "finished_at": _time(a.finished_at),
                "duration_seconds": (
                    round((as_utc(a.finished_at) - as_utc(a.started_at)).total_seconds())
                    if a.finished_at
                    else None
                ),
                "score": a.score,
                "max_score": a.max_score,
            }
            for a in rows
        ]


# What an answer row shows of its question: id, version number, prompt, and what reads the response.
_QUESTION = (
    Question.key,
    QuestionVersion.number,
    QuestionVersion.prompt,
    QuestionVersion.type,
    QuestionVersion.data,
)


def answers(session: Session, user_id: int, chunk: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    """Answers by attempt: a chunk of the user's attempts at a time, through the indexed attempt_id.

    An attempt's graded answers come first, then the answers saved in it and not graded yet (an
    unfinished exam's, a practice answer left unchecked), without an id or fraction.
    """
    last = 0
    attempts_per_chunk = max(1, chunk // 10)
    while True:
        ids = session.scalars(
            select(Attempt.id)
            .where(Attempt.user_id == user_id, Attempt.id > last)
            .order_by(Attempt.id)
            .limit(attempts_per_chunk)
        ).all()
        if not ids:
            return
        last = ids[-1]
        graded = [
            _answer(
                answer.attempt_id,
                question,
                answer.response,
                answer.answered_at,
                answer.id,
                answer.fraction if _verdict_shown(state, mode, feedback) else None,
            )
            for answer, *question, state, mode, feedback in session.execute(
                select(Answer, *_QUESTION, Attempt.state, Attempt.mode, Quiz.feedback)
                .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
                .join(Question, Question.id == QuestionVersion.question_id)
                .join(Attempt, Attempt.id == Answer.attempt_id)
                .outerjoin(Quiz, Quiz.id == Attempt.quiz_id)
                .where(Answer.attempt_id.in_(ids))
                .order_by(Answer.attempt_id, Answer.id)
            )
        ]
        saved = [
            _answer(slot.attempt_id, question, slot.response, slot.saved_at)
            for slot, *question in session.execute(
                select(Slot, *_QUESTION)
                .join(QuestionVersion, QuestionVersion.id == Slot.question_version_id)
                .join(Question, Question.id == QuestionVersion.question_id)
                .where(Slot.attempt_id.in_(ids), HAS_RESPONSE, Slot.fraction.is_(None))
                .order_by(Slot.attempt_id, Slot.position)
            )
        ]
        if graded or saved:
            yield sorted(graded + saved, key=lambda row: row["attempt_id"])  # stable: graded first


def _answer(
    attempt_id: int,
    question: list[Any],
    response: dict[str, Any] | None,
    at: datetime | None,
    answer_id: int | None = None,
    fraction: float | None = None,
) -> dict[str, Any]:
    """One row of the answers export; without `answer_id`, an answer saved and not graded yet."""
    key, number, prompt, qtype, data = question
    return {
        "answer_id": answer_id,
        "attempt_id": attempt_id,
        "question": key,
        "question_version": number,
        "prompt": prompt,
        "answered_at": _time(at),
        "fraction": fraction,
        "answer": "\n".join(describe_response(qtype, data, response)),
        "graded": answer_id is not None,
    }


def reviews(session: Session, user_id: int, chunk: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = session.execute(
            select(
                ReviewLog, Question.key, QuestionVersion.number, Attempt.state, Attempt.mode, Quiz.feedback
            )
            .join(Question, Question.id == ReviewLog.question_id)
            .join(QuestionVersion, QuestionVersion.id == ReviewLog.question_version_id)
            .outerjoin(Slot, Slot.id == ReviewLog.slot_id)
            .outerjoin(Attempt, Attempt.id == Slot.attempt_id)
            .outerjoin(Quiz, Quiz.id == Attempt.quiz_id)
            .where(ReviewLog.user_id == user_id, ReviewLog.id > last)
            .order_by(ReviewLog.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        last = rows[-1][0].id
        yield [
            {
                "review_id": log.id,
                "question": key,
                "question_version": number,
                "attempt_slot_id": log.slot_id,
                "rating": RATINGS[log.rating] if (shown := _verdict_shown(state, mode, feedback)) else None,
                "fraction": log.fraction if shown else None,
                "reviewed_at": _time(log.reviewed_at),
                "duration_ms": log.duration_ms,
                "elapsed_days": log.elapsed_days,
            }
            for log, key, number, state, mode, feedback in rows
        ]


READERS = {"attempts": attempts, "answers": answers, "reviews": reviews}
