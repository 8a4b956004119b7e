"""Writes that race, played out one step at a time on two connections of the real database.

On PostgreSQL two requests write side by side, so a check in Python followed by a write is not
enough: what must not interleave takes a row lock (see services/attempts.hold_starts, the
attempt held by a save and locked by a finish, the versions of a question held by a start). On
SQLite one writer at a time holds the database. Either way the second request here must wait
for the first to end, and then see what it did.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from quizapp.bank.check import check_paths
from quizapp.bank.load import load_bank, new_state
from quizapp.extensions import db
from quizapp.models import Attempt, BankState, Question, QuestionVersion, Slot, User, utcnow
from quizapp.review_models import ReviewCard, ReviewLog, StudyDay
from quizapp.services import answering, attempts, personal_data, review, teach_questions
from quizapp.services.accounts import register
from quizapp.services.pages import page_of
from quizapp.services.teach_questions import CatalogueError

from .factories import write_bank
from .test_taking import loaded, taking_bank  # noqa: F401  (loaded: a fixture)

pytestmark = pytest.mark.usefixtures("loaded")
PASSWORD = "correct horse battery"
WAIT = 0.3  # long enough for a second transaction to reach its lock, were it not waiting


@contextmanager
def session_of(app) -> Iterator[Session]:
    """A session on a connection of its own (another request, in effect)."""
    with app.app_context():
        session = Session(db.engine)
        try:
            yield session
        finally:
            session.rollback()
            session.close()


class Second:
    """`work(session)` in a thread on its own connection: it commits at the end; its result or error kept."""

    def __init__(self, app, work: Callable[[Session], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            with session_of(app) as session:
                try:
                    self.result = work(session)
                    session.commit()
                except BaseException as error:  # kept for the test to look at
                    self.error = error

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def waits(self) -> bool:
        self.thread.join(WAIT)
        return self.thread.is_alive()

    def outcome(self) -> Any:
        self.thread.join(60)
        assert not self.thread.is_alive(), "the second transaction never ended"
        if self.error is not None:
            raise self.error
        return self.result


def account(name: str) -> int:
    user_id = register(db.session, username=name, password=PASSWORD).id
    db.session.commit()  # and no read after it: on SQLite a new transaction would hold the database
    return user_id


def started(user_id: int, quiz: str) -> int:
    attempt = attempts.start_quiz(db.session, user_id, quiz)
    attempt_id = attempt.id
    db.session.commit()
    return attempt_id


def scalar(statement: Any) -> Any:
    value = db.session.scalar(statement)
    db.session.rollback()
    return value


def first_page(attempt_id: int, user_id: int | None = None):
    """Question 1 of the attempt as a page view reads it (for its owner, or `user_id`)."""
    owner = user_id or scalar(select(Attempt.user_id).where(Attempt.id == attempt_id))
    page = page_of(db.session, attempt_id, owner, 1)
    db.session.rollback()
    return page


def saving_right(app, page) -> Second:
    """Option 0 (right) of the page saved, and checked in practice, on a connection of its own."""
    return Second(
        app,
        lambda session: answering.save_response(
            session, page.attempt, page.slot, page.slot.sequence, {"choice": 0}
        ),
    )


def test_a_finish_waits_for_a_save_in_progress_and_scores_it(app):
    attempt_id = started(account("ana"), "exam")
    page = first_page(attempt_id)
    with session_of(app) as saving:
        answering.save_response(saving, page.attempt, page.slot, page.slot.sequence, {"choice": 0})  # right
        finish = Second(app, lambda session: answering.close(session, attempt_id))
        assert finish.waits()
        saving.commit()
    assert finish.outcome() is True
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished"
    assert attempt.score == page.slot.version.marks  # the saved answer counted (2 marks)
    assert db.session.get(Slot, page.slot.id).fraction == 1.0
    db.session.rollback()


def test_a_save_that_waited_for_a_finish_is_refused(app):
    attempt_id = started(account("ben"), "exam")
    page = first_page(attempt_id)
    with session_of(app) as finishing:
        assert answering.close(finishing, attempt_id)
        save = saving_right(app, page)
        assert save.waits()
        finishing.commit()
    with pytest.raises(attempts.AttemptClosed):
        save.outcome()
    assert scalar(select(Slot.response).where(Slot.id == page.slot.id)) is None


def test_an_answer_checked_while_its_guest_signs_in_goes_to_the_account(app):
    guest_id = attempts.new_guest(db.session).id
    db.session.commit()
    owner = account("cleo")
    attempt_id = started(guest_id, "practice")
    page = first_page(attempt_id, guest_id)  # read before the sign-in: the guest's page
    with session_of(app) as signing_in:
        personal_data.merge_users(signing_in, guest_id, owner)
        check = saving_right(app, page)
        assert check.waits()
        signing_in.commit()
    assert check.outcome().fraction == 1.0
    assert scalar(select(Attempt.user_id).where(Attempt.id == attempt_id)) == owner
    for model in (ReviewLog, ReviewCard, StudyDay):  # the answer's review data is the account's
        assert scalar(select(func.count()).select_from(model).where(model.user_id == owner)) == 1, model
    assert scalar(select(User.id).where(User.id == guest_id)) is None


def test_two_starts_of_one_quiz_at_once_give_one_attempt(app):
    user_id = account("dan")
    with session_of(app) as first:
        attempt = attempts.start_quiz(first, user_id, "once")  # a quiz allowing one attempt
        second = Second(app, lambda session: attempts.start_quiz(session, user_id, "once").id)
        assert second.waits()
        attempt_id = attempt.id
        first.commit()
    assert second.outcome() == attempt_id  # resumed, not a second attempt
    assert scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == user_id)) == 1
    assert scalar(select(User.attempt_count).where(User.id == user_id)) == 1


def test_a_review_start_waits_for_another_start_of_the_same_user(app):
    user_id = account("eve")
    with session_of(app) as first:
        attempts.hold_starts(first, user_id)  # a start in progress in another tab
        second = Second(app, lambda session: review.start_review(session, user_id, utcnow()))
        assert second.waits()
        first.rollback()
    with pytest.raises(review.NothingDue):
        second.outcome()


def _question_of(attempt_id: int, position: int) -> int:
    return scalar(
        select(QuestionVersion.question_id)
        .join(Slot, Slot.question_version_id == QuestionVersion.id)
        .where(Slot.attempt_id == attempt_id, Slot.position == position)
    )


def test_deleting_a_question_waits_for_a_start_that_draws_it_and_then_refuses(app):
    user_id = account("fay")
    with session_of(app) as starting:
        attempt = attempts.start_quiz(starting, user_id, "exam")
        drawn = starting.scalar(
            select(QuestionVersion.question_id)
            .join(Slot, Slot.question_version_id == QuestionVersion.id)
            .where(Slot.attempt_id == attempt.id, Slot.position == 1)
        )
        delete = Second(app, lambda session: teach_questions.delete_question(session, drawn))
        assert delete.waits()
        starting.commit()
    with pytest.raises(CatalogueError, match="has been shown or answered"):
        delete.outcome()
    assert scalar(select(Question.id).where(Question.id == drawn)) == drawn


def test_a_start_that_waited_for_a_delete_draws_without_the_deleted_question(app):
    user_id = account("gus")
    doomed = scalar(select(Question.id).where(Question.key == "q1"))
    with session_of(app) as deleting:
        teach_questions.delete_question(deleting, doomed)
        start = Second(app, lambda session: attempts.start_quiz(session, user_id, "exam").id)
        assert start.waits()
        deleting.commit()
    attempt_id = start.outcome()
    drawn = {_question_of(attempt_id, position) for position in range(1, 8)}
    assert doomed not in drawn and None not in drawn
    assert scalar(select(func.count()).select_from(Slot).where(Slot.attempt_id == attempt_id)) == 7


def test_a_load_waits_for_a_retire_in_progress_and_keeps_it(app, tmp_path):
    """A teacher retires a question while `quizapp load` brings a new version of it: the load waits
    for the retire, then keeps it as a web edit (it was written back over the retire before)."""
    changed = taking_bank()
    changed["questions"][0]["prompt"] = "A prompt changed in the file?"
    bank = check_paths([write_bank(tmp_path / "changed" / "bank.yaml", changed)])  # the loaded file, changed
    assert not bank.errors
    question_id = db.session.scalar(select(Question.id).where(Question.key == "q1"))
    db.session.rollback()
    with session_of(app) as first:
        teach_questions.retire_question(first, question_id)
        second = Second(app, lambda session: load_bank(session, bank))
        assert second.waits()
        first.commit()
    report = second.outcome()
    assert report.questions.keys.get("kept") == ["q1"], report.lines()  # the web edit kept, and said so
    retired = db.session.scalar(select(Question.retired_at).where(Question.key == "q1"))
    assert retired is not None


def test_two_first_bank_changes_at_once_both_commit(app):
    """Before any bank change the state row does not exist: two changes at once both make it."""
    db.session.execute(delete(BankState))
    db.session.commit()
    with session_of(app) as first:
        new_state(first)
        second = Second(app, new_state)
        assert second.waits()
        first.commit()
    second.outcome()  # it waited, then wrote its token over the first's (it was a UniqueViolation)
    assert db.session.scalar(select(func.count()).select_from(BankState)) == 1
