"""The review service on both backends: cards and logs from answers, replay, due order, review attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from fsrs import Card, Rating
from sqlalchemy import func, select

from quizapp.days import day_number
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Question
from quizapp.review_models import ReviewCard, ReviewLog, StudyDay
from quizapp.services import personal_data, review
from quizapp.services.answering import finish, save_response
from quizapp.services.attempts import (
    as_utc,
    attempt_of,
    new_guest,
    slot_at,
    start_questions,
    start_quiz,
)

from .factories import write_bank
from .test_taking import load, taking_bank

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
RIGHT = {
    "q1": {"choice": 0},
    "q2": {"choices": [0, 1]},
    "q3": {"answer": True},
    "q4": {"text": "Canberra"},
    "q5": {"text": "2010"},
}
WRONG = {"q1": {"choice": 1}, "q3": {"answer": False}, "q5": {"text": "1999"}}


@pytest.fixture
def loaded(runner, tmp_path):
    reviewing_exam = {
        "id": "exam-review",
        "title": "Exam that reviews",
        "select": {"topics": ["t1"]},
        "order": "fixed",
        "mode": "exam",
        "updates_review": True,
    }
    path = write_bank(tmp_path / "bank" / "bank.yaml", taking_bank(reviewing_exam))
    load(runner, path)


@pytest.fixture
def user_id(loaded) -> int:
    user = new_guest(db.session)
    db.session.commit()
    return user.id


def answer(
    user_id: int, attempt_id: int, position: int, response: dict, shown: datetime, saved: datetime
) -> None:
    """Show a question page at `shown`, save `response` at `saved`, each committed like a request."""
    attempt = attempt_of(db.session, attempt_id, user_id)
    review.page_shown(db.session, slot_at(attempt, position), now=shown)
    db.session.commit()
    attempt = attempt_of(db.session, attempt_id, user_id)
    slot = slot_at(attempt, position)
    save_response(db.session, attempt, slot, slot.sequence, response, now=saved)
    db.session.commit()


def question_id(key: str) -> int:
    return db.session.scalar(select(Question.id).where(Question.key == key))


def card_of(user_id: int, key: str) -> ReviewCard | None:
    return db.session.scalar(
        select(ReviewCard)
        .where(ReviewCard.user_id == user_id, ReviewCard.question_id == question_id(key))
        .execution_options(populate_existing=True)
    )


def logs_of(user_id: int, key: str | None = None) -> list[ReviewLog]:
    query = select(ReviewLog).where(ReviewLog.user_id == user_id).order_by(ReviewLog.id)
    if key is not None:
        query = query.where(ReviewLog.question_id == question_id(key))
    return list(db.session.scalars(query))


def practise(user_id: int, keys: list[str], when: datetime) -> int:
    attempt = start_questions(db.session, user_id, keys, title="Practice", now=when)
    db.session.commit()
    return attempt.id


# --- cards and logs from answers --------------------------------------------------------------------


def test_practice_answers_are_rated_and_update_cards_and_logs(user_id):
    attempt = start_quiz(db.session, user_id, "practice", now=T0)
    db.session.commit()
    plan: list[tuple[int, dict[str, Any], float, Rating]] = [
        (1, WRONG["q1"], 3, Rating.Again),  # wrong
        (2, {"choices": [0]}, 10, Rating.Hard),  # partial credit
        (3, RIGHT["q3"], 2, Rating.Easy),  # right within 5 s (true/false)
        (4, {"text": "Canbera"}, 4, Rating.Hard),  # right with a spelling slip
        (5, RIGHT["q5"], 60, Rating.Good),  # right, slowly
    ]
    for position, response, seconds, _ in plan:
        shown = T0 + timedelta(minutes=position)
        answer(user_id, attempt.id, position, response, shown, shown + timedelta(seconds=seconds))

    logs = logs_of(user_id)
    assert [Rating(log.rating) for log in logs] == [rating for *_, rating in plan]
    assert [log.duration_ms for log in logs] == [seconds * 1000 for _, _, seconds, _ in plan]
    assert [log.fraction for log in logs] == [0.0, 0.5, 1.0, 1.0, 1.0]
    assert all(log.elapsed_days is None for log in logs)  # first reviews
    slots = attempt_of(db.session, attempt.id, user_id).slots
    assert [log.slot_id for log in logs] == [s.id for s in slots[:5]]
    assert as_utc(logs[0].reviewed_at) == T0 + timedelta(minutes=1, seconds=3)

    for key in ("q1", "q2", "q3", "q4", "q5"):
        row = card_of(user_id, key)
        card = Card.from_dict(row.card)  # the queried columns mirror the serialised card
        assert (card.card_id, as_utc(row.due), row.stability, row.difficulty, row.state) == (
            row.question_id,
            card.due,
            card.stability,
            card.difficulty,
            int(card.state),
        )
        assert row.reviews == 1
    easy, good, again = card_of(user_id, "q3"), card_of(user_id, "q5"), card_of(user_id, "q1")
    assert as_utc(easy.due) > as_utc(good.due) > as_utc(again.due)
    assert easy.stability > good.stability > again.stability
    assert again.last_rating == Rating.Again and good.last_rating == Rating.Good

    day = db.session.get(StudyDay, (user_id, day_number(T0)))
    assert (day.answers, day.credit) == (5, 3.5)


def test_a_second_review_counts_the_days_since_the_first(user_id):
    first = practise(user_id, ["q1"], T0)
    answer(user_id, first, 1, RIGHT["q1"], T0, T0 + timedelta(seconds=30))
    second = practise(user_id, ["q1"], T0 + timedelta(days=3))
    answer(user_id, second, 1, RIGHT["q1"], T0 + timedelta(days=3), T0 + timedelta(days=3, seconds=30))
    logs = logs_of(user_id, "q1")
    assert [log.elapsed_days for log in logs] == [None, 3]
    assert card_of(user_id, "q1").reviews == 2
    assert (
        db.session.scalar(select(func.count()).select_from(StudyDay).where(StudyDay.user_id == user_id)) == 2
    )


def test_exam_answers_change_no_schedule_unless_the_quiz_says_so(user_id):
    for quiz in ("exam", "exam-review"):
        attempt = start_quiz(db.session, user_id, quiz, now=T0)
        db.session.commit()
        answer(user_id, attempt.id, 1, WRONG["q1"], T0, T0 + timedelta(seconds=5))
        answer(
            user_id,
            attempt.id,
            3,
            RIGHT["q3"],
            T0 + timedelta(minutes=1),
            T0 + timedelta(minutes=1, seconds=3),
        )
        assert not logs_of(user_id)  # exam answers are graded at the finish
        finish(db.session, attempt_of(db.session, attempt.id, user_id), now=T0 + timedelta(minutes=30))
        db.session.commit()
        if quiz == "exam":
            assert not logs_of(user_id) and card_of(user_id, "q1") is None
            day = db.session.get(StudyDay, (user_id, day_number(T0)))
            assert (day.answers, day.credit) == (2, 1.0)  # studied all the same
    logs = logs_of(user_id)
    assert [(Rating(log.rating), as_utc(log.reviewed_at)) for log in logs] == [
        (Rating.Again, T0 + timedelta(seconds=5)),  # reviewed when answered, not at the finish
        (Rating.Easy, T0 + timedelta(minutes=1, seconds=3)),
    ]
    assert card_of(user_id, "q1") is not None and card_of(user_id, "q2") is None  # unanswered: no card


def test_practice_answers_saved_unchecked_count_when_saved_not_at_the_submit(user_id):
    """Next/Previous keep a practice answer unchecked; graded at the submit, it is still timed and
    dated by its save: a quick right answer is Easy, and an answer saved before midnight studies
    that day."""
    shown = T0.replace(hour=23, minute=58)
    attempt = start_quiz(db.session, user_id, "practice", now=shown)
    db.session.commit()
    attempt = attempt_of(db.session, attempt.id, user_id)
    review.page_shown(db.session, slot_at(attempt, 1), now=shown)
    db.session.commit()
    attempt = attempt_of(db.session, attempt.id, user_id)
    slot = slot_at(attempt, 1)
    saved = shown + timedelta(seconds=3)
    save_response(db.session, attempt, slot, slot.sequence, RIGHT["q1"], now=saved, check=False)
    db.session.commit()
    assert not logs_of(user_id)  # not graded yet
    submitted = shown + timedelta(minutes=5)  # past midnight
    finish(db.session, attempt_of(db.session, attempt.id, user_id), now=submitted)
    db.session.commit()
    [log] = logs_of(user_id, "q1")
    assert (Rating(log.rating), as_utc(log.reviewed_at), log.duration_ms) == (Rating.Easy, saved, 3000)
    assert db.session.get(StudyDay, (user_id, day_number(saved))).answers == 1
    assert db.session.get(StudyDay, (user_id, day_number(submitted))) is None


# --- replay ---------------------------------------------------------------------------------------------


def _history(user_id: int) -> None:
    """q1 answered over five weeks: right, wrong, right, right (partly fast), and q3 twice."""
    steps = [
        (0, "q1", RIGHT["q1"], 40),
        (1, "q1", WRONG["q1"], 20),
        (1.01, "q1", RIGHT["q1"], 4),
        (6, "q1", RIGHT["q1"], 30),
        (30, "q1", RIGHT["q1"], 3),
        (0, "q3", RIGHT["q3"], 2),
        (9, "q3", WRONG["q3"], 2),
    ]
    for days, key, response, seconds in steps:
        when = T0 + timedelta(days=days)
        attempt_id = practise(user_id, [key], when)
        answer(user_id, attempt_id, 1, response, when, when + timedelta(seconds=seconds))


def test_replaying_the_logs_with_the_same_parameters_reproduces_the_stored_card(user_id):
    _history(user_id)
    scheduler = review.current_settings().scheduler()
    for key in ("q1", "q3"):
        stored = card_of(user_id, key)
        replayed = review.replay(logs_of(user_id, key), stored.question_id, scheduler)
        assert replayed.to_dict() == stored.card
    assert [Rating(log.rating) for log in logs_of(user_id, "q1")] == [
        Rating.Good,
        Rating.Again,
        Rating.Easy,
        Rating.Good,
        Rating.Easy,
    ]


def test_rebuilding_cards_with_new_parameters_changes_them_and_with_the_old_ones_restores_them(user_id, app):
    _history(user_id)
    before = {key: dict(card_of(user_id, key).card) for key in ("q1", "q3")}
    stricter = review.ReviewSettings(desired_retention=0.97)
    assert review.rebuild_cards(db.session, user_id, stricter) == 2
    db.session.commit()
    assert card_of(user_id, "q1").card["due"] < before["q1"]["due"]  # higher retention: sooner
    assert card_of(user_id, "q1").card["stability"] == before["q1"]["stability"]  # same memory model
    review.rebuild_cards(db.session, user_id)
    db.session.commit()
    rebuilt = card_of(user_id, "q1")
    assert rebuilt.card == before["q1"] and rebuilt.reviews == 5 and rebuilt.last_rating == Rating.Easy
    assert card_of(user_id, "q3").card == before["q3"]


def test_merging_users_moves_logs_adds_up_days_and_replays_cards(user_id):
    """Through the account merge (a guest signing in), which hands the schedule to review.merge_users."""
    other = new_guest(db.session).id
    db.session.commit()
    first = practise(other, ["q1"], T0)
    answer(other, first, 1, WRONG["q1"], T0, T0 + timedelta(seconds=9))
    later = T0 + timedelta(days=2)
    mine = practise(user_id, ["q1"], later)
    answer(user_id, mine, 1, RIGHT["q1"], later, later + timedelta(seconds=30))
    mine = practise(user_id, ["q1"], T0)
    answer(user_id, mine, 1, RIGHT["q1"], T0, T0 + timedelta(seconds=30))

    moved = personal_data.merge_users(db.session, other, user_id)
    db.session.commit()
    assert moved == {"attempts": 1}
    assert not db.session.scalars(select(ReviewCard).where(ReviewCard.user_id == other)).all()
    merged = logs_of(user_id, "q1")
    assert len(merged) == 3
    # the guest's review came first: the account's first review is now 2 days after it
    in_time_order = sorted(merged, key=lambda log: (as_utc(log.reviewed_at), log.id))
    assert [log.user_id for log in in_time_order] == [user_id] * 3
    assert [log.elapsed_days for log in in_time_order] == [None, 2, 0]
    card = card_of(user_id, "q1")
    assert card.reviews == 3
    assert (
        card.card == review.replay(merged, card.question_id, review.current_settings().scheduler()).to_dict()
    )
    day = db.session.get(StudyDay, (user_id, day_number(T0)))
    assert (day.answers, day.credit) == (2, 1.0)
    assert set(review.PER_USER_MODELS) == {ReviewCard, ReviewLog, StudyDay}


# --- due questions and review attempts ---------------------------------------------------------------------


def _card(user_id: int, key: str, due: datetime, stability: float, last_review: datetime) -> None:
    qid = question_id(key)
    card = Card(card_id=qid, due=due, stability=stability, difficulty=5.0, last_review=last_review)
    db.session.add(
        ReviewCard(
            user_id=user_id,
            question_id=qid,
            card=card.to_dict(),
            state=int(card.state),
            due=due,
            stability=stability,
            difficulty=5.0,
            last_review=last_review,
            reviews=1,
            last_rating=3,
        )
    )


@pytest.fixture
def due_cards(user_id) -> datetime:
    now = T0 + timedelta(days=40)
    _card(user_id, "q1", now - timedelta(days=1, hours=2), 10.0, T0)  # 1 day overdue, stable
    _card(user_id, "q2", now - timedelta(days=1, hours=1), 2.0, T0)  # 1 day overdue, less stable
    _card(user_id, "q3", now - timedelta(days=5), 30.0, T0)  # most overdue
    _card(user_id, "q4", now - timedelta(hours=3), 1.0, T0)  # due today
    _card(user_id, "q5", now + timedelta(hours=5), 1.0, T0)  # not yet due
    db.session.commit()
    return now


def test_due_questions_most_overdue_first_then_lowest_recall(user_id, due_cards):
    due = review.due_questions(db.session, user_id, due_cards)
    assert [q.key for q in due] == ["q3", "q2", "q1", "q4"]
    assert due[1].recall < due[2].recall
    assert review.next_due(db.session, user_id) == due_cards - timedelta(days=5)


def test_a_review_attempt_holds_the_due_questions_in_order_capped_and_is_resumed(user_id, due_cards):
    settings = review.ReviewSettings(session_size=3)
    attempt = review.start_review(db.session, user_id, due_cards, settings)
    db.session.commit()
    assert attempt.mode == "practice" and attempt.title == review.REVIEW_TITLE
    keys = [slot.version.question.key for slot in attempt_of(db.session, attempt.id, user_id).slots]
    assert keys == ["q3", "q2", "q1"]
    again = review.start_review(db.session, user_id, due_cards, settings)
    assert again.id == attempt.id  # resumed while questions are left
    # Answering it reviews the cards like any practice answer.
    answer(user_id, attempt.id, 1, RIGHT["q3"], due_cards, due_cards + timedelta(seconds=20))
    assert as_utc(card_of(user_id, "q3").due) > due_cards


def test_nothing_due_says_when_the_next_question_is(user_id, due_cards):
    with pytest.raises(review.NothingDue) as raised:
        review.start_review(db.session, user_id, T0)
    assert raised.value.next_due == due_cards - timedelta(days=5)
    newcomer = new_guest(db.session).id
    with pytest.raises(review.NothingDue) as raised:
        review.start_review(db.session, newcomer, due_cards)
    assert raised.value.next_due is None
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_retired_questions_are_not_due(user_id, due_cards, runner, tmp_path):
    data = taking_bank()
    data["questions"] = [q for q in data["questions"] if q["id"] != "q3"]
    load(runner, write_bank(tmp_path / "bank" / "bank.yaml", data))
    assert [q.key for q in review.due_questions(db.session, user_id, due_cards)] == ["q2", "q1", "q4"]


# --- the migration ----------------------------------------------------------------------------------------


def test_the_migration_counts_earlier_answers_into_study_days(user_id, app):
    attempt = start_quiz(db.session, user_id, "practice", now=T0)
    db.session.commit()
    answer(user_id, attempt.id, 1, RIGHT["q1"], T0, T0 + timedelta(seconds=9))
    answer(user_id, attempt.id, 3, WRONG["q3"], T0, T0 + timedelta(days=1))
    db.session.remove()
    downgrade(revision="0003")
    upgrade()
    days = db.session.execute(
        select(StudyDay.day, StudyDay.answers, StudyDay.credit)
        .where(StudyDay.user_id == user_id)
        .order_by(StudyDay.day)
    ).all()
    assert [tuple(d) for d in days] == [(day_number(T0), 1, 1.0), (day_number(T0) + 1, 1, 0.0)]
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 2
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 0  # cards are not backfilled


# --- score over time and streak --------------------------------------------------------------------------


def test_score_by_week_then_by_month_and_the_streak_of_days(user_id):
    from quizapp.services.progress import score_over_time, streak

    today = day_number(T0)  # a Monday
    for day, answers, credit in [
        (today, 4, 2.0),
        (today - 1, 2, 2.0),
        (today - 2, 1, 0.0),
        (today - 4, 3, 3.0),
    ]:
        db.session.add(StudyDay(user_id=user_id, day=day, answers=answers, credit=credit))
    db.session.commit()
    points = score_over_time(db.session, user_id, today)
    assert [(p.long_label, p.answers, round(p.percent, 1)) for p in points] == [
        ("Week of 24 February 2025", 6, 83.3),
        ("Week of 3 March 2025", 4, 50.0),
    ]
    assert (streak(db.session, user_id, today).days, streak(db.session, user_id, today).studied_today) == (
        3,
        True,
    )
    assert streak(db.session, user_id, today + 1) == type(streak(db.session, user_id, today))(3, False)
    assert streak(db.session, user_id, today + 2).days == 0
    assert streak(db.session, user_id, today - 3).days == 1  # only the days up to "today" count

    db.session.add(StudyDay(user_id=user_id, day=today - 300, answers=10, credit=10.0))  # 9 May 2024
    db.session.commit()
    points = score_over_time(db.session, user_id, today)
    # By calendar month: the week of 24 February gives its Thursday to February and its weekend to March.
    assert [(p.label, p.answers) for p in points] == [("May 2024", 10), ("Feb 2025", 3), ("Mar 2025", 7)]
    assert [p.long_label for p in points] == ["May 2024", "February 2025", "March 2025"]
    # the first day charted (3 March 2023), the day before it, and the last day of a month
    for day in (today - 2 * 366 + 1, today - 2 * 366, today - 3):
        db.session.add(StudyDay(user_id=user_id, day=day, answers=1, credit=1.0))
    db.session.commit()
    points = score_over_time(db.session, user_id, today)
    assert [(p.long_label, p.answers) for p in points] == [
        ("March 2023", 1),
        ("May 2024", 10),
        ("February 2025", 4),
        ("March 2025", 7),
    ]


def test_the_kept_chart_and_streak_follow_every_change_of_the_study_days(user_id):
    from quizapp.services.progress import chart_and_streak, score_over_time, streak

    today = day_number(T0)

    def fresh() -> tuple:
        return tuple(score_over_time(db.session, user_id, today)), streak(db.session, user_id, today)

    assert chart_and_streak(db.session, user_id, today) == ((), fresh()[1])  # no days yet
    db.session.add(StudyDay(user_id=user_id, day=today - 1, answers=2, credit=1.0))
    db.session.commit()
    assert chart_and_streak(db.session, user_id, today) == fresh()
    assert chart_and_streak(db.session, user_id, today)[1].days == 1
    # an answer on a day already there: the chart's figures change, the days do not
    db.session.get(StudyDay, (user_id, today - 1)).answers += 1
    db.session.commit()
    assert chart_and_streak(db.session, user_id, today) == fresh()
    assert chart_and_streak(db.session, user_id, today)[0][-1].answers == 3
    # a day studied today lengthens the streak; tomorrow it is still counted, the day after not
    db.session.add(StudyDay(user_id=user_id, day=today, answers=1, credit=1.0))
    db.session.commit()
    assert chart_and_streak(db.session, user_id, today)[1] == fresh()[1] and fresh()[1].days == 2
    assert chart_and_streak(db.session, user_id, today + 2)[1].days == 0
