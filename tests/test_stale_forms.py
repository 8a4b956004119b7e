"""Two teachers edit the same record: a save from a page opened before the other's save is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Fact, Question, QuestionVersion, Quiz, Source

from .factories import write_bank
from .test_taking import Browser, Page, load, taking_bank
from .test_teach_catalogue import teacher


@dataclass
class Form:
    """One edit form: where it is, what it posts to, the field typed in, and how to read it back."""

    url: Callable[[], str]
    action: str
    field: str
    saved: Callable[[], tuple[int, str]]  # (version, value of the field) in the database
    go: str | None = None


def _row(model, key: str):
    db.session.remove()
    return db.session.scalar(select(model).where(model.key == key))


def _question() -> tuple[int, str]:
    question = _row(Question, "q1")
    prompt = db.session.scalar(
        select(QuestionVersion.prompt).where(
            QuestionVersion.question_id == question.id, QuestionVersion.number == question.version
        )
    )
    return question.version, prompt


FORMS = {
    "question": Form(
        lambda: f"/teach/questions/{_row(Question, 'q1').id}/edit",
        "/teach/questions/",
        "prompt",
        _question,
        "save",
    ),
    "fact": Form(
        lambda: f"/teach/facts/{_row(Fact, 'f1').id}/edit",
        "/teach/facts/",
        "statement",
        lambda: (_row(Fact, "f1").version, _row(Fact, "f1").statement),
    ),
    "source": Form(
        lambda: f"/teach/sources/{_row(Source, 'src').id}/edit",
        "/teach/sources/",
        "title",
        lambda: (_row(Source, "src").version, _row(Source, "src").title),
    ),
    "quiz": Form(
        lambda: f"/teach/quizzes/{_row(Quiz, 'practice').id}",
        "/teach/quizzes",
        "title",
        lambda: (_row(Quiz, "practice").version, _row(Quiz, "practice").title),
        "save",
    ),
}


@pytest.fixture
def two(app, runner, tmp_path) -> tuple[Browser, Browser]:
    """The taking bank loaded, and two teachers signed in, each in a browser of their own."""
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    return teacher(app, runner, "tess"), teacher(app, runner, "theo")


def _open(browser: Browser, form: Form) -> Page:
    page = browser.get(form.url())
    assert page.form(form.action).value("opened_version") == str(form.saved()[0])
    return page


@pytest.mark.parametrize("name", list(FORMS))
def test_a_save_over_a_newer_version_is_refused_and_keeps_what_was_typed(two, name, snapshot):
    form = FORMS[name]
    first, second = two
    version, _ = form.saved()
    mine, theirs = _open(first, form), _open(second, form)

    response = second.submit(theirs, form.action, {form.field: "Saved by the other teacher"}, go=form.go)
    assert response.status_code == 302, Page(response).text[:2000]
    assert form.saved() == (version + 1, "Saved by the other teacher")

    before = snapshot()
    response = first.submit(mine, form.action, {form.field: "Typed by me"}, go=form.go)
    assert response.status_code == 409
    page = Page(response)
    assert (
        f"changed by someone else since you opened it: now version {version + 1}; review and save again"
        in page.text
    )
    assert "nothing was saved" in page.text
    assert page.form(form.action).value(form.field) == "Typed by me"
    assert snapshot() == before
    assert form.saved() == (version + 1, "Saved by the other teacher")

    # The page sent back names the current version: saving again, after a review, goes through.
    response = first.submit(page, form.action, go=form.go)
    assert response.status_code == 302, Page(response).text[:2000]
    assert form.saved() == (version + 2, "Typed by me")


@pytest.mark.parametrize("name", list(FORMS))
def test_a_save_that_names_no_version_is_refused(two, name, snapshot):
    form = FORMS[name]
    first, _ = two
    page = _open(first, form)
    before = snapshot()
    response = first.submit(
        page, form.action, {form.field: "Typed by me"}, go=form.go, drop=("opened_version",)
    )
    assert response.status_code == 409
    assert "now version 1" in Page(response).text
    assert snapshot() == before


def test_a_preview_of_a_stale_page_is_not_refused(two):
    form = FORMS["question"]
    first, second = two
    mine, theirs = _open(first, form), _open(second, form)
    assert (
        second.submit(theirs, form.action, {"prompt": "Saved by the other teacher"}, go="save").status_code
        == 302
    )
    response = first.submit(mine, form.action, {"prompt": "Typed by me"}, go="preview")
    assert response.status_code == 200
    assert Page(response).form(form.action).value("opened_version") == "1"  # a save would still be refused
