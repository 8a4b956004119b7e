"""Make a bank out of what a reader took from a foreign file, ready for the loader.

An imported file becomes one bank file, named like the file, and is checked and loaded
exactly like a YAML file: re-importing it versions what changed and retires what left it.

Stable ids. A question's id is its title made into an id (`::Capital of France::` ->
`capital-of-france`; a title that already is an id stays as it is, so our own GIFT export
reads back to the same ids), or, without a title, `q-` and a digest of its category and
text. A title that repeats across categories is qualified by its category
(`week-1-q1`), and untitled questions of the same category and text by their answers too, so
that an id stays with its question when others come and go. What still repeats gets `-2`,
`-3` in file order. An id that the database already
holds for another file is prefixed with the file's name (`quiz-capital-of-france`). Ids
held by this very file are always reused, so importing the same file again changes nothing.

Facts. Imported questions name no facts, so each gets a drafted fact (same id rules, in the
facts' own namespace) stating the question and its right answer, marked `draft: true` for
a teacher to review; it sits in the first section of the source.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..grading import right_answer
from . import schema
from .check import Bank, check_parsed
from .foreign import CLOZE_PROMPT, Reading, ReadQuestion
from .load import content_hash, question_parts
from .messages import translate
from .parse import ParsedFile
from .problems import Problem

Place = tuple[str, str]  # (source id, file name)
IMPORTED_SECTION = "imported"

_QUESTION = TypeAdapter(schema.Question)
_ID = re.compile(schema.ID_PATTERN)


@dataclass
class Existing:
    """What the database holds that imported ids must not take from other files."""

    questions: dict[str, Place] = field(default_factory=dict)
    facts: dict[str, Place] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)  # id -> title
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the source as in a bank file
    # content_key -> (id, file) of current questions that share a prompt with the file being imported
    same: dict[str, Place] = field(default_factory=dict)


def content_key(qtype: str, prompt: str, data: dict[str, Any]) -> str:
    """What makes two questions one for a taker: type, prompt and answer data (not ids, facts, topics)."""
    return content_hash({"type": qtype, "prompt": prompt, "data": data})


def _content_key(question: Any) -> str:
    return content_key(question.type, question.prompt, question_parts(question)["data"])


@dataclass
class ImportPlan:
    """A checked bank made from a reading, with everything to report."""

    reading: Reading
    bank: Bank
    drafts: list[dict[str, Any]]
    errors: list[Problem]
    skipped: list[Problem]  # the reasons: a question may have several
    notes: list[Problem]
    skipped_questions: int = 0


def slug(text: str, limit: int = 80) -> str:
    """An id from a title; a title that already is an id is kept as it is."""
    text = " ".join(text.split())
    if _ID.match(text):
        return text
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9._-]+", "-", folded).strip("-._")[:limit].strip("-._")


def file_key(name: str, limit: int = 80) -> str:
    """The id made from a file's name: its slug, or for a name with no Latin letter or digit
    ("問題.gift") one told apart by a digest of the name, so that two such files do not meet."""
    stem = PurePath(name).stem
    return slug(stem, limit) or f"imported-{hashlib.sha256(stem.encode()).hexdigest()[:8]}"


def plan_import(reading: Reading, existing: Existing, source_id: str | None = None) -> ImportPlan:
    """Build and check the bank for `reading`; the source is `source_id` or one named after the file."""
    path = reading.path
    name = PurePath(path).name
    errors = list(reading.errors)
    skipped, notes = list(reading.skipped), list(reading.notes)
    source = _source(path, name, existing, source_id, errors)
    if source is None:
        return ImportPlan(reading, Bank(), [], errors, skipped, notes)
    place = (source["id"], name)
    namespace = file_key(name, 30)

    questions: list[tuple[ReadQuestion, Any]] = []
    for read in reading.questions:
        valid, problems = _validate(path, read)
        skipped.extend(
            Problem(path, p.line, read.where, f"{p.where}: {p.message}: not imported{_hint(p)}", warning=True)
            for p in problems
        )
        if valid is not None:
            questions.append((read, valid))
    skipped_questions = len(reading.skipped) + len(reading.questions) - len(questions)

    question_ids = _Ids(existing.questions, place, namespace)
    fact_ids = _Ids(existing.facts, place, namespace)
    topics = _Topics(existing.topics)
    section = source["sections"][0]["id"]
    data: dict[str, Any] = {"source": source, "facts": [], "topics": [], "questions": []}
    lines: dict[tuple, int] = {(): 1}
    drafts = []
    held_here = {key for key, held in existing.questions.items() if held == place}
    bases = _base_ids([read for read, _ in questions], held_here)
    seen: dict[str, tuple[str, int]] = {}  # content key -> (id, line) of its first question in the file
    for (read, valid), base in zip(questions, bases, strict=True):
        qid = question_ids.take(base)
        notes.extend(_repeated(path, read, qid, _content_key(valid), seen, existing))
        fid = fact_ids.take(qid)
        fact = {"id": fid, "section": section, "statement": draft_statement(valid), "draft": True}
        index = len(data["questions"])
        question = {"id": qid, **read.record, "facts": [fid]}
        if read.category:
            question["topics"] = [topics.take(read.category, read.line)]
        data["facts"].append(fact)
        data["questions"].append(question)
        drafts.append(fact)
        lines[("facts", index)] = read.line
        lines.update({("questions", index, *key): line for key, line in read.lines.items()})
    data["topics"] = topics.records
    lines.update({("topics", i): line for i, line in enumerate(topics.lines)})
    bank = check_parsed([ParsedFile(path, data, lines)])
    bank.problems = bank.errors  # coverage warnings mean nothing for drafted facts
    errors.extend(bank.errors)
    return ImportPlan(reading, bank, drafts, errors, _by_line(skipped), _by_line(notes), skipped_questions)


def _by_line(problems: list[Problem]) -> list[Problem]:
    """The problems in the order of their lines (the reader's and the checks' come apart)."""
    return sorted(problems, key=lambda problem: problem.line)


def _repeated(
    path: str, read: ReadQuestion, qid: str, key: str, seen: dict[str, tuple[str, int]], existing: Existing
) -> list[Problem]:
    """A note when the question is one the file or the bank already holds (the same file saved again
    under another name, a question pasted twice): it is imported all the same, as a question of its own."""
    if key in seen:
        first, line = seen[key]
        return [
            Problem(path, read.line, read.where, f"the same question as {first} on line {line}", warning=True)
        ]
    seen[key] = (qid, read.line)
    held = existing.same.get(key)
    if held is None or held[0] == qid:
        return []
    other, origin = held
    message = f"the same question as {other} (from {origin}), already in the bank: imported again as {qid}"
    return [Problem(path, read.line, read.where, message, warning=True)]


def draft_statement(question: Any) -> str:
    """A fact drafted from a (validated) question and its right answer."""
    answer = "; ".join(right_answer(question.type, question.model_dump(mode="json")))
    if question.type == "cloze" and question.prompt == CLOZE_PROMPT:
        return answer[:10_000]
    return f"{question.prompt}\nAnswer: {answer}"[:10_000]


def _source(
    path: str, name: str, existing: Existing, source_id: str | None, errors: list[Problem]
) -> dict[str, Any] | None:
    if source_id is not None:
        if source_id not in existing.sources:
            known = ", ".join(sorted(existing.sources)) or "none yet"
            errors.append(
                Problem(path, 1, "(file)", f"no source {source_id!r} in the database (known: {known})")
            )
            return None
        return existing.sources[source_id]
    key = file_key(name)
    made = {
        "id": key,
        "title": name[:500],
        "origin": f"Imported from {name}",
        "licence": "not stated",
        "sections": [{"id": IMPORTED_SECTION, "title": f"Imported from {name}"[:500]}],
    }
    held = existing.sources.get(key)
    if held is None:
        return made
    if held.get("origin") != made["origin"]:
        errors.append(
            Problem(
                path,
                1,
                "(file)",
                f"the database already holds a source {key!r} that is not this file's import: pass "
                f"--source {key} to add the questions to it, or rename the file",
            )
        )
        return None
    return held


# What a teacher can do about a question whose size our types do not take (Moodle's do).
_HINTS = {
    ("options", "needs at least"): "make a two-option question true/false, or add an option",
    ("options", "holds at most"): "split its options over two questions",
    ("pairs", "needs at least"): "add a pair",
    ("pairs", "holds at most"): "split its pairs over two questions",
}


def _hint(problem: Problem) -> str:
    for (where, start), hint in _HINTS.items():
        if problem.where == where and problem.message.startswith(start):
            return f" ({hint})"
    return ""


def _validate(path: str, read: ReadQuestion) -> tuple[Any, list[Problem]]:
    trial = {"id": "imported", **read.record, "facts": ["imported"]}
    try:
        return _QUESTION.validate_python(trial), []
    except ValidationError as error:
        parsed = ParsedFile(path, trial, dict(read.lines))
        return None, translate(parsed, (), error, "questions")


def _base_ids(reads: list[ReadQuestion], held_here: set[str]) -> list[str]:
    """Each question's id before repeats are numbered (see the module docstring).

    An id must follow its question when others are added to or removed from the file, or a
    re-import would move one question's history onto another. So a title that several
    categories share (Moodle's "Q1" in every week) is qualified by its category, and an
    untitled question whose category and text repeat is told apart by its answers too; a
    qualified id that this file already holds stays qualified when the repeat is gone.
    """
    plain = [_base_id(read) for read in reads]
    repeated = {base for base, count in Counter(plain).items() if count > 1}
    bases = []
    for read, base in zip(reads, plain, strict=True):
        qualified = _base_id(read, qualified=True)
        bases.append(qualified if base in repeated or qualified in held_here else base)
    return bases


def _base_id(read: ReadQuestion, qualified: bool = False) -> str:
    if read.title and slug(read.title):
        title = slug(read.title)
        return (slug(f"{read.category} {title}") or title) if qualified and read.category else title
    record = read.record
    parts = [read.category or "", record["prompt"], record.get("text", "")]
    if qualified:
        parts.append(json.dumps(record, sort_keys=True, default=str))
    return "q-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:10]


class _Ids:
    """Ids for one kind of record: free ones, or those this file already holds."""

    def __init__(self, held: dict[str, Place], place: Place, namespace: str) -> None:
        self.held, self.place, self.namespace = held, place, namespace
        self.used: set[str] = set()
        self.next_number: dict[str, int] = {}  # per base: the number its next repeat starts from

    def take(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`... for its repeats in this file; one that another file
        holds is prefixed with this file's name."""
        number = self.next_number.get(base, 1)
        while True:  # ends: the ids held are finitely many
            wanted = base if number == 1 else f"{base[:74]}-{number}"
            number += 1
            if wanted in self.used:
                continue
            for key in (wanted, f"{self.namespace}-{wanted}"[:80].rstrip("-._")):
                if key not in self.used and self.held.get(key, self.place) == self.place:
                    self.used.add(key)
                    self.next_number[base] = number
                    return key


class _Topics:
    """A topic per category; an id another topic holds with another title gets a digest."""

    def __init__(self, held: dict[str, str]) -> None:
        self.held = dict(held)
        self.by_title: dict[str, str] = {}
        self.records: list[dict[str, str]] = []
        self.lines: list[int] = []

    def take(self, title: str, line: int) -> str:
        if title in self.by_title:
            return self.by_title[title]
        title = title[:500]
        key = slug(title) or "topic"
        if self.held.get(key, title) != title:
            key = f"{key[:73]}-{hashlib.sha256(title.encode()).hexdigest()[:6]}"
        self.held[key] = title
        self.by_title[title] = key
        self.records.append({"id": key, "title": title})
        self.lines.append(line)
        return key
