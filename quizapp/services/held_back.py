"""Which questions no practice may show: those a quiz is holding its right answers back for.

A practice attempt shows a question's right answer, explanation and facts as soon as it is
answered, so a question drawn by any active quiz whose right answers are not shown now
(`show_answers: never`, or `after_close` before the quiz closes) is left out of every
practice path (topics and facts, "practise what I missed", the spaced review) and its
feedback is held back in practice attempts already started, until that quiz shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from .catalogue import listing
from .visibility import answers_shown

HELD_NOTE = "Right answers to this question are held back by a quiz, so practice does not show them yet."


@dataclass(frozen=True)
class HeldBack:
    """The question keys and ids whose right answers a quiz holds back now."""

    keys: frozenset[str] = frozenset()
    ids: frozenset[int] = frozenset()


def held_back(session: Session, now: datetime) -> HeldBack:
    """The questions held back at `now`: one small query while the bank is unchanged."""
    holding = [h for h in listing(session).holding if not answers_shown(h.show_answers, h.closes_at, now)]
    return HeldBack(
        frozenset().union(*(h.keys for h in holding)),
        frozenset().union(*(h.ids for h in holding)),
    )
