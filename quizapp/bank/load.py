"""Write a checked bank into the database: versioned, idempotent, all or nothing.

`load_bank` only flushes; the caller commits or rolls back, so a failure anywhere
leaves the database as it was. Records are compared by a hash of their content:
an unchanged record costs no write, a changed one gets a new version row, and one
missing from the file it came from is retired (never deleted).

Writes are bulk statements (one executemany per table) so that loading thousands
of questions costs little more than inserting the rows by hand.
"""

from __future__ import annotations

import gc
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from ..models import (
    BankState,
    Fact,
    FactVersion,
    Question,
    QuestionVersion,
    Quiz,
    QuizVersion,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
    utcnow,
)
from . import schema
from .check import Bank
from .problems import BankError

QUESTION_COMMON = {"id", "type", "prompt", "explanation", "facts", "topics", "difficulty", "marks"}
LOAD_LOCK_ID = 0x5155495A  # PostgreSQL advisory lock that serialises concurrent loads


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0
    # The ids behind the counts (not `unchanged`), for pages that list what an import does.
    keys: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def note(self, kind: str, key: str) -> None:
        """Count one record as `kind` (added, changed, retired, restored) and keep its id."""
        setattr(self, kind, getattr(self, kind) + 1)
        self.keys.setdefault(kind, []).append(key)

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged + self.restored

    def line(self, noun: str) -> str:
        text = (
            f"{self.total} {noun}: {self.added} added, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.retired} retired"
        )
        return text + (f", {self.restored} restored" if self.restored else "")


@dataclass
class LoadReport:
    sources: Counts = field(default_factory=Counts)
    topics: Counts = field(default_factory=Counts)
    facts: Counts = field(default_factory=Counts)
    questions: Counts = field(default_factory=Counts)
    quizzes: Counts = field(default_factory=Counts)

    @property
    def changed_anything(self) -> bool:
        return any(
            c.added or c.changed or c.retired or c.restored
            for c in (self.sources, self.topics, self.facts, self.questions, self.quizzes)
        )

    def lines(self) -> list[str]:
        return [
            self.questions.line("questions"),
            self.facts.line("facts"),
            self.quizzes.line("quizzes"),
            self.topics.line("topics"),
            self.sources.line("sources"),
        ]


def content_hash(value: Any) -> str:
    """A stable digest of plain JSON-able content."""
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def record_hash(record: Any) -> str:
    """The digest of a bank record; defaults are left out so that new optional keys change nothing."""
    # pydantic writes the JSON in field order, which is fixed by the schema: stable and fast.
    return hashlib.sha256(record.model_dump_json(exclude_defaults=True).encode()).hexdigest()


def question_parts(question: Any) -> dict[str, Any]:
    """Split a question record into the columns of a QuestionVersion."""
    dumped = question.model_dump(mode="json")
    return {
        "type": question.type,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "difficulty": question.difficulty,
        "marks": float(question.marks),
        "data": {k: v for k, v in dumped.items() if k not in QUESTION_COMMON},
        "facts": list(question.facts),
        "topics": list(question.topics),
    }


def load_bank(session: Session, bank: Bank, now: datetime | None = None) -> LoadReport:
    """Load a checked bank; raise BankError if it has errors. Flushes, never commits."""
    if bank.errors:
        raise BankError(bank.errors)
    # The load makes many short-lived rows while the whole parsed bank stays alive, so the
    # cyclic garbage collector would rescan that graph again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(session, bank, now)
    finally:
        if collecting:
            gc.enable()


def _load(session: Session, bank: Bank, now: datetime | None) -> LoadReport:
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOAD_LOCK_ID})
    report = LoadReport()
    source_ids = _load_sources(session, bank, report.sources)
    topic_ids = _load_topics(session, bank, report.topics)
    scope = {(source_ids[bf.source_id], bf.name) for bf in bank.files}

    facts = [(bf, f, record_hash(f)) for bf in bank.files for f in bf.facts]
    fact_ids = _load_versioned(
        session,
        Fact,
        FactVersion,
        "fact_id",
        facts,
        source_ids,
        scope,
        now,
        report.facts,
        row=lambda f: {"section": f.section, "statement": f.statement, "draft": f.draft},
        version_row=lambda f: {"section": f.section, "statement": f.statement},
    )

    questions = []
    for bf in bank.files:
        for q in bf.questions:
            questions.append((bf, q, record_hash(q)))
    new_versions: list[tuple[int, Any]] = []
    _load_versioned(
        session,
        Question,
        QuestionVersion,
        "question_id",
        questions,
        source_ids,
        scope,
        now,
        report.questions,
        row=lambda q: {},
        version_row=lambda q: {k: v for k, v in question_parts(q).items() if k not in ("facts", "topics")},
        created=new_versions,
    )
    _link(session, new_versions, fact_ids, topic_ids)

    quizzes = [(bf, z, record_hash(z)) for bf in bank.files for z in bf.quizzes]
    _load_versioned(
        session,
        Quiz,
        QuizVersion,
        "quiz_id",
        quizzes,
        source_ids,
        scope,
        now,
        report.quizzes,
        row=_quiz_row,
        version_row=lambda z: {"definition": z.model_dump(mode="json")},
    )
    if report.changed_anything:
        _new_state(session)
    session.flush()
    return report


def _new_state(session: Session) -> None:
    """Replace the bank's state token, so that what processes keep of the bank is read again."""
    token = uuid.uuid4().hex
    if session.execute(update(BankState).where(BankState.id == 1).values(token=token)).rowcount == 0:
        session.execute(insert(BankState).values(id=1, token=token))


def _quiz_row(quiz: schema.Quiz) -> dict[str, Any]:
    return {
        "title": quiz.title,
        "description": quiz.description,
        "selection": quiz.select.model_dump(mode="json", exclude_none=True),
        "count": quiz.count,
        "question_order": quiz.order,
        "mode": quiz.mode,
        "time_limit": quiz.time_limit,
        "attempts_allowed": quiz.attempts,
    }


def _load_sources(session: Session, bank: Bank, counts: Counts) -> dict[str, int]:
    existing = {row.key: row for row in session.execute(select(Source.id, Source.key, Source.content_hash))}
    inserts, updates = [], []
    for bf in bank.files:
        if bf.source is None:
            continue
        src = bf.source
        values = {
            "key": src.id,
            "title": src.title,
            "origin": src.origin,
            "licence": src.licence,
            "sections": [s.model_dump(mode="json") for s in src.sections],
        }
        values["content_hash"] = content_hash(values)
        row = existing.get(src.id)
        if row is None:
            inserts.append(values)
            counts.note("added", values["key"])
        elif row.content_hash != values["content_hash"]:
            updates.append({"id": row.id, **values})
            counts.note("changed", values["key"])
        else:
            counts.unchanged += 1
    if inserts:
        session.execute(insert(Source), inserts)
    if updates:
        session.execute(update(Source), updates)
    keys = {bf.source_id for bf in bank.files}
    return dict(session.execute(select(Source.key, Source.id).where(Source.key.in_(keys))).all())


def _load_topics(session: Session, bank: Bank, counts: Counts) -> dict[str, int]:
    existing = {row.key: row for row in session.execute(select(Topic.id, Topic.key, Topic.content_hash))}
    inserts, updates = [], []
    for topic in (t for bf in bank.files for t in bf.topics):
        values = {"key": topic.id, "title": topic.title, "description": topic.description}
        values["content_hash"] = content_hash(values)
        row = existing.get(topic.id)
        if row is None:
            inserts.append(values)
            counts.note("added", values["key"])
        elif row.content_hash != values["content_hash"]:
            updates.append({"id": row.id, **values})
            counts.note("changed", values["key"])
        else:
            counts.unchanged += 1
    if inserts:
        session.execute(insert(Topic), inserts)
    if updates:
        session.execute(update(Topic), updates)
    return dict(session.execute(select(Topic.key, Topic.id)).all())


def _load_versioned(
    session: Session,
    model: Any,
    version_model: Any,
    parent_column: str,
    incoming: list[tuple[Any, Any, str]],
    source_ids: dict[str, int],
    scope: set[tuple[int, str]],
    now: datetime,
    counts: Counts,
    *,
    row: Any,
    version_row: Any,
    created: list[tuple[int, Any]] | None = None,
) -> dict[str, int]:
    """Insert, version, restore and retire one kind of record; return key -> id.

    `created` collects (version id, record) for every version row written.
    """
    existing = {
        r.key: r
        for r in session.execute(
            select(
                model.id,
                model.key,
                model.version,
                model.content_hash,
                model.retired_at,
                model.source_id,
                model.origin_file,
            )
        )
    }
    new_rows, new_records = [], []
    updates: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    version_records: list[Any] = []
    for bank_file, record, digest in incoming:
        place = {"source_id": source_ids[bank_file.source_id], "origin_file": bank_file.name}
        old = existing.get(record.id)
        if old is None:
            new_rows.append({"key": record.id, "version": 1, "content_hash": digest, **place, **row(record)})
            new_records.append((record, digest))
            counts.note("added", record.id)
            continue
        moved = (old.source_id, old.origin_file) != (place["source_id"], place["origin_file"])
        if old.content_hash == digest and old.retired_at is None:
            counts.unchanged += 1
            if moved:
                updates.append({"id": old.id, **place})
            continue
        change = {"id": old.id, "retired_at": None, **place}
        if old.content_hash != digest:
            number = old.version + 1
            change.update(version=number, content_hash=digest, **row(record))
            versions.append(
                {parent_column: old.id, "number": number, "content_hash": digest, **version_row(record)}
            )
            version_records.append(record)
        counts.note("restored" if old.retired_at is not None else "changed", record.id)
        updates.append(change)

    ids = {key: r.id for key, r in existing.items()}
    # Plain executemany without RETURNING: SQLite would send RETURNING inserts one row at a
    # time; the new ids are read back in one query instead.
    if new_rows:
        session.execute(insert(model.__table__), new_rows)
        new_ids = dict(session.execute(select(model.key, model.id)).all())
        for record, digest in new_records:
            ids[record.id] = new_ids[record.id]
            versions.append(
                {
                    parent_column: new_ids[record.id],
                    "number": 1,
                    "content_hash": digest,
                    **version_row(record),
                }
            )
            version_records.append(record)

    incoming_keys = {record.id for _, record, _ in incoming}
    for key, old in existing.items():
        if old.retired_at is None and key not in incoming_keys and (old.source_id, old.origin_file) in scope:
            updates.append({"id": old.id, "retired_at": now})
            counts.note("retired", key)

    if updates:
        session.execute(update(model), updates)
    if versions:
        session.execute(insert(version_model.__table__), versions)
        if created is not None:
            parent = getattr(version_model, parent_column)
            version_ids = {
                (parent_id, number): version_id
                for version_id, parent_id, number in session.execute(
                    select(version_model.id, parent, version_model.number).join(
                        model, (model.id == parent) & (model.version == version_model.number)
                    )
                )
            }
            created.extend(
                (version_ids[row[parent_column], row["number"]], record)
                for row, record in zip(versions, version_records, strict=True)
            )
    return ids


def _link(
    session: Session,
    versions: list[tuple[int, Any]],
    fact_ids: dict[str, int],
    topic_ids: dict[str, int],
) -> None:
    fact_links = [
        {"question_version_id": vid, "fact_id": fact_ids[f]} for vid, q in versions for f in q.facts
    ]
    topic_links = [
        {"question_version_id": vid, "topic_id": topic_ids[t]} for vid, q in versions for t in q.topics
    ]
    if fact_links:
        session.execute(insert(question_version_facts), fact_links)
    if topic_links:
        session.execute(insert(question_version_topics), topic_links)
