"""Import a bank file (YAML, GIFT, Aiken) into the database, or export banks as YAML or GIFT.

`import_file` reads, checks and loads in one transaction; a dry run loads too, to count
exactly what would be added, changed and retired, then rolls back. Errors anywhere mean
nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bank.aiken import read_aiken
from ..bank.check import check_parsed
from ..bank.export import ExportedFile, bank_files, to_yaml
from ..bank.foreign import Reading
from ..bank.gift_read import read_gift
from ..bank.gift_write import GiftExport, write_gift
from ..bank.imported import Existing, content_key, plan_import
from ..bank.load import LoadReport, load_bank
from ..bank.parse import ParsedFile, parse_text
from ..bank.problems import BankError, Problem
from ..models import Fact, Question, QuestionVersion, Source, Topic
from ..wording import counted

FORMATS = ("yaml", "gift", "aiken")
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".gift": "gift", ".aiken": "aiken"}
_AIKEN_ANSWER = re.compile(r"^[ \t]*ANSWER[ \t]*:[ \t]*[A-Z]\b", re.MULTILINE)
_AIKEN_OPTION = re.compile(r"^[ \t]*[A-Z][).][ \t]", re.MULTILINE)
# Questions one import may hold. A dry run of 2,000 takes about a second; 100,000 one-line
# questions fit in the size limit and would hold the database (SQLite's write lock, for everyone)
# for longer than a request may last, and leave pages listing every question slow to use.
MAX_QUESTIONS = 2000


@dataclass
class ImportResult:
    """What an import read, skipped, drafted and loaded (or would load, in a dry run)."""

    path: str
    format: str | None
    errors: list[Problem] = field(default_factory=list)
    more_errors: int = 0  # found after the listed ones, not listed (see foreign.MAX_ERRORS)
    skipped: list[Problem] = field(default_factory=list)  # the reasons: a question may have several
    skipped_questions: int = 0
    notes: list[Problem] = field(default_factory=list)
    drafts: list[dict[str, Any]] = field(default_factory=list)
    questions: int = 0
    report: LoadReport | None = None
    written: bool = False

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.more_errors


def guess_format(path: PurePath, text: str) -> str | None:
    """The format named by the file's extension. A .txt file (Moodle uses it for both) is Aiken
    when it has Aiken's option and ANSWER lines, whatever braces its questions hold, or either
    of them and no brace; else GIFT."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        answer, option = _AIKEN_ANSWER.search(text), _AIKEN_OPTION.search(text)
        return "aiken" if (answer and option) or ((answer or option) and "{" not in text) else "gift"
    return _SUFFIXES.get(suffix)


def read_text(path: Path, shown: str, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """The file's text, or the line-numbered reason it cannot be read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [too_large(shown, size, max_bytes)]
        with path.open("rb") as file:  # at most one byte over: a device or a pipe has no size
            raw = file.read(max_bytes + 1)
    except OSError as error:
        return None, [Problem(shown, 1, "(file)", f"cannot read the file: {error.strerror or error}")]
    return decode_text(raw, shown, max_bytes)


def too_large(shown: str, size: int, max_bytes: int) -> Problem:
    """The problem of a file over the import size limit."""
    return Problem(
        shown, 1, "(file)", f"the file is {size:,} bytes; an import may hold at most {max_bytes:,}"
    )


def _utf16(raw: bytes) -> bool:
    """Whether the bytes look like UTF-16: its byte order mark, or mostly plain text with a NUL in
    every other byte (as Windows writes Latin text in "Unicode")."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = raw[:400]
    if len(head) < 8:
        return False
    return any(
        head[start::2].count(0) >= 0.9 * len(head[start::2])
        and sum(32 <= b < 127 or b in b"\t\n\r" for b in head[1 - start :: 2])
        >= 0.9 * len(head[1 - start :: 2])
        for start in (0, 1)
    )


def decode_text(raw: bytes, shown: str, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """The text of a file's bytes (UTF-8), or the line-numbered reason it is not text."""
    if len(raw) > max_bytes:
        return None, [too_large(shown, len(raw), max_bytes)]
    if _utf16(raw):
        why = "UTF-16 text (Windows calls it Unicode), not UTF-8: save it as UTF-8"
        return None, [Problem(shown, 1, "(file)", why)]
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        return None, [Problem(shown, line, "(file)", "binary data (NUL byte), not a text file")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return None, [
            Problem(
                shown,
                line,
                "(file)",
                f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); save it as UTF-8",
            )
        ]
    return text, []


def import_file(
    session: Session,
    path: Path,
    *,
    shown: str | None = None,
    fmt: str | None = None,
    source_id: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    overwrite: bool = False,
    max_bytes: int,
) -> ImportResult:
    """Read, check and load one file; commit unless `dry_run` or anything is wrong.

    `overwrite` replaces records edited in the browser with the file's version, as for load.
    """
    shown = shown or str(path)
    text, problems = read_text(path, shown, max_bytes)
    if text is None:
        return ImportResult(shown, fmt, errors=problems)
    return import_text(
        session,
        text,
        shown=shown,
        fmt=fmt,
        source_id=source_id,
        dry_run=dry_run,
        strict=strict,
        overwrite=overwrite,
    )


def import_text(
    session: Session,
    text: str,
    *,
    shown: str,
    fmt: str | None = None,
    source_id: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    overwrite: bool = False,
) -> ImportResult:
    """Check and load the text of a file named `shown`; commit unless `dry_run` or anything is wrong."""
    result = ImportResult(shown, fmt)
    result.format = fmt = fmt or guess_format(PurePath(shown), text)
    if fmt is None:
        result.errors = [
            Problem(shown, 1, "(file)", "cannot tell the format from the extension: give --format")
        ]
        return result
    if fmt == "yaml":
        if source_id is not None:
            result.errors = [
                Problem(
                    shown, 1, "(file)", "--source is for GIFT and Aiken files: a YAML bank names its source"
                )
            ]
            return result
        parsed = parse_text(text, shown)
        if too_many := _too_many_in_yaml(parsed):
            result.errors = [too_many]
            return result
        bank = check_parsed([parsed])
        result.errors = bank.errors
        result.questions = sum(len(f.questions) for f in bank.files)
    else:
        reading: Reading = (read_gift if fmt == "gift" else read_aiken)(text, shown)
        if len(reading.questions) > MAX_QUESTIONS:
            result.errors = [_too_many(shown, reading)]
            return result
        prompts = {q.record.get("prompt", "") for q in reading.questions}
        plan = plan_import(reading, existing_records(session, prompts), source_id)
        bank = plan.bank
        result.errors, result.skipped, result.notes = plan.errors, plan.skipped, plan.notes
        result.more_errors = reading.more_errors
        result.skipped_questions = plan.skipped_questions
        result.drafts = plan.drafts
        result.questions = len(plan.drafts)
        if not plan.drafts and not result.errors:
            why = f"all {result.skipped_questions} skipped" if result.skipped else "the file holds none"
            result.errors = [Problem(shown, 1, "(file)", f"no question to import: {why}")]
        if strict and result.skipped and not result.errors:
            skipped = counted(result.skipped_questions, "question")
            result.errors = [Problem(shown, 1, "(file)", f"--strict: {skipped} would be skipped")]
    if result.errors:
        session.rollback()
        return result
    try:
        result.report = load_bank(session, bank, overwrite=overwrite)
        if dry_run:
            session.rollback()
        else:
            session.commit()
            result.written = True
    except BankError as error:  # what only the database can tell (an id another source holds)
        session.rollback()
        result.errors = error.problems
    except BaseException:
        session.rollback()
        raise
    return result


def _too_many(shown: str, reading: Reading) -> Problem:
    """The problem of a GIFT or Aiken file holding more questions than an import may."""
    return Problem(
        shown,
        reading.questions[MAX_QUESTIONS].line,
        "(file)",
        f"the file holds {len(reading.questions):,} questions; an import may hold at most "
        f"{MAX_QUESTIONS:,} (the one on this line is number {MAX_QUESTIONS + 1:,}): split the file",
    )


def _too_many_in_yaml(parsed: ParsedFile) -> Problem | None:
    """The problem of a YAML bank holding more questions than an import may, if it does."""
    questions = parsed.data.get("questions") if isinstance(parsed.data, dict) else None
    if not isinstance(questions, list) or len(questions) <= MAX_QUESTIONS:
        return None
    return parsed.problem(
        ("questions", MAX_QUESTIONS),
        f"the bank holds {len(questions):,} questions; an import may hold at most {MAX_QUESTIONS:,}: "
        "split it into smaller banks (or load it with `quizapp load`)",
    )


def existing_records(session: Session, prompts: Collection[str]) -> Existing:
    """The ids the database holds, with the file that holds each, for choosing imported ids; and
    the current questions with one of `prompts`, to say which imported questions repeat one."""
    keys = dict(session.execute(select(Source.id, Source.key)).all())
    existing = Existing()
    for model, into in ((Question, existing.questions), (Fact, existing.facts)):
        for key, source_pk, origin_file in session.execute(
            select(model.key, model.source_id, model.origin_file)
        ):
            into[key] = (keys[source_pk], origin_file)
    if prompts:
        current = select(
            Question.key,
            Question.origin_file,
            QuestionVersion.type,
            QuestionVersion.prompt,
            QuestionVersion.data,
        ).join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.number == Question.version),
        )
        for key, origin_file, qtype, prompt, data in session.execute(
            current.where(Question.retired_at.is_(None), QuestionVersion.prompt.in_(sorted(prompts)))
        ):
            existing.same.setdefault(content_key(qtype, prompt, data), (key, origin_file))
    existing.topics = dict(session.execute(select(Topic.key, Topic.title)).all())
    for source in session.scalars(select(Source)):
        existing.sources[source.key] = {
            "id": source.key,
            "title": source.title,
            "origin": source.origin,
            "licence": source.licence,
            "sections": source.sections,
        }
    return existing


def export_yaml(session: Session, source_id: str | None = None) -> list[tuple[str, str]]:
    """(file name, YAML text) for each bank file the database holds; raises UnknownSource."""
    return [(f.name, to_yaml(f.data)) for f in bank_files(session, source_id)]


def export_gift(session: Session, source_id: str | None = None) -> GiftExport:
    """One GIFT text for every current question; raises UnknownSource."""
    files: list[ExportedFile] = bank_files(session, source_id)
    topics = files[0].topics if files else {}
    return write_gift((q for f in files for q in f.questions), topics)
