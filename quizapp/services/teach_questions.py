"""One question in the teacher area: its versions and answers, retire, restore and delete."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..bank.load import new_state
from ..grading import right_answer
from ..models import (
    Answer,
    Question,
    QuestionVersion,
    Slot,
    question_version_facts,
    question_version_topics,
    utcnow,
)
from ..review_models import ReviewCard, ReviewLog
from .teach_catalogue import origin_label


class CatalogueError(Exception):
    """A change the catalogue refuses, with a message for the teacher."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    right_answer: list[str]  # as a student is shown it after answering
    data_text: str  # the answer data as JSON, to be escaped as any text (tojson mangles < > & ')
    topics: list[str]
    facts: list[str]
    versions: list[VersionRow] = field(default_factory=list)
    deletable: bool = False


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
        origin=origin_label(question.origin_file),
        web_edited=question.web_edited_at is not None,
        current=current,
        right_answer=right_answer(current.type, current.data),
        data_text=json.dumps(current.data, indent=2, ensure_ascii=False),
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
    """Delete a question nobody ever saw or answered, with its versions; return its key.

    Its versions are locked first (FOR UPDATE on PostgreSQL): an attempt being started with the
    question is waited for, and then counts as a use.
    """
    question = _question(session, question_id)
    session.execute(
        select(QuestionVersion.id).where(QuestionVersion.question_id == question_id).with_for_update()
    )
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
