"""Unit tests of the rating rule, answer timing, settings and mastery, with fixed clocks (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from quizapp.bank.check import check_parsed
from quizapp.bank.parse import ParsedFile
from quizapp.days import day_number
from quizapp.services.progress import mastery_from, weakest
from quizapp.services.review import (
    FAST_SECONDS,
    ReviewSettings,
    answer_seconds,
    rating_for,
    recall_curve,
    retrievability,
    settings_from,
)

from .factories import bank

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fraction", "near_miss", "seconds", "fast", "expected"),
    [
        (0.0, False, 2, 10, Rating.Again),  # wrong, however fast
        (0.0, True, None, 10, Rating.Again),
        (0.5, False, 2, 10, Rating.Hard),  # partial credit
        (0.99, False, None, 10, Rating.Hard),
        (1.0, True, 2, 10, Rating.Hard),  # right with a spelling slip
        (1.0, False, 30, 10, Rating.Good),  # right, slow
        (1.0, False, None, 10, Rating.Good),  # right, time unknown
        (1.0, False, 5, None, Rating.Good),  # right, no threshold for the type
        (1.0, False, 10, 10, Rating.Easy),  # right within the threshold (inclusive)
        (1.0, False, 0.5, 10, Rating.Easy),
    ],
)
def test_rating_rule(fraction, near_miss, seconds, fast, expected):
    assert rating_for(fraction, near_miss, seconds, fast) == expected


def test_answer_seconds_run_from_shown_to_saved_and_are_unknown_when_they_cannot_be_measured():
    assert answer_seconds(T0, T0 + timedelta(seconds=7.5)) == 7.5
    assert answer_seconds(T0.replace(tzinfo=None), T0 + timedelta(seconds=3)) == 3  # SQLite's naive UTC
    assert answer_seconds(None, T0) is None
    assert answer_seconds(T0 + timedelta(seconds=1), T0) is None  # shown again after saving


def test_days_without_a_zone_are_utc_days():
    assert day_number(datetime(1970, 1, 1, 23, 59, tzinfo=UTC)) == 0
    assert day_number(datetime(1970, 1, 2, tzinfo=UTC)) == 1
    assert day_number(T0) == (T0.date() - datetime(1970, 1, 1).date()).days
    assert day_number(T0.replace(hour=23, minute=59)) == day_number(T0)


def test_settings_from_config_merge_thresholds_over_the_defaults():
    settings = settings_from({"REVIEW_FAST_SECONDS": {"numeric": 3}, "REVIEW_SIZE": 5})
    assert settings.fast_seconds["numeric"] == 3
    assert settings.fast_seconds["matching"] == FAST_SECONDS["matching"]
    assert settings.session_size == 5
    assert settings_from({}) == ReviewSettings()
    with pytest.raises(ValueError, match="parameters"):
        settings_from({"REVIEW_PARAMETERS": [1.0, 2.0]}).scheduler()


def test_retrievability_falls_with_time_and_is_zero_for_a_card_never_reviewed():
    scheduler = ReviewSettings().scheduler()
    assert retrievability(scheduler, None, None, T0) == 0.0
    same_day = retrievability(scheduler, 3.0, T0, T0 + timedelta(hours=5))
    after_3_days = retrievability(scheduler, 3.0, T0, T0 + timedelta(days=3))
    after_30_days = retrievability(scheduler, 3.0, T0, T0 + timedelta(days=30))
    assert same_day == 1.0
    assert after_3_days == pytest.approx(0.9, abs=1e-6)  # stability: the days until recall falls to 90%
    assert 0 < after_30_days < after_3_days
    assert retrievability(scheduler, 30.0, T0, T0 + timedelta(days=30)) > after_30_days  # more stable


def test_the_recall_curve_for_many_cards_gives_what_fsrs_gives():
    """My progress computes recall with `recall_curve`; it must agree with fsrs's own."""
    custom = list(ReviewSettings().scheduler().parameters)
    custom[20] = 0.5  # another decay
    for scheduler in (ReviewSettings().scheduler(), settings_from({"REVIEW_PARAMETERS": custom}).scheduler()):
        for elapsed in (timedelta(0), timedelta(hours=23, minutes=59), timedelta(days=1), timedelta(days=2.5),
                        timedelta(days=400), timedelta(hours=-3)):  # fmt: skip
            now = T0 + elapsed
            curve = recall_curve(scheduler, now)
            for stability in (0.1, 1.0, 3.0, 47.5, 3650.0):
                expected = retrievability(scheduler, stability, T0, now)
                assert curve(stability, T0) == pytest.approx(expected, rel=1e-12)
                naive = T0.replace(tzinfo=None)  # as SQLite hands it back
                assert curve(stability, naive) == pytest.approx(expected, rel=1e-12)
        assert recall_curve(scheduler, T0)(None, None) == 0.0


def test_mastery_is_the_mean_recall_of_a_facts_questions_with_unseen_ones_counting_zero():
    rows = [
        ("f1", "Fact one", 1),
        ("f1", "Fact one", 2),
        ("f2", "Fact two", 2),
        ("f2", "Fact two", 3),
        ("f3", "Fact three", 4),
    ]
    recall = {1: 0.9, 2: 0.5, 3: 0.7}
    facts = {m.key: m for m in mastery_from(rows, recall)}
    assert facts["f1"].percent == pytest.approx(70)
    assert facts["f2"].percent == pytest.approx(60)
    assert facts["f3"].percent == 0 and facts["f3"].seen == 0 and facts["f3"].total == 1
    assert (facts["f1"].seen, facts["f1"].total) == (2, 2)
    # The weakest are practised facts, lowest first; never-answered ones are not "weak", just new.
    assert [m.key for m in weakest(list(facts.values()))] == ["f2", "f1"]
    assert [m.key for m in weakest(list(facts.values()), count=1)] == ["f2"]


def test_mastery_with_a_fixed_clock_from_stability():
    scheduler = ReviewSettings().scheduler()
    now = T0 + timedelta(days=10)
    recall = {1: retrievability(scheduler, 10.0, T0, now), 2: retrievability(scheduler, 1.0, T0, now)}
    (fact,) = mastery_from([("f", "F", 1), ("f", "F", 2), ("f", "F", 3)], recall)
    assert fact.percent == pytest.approx(100 * (0.9 + recall[2]) / 3, abs=1e-6)


# --- the bank's updates_review flag --------------------------------------------------------------------


def _check_quiz(**quiz):
    data = bank()
    data["quizzes"] = [{"id": "z", "title": "Z", "select": {"topics": ["t1"]}, **quiz}]
    return check_parsed([ParsedFile("bank.yaml", data)])


def test_updates_review_is_an_exam_option_checked_by_the_checker():
    checked = _check_quiz(mode="exam", updates_review=True)
    assert not checked.errors
    assert checked.files[0].quizzes[0].updates_review is True
    assert _check_quiz(mode="exam").files[0].quizzes[0].updates_review is False

    practice = _check_quiz(updates_review=True)
    assert [p.message for p in practice.errors] == [
        "updates_review applies to exam mode only (practice answers always update it)"
    ]
    assert "updates_review" in practice.errors[0].where
    not_bool = _check_quiz(mode="exam", updates_review="yes")
    assert len(not_bool.errors) == 1 and "updates_review" in not_bool.errors[0].where
