"""What the teacher area lists: questions, facts and sources, filtered and a page at a time.

Each listing costs a fixed number of queries whatever the page or bank size: one count, one
page of rows, and one query per kind of related row (topics, facts) for the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..bank.load import new_state
from ..models import (
    WEB_ORIGIN,
    Answer,
    Fact,
    Question,
    QuestionVersion,
    Slot,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
    utcnow,
)
from ..review_models import ReviewCard, ReviewLog

PER_PAGE = 50
PROMPT_START = 80


class CatalogueError(Exception):
    """A change the catalogue refuses, with a message for the teacher."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Page:
    """One page of a listing."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class QuestionFilters:
    text: str = ""
    type: str = ""
    topic: str = ""
    fact: str = ""
    difficulty: str = ""
    status: str = "active"  # active | retired | all
    origin: str = ""  # "" | file | web


@dataclass
class FactFilters:
    text: str = ""
    source: str = ""
    section: str = ""
    draft: bool = False
    status: str = "active"
    origin: str = ""


@dataclass
class QuestionRow:
    id: int
    key: str
    type: str
    prompt_start: str
    topics: list[str]
    facts: list[str]
    difficulty: str
    version: int
    retired: bool
    origin: str  # the bank file's name, or "web"
    web_edited: bool


@dataclass
class FactRow:
    id: int
    key: str
    statement_start: str
    source: str
    section: str
    draft: bool
    version: int
    retired: bool
    origin: str
    web_edited: bool


@dataclass
class SourceRow:
    id: int
    key: str
    title: str
    origin: str
    licence: str
    sections: list[dict[str, str]]
    facts: int


@dataclass
class VersionRow:
    number: int
    created_at: datetime
    hash_prefix: str
    answers: int


@dataclass
class QuestionDetail:
    id: int
    key: str
    retired: bool
    origin: str
    web_edited: bool
    current: QuestionVersion
    topics: list[str]
    facts: list[str]
    versions: list[VersionRow] = field(default_factory=list)
    deletable: bool = False


def _start(text: str, length: int = PROMPT_START) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _origin(origin_file: str) -> str:
    return "web" if origin_file == WEB_ORIGIN else origin_file


def _matches(column: Any, text: str) -> Any:
    """Case-insensitive substring match, the same on SQLite and PostgreSQL; % and _ are literal."""
    return func.lower(column).contains(text.lower(), autoescape=True)


def _status(model: Any, status: str) -> Any:
    if status == "retired":
        return model.retired_at.is_not(None)
    if status == "all":
        return None
    return model.retired_at.is_(None)


def _origin_filter(model: Any, origin: str) -> Any:
    if origin == "web":
        return model.origin_file == WEB_ORIGIN
    if origin == "file":
        return model.origin_file != WEB_ORIGIN
    return None


def _paginate(session: Session, query: Select, page: int, per_page: int) -> tuple[int, int, list[Any]]:
    """The total, the page actually shown (clamped) and its rows."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = list(session.execute(query.limit(per_page).offset((page - 1) * per_page)))
    return total, page, rows


def list_questions(
    session: Session, filters: QuestionFilters, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """A page of questions matching `filters`, by key: three queries whatever the size."""
    current = and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.version)
    query = select(Question, QuestionVersion).join(QuestionVersion, current)
    conditions = [_status(Question, filters.status), _origin_filter(Question, filters.origin)]
    if filters.text.strip():
        text = filters.text.strip()
        conditions.append(or_(_matches(QuestionVersion.prompt, text), _matches(Question.key, text)))
    if filters.type:
        conditions.append(QuestionVersion.type == filters.type)
    if filters.difficulty:
        conditions.append(QuestionVersion.difficulty == filters.difficulty)
    if filters.topic:
        conditions.append(
            exists()
            .where(question_version_topics.c.question_version_id == QuestionVersion.id)
            .where(question_version_topics.c.topic_id == Topic.id)
            .where(Topic.key == filters.topic)
        )
    if filters.fact.strip():
        conditions.append(
            exists()
            .where(question_version_facts.c.question_version_id == QuestionVersion.id)
            .where(question_version_facts.c.fact_id == Fact.id)
            .where(Fact.key == filters.fact.strip())
        )
    query = query.where(*[c for c in conditions if c is not None]).order_by(Question.key)
    query = query.options(selectinload(QuestionVersion.topics), selectinload(QuestionVersion.facts))
    total, page, rows = _paginate(session, query, page, per_page)
    items = [
        QuestionRow(
            id=q.id,
            key=q.key,
            type=v.type,
            prompt_start=_start(v.prompt),
            topics=sorted(t.key for t in v.topics),
            facts=sorted(f.key for f in v.facts),
            difficulty=v.difficulty,
            version=q.version,
            retired=q.retired_at is not None,
            origin=_origin(q.origin_file),
            web_edited=q.web_edited_at is not None,
        )
        for q, v in rows
    ]
    return Page(items, page, per_page, total)


def list_facts(session: Session, filters: FactFilters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """A page of facts matching `filters`, by key: two queries whatever the size."""
    query = select(Fact, Source.key).join(Source, Fact.source_id == Source.id)
    conditions = [_status(Fact, filters.status), _origin_filter(Fact, filters.origin)]
    if filters.text.strip():
        text = filters.text.strip()
        conditions.append(or_(_matches(Fact.statement, text), _matches(Fact.key, text)))
    if filters.source:
        conditions.append(Source.key == filters.source)
    if filters.section.strip():
        conditions.append(Fact.section == filters.section.strip())
    if filters.draft:
        conditions.append(Fact.draft.is_(True))
    query = query.where(*[c for c in conditions if c is not None]).order_by(Fact.key)
    total, page, rows = _paginate(session, query, page, per_page)
    items = [
        FactRow(
            id=f.id,
            key=f.key,
            statement_start=_start(f.statement),
            source=source_key,
            section=f.section,
            draft=f.draft,
            version=f.version,
            retired=f.retired_at is not None,
            origin=_origin(f.origin_file),
            web_edited=f.web_edited_at is not None,
        )
        for f, source_key in rows
    ]
    return Page(items, page, per_page, total)


def list_sources(session: Session, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """A page of sources with their number of active facts: two queries."""
    active_facts = (
        select(Fact.source_id, func.count().label("n"))
        .where(Fact.retired_at.is_(None))
        .group_by(Fact.source_id)
        .subquery()
    )
    query = (
        select(Source, func.coalesce(active_facts.c.n, 0))
        .outerjoin(active_facts, active_facts.c.source_id == Source.id)
        .order_by(Source.key)
    )
    total, page, rows = _paginate(session, query, page, per_page)
    items = [SourceRow(s.id, s.key, s.title, s.origin, s.licence, list(s.sections), int(n)) for s, n in rows]
    return Page(items, page, per_page, total)


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The topics and sources to filter by, as (key, label) pairs."""
    topics = session.execute(select(Topic.key, Topic.title).order_by(Topic.key))
    sources = session.execute(select(Source.key, Source.title).order_by(Source.key))
    return {
        "topics": [(k, f"{t} ({k})") for k, t in topics],
        "sources": [(k, f"{t} ({k})") for k, t in sources],
    }


# --- one question ---------------------------------------------------------------------------------


def _version_ids(question_id: int) -> Select:
    return select(QuestionVersion.id).where(QuestionVersion.question_id == question_id)


def _ever_used(session: Session, question_id: int) -> bool:
    """Whether anybody was ever shown or answered any version of the question."""
    ids = _version_ids(question_id)
    return bool(
        session.scalar(
            select(
                or_(
                    exists().where(Answer.question_version_id.in_(ids)),
                    exists().where(Slot.question_version_id.in_(ids)),
                    exists().where(ReviewCard.question_id == question_id),
                    exists().where(ReviewLog.question_id == question_id),
                )
            )
        )
    )


def question_detail(session: Session, question_id: int) -> QuestionDetail | None:
    """A question, its current version and its history with answer counts; None if unknown."""
    question = session.get(Question, question_id)
    if question is None:
        return None
    answers = (
        select(Answer.question_version_id, func.count().label("n"))
        .where(Answer.question_version_id.in_(_version_ids(question_id)))
        .group_by(Answer.question_version_id)
        .subquery()
    )
    rows = session.execute(
        select(QuestionVersion, func.coalesce(answers.c.n, 0))
        .outerjoin(answers, answers.c.question_version_id == QuestionVersion.id)
        .where(QuestionVersion.question_id == question_id)
        .options(selectinload(QuestionVersion.topics), selectinload(QuestionVersion.facts))
        .order_by(QuestionVersion.number.desc())
    ).all()
    current = next(v for v, _n in rows if v.number == question.version)
    return QuestionDetail(
        id=question.id,
        key=question.key,
        retired=question.retired_at is not None,
        origin=_origin(question.origin_file),
        web_edited=question.web_edited_at is not None,
        current=current,
        topics=sorted(t.key for t in current.topics),
        facts=sorted(f.key for f in current.facts),
        versions=[VersionRow(v.number, v.created_at, v.content_hash[:10], int(n)) for v, n in rows],
        deletable=not _ever_used(session, question_id),
    )


def _question(session: Session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None:
        raise CatalogueError("There is no such question.")
    return question


def retire_question(session: Session, question_id: int, now: datetime | None = None) -> Question:
    """Retire a question: it is no longer drawn for quizzes, its history stays."""
    question = _question(session, question_id)
    if question.retired_at is None:
        question.retired_at = now or utcnow()
        question.web_edited_at = now or utcnow()  # a file load must not restore it silently
        new_state(session)
    session.flush()
    return question


def restore_question(session: Session, question_id: int, now: datetime | None = None) -> Question:
    """Bring a retired question back."""
    question = _question(session, question_id)
    if question.retired_at is not None:
        question.retired_at = None
        question.web_edited_at = now or utcnow()
        new_state(session)
    session.flush()
    return question


def delete_question(session: Session, question_id: int) -> str:
    """Delete a question nobody ever saw or answered, with its versions; return its key."""
    question = _question(session, question_id)
    if _ever_used(session, question_id):
        raise CatalogueError(
            f"{question.key} has been shown or answered, so its history must stay: retire it instead."
        )
    ids = _version_ids(question_id)
    session.execute(
        delete(question_version_facts).where(question_version_facts.c.question_version_id.in_(ids))
    )
    session.execute(
        delete(question_version_topics).where(question_version_topics.c.question_version_id.in_(ids))
    )
    session.execute(delete(QuestionVersion).where(QuestionVersion.question_id == question_id))
    key = question.key
    session.expunge(question)
    session.execute(delete(Question).where(Question.id == question_id))
    new_state(session)
    session.flush()
    return key
