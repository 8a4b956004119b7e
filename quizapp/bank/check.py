"""Check bank files: structure per record, then the rules that span records and files."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import TypeAdapter, ValidationError

from . import schema
from .messages import kind_of, translate, unknown_key, unknown_section
from .parse import ParsedFile, Path_, format_path, parse_file
from .problems import Problem
from .selection import selects

TOP_KEYS = ("source", "facts", "topics", "questions", "quizzes")
BANK_SUFFIXES = (".yaml", ".yml")

_ITEM_MODELS: dict[str, Any] = {
    "facts": TypeAdapter(schema.Fact),
    "topics": TypeAdapter(schema.Topic),
    "questions": TypeAdapter(schema.Question),
    "quizzes": TypeAdapter(schema.Quiz),
}
_ID_ADAPTER = TypeAdapter(schema.Id)


@dataclass
class BankFile:
    """One file's valid records (records with errors are left out)."""

    path: str
    name: str
    source_id: str
    source: schema.Source | None = None
    facts: list[schema.Fact] = field(default_factory=list)
    topics: list[schema.Topic] = field(default_factory=list)
    questions: list[Any] = field(default_factory=list)
    quizzes: list[schema.Quiz] = field(default_factory=list)
    flawed_questions: list[Any] = field(default_factory=list)  # stand-ins for questions with errors
    parsed: ParsedFile | None = field(default=None, repr=False)  # to locate problems found later

    def problem(self, where: Path_, message: str) -> Problem:
        """A problem at `where` in this file (line 1 when the file's positions are not known)."""
        if self.parsed is None:
            return Problem(self.path, 1, format_path(where), message)
        return self.parsed.problem(where, message)


@dataclass
class Bank:
    """The result of checking a set of files: their records and every problem found."""

    files: list[BankFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_count: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def ok(self, strict: bool = False) -> bool:
        return not (self.problems if strict else self.errors)

    def summary(self) -> dict[str, Any]:
        facts = [f for bf in self.files for f in bf.facts]
        questions = [q for bf in self.files for q in bf.questions]
        tested = {fid for q in questions for fid in q.facts}
        by_type = Counter(q.type for q in questions)
        return {
            "files": self.file_count,
            "sources": sum(1 for bf in self.files if bf.source is not None),
            "facts": len(facts),
            "topics": sum(len(bf.topics) for bf in self.files),
            "questions": len(questions),
            "questions_by_type": {t: by_type.get(t, 0) for t in schema.QUESTION_TYPES},
            "quizzes": sum(len(bf.quizzes) for bf in self.files),
            "facts_covered": sum(1 for f in facts if f.id in tested),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def discover(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into their bank files, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in BANK_SUFFIXES and p.is_file())
            if not found:
                problems.append(Problem(str(path), 1, "(folder)", "no bank files (*.yaml, *.yml) here"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(str(path), 1, "(file)", "no such file or folder"))
    seen: set[Path] = set()
    unique = []
    for file in files:
        if file.resolve() not in seen:
            seen.add(file.resolve())
            unique.append(file)
    return unique, problems


def check_paths(paths: list[Path]) -> Bank:
    """Check the bank files at `paths` (files or folders) as one set."""
    files, problems = discover(paths)
    parsed = [parse_file(f, _display(f)) for f in files]
    bank = check_parsed(parsed)
    bank.problems[:0] = problems
    return bank


def check_parsed(parsed_files: list[ParsedFile]) -> Bank:
    """Check already parsed files as one set (used by the CLI, tests and the web form)."""
    bank = Bank(file_count=len(parsed_files))
    ids: dict[str, set[str]] = defaultdict(set)  # ids named by records, valid or not
    for parsed in parsed_files:
        bank.problems.extend(parsed.problems)
        if parsed.data is None and parsed.problems:
            continue
        bank_file = _check_structure(parsed, bank.problems, ids)
        if bank_file is not None:
            bank.files.append(bank_file)
    _check_across(bank, {p.path: p for p in parsed_files}, ids)
    # A file that could not be read comes first: the other files' unknown references to what it
    # defines follow from it, and go once it is mended.
    unread = {p.path for p in parsed_files if p.data is None and p.problems}
    bank.problems.sort(key=lambda p: (p.path not in unread, p.path, p.line, p.where, p.message))
    return bank


# --- one file ---------------------------------------------------------------------


def _check_structure(
    parsed: ParsedFile, problems: list[Problem], ids: dict[str, set[str]]
) -> BankFile | None:
    data = parsed.data
    if not isinstance(data, dict):
        problems.append(
            parsed.problem(
                (), f"a bank file is a mapping with the keys {', '.join(TOP_KEYS)}; got {kind_of(data)}"
            )
        )
        return None
    for key in data:
        if key not in TOP_KEYS:
            problems.append(parsed.problem((key,), unknown_key(key, TOP_KEYS)))

    source_id, source = _check_source(parsed, data, problems)
    if isinstance(data.get("source"), dict) and source_id:
        ids["sources"].add(source_id)
    bank_file = BankFile(parsed.path, Path(parsed.path).name, source_id or "", source, parsed=parsed)
    for key, adapter in _ITEM_MODELS.items():
        items = data.get(key, [])
        if items is None:
            items = []
        if not isinstance(items, list):
            problems.append(parsed.problem((key,), f"expected a list of {key}, got {kind_of(items)}"))
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                ids[key].add(item["id"])  # so an invalid record causes no "unknown id" cascade
            try:
                record = adapter.validate_python(item)
            except ValidationError as error:
                problems.extend(translate(parsed, (key, index), error, key))
                if key == "questions" and isinstance(item, dict):
                    bank_file.flawed_questions.append(_stand_in(item))
                continue
            getattr(bank_file, key).append(record)
    return bank_file if source_id else None


def _check_source(
    parsed: ParsedFile, data: dict, problems: list[Problem]
) -> tuple[str | None, schema.Source | None]:
    if "source" not in data:
        problems.append(parsed.problem((), "missing required key 'source' (the source document, or its id)"))
        return None, None
    value = data["source"]
    if isinstance(value, str):
        try:
            return _ID_ADAPTER.validate_python(value), None
        except ValidationError as error:
            problems.extend(translate(parsed, ("source",), error, "source"))
            return None, None
    if not isinstance(value, dict):
        problems.append(
            parsed.problem(
                ("source",), f"expected a mapping (the source) or a source id, got {kind_of(value)}"
            )
        )
        return None, None
    try:
        source = schema.Source.model_validate(value)
    except ValidationError as error:
        problems.extend(translate(parsed, ("source",), error, "source"))
        raw_id = value.get("id")
        return (raw_id if isinstance(raw_id, str) else None), None
    return source.id, source


# --- across records and files ---------------------------------------------------------


def _check_across(bank: Bank, parsed: dict[str, ParsedFile], ids: dict[str, set[str]]) -> None:
    problems = bank.problems

    def report(bank_file: BankFile, path: Path_, message: str, warning: bool = False) -> None:
        problems.append(parsed[bank_file.path].problem(path, message, warning=warning))

    sources: dict[str, tuple[BankFile, schema.Source]] = {}
    for bf in bank.files:
        if bf.source is not None:
            if bf.source.id in sources:
                other = sources[bf.source.id][0]
                report(bf, ("source", "id"), f"source {bf.source.id!r} is already defined in {other.path}")
            else:
                sources[bf.source.id] = (bf, bf.source)
    names: dict[tuple[str, str], BankFile] = {}
    for bf in bank.files:
        if bf.source is None and bf.source_id not in sources and bf.source_id not in ids["sources"]:
            report(bf, ("source",), f"unknown source {bf.source_id!r}: no file in this set defines it")
        key = (bf.source_id, bf.name)
        if key in names:
            report(bf, (), f"{names[key].path} has the same file name for source {bf.source_id!r}")
        names[key] = bf

    # Records keep the index they had in their file's list, for locating problems.
    indexed: dict[tuple[str, str], list[tuple[int, Any]]] = {}
    first_seen: dict[str, dict[str, tuple[BankFile, int]]] = defaultdict(dict)
    for kind in _ITEM_MODELS:
        for bf in bank.files:
            kept = []
            for index, record in enumerate(getattr(bf, kind)):
                earlier = first_seen[kind].get(record.id)
                if earlier is not None:
                    other_file, other_index = earlier
                    line = parsed[other_file.path].line_of((kind, other_index))
                    report(
                        bf,
                        (kind, index, "id"),
                        f"duplicate id {record.id!r} (first used at {other_file.path}:{line})",
                    )
                    continue
                first_seen[kind][record.id] = (bf, index)
                kept.append((index, record))
            indexed[bf.path, kind] = kept

    sections = {sid: {s.id for s in src.sections} for sid, (_, src) in sources.items()}
    for bf in bank.files:
        for index, fact in indexed[bf.path, "facts"]:
            known = sections.get(bf.source_id)
            if known is not None and fact.section not in known:
                report(
                    bf,
                    ("facts", index, "section"),
                    unknown_section(fact.section, known),
                )

    all_questions: list[Any] = []
    for bf in bank.files:
        for index, question in indexed[bf.path, "questions"]:
            all_questions.append(question)
            for i, fid in enumerate(question.facts):
                if fid not in ids["facts"]:
                    report(bf, ("questions", index, "facts", i), f"unknown fact {fid!r}")
            for i, tid in enumerate(question.topics):
                if tid not in ids["topics"]:
                    report(bf, ("questions", index, "topics", i), f"unknown topic {tid!r}")

    for bf in bank.files:
        for index, quiz in indexed[bf.path, "quizzes"]:
            own = [
                q
                for other in bank.files
                if other.source_id == bf.source_id
                for _, q in indexed[other.path, "questions"]
            ]
            foreign = {
                q.id
                for other in bank.files
                if other.source_id != bf.source_id
                for _, q in indexed[other.path, "questions"]
            }
            flawed = [
                q for other in bank.files if other.source_id == bf.source_id for q in other.flawed_questions
            ]
            check_quiz(bf, index, quiz, own, foreign, ids, report, flawed)

    tested_by: dict[str, set[str]] = defaultdict(set)
    for question in all_questions:
        for fid in question.facts:
            tested_by[fid].add(question.type)
    for bf in bank.files:
        for index, fact in indexed[bf.path, "facts"]:
            types = tested_by.get(fact.id, set())
            if not types:
                report(bf, ("facts", index), f"fact {fact.id!r} is tested by no question", warning=True)
            elif len(types) == 1:
                report(
                    bf,
                    ("facts", index),
                    f"fact {fact.id!r} is tested by one question type only ({next(iter(types))})",
                    warning=True,
                )
    for bf in bank.files:  # duplicates are reported above and left out of the bank
        for kind in _ITEM_MODELS:
            setattr(bf, kind, [record for _, record in indexed[bf.path, kind]])


def check_quiz(bf, index, quiz, questions, foreign, ids, report, flawed=()) -> None:
    """Check a quiz against the questions of its own source (a quiz never reaches across).

    `flawed` holds stand-ins for the source's questions with errors: a selection that would
    take one of them is not called empty, as mending the question mends the quiz.
    """
    select = quiz.select
    bad_refs = 0
    for name, kind in (("topics", "topics"), ("facts", "facts"), ("questions", "questions")):
        for i, ref in enumerate(getattr(select, name) or []):
            if ref not in ids[kind]:
                bad_refs += 1
                report(bf, ("quizzes", index, "select", name, i), f"unknown {kind[:-1]} {ref!r}")
    for i, ref in enumerate(select.questions or []):
        if ref in foreign:
            bad_refs += 1
            report(bf, ("quizzes", index, "select", "questions", i), f"question {ref!r} is in another source")
    chosen = [q for q in questions if selects(select, q)]
    if not chosen:
        # An empty selection that follows from problems reported already is not one more problem.
        if not bad_refs and not any(selects(select, q) for q in flawed):
            report(bf, ("quizzes", index, "select"), "the quiz selects no question")
    elif quiz.count is not None and quiz.count > len(chosen):
        report(
            bf,
            ("quizzes", index, "count"),
            f"count {quiz.count} is more than the {len(chosen)} question(s) the selection holds",
        )


def _stand_in(question: dict[str, Any]) -> SimpleNamespace:
    """What a selection looks at in a question with errors, read as far as it can be."""

    def ids(value: Any) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    return SimpleNamespace(
        id=question.get("id"),
        topics=ids(question.get("topics")),
        facts=ids(question.get("facts")),
        difficulty=question.get("difficulty", "medium"),
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


__all__ = ["Bank", "BankFile", "check_parsed", "check_paths", "check_quiz", "discover", "format_path"]
