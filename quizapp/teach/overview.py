"""What the teacher area's front page counts."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Fact, Question, Quiz, Source


def overview() -> dict[str, int]:
    """How many sources, and active facts, questions and quizzes, there are."""
    counts = {"sources": db.session.scalar(select(func.count()).select_from(Source)) or 0}
    for name, model in (("facts", Fact), ("questions", Question), ("quizzes", Quiz)):
        counts[name] = db.session.scalar(select(func.count()).where(model.retired_at.is_(None))) or 0
    return counts
