"""The tables of spaced review and progress: one card per user and question, every review, study days.

Every table is keyed by `users.id` with ON DELETE CASCADE: a user's review data goes with the user.
`PER_USER_MODELS` in `services/review.py` lists them for merging accounts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import Timestamp


class ReviewCard(db.Model):
    """A user's fsrs card for a question (across its versions): the serialised card plus the
    columns that pages query (due, stability, difficulty, last review)."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_id_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    card: Mapped[dict[str, Any]] = mapped_column(JSON)  # fsrs Card.to_dict()
    state: Mapped[int] = mapped_column(SmallInteger)  # fsrs State: 1 learning, 2 review, 3 relearning
    due: Mapped[datetime] = mapped_column(Timestamp)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    last_review: Mapped[datetime | None] = mapped_column(Timestamp)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    last_rating: Mapped[int] = mapped_column(SmallInteger)  # of the latest review: 1 means answered wrong


class ReviewLog(db.Model):
    """One review of a card: enough to replay the schedule with other parameters."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="RESTRICT"))
    # The answer it came from; kept (as NULL) should the attempt ever go, so the schedule survives.
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("attempt_slots.id", ondelete="SET NULL"), index=True
    )
    rating: Mapped[int] = mapped_column(SmallInteger)  # fsrs Rating: 1 again, 2 hard, 3 good, 4 easy
    fraction: Mapped[float] = mapped_column(Float)
    reviewed_at: Mapped[datetime] = mapped_column(Timestamp)
    duration_ms: Mapped[int | None] = mapped_column(Integer)  # page shown to answer saved
    elapsed_days: Mapped[int | None] = mapped_column(Integer)  # since the card's previous review


class StudyDay(db.Model):
    """Graded answers per user and day (days since 1970-01-01 on the user's calendar, see
    quizapp/days.py): streaks and the score chart read these few rows instead of every answer."""

    __tablename__ = "study_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    answers: Mapped[int] = mapped_column(Integer)
    credit: Mapped[float] = mapped_column(Float)  # the sum of the answers' fractions
