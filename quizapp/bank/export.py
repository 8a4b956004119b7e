"""Write what the database holds back out as bank files: one per file it was loaded from.

The YAML written reloads to the very same rows: every current (not retired) record, in the
order it was first loaded, with the values the loader hashed. The link tables do not keep
the order in which a question lists its facts and topics, but the stored content hash does,
so the order whose hash matches is the one written (the sorted order when none does, for a
question whose hash came from another version of the loader). A topic is written in the
first exported file that uses it; a source in the first of its files.

Records made in the browser (`origin_file` WEB_ORIGIN) are written to `<source id>-web.yaml`
(`-web-2.yaml`... when a bank file of that name is loaded already), so the export is a valid
bank; loaded over the database it came from, they stay web records (see `bank.load`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import islice, permutations
from pathlib import PurePosixPath
from typing import Any

import yaml
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    WEB_ORIGIN,
    Fact,
    Question,
    QuestionVersion,
    Quiz,
    QuizVersion,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
)
from . import schema
from .load import record_hash
from .parse import add_core_resolvers

_QUESTION = TypeAdapter(schema.Question)
_MAX_ORDERS = 120  # permutations tried per list; questions list a handful of facts and topics
HEADER = "# Exported by quizapp from its database; `quizapp load` reads it back.\n"
BANK_SUFFIXES = (".yaml", ".yml")


@dataclass
class ExportedFile:
    """One bank file: the name it was loaded from and its content as a bank file's mapping."""

    name: str
    source_id: str
    data: dict[str, Any]
    questions: list[Any]  # the question records, for writers of other formats
    topics: dict[str, schema.Topic]  # every topic the export defines, by id


class UnknownSource(LookupError):
    """Raised when an export names a source the database does not hold."""


def bank_files(session: Session, source_id: str | None = None) -> list[ExportedFile]:
    """The current bank files of one source (or of all), in a fixed number of queries."""
    sources_query = select(Source).order_by(Source.id)
    if source_id is not None:
        sources_query = sources_query.where(Source.key == source_id)
    sources = list(session.scalars(sources_query))
    if source_id is not None and not sources:
        raise UnknownSource(source_id)
    by_id = {s.id: s for s in sources}
    facts = session.scalars(
        select(Fact).where(Fact.source_id.in_(by_id), Fact.retired_at.is_(None)).order_by(Fact.id)
    ).all()
    questions = session.execute(
        select(Question, QuestionVersion)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.number == Question.version),
        )
        .where(Question.source_id.in_(by_id), Question.retired_at.is_(None))
        .order_by(Question.id)
    ).all()
    version_ids = [version.id for _, version in questions]
    fact_links = _links(session, question_version_facts, Fact, "fact_id", version_ids)
    topic_links = _links(session, question_version_topics, Topic, "topic_id", version_ids)
    quizzes = session.execute(
        select(Quiz, QuizVersion.definition)
        .join(QuizVersion, (QuizVersion.quiz_id == Quiz.id) & (QuizVersion.number == Quiz.version))
        .where(Quiz.source_id.in_(by_id), Quiz.retired_at.is_(None))
        .order_by(Quiz.id)
    ).all()
    topics = {t.key: t for t in session.scalars(select(Topic).order_by(Topic.id))}
    web_names = web_file_names(session)

    def file_name(row: Fact | Question | Quiz) -> tuple[int, str]:
        name = web_names[row.source_id] if row.origin_file == WEB_ORIGIN else row.origin_file
        return row.source_id, name

    content: dict[tuple[int, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        content[file_name(fact)]["facts"].append(_fact(fact))
    for question, version in questions:
        record = _question(question, version, fact_links.get(version.id, []), topic_links.get(version.id, []))
        content[file_name(question)]["questions"].append(record)
    for quiz, definition in quizzes:
        content[file_name(quiz)]["quizzes"].append(schema.Quiz.model_validate(definition))

    files = []
    written_sources: set[int] = set()
    written_topics: set[str] = set()
    every_topic = {
        key: schema.Topic(id=key, title=t.title, description=t.description) for key, t in topics.items()
    }
    for source_pk, name in sorted(content):
        parts = content[source_pk, name]
        source = by_id[source_pk]
        used = [t for q in parts["questions"] for t in q.topics]
        used += [t for z in parts["quizzes"] for t in (z.select.topics or [])]
        mine = sorted(
            {t for t in used if t not in written_topics and t in topics}, key=lambda key: topics[key].id
        )
        written_topics.update(mine)
        data: dict[str, Any] = {"source": source.key}
        if source_pk not in written_sources:
            written_sources.add(source_pk)
            data["source"] = {
                "id": source.key,
                "title": source.title,
                "origin": source.origin,
                "licence": source.licence,
                "sections": source.sections,
            }
        if parts["facts"]:
            data["facts"] = parts["facts"]
        if mine:
            data["topics"] = [every_topic[t].model_dump(exclude_defaults=True) for t in mine]
        if parts["questions"]:
            data["questions"] = [_question_mapping(q) for q in parts["questions"]]
        if parts["quizzes"]:
            data["quizzes"] = [z.model_dump(mode="json", exclude_defaults=True) for z in parts["quizzes"]]
        files.append(ExportedFile(name, source.key, data, parts["questions"], every_topic))
    return files


def yaml_file_name(name: str) -> str:
    """The name an exported bank file gets in a folder: its own when YAML, else its stem + .yaml."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return base if base.endswith(BANK_SUFFIXES) else f"{PurePosixPath(base).stem}.yaml"


def web_file_names(session: Session) -> dict[int, str]:
    """Source row id -> the file name its browser-made records are exported under.

    Unique among the names every loaded file is exported under (in any source, ignoring
    case, as a folder on some systems would), so it never clashes with a real file.
    """
    taken: set[str] = set()
    for model in (Fact, Question, Quiz):
        for name in session.scalars(select(model.origin_file).distinct()):
            if name != WEB_ORIGIN:
                taken.update({name.lower(), yaml_file_name(name).lower()})
    names = {}
    for source_pk, key in session.execute(select(Source.id, Source.key).order_by(Source.id)):
        name, number = f"{key}-web.yaml", 1
        while name.lower() in taken:
            number += 1
            name = f"{key}-web-{number}.yaml"
        taken.add(name.lower())
        names[source_pk] = name
    return names


def to_yaml(data: dict[str, Any]) -> str:
    """The YAML text of one bank file."""
    return HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so an export reads like a bank written by hand.

    Text is quoted when a YAML 1.1 reader or the bank reader (YAML 1.2) would read it as
    something else: '1e3' and '0o7' are numbers to the bank reader, '010' and 'yes' to YAML 1.1.
    """


add_core_resolvers(_Dumper)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def _links(
    session: Session, table: Any, model: Any, column: str, version_ids: list[int]
) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not version_ids:
        return found
    rows = session.execute(
        select(table.c.question_version_id, model.key)
        .join(model, model.id == table.c[column])
        .where(table.c.question_version_id.in_(version_ids))
        .order_by(model.key)
    )
    for version_id, key in rows:
        found[version_id].append(key)
    return found


def _fact(fact: Fact) -> dict[str, Any]:
    data: dict[str, Any] = {"id": fact.key, "section": fact.section, "statement": fact.statement}
    if fact.draft:
        data["draft"] = True
    return data


def _question(question: Question, version: QuestionVersion, facts: list[str], topics: list[str]) -> Any:
    marks = version.marks
    record = _QUESTION.validate_python(
        {
            "id": question.key,
            "type": version.type,
            "prompt": version.prompt,
            "explanation": version.explanation,
            "difficulty": version.difficulty,
            "marks": int(marks) if float(marks).is_integer() else marks,
            "facts": facts,
            "topics": topics,
            **version.data,
        }
    )
    marks_forms = [record.marks] + ([float(record.marks)] if isinstance(record.marks, int) else [])
    for marks_form in marks_forms:
        for fact_order in islice(permutations(facts), _MAX_ORDERS):
            for topic_order in islice(permutations(topics), _MAX_ORDERS):
                trial = record.model_copy(
                    update={"marks": marks_form, "facts": list(fact_order), "topics": list(topic_order)}
                )
                if record_hash(trial) == question.content_hash:
                    return trial
    return record


def _question_mapping(record: Any) -> dict[str, Any]:
    dumped = record.model_dump(mode="json", exclude_defaults=True)
    first = {key: dumped.pop(key) for key in ("id", "type", "prompt")}
    return first | dumped


def question_record(question: Question, version: QuestionVersion, facts: list[str], topics: list[str]) -> Any:
    """The schema record of a stored question version, its facts and topics in the hashed order."""
    return _question(question, version, facts, topics)
