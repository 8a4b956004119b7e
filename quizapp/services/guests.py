"""Guests nobody has used for a long time: found by their last activity, erased in batches.

A guest is a user row bound to one browser's cookie; once that browser is gone the row and
its attempts stay for ever. `quizapp prune-guests` erases guests whose every trace (made,
attempts started or finished, pages shown or saved) is older than a cutoff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from ..models import Attempt, Slot, User
from .personal_data import delete_users

BATCH = 500  # users erased per statement (and per progress report)


def _active_since(cutoff: datetime) -> Any:
    """A condition on User: something of this user happened at or after `cutoff`."""
    touched_slot = (
        exists()
        .where(Slot.attempt_id == Attempt.id)
        .where(or_(Slot.saved_at >= cutoff, Slot.shown_at >= cutoff))
    )
    touched_attempt = (
        exists()
        .where(Attempt.user_id == User.id)
        .where(or_(Attempt.started_at >= cutoff, Attempt.finished_at >= cutoff, touched_slot))
    )
    return or_(User.created_at >= cutoff, touched_attempt)


def inactive_guests(session: Session, cutoff: datetime) -> list[int]:
    """Ids of the guests with nothing done at or after `cutoff`, oldest first."""
    query = select(User.id).where(and_(User.is_guest.is_(True), ~_active_since(cutoff))).order_by(User.id)
    return list(session.scalars(query))


def attempts_of(session: Session, user_ids: list[int]) -> int:
    """How many attempts these users hold (counted in batches: long IN lists are refused by some drivers)."""
    return sum(
        session.scalar(select(func.count()).where(Attempt.user_id.in_(batch))) or 0
        for batch in _batches(user_ids)
    )


def prune(session: Session, user_ids: list[int], progress: Callable[[int], None]) -> int:
    """Erase these users and all their rows, a batch per transaction; `progress(done)` after each."""
    done = 0
    for batch in _batches(user_ids):
        delete_users(session, batch)
        session.commit()
        done += len(batch)
        progress(done)
    return done


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
