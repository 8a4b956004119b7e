"""`quizapp prune-guests`: guests unused for a long time are erased with all they did; nobody else."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Slot, User, utcnow
from quizapp.services import guests

from .test_accounts import register
from .test_taking import Browser, loaded  # noqa: F401  (loaded is a fixture)


def _guest_with_an_attempt(app, answered: bool = True) -> tuple[Browser, int]:
    """A new browser that starts the practice quiz (and answers question 1); its guest's id."""
    browser = Browser(app.test_client())
    attempt_id, _ = browser.start("practice")
    if answered:
        browser.answer(attempt_id, 1, "single_choice", "right 0")
    user_id = db.session.scalar(select(Attempt.user_id).where(Attempt.id == attempt_id))
    db.session.rollback()
    return browser, user_id


def _age(user_id: int, days: int, *, last_page_days: int | None = None) -> None:
    """Move everything the user did `days` into the past (its pages `last_page_days`, if given)."""
    then = utcnow() - timedelta(days=days)
    page_time = utcnow() - timedelta(days=last_page_days if last_page_days is not None else days)
    attempts = select(Attempt.id).where(Attempt.user_id == user_id).scalar_subquery()
    db.session.execute(update(User).where(User.id == user_id).values(created_at=then))
    db.session.execute(
        update(Attempt).where(Attempt.user_id == user_id).values(started_at=then, finished_at=None)
    )
    slots = update(Slot).where(Slot.attempt_id.in_(attempts))
    db.session.execute(slots.where(Slot.saved_at.is_not(None)).values(saved_at=page_time))
    db.session.execute(slots.where(Slot.shown_at.is_not(None)).values(shown_at=page_time))
    db.session.commit()


def _users() -> set[int]:
    ids = set(db.session.scalars(select(User.id)))
    db.session.rollback()
    return ids


def _rows_of(user_id: int) -> int:
    attempts = select(Attempt.id).where(Attempt.user_id == user_id).scalar_subquery()
    count = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id.in_(attempts)))
    count += db.session.scalar(select(func.count()).where(Attempt.user_id == user_id))
    db.session.rollback()
    return count


def test_only_guests_unused_for_the_given_days_are_erased_with_everything_they_did(app, runner, loaded):  # noqa: F811
    old_browser, old = _guest_with_an_attempt(app)
    _, recently_answered = _guest_with_an_attempt(app)
    _, new = _guest_with_an_attempt(app, answered=False)
    account_browser = Browser(app.test_client())
    assert register(account_browser, "olive").status_code == 302
    account = db.session.scalar(select(User.id).where(User.username == "olive"))
    db.session.rollback()
    _age(old, 400)
    _age(recently_answered, 400, last_page_days=10)
    _age(account, 400)
    assert _rows_of(old) >= 2  # an attempt and an answer

    result = runner.invoke(args=["prune-guests", "--inactive-days", "180", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 guest with nothing done since" in result.output and "holding 1 attempt." in result.output
    assert "Nothing erased." in result.output
    before = _users()
    assert {old, recently_answered, new, account} <= before

    result = runner.invoke(args=["prune-guests"], input="n\n")
    assert "Erase them and everything they did?" in result.output and "Nothing erased." in result.output
    assert _users() == before

    result = runner.invoke(args=["prune-guests", "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("1 guest erased.")
    assert _users() == before - {old}
    assert _rows_of(old) == 0
    assert _rows_of(recently_answered) >= 2 and _rows_of(account) == 0  # the account kept (it had no work)

    home = old_browser.get("/")  # the erased guest's browser is a new visitor, not an error
    assert home.status == 200 and "Start" in home.text
    result = runner.invoke(args=["prune-guests", "--yes"])
    assert "0 guests with nothing done since" in result.output and "Nothing to erase." in result.output


def test_many_guests_are_erased_in_batches_that_report_progress(app, runner, loaded, monkeypatch):  # noqa: F811
    monkeypatch.setattr(guests, "BATCH", 2)
    ids = [_guest_with_an_attempt(app, answered=False)[1] for _ in range(3)]
    for user_id in ids:
        _age(user_id, 31)
    result = runner.invoke(args=["prune-guests", "--inactive-days", "30", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 of 3 erased" in result.output and "3 of 3 erased" in result.output
    assert not _users() & set(ids)


def test_a_bad_number_of_days_is_refused(runner):
    for days in ("0", "-5", "soon"):
        result = runner.invoke(args=["prune-guests", "--inactive-days", days])
        assert result.exit_code == 2, days
        assert "--inactive-days" in result.output
