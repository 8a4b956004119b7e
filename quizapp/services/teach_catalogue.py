"""What the teacher area lists: questions, facts and sources, filtered and a page at a time.

Each listing costs a fixed number of queries whatever the page or bank size: one count, one
page of rows, and one query per kind of related row (topics, facts) for the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    WEB_ORIGIN,
    Fact,
    Question,
    QuestionVersion,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
)

PER_PAGE = 50
PROMPT_START = 80


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
    web_edited: bool


def _start(text: str, length: int = PROMPT_START) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def origin_label(origin_file: str) -> str:
    """The origin as the teacher area shows it: the bank file's name, or "web"."""
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
            origin=origin_label(q.origin_file),
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
            origin=origin_label(f.origin_file),
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
    items = [
        SourceRow(
            s.id, s.key, s.title, s.origin, s.licence, list(s.sections), int(n), s.web_edited_at is not None
        )
        for s, n in rows
    ]
    return Page(items, page, per_page, total)


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The topics and sources to filter by, as (key, label) pairs."""
    topics = session.execute(select(Topic.key, Topic.title).order_by(Topic.key))
    sources = session.execute(select(Source.key, Source.title).order_by(Source.key))
    return {
        "topics": [(k, f"{t} ({k})") for k, t in topics],
        "sources": [(k, f"{t} ({k})") for k, t in sources],
    }
