"""What the home page lists: sources and their active quizzes, with their sizes; what is held back.

Working that out reads every active question, so it is kept per process and database and
read again only when the bank's state token (replaced by every load that changes the bank)
is not the one it was worked out for: one small query per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..bank.schema import Selection
from ..bank.selection import selects
from ..models import (
    BankState,
    Fact,
    Question,
    QuestionVersion,
    Quiz,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
)


@dataclass
class QuizEntry:
    id: int
    key: str
    title: str
    description: str | None
    mode: str
    time_limit: int | None
    size: int
    attempts_allowed: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None


@dataclass(frozen=True)
class Holding:
    """An active quiz that may hold its right answers back, and the questions it draws from."""

    show_answers: str
    closes_at: datetime | None
    keys: frozenset[str]
    ids: frozenset[int]


@dataclass
class SourceEntry:
    key: str
    title: str
    origin: str
    licence: str
    question_count: int
    fact_count: int
    quizzes: list[QuizEntry] = field(default_factory=list)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns; they are stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def active_questions(session: Session) -> list[SimpleNamespace]:
    """Every active question's current version as (id, pk, source_id, difficulty, facts, topics)."""
    current = (
        select(Question.key, Question.id, Question.source_id, QuestionVersion.id, QuestionVersion.difficulty)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.number == Question.version),
        )
        .where(Question.retired_at.is_(None))
        .order_by(Question.id)
    )
    questions = {
        version_id: SimpleNamespace(
            id=key, pk=pk, source_id=source_id, difficulty=difficulty, facts=[], topics=[]
        )
        for key, pk, source_id, version_id, difficulty in session.execute(current)
    }
    version_ids = current.with_only_columns(QuestionVersion.id).scalar_subquery()
    for version_id, fact_key in session.execute(
        select(question_version_facts.c.question_version_id, Fact.key)
        .join(Fact, Fact.id == question_version_facts.c.fact_id)
        .where(question_version_facts.c.question_version_id.in_(version_ids))
    ):
        questions[version_id].facts.append(fact_key)
    for version_id, topic_key in session.execute(
        select(question_version_topics.c.question_version_id, Topic.key)
        .join(Topic, Topic.id == question_version_topics.c.topic_id)
        .where(question_version_topics.c.question_version_id.in_(version_ids))
    ):
        questions[version_id].topics.append(topic_key)
    return list(questions.values())


def catalogue(session: Session, questions: list[SimpleNamespace] | None = None) -> list[SourceEntry]:
    """Sources with their active quizzes, as students see them, in a fixed number of queries."""
    questions = active_questions(session) if questions is None else questions
    facts_per_source: dict[int, int] = {}
    # Facts drafted by an import are not shown to students until a teacher reviews them.
    for source_id in session.scalars(
        select(Fact.source_id).where(Fact.retired_at.is_(None), Fact.draft.is_(False))
    ):
        facts_per_source[source_id] = facts_per_source.get(source_id, 0) + 1
    entries: dict[int, SourceEntry] = {}
    for source in session.scalars(select(Source).order_by(Source.title)):
        entries[source.id] = SourceEntry(
            key=source.key,
            title=source.title,
            origin=source.origin,
            licence=source.licence,
            question_count=sum(1 for q in questions if q.source_id == source.id),
            fact_count=facts_per_source.get(source.id, 0),
        )
    for quiz in session.scalars(select(Quiz).where(Quiz.retired_at.is_(None)).order_by(Quiz.id)):
        selection = Selection.model_validate(quiz.selection)
        available = sum(1 for q in questions if q.source_id == quiz.source_id and selects(selection, q))
        size = min(quiz.count, available) if quiz.count else available
        entries[quiz.source_id].quizzes.append(
            QuizEntry(
                quiz.id,
                quiz.key,
                quiz.title,
                quiz.description,
                quiz.mode,
                quiz.time_limit,
                size,
                quiz.attempts_allowed,
                _aware(quiz.opens_at),
                _aware(quiz.closes_at),
            )
        )
    # A source with no quiz and no fact open to students (a fresh import's drafts) offers them nothing.
    return [e for e in entries.values() if e.quizzes or (e.question_count and e.fact_count)]


@dataclass(frozen=True, eq=False)
class Listing:
    """What the home page shows of the bank: the catalogue and what can be practised."""

    sources: list[SourceEntry]
    topics: list[tuple[str, str]]  # (key, title), by title
    facts: list[tuple[str, str]]  # (key, statement) of the active facts, in bank order
    holding: tuple[Holding, ...] = ()  # the active quizzes that may hold right answers back


def holdings(session: Session, questions: list[SimpleNamespace]) -> tuple[Holding, ...]:
    """The active quizzes whose settings can hold right answers back, with the questions they draw."""
    found = []
    for quiz in session.scalars(
        select(Quiz)
        .where(Quiz.retired_at.is_(None), Quiz.show_answers.in_(("never", "after_close")))
        .order_by(Quiz.id)
    ):
        selection = Selection.model_validate(quiz.selection)
        drawn = [q for q in questions if q.source_id == quiz.source_id and selects(selection, q)]
        found.append(
            Holding(
                quiz.show_answers,
                _aware(quiz.closes_at),
                frozenset(q.id for q in drawn),
                frozenset(q.pk for q in drawn),
            )
        )
    return tuple(found)


_TOKEN = select(BankState.token).where(BankState.id == 1)
_kept: WeakKeyDictionary[Engine, tuple[str, Listing]] = WeakKeyDictionary()


def listing(session: Session) -> Listing:
    """The bank's listing, worked out again only after a load changed the bank."""
    # The token first: what is read after it is at least as new, so a listing is never
    # kept under a token newer than its contents.
    token = session.connection().execute(_TOKEN).scalar()
    engine = session.get_bind()
    kept = _kept.get(engine)
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    questions = active_questions(session)
    found = Listing(
        catalogue(session, questions),
        [
            (key, title)
            for key, title in session.execute(select(Topic.key, Topic.title).order_by(Topic.title))
        ],
        [
            (key, statement)
            for key, statement in session.execute(
                # A fact an import drafted states its question's answer until a teacher reviews it.
                select(Fact.key, Fact.statement)
                .where(Fact.retired_at.is_(None), Fact.draft.is_(False))
                .order_by(Fact.id)
            )
        ],
        holdings(session, questions),
    )
    if token is not None:
        _kept[engine] = (token, found)
    return found
