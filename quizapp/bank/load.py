"""Write a checked bank into the database: versioned, idempotent, all or nothing.

`load_bank` only flushes; the caller commits or rolls back, so a failure anywhere
leaves the database as it was. Records are compared by a hash of their content:
an unchanged record costs no write, a changed one gets a new version row, and one
missing from the file it came from is retired (never deleted).

A record edited in the browser (`web_edited_at` set) is never overwritten silently: when
the file brings content the database never had, the web version is kept and the load
reports a conflict; `overwrite=True` takes the file's version and clears the mark.
Records made in the browser (`origin_file` WEB_ORIGIN) are never retired by a file load, and
stay web records when a file (such as an export) brings them unchanged. Sources work alike,
with no versions table: `loaded_hash` is what the files last brought.

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
from functools import cache
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import (
    WEB_ORIGIN,
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
from ..wording import counted
from . import schema
from .check import Bank
from .conflicts import Conflict, WebEdits, known_hashes
from .problems import BankError, Problem

QUESTION_COMMON = {"id", "type", "prompt", "explanation", "facts", "topics", "difficulty", "marks"}
LOAD_LOCK_ID = 0x5155495A  # PostgreSQL advisory lock that serialises concurrent loads


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0
    kept: int = 0  # edited in the browser, kept although the file differs
    moved: int = 0  # unchanged, but now in another file of its source (counted in `unchanged` too)
    # The ids behind the counts (not `unchanged`), for pages that list what an import does.
    keys: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def note(self, kind: str, key: str) -> None:
        """Count one record as `kind` (added, changed, retired, restored, kept) and keep its id."""
        setattr(self, kind, getattr(self, kind) + 1)
        self.keys.setdefault(kind, []).append(key)

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged + self.restored

    def line(self, noun: str) -> str:
        """The counts as one line, `noun` (singular) counted by the total."""
        text = (
            f"{counted(self.total, noun)}: {self.added} added, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.retired} retired"
        )
        text += f", {self.restored} restored" if self.restored else ""
        text += f" ({self.moved} of them moved to another file)" if self.moved else ""
        return text + (f", {self.kept} kept from the browser" if self.kept else "")


@dataclass
class LoadReport:
    sources: Counts = field(default_factory=Counts)
    topics: Counts = field(default_factory=Counts)
    facts: Counts = field(default_factory=Counts)
    questions: Counts = field(default_factory=Counts)
    quizzes: Counts = field(default_factory=Counts)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the load did to records outside it

    @property
    def changed_anything(self) -> bool:
        return any(
            c.added or c.changed or c.retired or c.restored or c.moved
            for c in (self.sources, self.topics, self.facts, self.questions, self.quizzes)
        )

    def lines(self) -> list[str]:
        return [
            self.questions.line("question"),
            self.facts.line("fact"),
            self.quizzes.line("quiz"),
            self.topics.line("topic"),
            self.sources.line("source"),
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


def load_bank(
    session: Session, bank: Bank, now: datetime | None = None, *, overwrite: bool = False
) -> LoadReport:
    """Load a checked bank; raise BankError if it has errors. Flushes, never commits.

    `overwrite` replaces records edited in the browser with the file's version.
    """
    if bank.errors:
        raise BankError(bank.errors)
    # The load makes many short-lived rows while the whole parsed bank stays alive, so the
    # cyclic garbage collector would rescan that graph again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(session, bank, now, overwrite)
    finally:
        if collecting:
            gc.enable()


def _load(session: Session, bank: Bank, now: datetime | None, overwrite: bool) -> LoadReport:
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOAD_LOCK_ID})
    report = LoadReport()
    web = WebEdits(overwrite, report.conflicts)
    definers = _definers_in_use(session, bank)
    if refused := sorted(_redefined(session, bank, definers) + _ids_of_other_sources(session, bank)):
        raise BankError(refused)
    source_ids = _load_sources(session, bank, report.sources, web.of("sources"), definers)
    topic_ids = _load_topics(session, bank, report.topics, definers)
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
        web.of("facts"),
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
        web.of("questions"),
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
        web.of("quizzes"),
        row=quiz_row,
        version_row=lambda z: {"definition": z.model_dump(mode="json")},
    )
    if retired := report.questions.keys.get("retired"):
        loaded = {z.id for bf in bank.files for z in bf.quizzes}
        report.notes = _quizzes_losing(session, set(retired), loaded)
    if report.changed_anything:
        new_state(session)
    session.flush()
    return report


def _quizzes_losing(session: Session, retired: set[str], loaded: set[str]) -> list[str]:
    """A line for each active quiz outside the load (made in the browser, or in a file not loaded)
    whose hand-picked questions include some this load retired: it asks fewer now, perhaps none.
    The checker sees only the quizzes of the files it is given."""
    notes = []
    for key, origin, selection in session.execute(
        select(Quiz.key, Quiz.origin_file, Quiz.selection).where(Quiz.retired_at.is_(None))
    ):
        picked = (selection or {}).get("questions") or []
        gone = [q for q in picked if q in retired]
        if key in loaded or not gone:
            continue
        where = "made in the browser" if origin == WEB_ORIGIN else f"from {origin}"
        notes.append(
            f"note: quiz {key!r} ({where}) picks {counted(len(gone), 'question')} this load retired "
            f"({', '.join(gone)}): {len(picked) - len(gone)} of its {len(picked)} are left"
        )
    return notes


_NOUNS = {"facts": (Fact, "fact"), "questions": (Question, "question"), "quizzes": (Quiz, "quiz")}


def _ids_of_other_sources(session: Session, bank: Bank) -> list[Problem]:
    """Records whose id the database holds for another source: ids are shared by every source, and
    loading one would make it a new version of the other source's record, its history and its
    learners' progress with it (then back again at that source's next load)."""
    problems = []
    for kind, (model, noun) in _NOUNS.items():
        incoming = {
            record.id: (bf, index) for bf in bank.files for index, record in enumerate(getattr(bf, kind))
        }
        if not incoming:
            continue
        owners = session.execute(  # every row: a list of thousands of ids would be as long to send
            select(model.key, model.origin_file, model.retired_at, Source.key).join(
                Source, Source.id == model.source_id
            )
        )
        for key, origin_file, retired_at, source_key in owners:
            bank_file, index = incoming.get(key, (None, 0))
            if bank_file is None or source_key == bank_file.source_id:
                continue
            where = "the browser" if origin_file == WEB_ORIGIN else origin_file
            held = f"{'a retired ' if retired_at else 'a '}{noun} of source {source_key!r} ({where})"
            message = (
                f"the id {key!r} is {held}: ids are shared by all sources; give this {noun} another id"
                " (a source that was renamed keeps its old id)"
            )
            problems.append(bank_file.problem((kind, index, "id"), message))
    return problems


@dataclass
class _Definers:
    """Per source and topic id this load defines, the other bank file that defines it while records
    loaded from that file stay out of this load (see `_definers_in_use`)."""

    sources: dict[str, str]
    topics: dict[str, str]


def _definers_in_use(session: Session, bank: Bank) -> _Definers:
    """Which sources and topics of this load another file defines, that file being in use.

    A file renamed (all its records come with it in this load), or one in this load, is not in use
    elsewhere: the definition moves with it."""
    names = {bf.name for bf in bank.files}
    incoming = {kind: {r.id for bf in bank.files for r in getattr(bf, kind)} for kind in _NOUNS}

    @cache  # topics of one file share the answer: three statements once, not per topic
    def elsewhere(defined_in: str | None, source_id: int | None = None) -> bool:
        return (
            defined_in is not None
            and defined_in not in names
            and _in_use(session, defined_in, incoming, source_id)
        )

    sources = {bf.source.id for bf in bank.files if bf.source is not None}
    topics = {t.id for bf in bank.files for t in bf.topics}
    held = select(Source.key, Source.id, Source.defined_in).where(Source.key.in_(sources))
    return _Definers(
        {key: file for key, source_id, file in session.execute(held) if elsewhere(file, source_id)},
        {
            key: file
            for key, file in session.execute(select(Topic.key, Topic.defined_in).where(Topic.key.in_(topics)))
            if elsewhere(file)
        },
    )


def _redefined(session: Session, bank: Bank, definers: _Definers) -> list[Problem]:
    """Sources and topics that another file in use defines, which this load would change: a copy of a
    bank whose source id was left as it was would retitle that source, replace the sections its
    facts cite, and take its own ids into it for good. The same definition (an import adding to a
    source) changes nothing and passes."""
    problems = []
    query = select(Source.key, Source.content_hash).where(Source.key.in_(list(definers.sources)))
    hashes = dict(session.execute(query).all())
    for bank_file in bank.files:
        key = bank_file.source.id if bank_file.source is not None else None
        if key in definers.sources and content_hash(_source_values(bank_file.source)) != hashes[key]:
            file = definers.sources[key]
            message = (
                f"source {key!r} is defined otherwise in {file}, whose records are loaded: to add to that"
                f" bank, load this file with {file} and write `source: {key}` here; for a bank of its"
                " own, give this source another id"
            )
            problems.append(bank_file.problem(("source", "id"), message))
    query = select(Topic.key, Topic.content_hash).where(Topic.key.in_(list(definers.topics)))
    hashes = dict(session.execute(query).all())
    for bank_file in bank.files:
        for index, topic in enumerate(bank_file.topics):
            if topic.id in definers.topics and content_hash(_topic_values(topic)) != hashes[topic.id]:
                file = definers.topics[topic.id]
                message = (
                    f"topic {topic.id!r} is defined otherwise in {file}: to use it, leave it out of this"
                    f" file's topics and load this file with {file}; for a topic of its own, give it"
                    " another id"
                )
                problems.append(bank_file.problem(("topics", index, "id"), message))
    return problems


def _in_use(
    session: Session, file_name: str, incoming: dict[str, set[str]], source_id: int | None = None
) -> bool:
    """Whether active records loaded from `file_name` (of the source, when given) stay out of this load."""
    for kind, (model, _) in _NOUNS.items():
        query = select(model.key).where(model.origin_file == file_name, model.retired_at.is_(None))
        if source_id is not None:
            query = query.where(model.source_id == source_id)
        if any(key not in incoming[kind] for key in session.scalars(query)):
            return True
    return False


def new_state(session: Session) -> None:
    """Replace the bank's state token, so that what processes keep of the bank is read again."""
    token = uuid.uuid4().hex
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    # One statement: two first changes at once (no row yet) must not both insert it.
    upsert = dialect.insert(BankState).values(id=1, token=token)
    session.execute(upsert.on_conflict_do_update(index_elements=[BankState.id], set_={"token": token}))


def quiz_row(quiz: schema.Quiz) -> dict[str, Any]:
    return {
        "title": quiz.title,
        "description": quiz.description,
        "selection": quiz.select.model_dump(mode="json", exclude_none=True),
        "count": quiz.count,
        "question_order": quiz.order,
        "mode": quiz.mode,
        "time_limit": quiz.time_limit,
        "attempts_allowed": quiz.attempts,
        "shuffle_options": quiz.shuffle_options,
        "feedback": quiz.feedback,
        "show_answers": quiz.show_answers,
        "opens_at": schema.moment(quiz.opens_at),
        "closes_at": schema.moment(quiz.closes_at),
    }


def _source_values(src: schema.Source) -> dict[str, Any]:
    return {
        "key": src.id,
        "title": src.title,
        "origin": src.origin,
        "licence": src.licence,
        "sections": [s.model_dump(mode="json") for s in src.sections],
    }


def _topic_values(topic: schema.Topic) -> dict[str, Any]:
    return {"key": topic.id, "title": topic.title, "description": topic.description}


def _load_sources(
    session: Session, bank: Bank, counts: Counts, web: WebEdits, definers: _Definers
) -> dict[str, int]:
    existing = {
        row.key: row
        for row in session.execute(
            select(
                Source.id,
                Source.key,
                Source.content_hash,
                Source.version,
                Source.loaded_hash,
                Source.web_edited_at,
                Source.defined_in,
            ).with_for_update(key_share=True)  # as in _load_versioned
        )
    }
    inserts, updates, definitions = [], [], []
    for bf in bank.files:
        if bf.source is None:
            continue
        src = bf.source
        values = _source_values(src)
        values["content_hash"] = values["loaded_hash"] = content_hash(values)
        row = existing.get(src.id)
        if row is None:
            inserts.append({**values, "defined_in": bf.name})
            counts.note("added", values["key"])
            continue
        if row.defined_in != bf.name and src.id not in definers.sources:  # first kept, or a file renamed
            definitions.append({"id": row.id, "defined_in": bf.name})
        digest = values["content_hash"]
        if row.web_edited_at is not None and not web.overwrite:
            if digest not in (row.content_hash, row.loaded_hash):
                web.conflicts.append(Conflict(web.kind, row.key))
                counts.note("kept", row.key)
            else:  # the file holds what the database had before the web edit, or the edit itself
                counts.unchanged += 1
            continue
        if row.content_hash != digest:
            updates.append({"id": row.id, **values, "version": row.version + 1, "web_edited_at": None})
            counts.note("changed", values["key"])
        else:
            counts.unchanged += 1
            if row.web_edited_at is not None or row.loaded_hash != digest:
                updates.append({"id": row.id, "loaded_hash": digest, "web_edited_at": None})
    if inserts:
        session.execute(insert(Source), inserts)
    for rows in (updates, definitions):
        if rows:
            session.execute(update(Source), rows)
    keys = {bf.source_id for bf in bank.files}
    return dict(session.execute(select(Source.key, Source.id).where(Source.key.in_(keys))).all())


def _load_topics(session: Session, bank: Bank, counts: Counts, definers: _Definers) -> dict[str, int]:
    existing = {
        row.key: row
        for row in session.execute(select(Topic.id, Topic.key, Topic.content_hash, Topic.defined_in))
    }
    inserts, updates, definitions = [], [], []
    for bank_file, topic in ((bf, t) for bf in bank.files for t in bf.topics):
        values = _topic_values(topic)
        values["content_hash"] = content_hash(values)
        row = existing.get(topic.id)
        if row is None:
            inserts.append({**values, "defined_in": bank_file.name})
            counts.note("added", values["key"])
            continue
        if row.content_hash != values["content_hash"]:
            updates.append({"id": row.id, **values})
            counts.note("changed", values["key"])
        else:
            counts.unchanged += 1
        if row.defined_in != bank_file.name and topic.id not in definers.topics:
            definitions.append({"id": row.id, "defined_in": bank_file.name})
    if inserts:
        session.execute(insert(Topic), inserts)
    for rows in (updates, definitions):
        if rows:
            session.execute(update(Topic), rows)
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
    web: WebEdits,
    *,
    row: Any,
    version_row: Any,
    created: list[tuple[int, Any]] | None = None,
) -> dict[str, int]:
    """Insert, version, restore and retire one kind of record; return key -> id.

    `created` collects (version id, record) for every version row written. The rows are read FOR
    NO KEY UPDATE (PostgreSQL; SQLite has one writer at a time): a teacher's retire or edit of one
    of them, in progress on another connection, is waited for and then seen as a web edit, never
    written over with what the load read before it committed. Rows that only refer to them
    (answers, review cards, attempts) are not held up.
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
                model.web_edited_at,
            ).with_for_update(key_share=True)
        )
    }
    known = known_hashes(session, model, version_model, parent_column)
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
        if moved and old.origin_file == WEB_ORIGIN and old.content_hash == digest:
            # A file that brings a browser-made record unchanged (an export does) leaves it a web record.
            moved = False
        if old.web_edited_at is not None:
            if web.overwrite:
                place["web_edited_at"] = None
            elif old.content_hash == digest or digest in known.get(old.id, ()):
                # The file holds what the database had before the web edit: nothing new to weigh.
                counts.unchanged += 1
                continue
            else:
                web.conflicts.append(Conflict(web.kind, old.key))
                counts.note("kept", old.key)
                continue
        if old.content_hash == digest and old.retired_at is None:
            counts.unchanged += 1
            if moved:
                counts.note("moved", record.id)
            if moved or "web_edited_at" in place:
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
        if old.retired_at is not None or key in incoming_keys or old.origin_file == WEB_ORIGIN:
            continue
        if (old.source_id, old.origin_file) not in scope:
            continue
        if old.web_edited_at is not None and not web.overwrite:
            web.conflicts.append(Conflict(web.kind, key, absent_from=old.origin_file))
            counts.note("kept", key)
            continue
        updates.append({"id": old.id, "retired_at": now, "web_edited_at": None})
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
