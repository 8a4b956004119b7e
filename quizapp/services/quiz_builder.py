"""Quizzes made and edited in the browser: checked by the bank's own rules, saved as versions.

A quiz from the browser is a `bank.schema.Quiz` record like one from a file: the same
pydantic model and the same cross-record check (`bank.check.check_quiz`) judge it, and
their messages are what the teacher sees. Functions only flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..bank import schema
from ..bank.check import check_quiz
from ..bank.load import new_state, quiz_row, record_hash
from ..bank.messages import record_problems
from ..bank.selection import selects
from ..models import (
    WEB_ORIGIN,
    Fact,
    Question,
    QuestionVersion,
    Quiz,
    QuizVersion,
    Source,
    Topic,
    question_version_topics,
    utcnow,
)
from .catalogue import active_questions
from .stale import check_fresh

Problems = dict[str, list[str]]  # a quiz key (title, count, select...) -> its messages


@dataclass(frozen=True)
class QuizRow:
    """One line of the teacher's list of quizzes."""

    id: int
    key: str
    title: str
    mode: str
    count: int | None
    opens_at: Any
    closes_at: Any
    source_title: str
    origin_file: str
    retired: bool
    version: int


def quiz_rows(session: Session) -> list[QuizRow]:
    """Every quiz, active first, in one query."""
    rows = session.execute(
        select(Quiz, Source.title).join(Source, Source.id == Quiz.source_id).order_by(Quiz.title, Quiz.id)
    ).all()
    found = [
        QuizRow(
            q.id, q.key, q.title, q.mode, q.count, q.opens_at, q.closes_at, title, q.origin_file,
            q.retired_at is not None, q.version,
        )
        for q, title in rows
    ]  # fmt: skip
    return sorted(found, key=lambda row: row.retired)


def current_record(session: Session, quiz: Quiz) -> schema.Quiz:
    """The quiz's current version as a bank record (what its edit form starts from)."""
    definition = session.scalar(
        select(QuizVersion.definition).where(
            QuizVersion.quiz_id == quiz.id, QuizVersion.number == quiz.version
        )
    )
    return schema.Quiz.model_validate(definition)


def _where(loc: tuple[Any, ...], message: str) -> str:
    """The form key a problem belongs beside; the whole-record rules start with the key they are about."""
    if loc:
        return str(loc[0])
    first = message.split(" ", 1)[0].rstrip(":")
    return first if first in schema.Quiz.model_fields else "title"


def _add(problems: Problems, key: str, message: str) -> None:
    problems.setdefault(key, [])
    if message not in problems[key]:
        problems[key].append(message)


def check(
    session: Session, data: dict[str, Any], source_key: str, quiz_id: int | None = None
) -> tuple[schema.Quiz | None, Problems]:
    """Judge a quiz (a bank file's mapping of one quiz) for `source_key` as `quizapp check` would."""
    problems: Problems = {}
    try:
        record = schema.Quiz.model_validate(data)
    except ValidationError as error:
        for loc, message in record_problems(error, schema.Quiz):
            _add(problems, _where(loc, message), message)
        return None, problems
    source_id = session.scalar(select(Source.id).where(Source.key == source_key))
    if source_id is None:
        return None, {"source": [f"unknown source {source_key!r}"]}
    taken = session.scalar(select(Quiz.id).where(Quiz.key == record.id))
    if taken is not None and taken != quiz_id:
        _add(problems, "id", f"duplicate quiz id {record.id!r}")
    questions = active_questions(session)
    own = [q for q in questions if q.source_id == source_id]
    foreign = {q.id for q in questions if q.source_id != source_id}
    ids = {
        "topics": set(session.scalars(select(Topic.key))),
        "facts": set(session.scalars(select(Fact.key).where(Fact.retired_at.is_(None)))),
        "questions": {q.id for q in questions},
    }

    def report(_file: Any, path: tuple[Any, ...], message: str, warning: bool = False) -> None:
        _add(problems, _where(path[2:], message), message)

    check_quiz(None, 0, record, own, foreign, ids, report)
    return (None if problems else record), problems


def matching(session: Session, record: schema.Quiz, source_key: str) -> list[tuple[str, str]]:
    """(id, prompt) of the active questions the quiz's selection holds, in the order it draws from."""
    source_id = session.scalar(select(Source.id).where(Source.key == source_key))
    pool = [q.id for q in active_questions(session) if q.source_id == source_id and selects(record.select, q)]
    if record.select.questions is not None:
        rank = {key: i for i, key in enumerate(record.select.questions)}
        pool.sort(key=rank.__getitem__)
    prompts = {key: prompt for key, prompt, _ in question_list(session)}
    return [(key, prompts[key]) for key in pool]


def question_list(session: Session) -> list[tuple[str, str, str]]:
    """(id, prompt, source title) of every active question, by source then bank order, in one query."""
    return [
        tuple(row)
        for row in session.execute(
            select(Question.key, QuestionVersion.prompt, Source.title)
            .join(
                QuestionVersion,
                (QuestionVersion.question_id == Question.id) & (QuestionVersion.number == Question.version),
            )
            .join(Source, Source.id == Question.source_id)
            .where(Question.retired_at.is_(None))
            .order_by(Source.title, Question.id)
        )
    ]


def same_title(session: Session, source_key: str, title: str) -> str | None:
    """The id of an active quiz of the bank titled `title`, if there is one."""
    return session.scalar(
        select(Quiz.key)
        .join(Source, Source.id == Quiz.source_id)
        .where(Source.key == source_key, Quiz.title == title.strip(), Quiz.retired_at.is_(None))
        .limit(1)
    )


def key_from_title(session: Session, title: str) -> str:
    """A free quiz id made from a title: lowercase words joined by '-', numbered if taken."""
    base = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:70] or "quiz"
    taken = set(session.scalars(select(Quiz.key).where(Quiz.key.startswith(base))))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def save(
    session: Session,
    record: schema.Quiz,
    source_key: str,
    quiz: Quiz | None = None,
    *,
    opened: int | None = None,
) -> tuple[Quiz, bool]:
    """Write a checked quiz; a new version only when its content changed. Returns (quiz, changed).

    With `opened`, raises StaleEdit when the quiz is no longer at the version the form showed.
    """
    if quiz is not None:
        session.refresh(quiz, with_for_update=True)  # of two saves at once, the second sees the first
        check_fresh(quiz.version, opened)
    digest = record_hash(record)
    definition = {"definition": record.model_dump(mode="json")}
    now = utcnow()
    if quiz is None:
        source_id = session.scalar(select(Source.id).where(Source.key == source_key))
        quiz = Quiz(
            key=record.id, source_id=source_id, origin_file=WEB_ORIGIN, version=1, content_hash=digest,
            **quiz_row(record),
        )  # fmt: skip
        session.add(quiz)
        session.flush()
        session.add(QuizVersion(quiz_id=quiz.id, number=1, content_hash=digest, **definition))
    elif quiz.content_hash != digest:
        quiz.version += 1
        quiz.content_hash = digest
        quiz.web_edited_at = now
        for column, value in quiz_row(record).items():
            setattr(quiz, column, value)
        session.add(QuizVersion(quiz_id=quiz.id, number=quiz.version, content_hash=digest, **definition))
    else:
        return quiz, False
    new_state(session)
    session.flush()
    return quiz, True


def set_retired(session: Session, quiz: Quiz, retired: bool) -> None:
    """Retire a quiz (no longer offered; its attempts kept) or bring it back."""
    quiz.retired_at = utcnow() if retired else None
    new_state(session)
    session.flush()


def topic_choices(session: Session) -> list[tuple[str, str]]:
    """(key, label) of every topic, by title. Topics are shared by all banks and a quiz draws from its
    own bank only: with several banks, each label names the banks whose questions have the topic."""
    topics = session.execute(select(Topic.key, Topic.title).order_by(Topic.title)).all()
    if session.scalar(select(func.count()).select_from(Source)) < 2:
        return [(key, title) for key, title in topics]
    used = session.execute(
        select(Topic.key, Source.title)
        .join(question_version_topics, question_version_topics.c.topic_id == Topic.id)
        .join(QuestionVersion, QuestionVersion.id == question_version_topics.c.question_version_id)
        .join(
            Question,
            (Question.id == QuestionVersion.question_id) & (Question.version == QuestionVersion.number),
        )
        .join(Source, Source.id == Question.source_id)
        .where(Question.retired_at.is_(None))
        .distinct()
    ).all()
    banks: dict[str, list[str]] = {}
    for key, bank in sorted(used, key=lambda row: row[1]):
        banks.setdefault(key, []).append(bank)
    return [
        (key, f"{title} ({', '.join(banks[key]) if key in banks else 'no question yet'})")
        for key, title in topics
    ]
