"""Every table with a user's rows is known to the merge and the deletion, and both keep their word."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Slot, User
from quizapp.services import personal_data
from quizapp.services.attempts import new_guest, start_quiz

from .factories import write_bank
from .test_taking import load, taking_bank


def test_every_column_that_points_at_a_user_is_merged_and_erased():
    """A new table with a user id must join personal_data.OWNED, or a merge would lose its rows."""
    pointing = {
        (fk.parent.table.name, fk.parent.name)
        for table in db.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "users"
    }
    owned = {(entry.column.table.name, entry.column.key) for entry in personal_data.OWNED}
    assert pointing == owned


def _attempt_with_an_answer(user_id: int, quiz: str) -> int:
    attempt = start_quiz(db.session, user_id, quiz)
    slot = attempt.slots[0]
    db.session.add(Answer(attempt_id=attempt.id, question_version_id=slot.question_version_id, response={}))
    db.session.flush()
    return attempt.id


def test_merge_moves_everything_and_deletes_the_source(app, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    guest, account = new_guest(db.session), new_guest(db.session)
    account.is_guest, account.username = False, "alice"
    mine = [_attempt_with_an_answer(guest.id, "practice"), _attempt_with_an_answer(guest.id, "exam")]
    theirs = _attempt_with_an_answer(account.id, "practice")  # the same quiz, open in both
    assert (guest.attempt_count, account.attempt_count) == (2, 1)
    guest_id, account_id = guest.id, account.id
    db.session.commit()

    moved = personal_data.merge_users(db.session, guest_id, account_id)
    db.session.commit()
    assert moved == {"attempts": 2}
    assert db.session.get(User, guest_id) is None
    owners = set(db.session.scalars(select(Attempt.user_id).where(Attempt.id.in_([*mine, theirs]))))
    assert owners == {account_id}
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 3
    assert personal_data.summary(db.session, account_id)[0] == (
        "quiz attempts, with every answer saved in them",
        3,
    )
    # The count My progress pages the history by follows the attempts (it is kept on write).
    assert db.session.get(User, account_id).attempt_count == 3
    assert personal_data.merge_users(db.session, account_id, account_id) == {}  # never with itself


def test_delete_erases_the_user_and_what_hangs_off_their_rows(app, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    doomed, kept = new_guest(db.session), new_guest(db.session)
    gone = _attempt_with_an_answer(doomed.id, "practice")
    stays = _attempt_with_an_answer(kept.id, "practice")
    doomed_id = doomed.id
    db.session.commit()

    personal_data.delete_user(db.session, doomed_id)
    db.session.commit()
    assert db.session.get(User, doomed_id) is None
    assert db.session.scalars(select(Attempt.id)).all() == [stays]
    assert set(db.session.scalars(select(Slot.attempt_id))) == {stays}
    assert set(db.session.scalars(select(Answer.attempt_id))) == {stays}
    assert gone != stays
