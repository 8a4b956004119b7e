"""Attempts: start them (draw questions, fix their layout) and read them back.

Every function takes plain values and a session and only flushes; the caller commits.
Answering and finishing live in `answering.py`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, bindparam, case, cast, func, select, update
from sqlalchemy.orm import Session, selectinload

from ..bank.schema import Selection
from ..bank.selection import selects
from ..models import Attempt, Fact, Question, QuestionVersion, Quiz, QuizVersion, Slot, User, utcnow
from .catalogue import active_questions
from .held_back import held_back

GRACE = timedelta(seconds=60)


class AttemptError(Exception):
    """A request the attempt cannot take; the message is for the taker."""


class AccountNeeded(AttemptError):
    """A quiz that counts attempts is for accounts: a guest could start afresh in another browser
    (and a guest's attempts, merged into an account, would add to the account's)."""

    def __init__(self) -> None:
        super().__init__(ACCOUNT_NEEDED)


ACCOUNT_NEEDED = (
    "This quiz allows a set number of attempts, counted per account: sign in or register to take it."
)


def limits_attempts(session: Session, quiz_key: str) -> bool:
    """Whether the quiz (an active one) allows a set number of attempts."""
    return bool(
        session.scalar(select(Quiz.attempts_allowed).where(Quiz.key == quiz_key, Quiz.retired_at.is_(None)))
    )


def unfinished_attempt(session: Session, user_id: int | None, quiz_key: str) -> Attempt | None:
    """The user's latest unfinished attempt at the quiz (overdue or not), if any."""
    if user_id is None:
        return None
    return session.scalar(
        select(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == user_id, Quiz.key == quiz_key, Attempt.state == "open")
        .order_by(Attempt.id.desc())
        .limit(1)
    )


def time_limit_to_confirm(
    session: Session, user_id: int | None, quiz_key: str, now: datetime
) -> tuple[str, int] | None:
    """The title and time limit (minutes) a taker should agree to before Start begins the clock;
    None when Start begins nothing new (an unfinished attempt resumes) or will be refused (the quiz
    is retired, not open, or its attempts are used): `start_quiz` then says why at once."""
    quiz = session.scalar(select(Quiz).where(Quiz.key == quiz_key, Quiz.retired_at.is_(None)))
    if quiz is None or not quiz.time_limit:
        return None
    unfinished = unfinished_attempt(session, user_id, quiz_key)
    if unfinished is not None and not overdue(unfinished, now):
        return None  # it resumes
    if refused_start(session, quiz, user_id, now) is not None:
        return None  # start_quiz says why
    return quiz.title, quiz.time_limit


def refused_start(session: Session, quiz: Quiz, user_id: int | None, now: datetime) -> AttemptError | None:
    """Why the user may not start a new attempt at the quiz now (it is not open; it counts attempts
    and the user is a guest, or has used them all), as the error to raise; None if they may."""
    closed = not_open_reason(quiz.opens_at, quiz.closes_at, now)
    if closed:
        return AttemptError(closed)
    if not quiz.attempts_allowed or user_id is None:
        return None
    if session.scalar(select(User.is_guest).where(User.id == user_id)):
        return AccountNeeded()
    if attempts_used(session, user_id, quiz.id) >= quiz.attempts_allowed:
        allowed = quiz.attempts_allowed
        return AttemptError(
            "You have used the one attempt allowed at this quiz."
            if allowed == 1
            else f"You have used all {allowed} attempts allowed at this quiz."
        )
    return None


class StalePage(AttemptError):
    """The page was answered already (double submit, back button, another tab)."""


class AttemptClosed(StalePage):
    """The attempt was submitted (or deleted) meanwhile: nothing of it can be saved any more."""


class TimeUp(AttemptError):
    """The exam's deadline (plus grace) has passed; the attempt was closed with what was saved."""


# --- takers --------------------------------------------------------------------------------


def new_guest(session: Session) -> User:
    user = User(is_guest=True)
    session.add(user)
    session.flush()
    return user


# --- starting -------------------------------------------------------------------------------


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def _numbers(texts: list[str]) -> list[float] | None:
    """The options' values when every option is a plain number ("2010", "-3.5"), else None."""
    if not all(_PLAIN_NUMBER.fullmatch(text.strip()) for text in texts):
        return None
    return [float(text) for text in texts]


def layout_for(
    qtype: str, data: dict[str, Any], rng: random.Random, shuffle_options: bool = True
) -> dict[str, Any]:
    """The display order of a question's parts, fixed for the attempt.

    Pages post display positions, never the bank's indices: a bank lists ordering items in
    the right order and often puts the right option first, so its indices would leak answers.
    Without `shuffle_options` choices keep their written order; ordering items and matching
    choices are shuffled all the same (in written order they would be the answer). Choices that
    are all plain numbers (years, say) are put in ascending order rather than shuffled.
    """

    def kept(n: int) -> list[int]:
        return list(range(n)) if not shuffle_options else shuffled(n)

    def shuffled(n: int, avoid_identity: bool = False) -> list[int]:
        order = list(range(n))
        rng.shuffle(order)
        while avoid_identity and n > 1 and order == sorted(order):
            rng.shuffle(order)
        return order

    if qtype in ("single_choice", "multiple_choice"):
        values = _numbers([option["text"] for option in data["options"]]) if shuffle_options else None
        if values is not None:  # years or amounts read best in order, and their order gives nothing away
            return {"options": sorted(range(len(values)), key=values.__getitem__)}
        return {"options": kept(len(data["options"]))}
    if qtype == "ordering":
        return {"items": shuffled(len(data["items"]), avoid_identity=True)}
    if qtype == "matching":
        rights = len(data["pairs"]) + len(data.get("distractors") or [])
        lefts, order = shuffled(len(data["pairs"])), shuffled(rights, avoid_identity=True)
        # Nor may the k-th choice be the match of the k-th item for every item: "in order" would win.
        while order[: len(lefts)] == lefts or order == sorted(order):
            rng.shuffle(order)
        return {"lefts": lefts, "rights": order}
    if qtype == "cloze":
        return {"blanks": [kept(len(b["options"])) if b.get("options") else None for b in data["blanks"]]}
    return {}


def _current_versions(session: Session, keys: list[str]) -> dict[str, QuestionVersion]:
    """The current versions of the questions `keys`, held (FOR KEY SHARE on PostgreSQL) until the
    attempt's slots point at them: a teacher's delete of a never-used question waits, then finds
    them used; a delete that came first leaves its question out of what this returns."""
    rows = session.execute(
        select(Question.key, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(
            Question.key.in_(keys),
            Question.retired_at.is_(None),
            QuestionVersion.number == Question.version,
        )
        .with_for_update(read=True, key_share=True, of=QuestionVersion)
    ).all()
    return {key: version for key, version in rows}


def _create(
    session: Session,
    *,
    user_id: int,
    keys: list[str],
    title: str,
    mode: str,
    now: datetime,
    rng: random.Random,
    quiz: Quiz | None = None,
    time_limit: int | None = None,
) -> Attempt:
    versions = _current_versions(session, keys)
    chosen = [versions[k] for k in keys if k in versions]
    if not chosen:
        raise AttemptError("No questions are available for this selection.")
    quiz_version_id = None
    if quiz is not None:
        quiz_version_id = session.scalar(
            select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id, QuizVersion.number == quiz.version)
        )
    attempt = Attempt(
        user_id=user_id,
        quiz_id=quiz.id if quiz else None,
        quiz_version_id=quiz_version_id,
        title=title,
        mode=mode,
        state="open",
        started_at=now,
        deadline=now + timedelta(minutes=time_limit) if time_limit else None,
        position=1,
        max_score=sum(v.marks for v in chosen),
    )
    session.add(attempt)
    session.flush()
    session.execute(update(User).where(User.id == user_id).values(attempt_count=User.attempt_count + 1))
    session.add_all(
        Slot(
            attempt_id=attempt.id,
            position=i,
            question_version_id=v.id,
            layout=layout_for(v.type, v.data, rng, quiz.shuffle_options if quiz else True),
            sequence=0,
            flagged=False,
        )
        for i, v in enumerate(chosen, start=1)
    )
    session.flush()
    return attempt


def not_open_reason(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> str | None:
    """Why a quiz cannot be started at `now` (before it opens, after it closes); None if it can."""
    if opens_at is not None and now < as_utc(opens_at):
        return f"This quiz opens at {as_utc(opens_at):%H:%M UTC on %d %B %Y}; it cannot be started yet."
    if closes_at is not None and now >= as_utc(closes_at):
        return f"This quiz closed at {as_utc(closes_at):%H:%M UTC on %d %B %Y}; it cannot be started now."
    return None


def hold_starts(session: Session, user_id: int) -> None:
    """Queue this user's starts: until this transaction ends, another that calls this for the user
    waits. Two tabs pressing Start at once must not both find no unfinished attempt (or attempts
    left) and both insert one. On PostgreSQL the user's row is locked (FOR NO KEY UPDATE, which
    leaves the user's other writes alone); SQLite's writers are queued already (BEGIN IMMEDIATE).
    """
    session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


def attempts_used(session: Session, user_id: int, quiz_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
    )


def start_quiz(
    session: Session,
    user_id: int,
    quiz_key: str,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start an attempt at a quiz: draw its questions and fix their order.

    A taker with an unfinished attempt at the quiz gets that attempt back instead of a second one.
    """
    now, rng = now or utcnow(), rng or random.Random()
    quiz = session.scalar(select(Quiz).where(Quiz.key == quiz_key))
    if quiz is None:
        raise LookupError(quiz_key)
    if quiz.retired_at is not None:  # after the page offering it was shown
        raise AttemptError("That quiz is not offered any more: a teacher has retired it. Choose another one.")
    hold_starts(session, user_id)
    unfinished = unfinished_attempt(session, user_id, quiz_key)
    if unfinished is not None and not overdue(unfinished, now):
        return unfinished
    if (refused := refused_start(session, quiz, user_id, now)) is not None:
        raise refused
    selection = Selection.model_validate(quiz.selection)
    pool = [  # in bank order; a quiz draws from its own source only
        q for q in active_questions(session) if q.source_id == quiz.source_id and selects(selection, q)
    ]
    if selection.questions is not None:
        rank = {key: i for i, key in enumerate(selection.questions)}
        pool.sort(key=lambda q: rank[q.id])
    if quiz.count and quiz.count < len(pool):
        drawn = {q.id for q in rng.sample(pool, quiz.count)}
        pool = [q for q in pool if q.id in drawn]
    if quiz.question_order == "shuffled":
        rng.shuffle(pool)
    return _create(
        session,
        user_id=user_id,
        keys=[q.id for q in pool],
        title=quiz.title,
        mode=quiz.mode,
        now=now,
        rng=rng,
        quiz=quiz,
        time_limit=quiz.time_limit if quiz.mode == "exam" else None,
    )


def start_practice(
    session: Session,
    user_id: int,
    *,
    topics: list[str] | None = None,
    facts: list[str] | None = None,
    count: int = 10,
    title: str = "Practice",
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start a practice attempt on topics and/or facts (questions on any of them)."""
    now, rng = now or utcnow(), rng or random.Random()
    wanted_topics, wanted_facts = set(topics or []), set(facts or [])
    pool = [
        q
        for q in active_questions(session)
        if (wanted_topics & set(q.topics)) or (wanted_facts & set(q.facts))
    ]
    if not pool:
        raise AttemptError("No questions match the topics and facts you picked.")
    held = held_back(session, now).keys  # practice would show the answers a quiz holds back
    pool = [q for q in pool if q.id not in held]
    if not pool:
        raise AttemptError(
            "The questions on the topics and facts you picked belong to a quiz that does not show"
            " its right answers yet, so they cannot be practised until it does."
        )
    pool.sort(key=lambda q: q.id)
    rng.shuffle(pool)
    return _create(
        session,
        user_id=user_id,
        keys=[q.id for q in pool[:count]],
        title=title,
        mode="practice",
        now=now,
        rng=rng,
    )


def start_questions(
    session: Session,
    user_id: int,
    keys: list[str],
    *,
    title: str,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start a practice attempt of the given questions (by key), in the given order."""
    return _create(
        session,
        user_id=user_id,
        keys=keys,
        title=title,
        mode="practice",
        now=now or utcnow(),
        rng=rng or random.Random(),
    )


# --- reading -------------------------------------------------------------------------------


def attempt_of(
    session: Session,
    attempt_id: int,
    user_id: int | None,
    *,
    with_facts: bool = False,
    with_versions: bool = False,
) -> Attempt | None:
    """The attempt if it belongs to `user_id`; None otherwise (the caller answers 404).

    Its slots are loaded with it, not their question versions: a question page shows one
    (loaded when used). `with_versions` loads every slot's version in the same query (the
    summary shows their prompts); `with_facts` their facts and sources too (for the review and
    for practising what was missed), in two more queries, not some per slot.
    """
    if user_id is None:
        return None
    slots = selectinload(Attempt.slots)
    if with_facts:
        slots = slots.joinedload(Slot.version).selectinload(QuestionVersion.facts).joinedload(Fact.source)
    elif with_versions:
        slots = slots.joinedload(Slot.version)
    return session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id).options(slots)
    )


def slot_at(attempt: Attempt, position: int) -> Slot | None:
    return next((s for s in attempt.slots if s.position == position), None)


def overdue(attempt: Attempt, now: datetime) -> bool:
    return attempt.state == "open" and attempt.deadline is not None and now > as_utc(attempt.deadline) + GRACE


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OpenAttempt:
    id: int
    title: str
    position: int
    deadline: datetime | None
    answered: int
    total: int
    started_at: datetime


# Built once (building a statement costs more than running it), run on the session's connection.
HAS_RESPONSE = and_(Slot.response.is_not(None), cast(Slot.response, Text) != "null")  # saved empty: JSON null
_ANSWERED = case((HAS_RESPONSE, 1), else_=0)
_OPEN_ATTEMPTS = (
    select(
        Attempt.id,
        Attempt.title,
        Attempt.position,
        Attempt.deadline,
        func.coalesce(func.sum(_ANSWERED), 0),
        func.count(Slot.id),
        Attempt.started_at,
    )
    .outerjoin(Slot, Slot.attempt_id == Attempt.id)
    .where(Attempt.user_id == bindparam("user_id"), Attempt.state == "open")
    .group_by(Attempt.id, Attempt.title, Attempt.position, Attempt.deadline, Attempt.started_at)
    .order_by(Attempt.started_at.desc(), Attempt.id.desc())
)
_FINISHED_PERCENT = case(
    ((Attempt.state == "finished") & (Attempt.max_score > 0), Attempt.score * 100.0 / Attempt.max_score)
)
_STANDINGS = (
    select(
        Attempt.quiz_id,
        func.max(_FINISHED_PERCENT),
        func.count(),
        func.coalesce(func.sum(case((Attempt.state == "open", 1), else_=0)), 0),
    )
    .where(Attempt.user_id == bindparam("user_id"), Attempt.quiz_id.is_not(None))
    .group_by(Attempt.quiz_id)
)


@dataclass(frozen=True)
class Standing:
    """A user at one quiz: the best finished score (percent, or None), attempts made, open ones."""

    best: float | None
    used: int
    open: int


def standings(session: Session, user_id: int) -> dict[int, Standing]:
    """The user's standing at every quiz they have attempted (one SQL aggregate)."""
    rows = session.connection().execute(_STANDINGS, {"user_id": user_id})
    return {
        quiz_id: Standing(None if best is None else float(best), int(used), int(opened))
        for quiz_id, best, used, opened in rows
    }


def open_attempts(session: Session, user_id: int) -> list[OpenAttempt]:
    """The user's unfinished attempts, newest first, with how many questions are answered."""
    rows = session.connection().execute(_OPEN_ATTEMPTS, {"user_id": user_id})
    return [OpenAttempt(*row) for row in rows]
