"""No practice path shows the right answers that a quiz is holding back, on both backends.

A question drawn by an active quiz that does not show its right answers yet is left out of
practising topics and facts (the home page and My progress), the spaced review and "practise
what I missed", and practice feedback (of attempts already started too) hides its answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from quizapp.extensions import db
from quizapp.models import Attempt
from quizapp.review_models import ReviewCard

from .factories import write_bank
from .test_safeguards import WRONG_ANSWERS, all_secrets, everything, leaks, marker_bank
from .test_taking import Browser, Page, load, location

OPEN, CLOSED = "2999-01-01 00:00", "2000-01-01 00:00"


def load_markers(runner: Any, tmp_path: Any, closes_at: str) -> None:
    """The marker bank with an exam on every question whose answers show after `closes_at`."""
    data = marker_bank()
    data["quizzes"].append(
        {
            "id": "hidden-exam",
            "title": "Exam, answers after it closes",
            "select": {"topics": ["t1"]},
            "order": "fixed",
            "mode": "exam",
            "show_answers": "after_close",
            "closes_at": closes_at,
        }
    )
    load(runner, write_bank(tmp_path / "bank" / "markers.yaml", data))


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


def assert_no_leak(app: Any, browser: Browser, response: Any, what: str) -> None:
    assert leaks(app, browser, everything(app, response), all_secrets()) == [], what


def practise(browser: Browser, **fields: Any) -> Any:
    """Post the home page's practice form with `fields` (topics, facts, count)."""
    home = browser.get("/")
    return browser.submit(home, "/practise", {"count": "8", **fields})


def test_every_practice_path_hides_answers_a_quiz_holds_back(app, runner, tmp_path, browser):
    # before the exam holds its answers back, practice shows them: the crawler can see a leak
    load_markers(runner, tmp_path, CLOSED)
    attempt_id, _ = browser.start("practice")
    assert browser.answer(attempt_id, 1, *WRONG_ANSWERS[1]).status_code == 302
    shown = browser.fetch(f"/attempts/{attempt_id}/1")
    assert leaks(app, browser, everything(app, shown), all_secrets()) != []
    assert location(practise(browser, topics="t1")).startswith("/attempts/")

    # the exam's closing date moves later: its questions' answers are held back again
    load_markers(runner, tmp_path, OPEN)
    pages: dict[str, Any] = {"home": browser.fetch("/")}
    pages["answered practice page"] = browser.fetch(f"/attempts/{attempt_id}/1")
    assert "held back by a quiz" in Page(pages["answered practice page"]).text
    for position in range(2, 9):
        assert browser.answer(attempt_id, position, *WRONG_ANSWERS[position]).status_code == 302
        pages[f"practice page {position}"] = browser.fetch(f"/attempts/{attempt_id}/{position}")

    for name, fields in {"topic": {"topics": "t1"}, "fact": {"facts": "f1"}}.items():
        refused = practise(browser, **fields)
        assert refused.status_code == 422, name
        assert "cannot be practised" in Page(refused).text
        pages[f"practise a {name}"] = refused

    finish = browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), f"/attempts/{attempt_id}/finish")
    pages["review"] = browser.fetch(location(finish))
    assert "Wrong" in Page(pages["review"]).text
    missed = browser.submit(Page(pages["review"]), f"/attempts/{attempt_id}/practise-missed")
    assert location(missed) == f"/attempts/{attempt_id}/review"
    pages["practise what I missed"] = browser.fetch(location(missed))
    assert "cannot be practised" in Page(pages["practise what I missed"]).text

    progress = browser.get("/progress")
    pages["progress"] = progress.response
    # every fact's questions are held back: none is offered for practice, each says why
    assert "Weakest facts" in progress.text and "Practise this" not in progress.text
    assert not [f for f in progress.forms if f.action.endswith("/practise")]
    assert "Not open to practice yet" in progress.text
    for action in ("/practise", "/review"):  # "practise this" and the Review button
        form = next((f for f in progress.forms if f.action.endswith(action)), None)
        if form is not None:
            pages[f"progress {action}"] = browser.post(form.action, form.values())

    # answers given before the hold scheduled reviews; once due, Review leaves them out
    cards = db.session.scalar(select(func.count()).select_from(ReviewCard))
    assert cards > 1
    db.session.execute(update(ReviewCard).values(due=datetime.now(UTC) - timedelta(days=1)))
    db.session.commit()
    started = db.session.scalar(select(func.count()).select_from(Attempt))
    progress = browser.get("/progress")  # none can be reviewed: My progress offers no Review button
    assert not [f for f in progress.forms if f.action.endswith("/review")]
    assert "0 reviews due by the end of today" in progress.text
    assert "0 reviews due within seven days" in progress.text
    review = browser.submit(browser.get("/"), "/review")  # the home page's button says why
    assert location(review) == "/"
    pages["review button"] = browser.fetch("/")
    text = Page(pages["review button"]).text
    assert f"The {cards} questions due belong to a quiz that does not show its right answers yet" in text
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == started
    db.session.rollback()

    for name, response in pages.items():
        assert response.status_code in (200, 302, 422), name
        assert_no_leak(app, browser, response, name)
