"""The tables. Bank records keep every version; answers point at the version shown.

Facts, questions and quizzes each have a row naming the current version (`version`)
and whether the record is retired, plus an append-only table of versions.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.sql.expression import true as sa_true

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


Timestamp = DateTime(timezone=True)

# The `origin_file` of records created in the browser rather than loaded from a bank file.
WEB_ORIGIN = "(web)"


class Source(db.Model):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(String(500))
    sections: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Counts every change of content (from a file or the browser); a form names the one it showed.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The content hash a bank file last brought: a load that brings it again has nothing new.
    loaded_hash: Mapped[str | None] = mapped_column(String(64))
    # Set when a teacher edits the source in the browser: a later file load must not overwrite it.
    web_edited_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The name of the bank file that defines it (None: made in the browser, or loaded before this
    # was kept): another file may not redefine it while that one's records are in use.
    defined_in: Mapped[str | None] = mapped_column(String(255))

    def section_title(self, section_key: str) -> str:
        return next((s["title"] for s in self.sections if s["id"] == section_key), section_key)


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    defined_in: Mapped[str | None] = mapped_column(String(255))  # as Source.defined_in


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
    # Drafted by an import from the question and its answer, for a teacher to review.
    draft: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Set when a teacher edits the fact in the browser: a later file load must not overwrite it.
    web_edited_at: Mapped[datetime | None] = mapped_column(Timestamp)

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
    # Set when a teacher edits the question in the browser: a later file load must not overwrite it.
    web_edited_at: Mapped[datetime | None] = mapped_column(Timestamp)

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
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    feedback: Mapped[str] = mapped_column(String(16), default="immediate", server_default="immediate")
    show_answers: Mapped[str] = mapped_column(
        String(16), default="after_submit", server_default="after_submit"
    )
    opens_at: Mapped[datetime | None] = mapped_column(Timestamp)
    closes_at: Mapped[datetime | None] = mapped_column(Timestamp)
    content_hash: Mapped[str] = mapped_column(String(64))
    web_edited_at: Mapped[datetime | None] = mapped_column(Timestamp)  # last changed in the browser

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


# --- takers and attempts ------------------------------------------------------------------


ROLES = ("student", "teacher", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A taker. A guest has no username: the signed session cookie binds it to a browser.

    Sessions and remember-me cookies name the user by `session_token`, not by id: a new
    token (at sign-out, password change) makes every copy of an older cookie worthless.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('student', 'teacher', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(80), unique=True)
    is_guest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="student", server_default="student")
    # Every user made by the app has one; a row without one (inserted by hand) cannot have a session.
    session_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=new_session_token)
    # Kept on write (services.attempts, personal_data.merge_users): My progress pages the history
    # by it instead of counting every attempt of the user on each view.
    attempt_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An IANA name ("Europe/Paris"): where the user's days begin (quizapp/days.py); None is UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the session and the remember-me cookie."""
        return self.session_token

    @property
    def is_authenticated(self) -> bool:
        """Signed in to an account; a guest is known to the app but has not signed in."""
        return not self.is_guest


class Attempt(db.Model):
    """One sitting of a quiz (or of a practice selection), with its questions drawn."""

    __tablename__ = "attempts"
    # My progress lists a user's attempts newest first, a page at a time.
    __table_args__ = (Index("ix_attempts_user_started", "user_id", "started_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="RESTRICT"), index=True)
    quiz_version_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_versions.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(500), default="", server_default="")
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    state: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    position: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0)

    slots: Mapped[list[Slot]] = relationship(back_populates="attempt", order_by="Slot.position")


class Slot(db.Model):
    """A question of an attempt: the version shown, its fixed option order, the saved response."""

    __tablename__ = "attempt_slots"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    layout: Mapped[dict[str, Any]] = mapped_column(JSON)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    saved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    shown_at: Mapped[datetime | None] = mapped_column(Timestamp)  # the page last shown, to time the answer
    fraction: Mapped[float | None] = mapped_column(Float)
    feedback: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    attempt: Mapped[Attempt] = relationship(back_populates="slots")
    version: Mapped[QuestionVersion] = relationship()


class Answer(db.Model):
    """A graded answer, pinned to the question version that was shown: the history of learning."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    fraction: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class RateLimit(db.Model):
    """A rate-limit counter (the `database://` storage of quizapp/rate_limits.py)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class BankState(db.Model):
    """One row: a token that every load changing the bank replaces (what in-process caches check)."""

    __tablename__ = "bank_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class PendingImport(db.Model):
    """A file uploaded for import: kept between its dry run and the teacher's confirmation.

    The confirmation names only the row's id, so what is imported is exactly what was checked.
    """

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(80))
    strict: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    committed_at: Mapped[datetime | None] = mapped_column(Timestamp)
