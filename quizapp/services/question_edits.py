"""Questions written in the browser: checked by the bank's own rules, saved as a file load would.

A record is the plain mapping a bank file holds; the schema validates it exactly as the loader
does, and the rules that span records (cited facts and topics exist, ids are unique) are the
checker's too. Everything here only flushes; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..bank import schema
from ..bank.export import question_record
from ..bank.load import new_state, question_parts, record_hash
from ..bank.messages import describe
from ..models import (
    WEB_ORIGIN,
    Fact,
    FactVersion,
    Question,
    QuestionVersion,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
    utcnow,
)
from .stale import check_fresh

_QUESTION = TypeAdapter(schema.Question)
Loc = tuple[Any, ...]


@dataclass
class NewFact:
    """A fact to add to the question's source when the question is saved."""

    key: str
    section: str
    statement: str


@dataclass
class Checked:
    """A question record and new fact that passed every rule, or the problems found."""

    record: Any = None
    new_fact: NewFact | None = None
    problems: list[tuple[str, Loc, str]] = field(default_factory=list)  # (part, loc, message)


def slug(text: str, taken: set[str], limit: int = 60) -> str:
    """An id made from `text`, not in `taken`: lowercase words joined by '-', then -2, -3, ..."""
    base = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:limit].strip("-") or "q"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def same_prompt(session: Session, source_id: int, qtype: str, prompt: str | None) -> str | None:
    """The id of an active question of the source of this type whose current prompt is `prompt`."""
    return session.scalar(
        select(Question.key)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(
            Question.source_id == source_id,
            Question.retired_at.is_(None),
            QuestionVersion.number == Question.version,
            QuestionVersion.type == qtype,
            QuestionVersion.prompt == (prompt or "").strip(),
        )
        .limit(1)
    )


def question_key(session: Session, prompt: str) -> str:
    """A new question's id made from its prompt."""
    prefix = re.sub(r"[^a-z0-9]+", "-", prompt.casefold()).strip("-")[:20] or "q"
    taken = set(session.scalars(select(Question.key).where(Question.key.startswith(prefix))))
    return slug(prompt, taken)


def sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.title, Source.id)))


def topics(session: Session) -> list[tuple[str, str]]:
    """(id, title) of every topic."""
    return [(t.key, t.title) for t in session.scalars(select(Topic).order_by(Topic.title, Topic.id))]


def facts_of(session: Session, source_id: int, cited: list[str] | None = None) -> list[tuple[str, str]]:
    """(id, statement) of the source's active facts, and of the `cited` ones wherever they are."""
    mine = (Fact.source_id == source_id) & Fact.retired_at.is_(None)
    rows = session.execute(
        select(Fact.key, Fact.statement).where(mine | Fact.key.in_(cited or [])).order_by(Fact.id)
    )
    return [(key, statement) for key, statement in rows]


def check(
    session: Session,
    data: dict[str, Any],
    source: Source,
    *,
    new: bool,
    new_fact: tuple[str, str] | None = None,
) -> Checked:
    """Validate a question mapping (and a new fact, as (section, statement)) by the bank's rules."""
    checked = Checked()
    new_key = None
    if new_fact is not None:
        section, statement = new_fact
        taken = set(session.scalars(select(Fact.key)))
        fact_data = {"id": slug(statement, taken), "section": section, "statement": statement.strip()}
        try:
            fact = schema.Fact.model_validate(fact_data)
        except ValidationError as error:
            checked.problems += [("fact", loc, m) for loc, m in describe(error, "facts", fact_data)]
        else:
            known = {s["id"] for s in source.sections}
            if fact.section not in known:
                message = (
                    f"unknown section {fact.section!r}; the source's sections are {', '.join(sorted(known))}"
                )
                checked.problems.append(("fact", ("section",), message))
            checked.new_fact = NewFact(fact.id, fact.section, fact.statement)
        new_key = fact_data["id"]
        data = {**data, "facts": [*data["facts"], new_key]}
    try:
        record = _QUESTION.validate_python(data)
    except ValidationError as error:
        checked.problems += [("question", loc, m) for loc, m in describe(error, "questions", data)]
        record = None
    if record is not None:
        known_facts = set(session.scalars(select(Fact.key).where(Fact.key.in_(record.facts))))
        if new_key:
            known_facts.add(new_key)
        known_topics = set(session.scalars(select(Topic.key).where(Topic.key.in_(record.topics))))
        for i, fid in enumerate(record.facts):
            if fid not in known_facts:
                checked.problems.append(("question", ("facts", i), f"unknown fact {fid!r}"))
        for i, tid in enumerate(record.topics):
            if tid not in known_topics:
                checked.problems.append(("question", ("topics", i), f"unknown topic {tid!r}"))
        if new:
            holder = session.scalar(select(Question.origin_file).where(Question.key == record.id))
            if holder is not None:
                message = f"duplicate id {record.id!r} (first used at {holder})"
                checked.problems.append(("question", ("id",), message))
    if not checked.problems:
        checked.record = record
    return checked


def current_record(session: Session, question: Question) -> Any:
    """The schema record of the question's current version."""
    version = _current_version(session, question)
    return question_record(question, version, [f.key for f in version.facts], [t.key for t in version.topics])


def _current_version(session: Session, question: Question) -> QuestionVersion:
    return session.scalars(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.number == question.version
        )
    ).one()


def create(session: Session, checked: Checked, source_id: int) -> int:
    """Add a question (and its new fact) made in the browser; return its row id."""
    record = checked.record
    _add_fact(session, checked.new_fact, source_id)
    digest = record_hash(record)
    question = Question(
        key=record.id, source_id=source_id, origin_file=WEB_ORIGIN, version=1, content_hash=digest
    )
    session.add(question)
    session.flush()
    _add_version(session, question.id, 1, record, digest)
    new_state(session)
    session.flush()
    return question.id


def update(
    session: Session,
    question: Question,
    checked: Checked,
    now: datetime | None = None,
    *,
    opened: int | None = None,
) -> bool:
    """Write a new version when the record changed; False (and no write) when it did not.

    With `opened`, raises StaleEdit when the question is no longer at the version the form showed.
    """
    session.refresh(question, with_for_update=True)  # two saves at once: the second waits, then numbers after
    check_fresh(question.version, opened)
    current = current_record(session, question)
    record = checked.record
    # The form lists facts and topics in its own order and marks as typed: an unchanged
    # question must hash as it did, so keep the stored order and form where they agree.
    same = {}
    if set(record.facts) == set(current.facts):
        same["facts"] = list(current.facts)
    if set(record.topics) == set(current.topics):
        same["topics"] = list(current.topics)
    if record.marks == current.marks:
        same["marks"] = current.marks
    record = record.model_copy(update=same)
    digest = record_hash(record)
    if digest == question.content_hash and checked.new_fact is None:
        return False
    _add_fact(session, checked.new_fact, question.source_id)
    number = question.version + 1
    _add_version(session, question.id, number, record, digest)
    question.version, question.content_hash = number, digest
    question.web_edited_at = now or utcnow()
    new_state(session)
    session.flush()
    return True


def _add_fact(session: Session, fact: NewFact | None, source_id: int) -> None:
    if fact is None:
        return
    record = schema.Fact(id=fact.key, section=fact.section, statement=fact.statement)
    digest = record_hash(record)
    row = Fact(
        key=fact.key,
        source_id=source_id,
        origin_file=WEB_ORIGIN,
        version=1,
        section=fact.section,
        statement=fact.statement,
        content_hash=digest,
    )
    session.add(row)
    session.flush()
    session.add(
        FactVersion(
            fact_id=row.id, number=1, section=fact.section, statement=fact.statement, content_hash=digest
        )
    )


def _add_version(session: Session, question_id: int, number: int, record: Any, digest: str) -> None:
    """Store a version as `bank.load` does, and link its facts and topics."""
    parts = question_parts(record)
    fact_keys, topic_keys = parts.pop("facts"), parts.pop("topics")
    version = QuestionVersion(question_id=question_id, number=number, content_hash=digest, **parts)
    session.add(version)
    session.flush()
    fact_ids = dict(session.execute(select(Fact.key, Fact.id).where(Fact.key.in_(fact_keys))).all())
    topic_ids = dict(session.execute(select(Topic.key, Topic.id).where(Topic.key.in_(topic_keys))).all())
    session.execute(
        insert(question_version_facts),
        [{"question_version_id": version.id, "fact_id": fact_ids[k]} for k in fact_keys],
    )
    if topic_keys:
        session.execute(
            insert(question_version_topics),
            [{"question_version_id": version.id, "topic_id": topic_ids[k]} for k in topic_keys],
        )


def cited_facts(
    session: Session, record: Any, new_fact: NewFact | None, source: Source
) -> list[tuple[str, str, str]]:
    """(statement, source title, section title) of the facts a record cites, as feedback shows them."""
    rows = session.scalars(select(Fact).where(Fact.key.in_(record.facts)).order_by(Fact.id))
    found = [(f.statement, f.source.title, f.source.section_title(f.section)) for f in rows]
    if new_fact is not None:
        found.append((new_fact.statement, source.title, source.section_title(new_fact.section)))
    return found
