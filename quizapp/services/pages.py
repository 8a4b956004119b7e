"""A question page of an attempt as plain values, read in one query: the hot path of taking a quiz.

The attempt and its slot are read fresh on every request. The slot's question version
never changes once written, so what a page uses of it is decoded once per process and
kept (a bounded LRU keyed by the version's id and content hash: the hash covers the whole
record, so an entry is right for any database that holds that id with that hash).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, select
from sqlalchemy.orm import Session

from ..database import reads
from ..models import Attempt, Fact, FactVersion, QuestionVersion, Quiz, Slot, Source, question_version_facts

VERSIONS_KEPT = 4096


@dataclass(frozen=True, eq=False)
class VersionView:
    """What a page shows of one (immutable) question version."""

    id: int
    content_hash: str
    type: str
    prompt: str
    data: dict[str, Any]
    explanation: str
    marks: float
    question_id: int


@dataclass(frozen=True)
class AttemptView:
    id: int
    user_id: int
    title: str
    mode: str
    state: str
    deadline: datetime | None
    position: int
    feedback: str | None = None  # the quiz's settings (None for attempts not at a quiz)
    show_answers: str | None = None
    closes_at: datetime | None = None


@dataclass(frozen=True)
class SlotView:
    id: int
    attempt_id: int
    position: int
    question_version_id: int
    layout: dict[str, Any]
    sequence: int
    flagged: bool
    response: dict[str, Any] | None
    fraction: float | None
    feedback: dict[str, Any] | None
    version: VersionView
    shown_at: datetime | None = None  # when the page was first shown (to time its answer)


@dataclass(frozen=True)
class Page:
    attempt: AttemptView
    slot: SlotView
    total: int  # the attempt's number of questions


class _Versions:
    """A bounded, thread-safe LRU of VersionViews."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.views: OrderedDict[tuple[int, str, int], VersionView] = OrderedDict()

    def get(self, row: Any) -> VersionView:
        key = (row.version_id, row.content_hash, row.question_id)
        with self.lock:
            view = self.views.get(key)
            if view is not None:
                self.views.move_to_end(key)
                return view
        view = VersionView(
            row.version_id, row.content_hash, row.type, row.prompt, json.loads(row.data), row.explanation,
            row.marks, row.question_id,
        )  # fmt: skip
        with self.lock:
            self.views[key] = view
            if len(self.views) > self.size:
                self.views.popitem(last=False)
        return view

    def clear(self) -> None:
        with self.lock:
            self.views.clear()


versions = _Versions(VERSIONS_KEPT)

_TOTAL = (
    select(func.count())
    .select_from(Slot)
    .where(Slot.attempt_id == Attempt.id)
    .correlate(Attempt)
    .scalar_subquery()
)
# Built once: a statement's construction costs more than its execution.
_PAGE = (
    select(
        Attempt.id,
        Attempt.user_id,
        Attempt.title,
        Attempt.mode,
        Attempt.state,
        Attempt.deadline,
        Attempt.position,
        Slot.id.label("slot_id"),
        Slot.position.label("slot_position"),
        Slot.question_version_id.label("version_id"),
        Slot.layout,
        Slot.sequence,
        Slot.flagged,
        Slot.response,
        Slot.fraction,
        Slot.feedback,
        Slot.shown_at,
        _TOTAL.label("total"),
        # The version's columns come along (one query, however warm the cache); the JSON
        # is decoded only when the version is not kept yet.
        QuestionVersion.content_hash,
        QuestionVersion.type,
        QuestionVersion.prompt,
        cast(QuestionVersion.data, Text).label("data"),
        QuestionVersion.explanation,
        QuestionVersion.marks,
        QuestionVersion.question_id,
        Quiz.feedback.label("quiz_feedback"),
        Quiz.show_answers,
        Quiz.closes_at,
    )
    .join(Slot, Slot.attempt_id == Attempt.id)
    .outerjoin(Quiz, Quiz.id == Attempt.quiz_id)
    .join(QuestionVersion, QuestionVersion.id == Slot.question_version_id)
    .where(
        Attempt.id == bindparam("attempt_id"),
        Attempt.user_id == bindparam("user_id"),
        Slot.position == bindparam("position"),
    )
)


def page_of(session: Session, attempt_id: int, user_id: int | None, position: int) -> Page | None:
    """The page at `position` of the attempt if it belongs to `user_id`, in one query; else None.

    Only the one slot is read: a page of a long quiz costs what a page of a short one does.
    It is read on the request's read-only connection (`database.read_connection`), never
    queuing for SQLite's write lock, even beside a session that holds it: a request reads its
    page before it writes anything, and a save writes in a transaction of its own anyway (see
    quizapp.database).
    """
    if user_id is None:
        return None
    with reads(session.get_bind()) as conn:
        row = conn.execute(
            _PAGE, {"attempt_id": attempt_id, "user_id": user_id, "position": position}
        ).one_or_none()
    if row is None:
        return None
    attempt = AttemptView(
        row.id, row.user_id, row.title, row.mode, row.state, row.deadline, row.position,
        row.quiz_feedback, row.show_answers, row.closes_at,
    )  # fmt: skip
    slot = SlotView(
        row.slot_id, row.id, row.slot_position, row.version_id, row.layout, row.sequence, row.flagged,
        row.response, row.fraction, row.feedback, versions.get(row), row.shown_at,
    )  # fmt: skip
    return Page(attempt, slot, row.total)


def facts_of(session: Session, version_id: int) -> list[tuple[str, str, str]]:
    """(statement, source title, section title) of each fact a question version tests."""
    rows = session.execute(
        select(Fact.statement, Fact.section, Source)
        .join(question_version_facts, question_version_facts.c.fact_id == Fact.id)
        .join(Source, Source.id == Fact.source_id)
        .where(question_version_facts.c.question_version_id == version_id)
        .order_by(Fact.id)
    )
    return [(statement, source.title, source.section_title(section)) for statement, section, source in rows]


def facts_as_of(session: Session, fact_ids: Collection[int], moment: datetime) -> dict[int, tuple[str, str]]:
    """(statement, section) of each fact as its latest version at `moment` read, by fact id, in one
    query: an attempt's review shows the facts as they were when it was taken, as it shows the
    question versions it was asked (a fact corrected since would sit beside an answer marked by
    the old wording). Facts without a version that old are left out (shown as they are now)."""
    if not fact_ids:
        return {}
    rows = session.execute(
        select(FactVersion.fact_id, FactVersion.number, FactVersion.statement, FactVersion.section)
        .where(FactVersion.fact_id.in_(fact_ids), FactVersion.created_at <= moment)
        .order_by(FactVersion.fact_id, FactVersion.number)
    )
    return {fact_id: (statement, section) for fact_id, _, statement, section in rows}  # the last wins
