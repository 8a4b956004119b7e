"""Quiz settings in bank files: checked as the builder checks them, loaded, exported and read back."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from quizapp.bank import check_paths
from quizapp.extensions import db
from quizapp.models import Quiz
from quizapp.services.attempts import layout_for
from quizapp.services.visibility import answers_shown

from .factories import answer_data, bank, write_bank
from .test_transfer_roundtrip import invoke

SETTINGS = {
    "id": "dated",
    "title": "Dated exam",
    "select": {"questions": ["q3", "q1"]},
    "order": "fixed",
    "mode": "exam",
    "shuffle_options": False,
    "show_answers": "after_close",
    "opens_at": "2030-01-31 09:00",
    "closes_at": "2030-02-07 17:30",
}


def settings(**changes: object) -> dict:
    """A fresh copy (a YAML dump would write a shared mapping as an alias, which banks refuse)."""
    return copy.deepcopy({**SETTINGS, **changes})


def test_settings_load_export_and_reload_unchanged(runner, snapshot, tmp_path):
    data = bank()
    data["quizzes"].append(settings())
    path = write_bank(tmp_path / "bank" / "bank.yaml", data)
    assert check_paths([path]).problems == []
    invoke(runner, "load", str(path))
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "dated"))
    assert (quiz.shuffle_options, quiz.show_answers, quiz.feedback) == (False, "after_close", "immediate")
    assert quiz.opens_at.replace(tzinfo=UTC) == datetime(2030, 1, 31, 9, 0, tzinfo=UTC)
    assert quiz.closes_at.replace(tzinfo=UTC) == datetime(2030, 2, 7, 17, 30, tzinfo=UTC)
    db.session.rollback()

    invoke(runner, "export", "-o", f"{tmp_path / 'out'}/")
    exported = check_paths([tmp_path / "out"])
    assert exported.problems == []
    assert exported.files[0].quizzes == check_paths([path]).files[0].quizzes
    before = snapshot()
    assert "nothing changed" in invoke(runner, "load", str(tmp_path / "out")).stdout
    assert snapshot() == before


def test_check_words_bad_settings_as_the_builder_does(tmp_path):
    data = bank()
    data["quizzes"] = [
        settings(id="a", feedback="after_submit"),
        settings(id="b", closes_at="2030-01-01 00:00"),
        settings(id="c", opens_at="31/01/2030"),
        settings(id="c2", opens_at="0999-01-01 00:00"),  # was taken, then could not be read back
        {"id": "d", "title": "Practice", "show_answers": "never"},
        {"id": "e", "title": "Exam", "mode": "exam", "show_answers": "after_close"},
    ]
    problems = [p.message for p in check_paths([write_bank(tmp_path / "bank.yaml", data)]).problems]
    assert "feedback applies to practice mode only (exams give none until submitted)" in problems
    assert "closes_at must be later than opens_at" in problems
    assert "expected a UTC date and time written YYYY-MM-DD HH:MM" in problems
    assert "the year 999 is too early: expected 1970 or later" in problems
    assert (
        "show_answers: never needs feedback: after_submit in practice mode "
        "(practice feedback shows the right answer at once)"
    ) in problems
    assert "show_answers: after_close needs a closes_at date" in problems


def test_without_option_shuffling_choices_keep_their_order_but_orderings_do_not():
    rng = random.Random(7)
    for _ in range(20):
        assert layout_for("single_choice", answer_data("single_choice"), rng, False) == {"options": [0, 1, 2]}
        assert layout_for("cloze", answer_data("cloze"), rng, False) == {"blanks": [None, [0, 1]]}
        assert layout_for("ordering", answer_data("ordering"), rng, False)["items"] != [0, 1, 2]
    shuffled = {
        tuple(layout_for("single_choice", answer_data("single_choice"), rng)["options"]) for _ in range(20)
    }
    assert len(shuffled) > 1


def test_when_answers_are_shown():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert answers_shown(None, None, now) and answers_shown("after_submit", None, now)
    assert not answers_shown("never", now - timedelta(days=1), now)
    assert not answers_shown("after_close", now + timedelta(seconds=1), now)
    assert answers_shown("after_close", now, now)
    assert answers_shown("after_close", (now - timedelta(days=1)).replace(tzinfo=None), now)  # SQLite's naive
