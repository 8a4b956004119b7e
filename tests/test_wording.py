"""Counted nouns in messages."""

from quizapp.wording import counted


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "question") == "1 question"
    assert counted(0, "question") == "0 questions"
    assert counted(2, "error") == "2 errors"
    assert counted(1, "quiz") == "1 quiz"
    assert counted(3, "quiz") == "3 quizzes"
    assert counted(2, "entry", "entries") == "2 entries"
