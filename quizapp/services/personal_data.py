"""Every table that holds a user's rows: to move them to another user, or to erase them.

A guest who signs in keeps what they did as a guest (`merge_users`), and deleting an account
erases its rows (`delete_user`); both walk `OWNED`. A new table with a user id column joins
by adding one entry there (tests/test_personal_data.py fails until every such column has one).
Rows that hang off an owned row (an attempt's slots and answers) follow it: they are moved
with it and erased by the database's ON DELETE CASCADE.

Functions take plain values and only flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..models import Attempt, PendingImport, User
from ..review_models import ReviewCard, ReviewLog, StudyDay
from . import review


@dataclass(frozen=True)
class Owned:
    """A table's user id column, what its rows are (in words for the account page), and how to merge.

    `merge(session, source_id, target_id)` is for tables that allow one row per user and thing
    (a unique constraint on user_id and something else), where moving every row could clash: it
    decides what to keep (for a review schedule, say, the later due date). Without it, rows move.
    """

    column: Any
    what: str
    merge: Callable[[Session, int, int], None] | None = None


OWNED: list[Owned] = [
    # Both a guest and the account may have an unfinished attempt at the same quiz: both are kept
    # (starting the quiz resumes the newest; the home page offers each to continue).
    Owned(Attempt.user_id, "quiz attempts, with every answer saved in them"),
    # The review schedule moves as one: logs re-pointed, study days added up, cards replayed
    # from the merged log (after the attempts, whose slots the log entries point at).
    Owned(ReviewCard.user_id, "spaced-review cards (when each question is due)", merge=review.merge_users),
    Owned(ReviewLog.user_id, "spaced-review log of every graded answer", merge=lambda *_: None),
    Owned(StudyDay.user_id, "days of study (for the streak)", merge=lambda *_: None),
    # Only teachers upload, and a merge starts from a guest: nothing to move (a merged user's
    # uploads, kept a day at most, go with it by ON DELETE CASCADE).
    Owned(PendingImport.user_id, "files uploaded for import (kept a day)", merge=lambda *_: None),
]


def merge_users(session: Session, source_id: int, target_id: int) -> dict[str, int]:
    """Give everything of user `source_id` to `target_id`, then delete `source_id`; rows moved per table."""
    if source_id == target_id:
        return {}
    moved: dict[str, int] = {}
    for owned in OWNED:
        table = owned.column.table
        if owned.merge is not None:
            owned.merge(session, source_id, target_id)
            continue
        result = session.execute(
            update(table).where(owned.column == source_id).values({owned.column.key: target_id})
        )
        moved[table.name] = result.rowcount
    count = select(func.count()).where(Attempt.user_id == target_id).scalar_subquery()
    session.execute(update(User).where(User.id == target_id).values(attempt_count=count))
    session.execute(delete(User.__table__).where(User.id == source_id))
    session.flush()
    return moved


def summary(session: Session, user_id: int) -> list[tuple[str, int]]:
    """What the user's account holds: (what, how many rows) per owned table, one query each."""
    return [
        (owned.what, session.scalar(select(func.count()).where(owned.column == user_id)) or 0)
        for owned in OWNED
    ]


def delete_user(session: Session, user_id: int) -> None:
    """Erase the user and every row of theirs (their session token, and so their cookies, go too)."""
    delete_users(session, [user_id])


def delete_users(session: Session, user_ids: list[int]) -> None:
    """Erase these users and every row of theirs."""
    for owned in OWNED:
        session.execute(delete(owned.column.table).where(owned.column.in_(user_ids)))
    session.execute(delete(User.__table__).where(User.id.in_(user_ids)))
    session.expunge_all()  # rows loaded earlier in this session are gone from the database
    session.flush()
