"""Answering and finishing attempts: save and grade responses, finish, close overdue ones.

Every function takes plain values and a session and only flushes; the caller commits.
State changes that could race (saving a page, finishing) are conditional UPDATEs, so
two requests can never both succeed: the database decides, not a check in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session, selectinload

from .. import grading
from ..models import Answer, Attempt, Slot, utcnow
from . import review
from .attempts import GRACE, AttemptClosed, StalePage, TimeUp, as_utc, overdue


@dataclass
class Outcome:
    attempt_id: int
    finished_now: bool


# --- answering ------------------------------------------------------------------------------

# Built once: building a statement costs more than running it. Its conditions are the race
# guard: the page's sequence number, and an attempt still open (the caller may have read it
# in an earlier transaction).
_SAVE = (
    update(Slot)
    .where(
        Slot.id == bindparam("slot_id"),
        Slot.sequence == bindparam("page_sequence"),
        exists().where(Attempt.id == Slot.attempt_id, Attempt.state == "open"),
    )
    .values(
        sequence=Slot.sequence + 1,
        response=bindparam("new_response", type_=Slot.response.type),
        saved_at=bindparam("now", type_=Slot.saved_at.type),
    )
)
# The attempt's state and owner, read under a shared lock held to the commit (FOR SHARE on
# PostgreSQL; on SQLite the writer holds the whole database): a finish (`close`, FOR UPDATE) waits
# for the save, so it grades and scores what was saved, and a guest's sign-in, which moves the
# attempt to the account, waits too, or has moved it already and the owner read is the account.
_HOLD = (
    select(Attempt.state, Attempt.user_id)
    .where(Attempt.id == bindparam("attempt_id"))
    .with_for_update(read=True)
)
_SAVE_GRADED = _SAVE.values(
    fraction=bindparam("new_fraction", type_=Slot.fraction.type),
    feedback=bindparam("new_feedback", type_=Slot.feedback.type),
)


def save_response(
    session: Session,
    attempt: Attempt,
    slot: Slot,
    sequence: int,
    response: dict[str, Any] | None,
    now: datetime | None = None,
    check: bool = True,
) -> grading.Grade | None:
    """Store a page's response; in practice mode, when `check`ed, grade it at once (and lock it).

    A practice answer saved without a check (Next, Previous) stays open to change, like an
    exam's, and is graded when the attempt is submitted.

    `attempt` and `slot` are loaded rows or the plain snapshots of a page (services.pages).
    Raises StalePage when the page's sequence number is not the slot's current one,
    TimeUp when the exam is over, InvalidResponse (before storing) for an ungradable one.
    """
    now = now or utcnow()
    if attempt.state != "open":
        raise AttemptClosed("This attempt is already finished.")
    if overdue(attempt, now):
        close(session, attempt.id, finished_at=as_utc(attempt.deadline))
        raise TimeUp("Time is up: the answers you saved before the deadline were submitted.")
    practice = attempt.mode == "practice"
    if practice and slot.fraction is not None:
        raise StalePage("You have already answered this question.")
    held = session.connection().execute(_HOLD, {"attempt_id": attempt.id}).first()
    if held is None or held.state != "open":  # deleted with its account, or submitted meanwhile
        raise AttemptClosed("This attempt is already finished.")
    result = None
    params = {"slot_id": slot.id, "page_sequence": sequence, "new_response": response, "now": now}
    if practice and check and response is not None:
        version = slot.version
        result = grading.grade(version.type, version.data, response)
        params.update(new_fraction=result.fraction, new_feedback=_feedback(result))
    statement = _SAVE if result is None else _SAVE_GRADED
    changed = session.connection().execute(statement, params).rowcount
    if changed != 1:
        raise StalePage("This page is out of date: the answer was already saved from another page or tab.")
    if result is not None:
        session.add(
            Answer(
                attempt_id=attempt.id,
                question_version_id=slot.question_version_id,
                response=response,
                fraction=result.fraction,
                answered_at=now,
            )
        )
        if review.counted_at_save(session, attempt):
            graded = [(slot, result.fraction, params["new_feedback"])]
            review.record_answers(session, attempt, graded, now, user_id=held.user_id)
    session.flush()
    if isinstance(slot, Slot):  # a loaded row: forget what the UPDATE set (a page's snapshot has no state)
        session.expire(slot, ["response", "saved_at", "sequence", "fraction", "feedback"])
    return result


def set_flag(session: Session, slot: Slot, flagged: bool) -> None:
    session.execute(
        update(Slot)
        .where(Slot.id == slot.id)
        .values(flagged=flagged)
        .execution_options(synchronize_session=False)
    )
    if isinstance(slot, Slot):
        session.expire(slot, ["flagged"])


def move_to(session: Session, attempt: Attempt, position: int) -> None:
    """Remember where the taker is (`position`: of one of its slots), so that resuming lands there."""
    session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "open")
        .values(position=position)
        .execution_options(synchronize_session=False)
    )
    if isinstance(attempt, Attempt):
        session.expire(attempt, ["position"])


def _feedback(result: grading.Grade) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "messages": result.feedback,
        "parts": result.parts,
        "near_miss": result.near_miss,
    }


# --- finishing -------------------------------------------------------------------------------


def close(session: Session, attempt_id: int, finished_at: datetime | None = None) -> bool:
    """Grade what was saved and finish the attempt; True only for the call that finished it.

    The open -> finished transition is one conditional UPDATE: of many concurrent calls,
    exactly one sees a changed row and writes the graded answers. The attempt's row is locked
    first (FOR UPDATE on PostgreSQL), so a save still running is waited for and counted.
    """
    finished_at = finished_at or utcnow()
    attempt = session.get(Attempt, attempt_id, populate_existing=True, with_for_update=True)
    if attempt is None or attempt.state != "open":
        return False
    slots = session.scalars(
        select(Slot).where(Slot.attempt_id == attempt_id).options(selectinload(Slot.version))
    ).all()
    score, graded = 0.0, []
    for slot in slots:
        fraction, feedback = slot.fraction, slot.feedback
        if slot.response is not None and fraction is None:
            try:
                result = grading.grade(slot.version.type, slot.version.data, slot.response)
                fraction, feedback = result.fraction, _feedback(result)
            except grading.InvalidResponse:
                fraction, feedback = (
                    0.0,
                    {"verdict": "wrong", "messages": [], "parts": None, "near_miss": False},
                )
            graded.append((slot, fraction, feedback))
        score += (fraction or 0.0) * slot.version.marks
    changed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.state == "open")
        .values(state="finished", finished_at=finished_at, score=round(score, 6))
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        return False
    for slot, fraction, feedback in graded:
        session.execute(
            update(Slot)
            .where(Slot.id == slot.id)
            .values(fraction=fraction, feedback=feedback)
            .execution_options(synchronize_session=False)
        )
        # graded now: an exam's answers, and practice answers saved without a check
        session.add(
            Answer(
                attempt_id=attempt_id,
                question_version_id=slot.question_version_id,
                response=slot.response,
                fraction=fraction,
                answered_at=slot.saved_at or finished_at,
            )
        )
    if attempt.mode == "practice" and not review.counted_at_save(session, attempt):
        # graded when saved, counted now that the feedback is shown
        graded += [(s, s.fraction, s.feedback) for s in slots if s.fraction is not None]
    # Each answer counts at the time it was saved (its study day, its speed), not at the submit's.
    review.record_answers(session, attempt, graded, finished_at, saved_times=True)
    session.flush()
    session.expire_all()
    return True


def finish(session: Session, attempt: Attempt, now: datetime | None = None) -> Outcome:
    """Submit an attempt. After the deadline plus grace it is closed at the deadline instead."""
    now = now or utcnow()
    if attempt.state != "open":
        return Outcome(attempt.id, finished_now=False)
    if overdue(attempt, now):
        close(session, attempt.id, finished_at=as_utc(attempt.deadline))
        raise TimeUp("Time is up: the answers you saved before the deadline were submitted.")
    return Outcome(attempt.id, finished_now=close(session, attempt.id, finished_at=now))


def close_overdue(session: Session, now: datetime | None = None) -> int:
    """Close every open attempt past its deadline plus grace, at its deadline; return how many."""
    now = now or utcnow()
    candidates = session.execute(
        select(Attempt.id, Attempt.deadline).where(Attempt.state == "open", Attempt.deadline.is_not(None))
    ).all()
    closed = 0
    for attempt_id, deadline in candidates:
        if now > as_utc(deadline) + GRACE and close(session, attempt_id, finished_at=as_utc(deadline)):
            closed += 1
    return closed


def missed_facts(attempt: Attempt) -> list[str]:
    """Keys of the facts tested by questions answered less than fully right."""
    keys: list[str] = []
    for slot in attempt.slots:
        if (slot.fraction or 0.0) < 1.0:
            keys.extend(f.key for f in slot.version.facts if f.key not in keys)
    return keys
