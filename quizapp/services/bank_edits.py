"""Sources and facts created and edited in the browser, checked by the bank's own rules.

Every record is built as its `bank.schema` model, so a web form accepts exactly what
`quizapp check` accepts, with the same messages. Use cases take plain values, flush and
never commit; problems come back as `EditErrors`, one list of messages per form field.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..bank import schema
from ..bank.load import content_hash, new_state, record_hash
from ..bank.messages import record_messages, unknown_section
from ..models import WEB_ORIGIN, Fact, FactVersion, Source, utcnow
from ..wording import counted
from .stale import check_fresh


class EditErrors(Exception):
    """What is wrong with a submitted record: field name -> messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """The record to edit does not exist."""


@dataclass
class SourceValues:
    key: str
    title: str
    origin: str
    licence: str
    sections: str  # one section a line, "id: title"


@dataclass
class FactValues:
    key: str
    section: str
    statement: str


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, [])
    if message not in errors[name]:
        errors[name].append(message)


def _validated(
    model: type[BaseModel],
    data: dict[str, Any],
    fields: dict[str, str],
    errors: dict,
    section_lines: list[int] | None = None,
) -> Any:
    """The record, or None with its problems added to `errors` under the form's field names.

    `section_lines`: the line of the form's Sections box that each section came from."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for loc, message in record_messages(error, model):
            name = fields.get(str(loc[0]), str(loc[0])) if loc else "key"
            if name == "sections" and len(loc) >= 2 and isinstance(loc[1], int):
                where = f" {loc[2]}" if len(loc) > 2 else ""
                line = section_lines[loc[1]] if section_lines else loc[1] + 1
                message = f"line {line}{where}: {message}"
            _add(errors, name, message)
        return None


def _flush_new(session: Session, name: str, message: str) -> None:
    """Flush a new row; a unique id taken meanwhile (another request) is a form error, not a crash."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise EditErrors({name: [message]}) from None


# --- sources ------------------------------------------------------------------------------------


def parse_sections(text: str) -> tuple[list[dict[str, str]], list[str], list[int]]:
    """Lines of "id: title" as section mappings, a message for every line that is not one, and
    the line each section is on."""
    sections, problems, lines = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        section_id, colon, title = line.partition(":")
        if not colon:
            problems.append(f"line {number}: write each section as 'id: title'")
            continue
        sections.append({"id": section_id.strip(), "title": title.strip()})
        lines.append(number)
    return sections, problems, lines


def sections_text(sections: list[dict[str, str]]) -> str:
    """A source's sections as the form's lines."""
    return "\n".join(f"{s['id']}: {s['title']}" for s in sections)


def _source_record(values: SourceValues, errors: dict[str, list[str]]) -> schema.Source | None:
    sections, problems, lines = parse_sections(values.sections)
    for problem in problems:
        _add(errors, "sections", problem)
    data = {
        "id": values.key.strip(),
        "title": values.title,
        "origin": values.origin,
        "licence": values.licence,
        "sections": sections,
    }
    record = _validated(schema.Source, data, {"id": "key"}, errors, lines)
    return None if problems else record


def _source_columns(record: schema.Source) -> dict[str, Any]:
    """The columns of a source row, hashed as the loader hashes them."""
    values = {
        "key": record.id,
        "title": record.title,
        "origin": record.origin,
        "licence": record.licence,
        "sections": [s.model_dump(mode="json") for s in record.sections],
    }
    values["content_hash"] = content_hash(values)
    return values


def create_source(session: Session, values: SourceValues, now: datetime | None = None) -> Source:
    """Add a source, marked as made in the browser; raise EditErrors if the bank's rules refuse it."""
    errors: dict[str, list[str]] = {}
    record = _source_record(values, errors)
    key = values.key.strip()
    if key and session.scalar(select(Source.id).where(Source.key == key)) is not None:
        _add(errors, "key", f"a source with id {key!r} already exists")
    if errors or record is None:
        raise EditErrors(errors)
    source = Source(**_source_columns(record), version=1, web_edited_at=now or utcnow())
    session.add(source)
    _flush_new(session, "key", f"a source with id {key!r} already exists")
    new_state(session)
    return source


def _sections_in_use(session: Session, source: Source, removed: set[str]) -> list[str]:
    """A message for each of `removed` that facts of the source still use."""
    if not removed:
        return []
    used = session.execute(
        select(Fact.section, Fact.key)
        .where(Fact.source_id == source.id, Fact.section.in_(removed))
        .order_by(Fact.section, Fact.key)
    ).all()
    messages = []
    for section in sorted({s for s, _k in used}):
        keys = [k for s, k in used if s == section]
        listed = ", ".join(keys[:5]) + (", …" if len(keys) > 5 else "")
        count = counted(len(keys), "fact")
        verb, them = ("uses", "it") if len(keys) == 1 else ("use", "them")
        messages.append(
            f"section {section!r} cannot be removed: {count} ({listed}) {verb} it; "
            f"move {them} to another section first"
        )
    return messages


def update_source(
    session: Session,
    source_id: int,
    values: SourceValues,
    now: datetime | None = None,
    *,
    opened: int | None = None,
) -> Source:
    """Change a source's title, origin, licence and sections (its id stays), marked as web-edited.

    With `opened`, raises StaleEdit when the source is no longer at the version the form showed.
    """
    # Locked, so that of two saves at once the second sees the first's version.
    source = session.get(Source, source_id, with_for_update=True, populate_existing=True)
    if source is None:
        raise NotFound(source_id)
    check_fresh(source.version, opened)
    errors: dict[str, list[str]] = {}
    values = replace(values, key=source.key)
    record = _source_record(values, errors)
    kept = {s["id"] for s in parse_sections(values.sections)[0]}
    for message in _sections_in_use(session, source, {s["id"] for s in source.sections} - kept):
        _add(errors, "sections", message)
    if errors or record is None:
        raise EditErrors(errors)
    columns = _source_columns(record)
    if columns["content_hash"] != source.content_hash:
        for name, value in columns.items():
            setattr(source, name, value)
        source.version += 1
        source.web_edited_at = now or utcnow()
        new_state(session)
    session.flush()
    return source


# --- facts --------------------------------------------------------------------------------------


def _fact_record(source: Source, values: FactValues, errors: dict[str, list[str]]) -> schema.Fact | None:
    data = {"id": values.key.strip(), "section": values.section, "statement": values.statement}
    record = _validated(schema.Fact, data, {"id": "key"}, errors)
    known = [s["id"] for s in source.sections]
    if values.section and values.section not in known and "section" not in errors:
        _add(errors, "section", unknown_section(values.section, known))
        return None
    return record


def create_fact(session: Session, source_id: int, values: FactValues, now: datetime | None = None) -> Fact:
    """Add a fact to a source, marked as made in the browser."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(source_id)
    errors: dict[str, list[str]] = {}
    record = _fact_record(source, values, errors)
    key = values.key.strip()
    if key and session.scalar(select(Fact.id).where(Fact.key == key)) is not None:
        _add(errors, "key", f"a fact with id {key!r} already exists")
    if errors or record is None:
        raise EditErrors(errors)
    digest = record_hash(record)
    fact = Fact(
        key=record.id,
        source_id=source.id,
        origin_file=WEB_ORIGIN,
        version=1,
        section=record.section,
        statement=record.statement,
        content_hash=digest,
        draft=False,
        web_edited_at=now or utcnow(),
    )
    session.add(fact)
    _flush_new(session, "key", f"a fact with id {key!r} already exists")
    session.add(
        FactVersion(
            fact_id=fact.id,
            number=1,
            section=record.section,
            statement=record.statement,
            content_hash=digest,
        )
    )
    new_state(session)
    session.flush()
    return fact


def update_fact(
    session: Session,
    fact_id: int,
    values: FactValues,
    now: datetime | None = None,
    *,
    opened: int | None = None,
) -> tuple[Fact, bool]:
    """Save a fact's section and statement (clearing its draft mark); whether anything changed.

    A new version is written only when the record's content hash changes. With `opened`,
    raises StaleEdit when the fact is no longer at the version the form showed.
    """
    fact = session.get(Fact, fact_id, with_for_update=True, populate_existing=True)
    if fact is None:
        raise NotFound(fact_id)
    check_fresh(fact.version, opened)
    errors: dict[str, list[str]] = {}
    values = replace(values, key=fact.key)
    record = _fact_record(fact.source, values, errors)
    if errors or record is None:
        raise EditErrors(errors)
    digest = record_hash(record)
    if digest == fact.content_hash:
        return fact, False
    fact.version += 1
    fact.section = record.section
    fact.statement = record.statement
    fact.content_hash = digest
    fact.draft = False
    fact.web_edited_at = now or utcnow()
    session.add(
        FactVersion(
            fact_id=fact.id,
            number=fact.version,
            section=record.section,
            statement=record.statement,
            content_hash=digest,
        )
    )
    new_state(session)
    session.flush()
    return fact, True
