"""The tables. Bank records keep every version; answers point at the version shown.

Facts, questions and quizzes each have a row naming the current version (`version`)
and whether the record is retired, plus an append-only table of versions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


Timestamp = DateTime(timezone=True)


class Source(db.Model):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(String(500))
    sections: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))

    def section_title(self, section_key: str) -> str:
        return next((s["title"] for s in self.sections if s["id"] == section_key), section_key)


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


class Fact(db.Model):
    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    origin_file: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None] = mapped_column(Timestamp)
    section: Mapped[str] = mapped_column(String(80))
    statement: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))

    source: Mapped[Source] = relationship()


class FactVersion(db.Model):
    __tablename__ = "fact_versions"
    __table_args__ = (UniqueConstraint("fact_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(80))
    statement: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    origin_file: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None] = mapped_column(Timestamp)
    content_hash: Mapped[str] = mapped_column(String(64))

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )


question_version_facts = Table(
    "question_version_facts",
    db.metadata,
    Column("question_version_id", ForeignKey("question_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("fact_id", ForeignKey("facts.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

question_version_topics = Table(
    "question_version_topics",
    db.metadata,
    Column("question_version_id", ForeignKey("question_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class QuestionVersion(db.Model):
    """One immutable version of a question: what a taker was shown and graded on."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    prompt: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    difficulty: Mapped[str] = mapped_column(String(16))
    marks: Mapped[float] = mapped_column(Float)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions")
    facts: Mapped[list[Fact]] = relationship(secondary=question_version_facts)
    topics: Mapped[list[Topic]] = relationship(secondary=question_version_topics)


class Quiz(db.Model):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    origin_file: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None] = mapped_column(Timestamp)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    selection: Mapped[dict[str, Any]] = mapped_column(JSON)
    count: Mapped[int | None] = mapped_column(Integer)
    question_order: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    time_limit: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))

    source: Mapped[Source] = relationship()


class QuizVersion(db.Model):
    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


# --- takers (grown further by the quiz-taking work) -------------------------------------


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Attempt(db.Model):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_version_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_versions.id", ondelete="RESTRICT"))
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Answer(db.Model):
    """A taker's answer, pinned to the question version that was shown."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    fraction: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
