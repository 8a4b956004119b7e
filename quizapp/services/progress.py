"""What the My progress page shows, each part in one or a few SQL statements, whatever the history's size.

Mastery of a fact (or topic) is the mean, over its active questions, of the fsrs probability
that the user recalls the question now (its card's retrievability); a question the user has
never answered, or last answered wrong, counts 0 (fsrs rates recall just after a wrong answer
high: the right answer was just shown). Days are numbered on the user's calendar (quizapp/days.py).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from weakref import WeakKeyDictionary

from fsrs import Rating, Scheduler
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..days import EPOCH, day_number, day_start
from ..models import (
    Attempt,
    BankState,
    Fact,
    Question,
    QuestionVersion,
    Topic,
    User,
    question_version_facts,
    question_version_topics,
)
from ..review_models import ReviewCard, StudyDay
from .attempts import as_utc
from .review import recall_curve

WEEKLY_UP_TO_DAYS = 26 * 7  # a longer history is charted by month
CHART_DAYS = 2 * 366  # the chart covers at most the last two years


def day_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


# --- attempts history ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    id: int
    title: str
    mode: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    max_score: float

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None

    @property
    def percent(self) -> float | None:
        return 100 * self.score / self.max_score if self.score is not None and self.max_score else None


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    page: int
    pages: int
    total: int


_USER = bindparam("user_id")
_ATTEMPT_COUNT = select(User.attempt_count).where(User.id == _USER)  # kept on write: no count(*)
_ATTEMPT_ROWS = (
    select(
        Attempt.id,
        Attempt.title,
        Attempt.mode,
        Attempt.state,
        Attempt.started_at,
        Attempt.finished_at,
        Attempt.score,
        Attempt.max_score,
    )
    .where(Attempt.user_id == _USER)
    .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    # Bound here, once: a statement made per request with .limit(n).offset(m) cost about
    # four times the query itself (building it and working out its cache key every time).
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def attempts_history(session: Session, user_id: int, page: int = 1, per_page: int = 20) -> HistoryPage:
    """The user's attempts, newest first, one page of them (two statements)."""
    # Statements are built once (module level): building them costs more than running them.
    # They run on the session's connection, without the ORM's layer: they read plain columns.
    total = session.connection().execute(_ATTEMPT_COUNT, {"user_id": user_id}).scalar() or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    params = {"user_id": user_id, "limit": per_page, "offset": (page - 1) * per_page}
    rows = session.connection().execute(_ATTEMPT_ROWS, params).all()
    return HistoryPage(
        [
            HistoryRow(
                r.id,
                r.title,
                r.mode,
                r.state,
                as_utc(r.started_at),
                as_utc(r.finished_at) if r.finished_at else None,
                r.score,
                r.max_score,
            )
            for r in rows
        ],
        page,
        pages,
        total,
    )


# --- score over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    label: str  # short, for the chart's axis
    long_label: str  # for the table
    answers: int
    percent: float


_WEEK = (StudyDay.day + 3) // 7  # day 0, 1 January 1970, was a Thursday: week 0 starts on a Monday
# Months do not follow from day numbers by arithmetic: each day is matched against the first days
# of the months the chart can cover (bound per call, the latest first). Fewer months pad with a
# day after `today`, which no row reaches.
MONTHS_CHARTED = CHART_DAYS // 28 + 2
_MONTH = case(
    *[(StudyDay.day >= bindparam(f"month_{i}"), i) for i in reversed(range(1, MONTHS_CHARTED))], else_=0
)
_DAYS = (
    select(_WEEK.label("week"), _MONTH.label("month"), StudyDay.answers.label("answers"), StudyDay.credit)
    .where(
        StudyDay.user_id == _USER,
        StudyDay.day > bindparam("since"),
        StudyDay.day <= bindparam("today"),
    )
    .subquery()
)
_WEEKS = (
    select(_DAYS.c.week, _DAYS.c.month, func.sum(_DAYS.c.answers), func.sum(_DAYS.c.credit))
    .group_by(_DAYS.c.week, _DAYS.c.month)
    .order_by(_DAYS.c.week, _DAYS.c.month)
)


def score_over_time(session: Session, user_id: int, today: int) -> list[ScorePoint]:
    """The share of credit earned on graded answers, by week (Monday to Sunday), or by calendar
    month past 26 weeks of history; summed in SQL by week and month (a week that spans two
    months comes as two rows)."""
    since = today - CHART_DAYS
    months = _month_starts(since, today)
    params = {"user_id": user_id, "since": since, "today": today}
    params.update({f"month_{i}": day for i, day in enumerate(months)})
    rows = session.connection().execute(_WEEKS, params).all()
    if not rows:
        return []
    weekly = (today + 3) // 7 - rows[0][0] < WEEKLY_UP_TO_DAYS // 7
    buckets: dict[tuple[str, str], list[float]] = {}  # rows come in time order, so buckets in order
    for week, month, answers, credit in rows:
        label = _week_label(int(week)) if weekly else _month_label(months[int(month)])
        totals = buckets.setdefault(label, [0, 0.0])
        totals[0] += answers
        totals[1] += credit
    return [
        ScorePoint(short, long, int(answers), 100 * credit / answers if answers else 0.0)
        for (short, long), (answers, credit) in buckets.items()
    ]


@lru_cache(maxsize=64)
def _month_starts(since: int, today: int) -> tuple[int, ...]:
    """The first day of each month from the one holding `since + 1` to today's, padded with
    `today + 1` to MONTHS_CHARTED days."""
    first = day_date(since + 1).replace(day=1)
    starts = []
    while len(starts) < MONTHS_CHARTED and (day := (first - EPOCH).days) <= today:
        starts.append(day)
        first = (first + timedelta(days=31)).replace(day=1)
    return tuple(starts + [today + 1] * (MONTHS_CHARTED - len(starts)))


@lru_cache(maxsize=4096)
def _week_label(week: int) -> tuple[str, str]:
    """The short and long labels of the week numbered `week` (weeks since 1970).

    The same few hundred weeks come back for every user: dates and labels are made once.
    """
    monday = day_date(week * 7 - 3)
    return f"{monday.day} {monday:%b}", f"Week of {monday.day} {monday:%B %Y}"


@lru_cache(maxsize=512)
def _month_label(first_day: int) -> tuple[str, str]:
    first = day_date(first_day)
    return f"{first:%b %Y}", f"{first:%B %Y}"


# --- mastery ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mastery:
    key: str
    title: str
    percent: float  # 0..100
    seen: int  # active questions the user has answered
    total: int  # active questions


def mastery(
    session: Session, user_id: int, now: datetime, scheduler: Scheduler, shape: BankShape | None = None
) -> tuple[list[Mastery], list[Mastery]]:
    """Mastery of every active fact and topic with active questions (two statements).

    Which questions a fact or topic has depends on the bank only: it is kept per process and
    database under the bank's state token (see `bank_shape`), so only the user's cards are read.
    """
    shape = shape or bank_shape(session)
    cards = session.connection().execute(_CARDS, {"user_id": user_id})
    curve = recall_curve(scheduler, now)
    again = int(Rating.Again)
    recall = {
        question_id: 0.0 if last_rating == again else curve(stability, last)
        for question_id, stability, last, last_rating in cards
    }
    return mastery_of(shape.facts, recall), mastery_of(shape.topics, recall)


Group = tuple[str, str, tuple[int, ...]]  # key, title, active question ids


@dataclass(frozen=True)
class BankShape:
    """The active questions of each active fact (in bank order) and of each topic (by title),
    and which of those facts an import drafted (their statements give the answer away)."""

    facts: list[Group]
    topics: list[Group]
    drafts: frozenset[str] = frozenset()


_CARDS = select(
    ReviewCard.question_id, ReviewCard.stability, ReviewCard.last_review, ReviewCard.last_rating
).where(ReviewCard.user_id == bindparam("user_id"))
_TOKEN = select(BankState.token).where(BankState.id == 1)
_shapes: WeakKeyDictionary[Engine, tuple[str, BankShape]] = WeakKeyDictionary()


def bank_shape(session: Session) -> BankShape:
    """The bank's shape, read again only after a load changed the bank (one statement otherwise)."""
    # The token first: what is read after it is at least as new (as in catalogue.listing).
    token = session.connection().execute(_TOKEN).scalar()
    engine = session.get_bind()
    kept = _shapes.get(engine)
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    current = (
        select(Question.id.label("question_id"), QuestionVersion.id.label("version_id"))
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.number == Question.version),
        )
        .where(Question.retired_at.is_(None))
        .subquery()
    )
    facts = session.execute(
        select(Fact.key, Fact.statement, current.c.question_id, Fact.draft)
        .join(question_version_facts, question_version_facts.c.fact_id == Fact.id)
        .join(current, current.c.version_id == question_version_facts.c.question_version_id)
        .where(Fact.retired_at.is_(None))
        .order_by(Fact.id)
    ).all()
    topics = session.execute(
        select(Topic.key, Topic.title, current.c.question_id)
        .join(question_version_topics, question_version_topics.c.topic_id == Topic.id)
        .join(current, current.c.version_id == question_version_topics.c.question_version_id)
        .order_by(Topic.title)
    ).all()
    drafts = frozenset(key for key, _, _, draft in facts if draft)
    shape = BankShape(
        grouped([(key, title, question) for key, title, question, _ in facts]), grouped(topics), drafts
    )
    if token is not None:
        _shapes[engine] = (token, shape)
    return shape


def grouped(rows: list[tuple[str, str, int]]) -> list[Group]:
    """(key, title, question id) rows gathered per (key, title), in the order first seen."""
    groups: dict[tuple[str, str], list[int]] = {}
    for key, title, question_id in rows:
        groups.setdefault((key, title), []).append(question_id)
    return [(key, title, tuple(questions)) for (key, title), questions in groups.items()]


def mastery_from(rows: list[tuple[str, str, int]], recall: dict[int, float]) -> list[Mastery]:
    """Per (key, title): the mean recall of its questions (rows: key, title, question id); unseen: 0."""
    return mastery_of(grouped(rows), recall)


def mastery_of(groups: list[Group], recall: dict[int, float]) -> list[Mastery]:
    """Per group: the mean recall of its questions; a question without a card counts 0."""
    return [
        Mastery(
            key,
            title,
            100 * sum(recall.get(q, 0.0) for q in questions) / len(questions),
            sum(1 for q in questions if q in recall),
            len(questions),
        )
        for key, title, questions in groups
    ]


def held_facts(shape: BankShape, held: frozenset[int]) -> frozenset[str]:
    """The keys of the facts whose every active question is in `held` (see held_back.py): they
    cannot be practised now."""
    return frozenset(key for key, _, questions in shape.facts if held and held.issuperset(questions))


def shown_facts(facts: list[Mastery], shape: BankShape) -> list[Mastery]:
    """The facts a user may read: a drafted one only once they have answered one of its questions."""
    return [f for f in facts if f.seen or f.key not in shape.drafts]


def weakest(facts: list[Mastery], count: int = 5) -> list[Mastery]:
    """The facts the user has practised and knows least."""
    return sorted((f for f in facts if f.seen), key=lambda f: (f.percent, f.key))[:count]


# --- streak and due reviews -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    days: int  # consecutive days with graded answers, ending today or yesterday
    studied_today: bool


_STUDIED = StudyDay.__table__.alias("studied")
_BEFORE = StudyDay.__table__.alias("before")
# The first day of the latest run: the latest studied day (up to today) whose day before was not studied.
_RUN_START = (
    select(_STUDIED.c.day)
    .where(
        _STUDIED.c.user_id == _USER,
        _STUDIED.c.day <= bindparam("today"),
        ~select(_BEFORE.c.day)
        .where(_BEFORE.c.user_id == _USER, _BEFORE.c.day == _STUDIED.c.day - 1)
        .exists(),
    )
    .order_by(_STUDIED.c.day.desc())
    .limit(1)
    .scalar_subquery()
)
_STREAK = select(func.max(StudyDay.day), _RUN_START).where(
    StudyDay.user_id == _USER, StudyDay.day <= bindparam("today")
)


# The same run by gaps and islands, for PostgreSQL: walking the days newest first, `day + row
# number` stays the same along a run of consecutive days and drops after each gap, so the
# latest run is the group with the highest value. One ordered pass over the user's days,
# where the NOT EXISTS above lets PostgreSQL without fresh statistics (a new or fast-growing
# table) pick a quadratic anti-join: 140 ms for two years of days. SQLite runs the NOT EXISTS
# form in half the time of this one, so it keeps it.
_ORDERED = (
    select(
        StudyDay.day.label("day"),
        (StudyDay.day + func.row_number().over(order_by=StudyDay.day.desc())).label("run"),
    )
    .where(StudyDay.user_id == _USER, StudyDay.day <= bindparam("today"))
    .subquery("ordered")
)
_STREAK_BY_RUNS = (
    select(func.max(_ORDERED.c.day), func.min(_ORDERED.c.day))
    .group_by(_ORDERED.c.run)
    .order_by(_ORDERED.c.run.desc())
    .limit(1)
)


def streak(session: Session, user_id: int, today: int) -> Streak:
    """The current streak (one statement, reading the days of the latest run only).

    Every day from the run's first day to the last studied day was studied, so the streak is
    the span between them.
    """
    params = {"user_id": user_id, "today": today}
    if session.get_bind().dialect.name == "postgresql":
        last, start = session.connection().execute(_STREAK_BY_RUNS, params).first() or (None, None)
    else:
        last, start = session.connection().execute(_STREAK, params).one()
    if last is None or last < today - 1:
        return Streak(0, False)
    return Streak(int(last) - int(start) + 1, last == today)


# --- the chart and the streak, kept while the study days stay the same ----------------------------------

SUMMARIES_KEPT = 4096  # users per database and process

# Study days are only ever added to (an answer adds to its day's row, or a new row; a merge adds a
# guest's days; rows go only with their user), so their number, latest day and sums name a user's
# days exactly: the chart and the streak made from them can be kept under that fingerprint.
_FINGERPRINT = select(
    func.count(), func.max(StudyDay.day), func.sum(StudyDay.answers), func.sum(StudyDay.credit)
).where(StudyDay.user_id == _USER)


class _Summaries:
    """Per database, a bounded LRU of (points, streak) by user, day and fingerprint of the user's days."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.kept: WeakKeyDictionary[Engine, OrderedDict[tuple, tuple]] = WeakKeyDictionary()

    def get(self, engine: Engine, key: tuple) -> tuple | None:
        with self.lock:
            kept = self.kept.get(engine)
            if kept is None or key not in kept:
                return None
            kept.move_to_end(key)
            return kept[key]

    def put(self, engine: Engine, key: tuple, value: tuple) -> None:
        with self.lock:
            kept = self.kept.setdefault(engine, OrderedDict())
            kept[key] = value
            if len(kept) > self.size:
                kept.popitem(last=False)


_summaries = _Summaries(SUMMARIES_KEPT)


def chart_and_streak(session: Session, user_id: int, today: int) -> tuple[tuple[ScorePoint, ...], Streak]:
    """`score_over_time` and `streak` for the user on `today`; one small statement while the user's
    study days are those they were at the last call (two years of days cost two statements that
    read every row of them, and the chart's points made again)."""
    fingerprint = session.connection().execute(_FINGERPRINT, {"user_id": user_id}).one()
    key = (user_id, today, *fingerprint)
    engine = session.get_bind()
    kept = _summaries.get(engine, key)
    if kept is None:
        kept = (tuple(score_over_time(session, user_id, today)), streak(session, user_id, today))
        _summaries.put(engine, key, kept)
    return kept


@dataclass(frozen=True)
class DueCounts:
    now: int  # due now
    today: int  # due by the end of today on the user's calendar, overdue included
    week: int  # due by the end of the sixth day after today
    next_due: datetime | None  # the earliest due time


def _count(test: object) -> object:
    return func.coalesce(func.sum(case((test, 1), else_=0)), 0)


_DUE = (
    select(
        _count(ReviewCard.due <= bindparam("now", type_=ReviewCard.due.type)),
        _count(ReviewCard.due < bindparam("end_today", type_=ReviewCard.due.type)),
        _count(ReviewCard.due < bindparam("end_week", type_=ReviewCard.due.type)),
        func.min(ReviewCard.due),
    )
    .join(Question, Question.id == ReviewCard.question_id)
    .where(
        ReviewCard.user_id == _USER,
        Question.retired_at.is_(None),
        ReviewCard.question_id.not_in(bindparam("held", expanding=True)),
    )
)


def due_counts(
    session: Session,
    user_id: int,
    now: datetime,
    held: frozenset[int] = frozenset(),
    zone_name: str | None = None,
) -> DueCounts:
    """How many active questions fall due now, today and this week (one statement); days end at
    midnight in the user's zone (`zone_name`, UTC when None).

    `held`: the ids of questions a quiz holds back, which no review may show (see held_back.py).
    """
    today = day_number(now, zone_name)
    params = {
        "user_id": user_id,
        "now": now,
        "end_today": day_start(today + 1, zone_name),
        "end_week": day_start(today + 7, zone_name),
        "held": sorted(held),
    }
    due_now, due_today, due_week, first = session.connection().execute(_DUE, params).one()
    return DueCounts(int(due_now), int(due_today), int(due_week), as_utc(first) if first else None)
