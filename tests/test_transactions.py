"""SQLite transactions under concurrency: pages that only read never queue for the write lock,
writes queue for it (never "database is locked"), and a read cannot write by mistake.

Another connection holds SQLite's write lock (BEGIN IMMEDIATE) while the app serves requests.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from quizapp import database
from quizapp.extensions import db
from quizapp.models import Attempt, User
from quizapp.services import answering
from quizapp.services.attempts import StalePage
from quizapp.services.pages import page_of

from .factories import write_bank
from .test_taking import Browser, load, slot_of, taking_bank, the_attempt


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: PostgreSQL has no database-wide write lock."""
    return sqlite_url


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def loaded(runner, tmp_path) -> None:
    load(runner, write_bank(tmp_path / "bank" / "bank.yaml", taking_bank()))


@pytest.fixture
def exam(browser, loaded) -> int:
    attempt_id, _page = browser.start("exam")
    return attempt_id


@contextmanager
def write_lock_held(app, release_after: float | None = None) -> Iterator[None]:
    """Another connection takes the write lock (and writes); released on exit or after `release_after` s."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO users (is_guest, created_at) VALUES (1, CURRENT_TIMESTAMP)")
    timer = threading.Timer(release_after, other.commit) if release_after is not None else None
    if timer:
        timer.start()
    try:
        yield
    finally:
        if timer:
            timer.join()
        if other.in_transaction:
            other.rollback()
        other.close()


def test_pages_that_only_read_do_not_wait_for_a_writer(app, browser, exam):
    browser.get(f"/attempts/{exam}/1")
    started = time.monotonic()
    with write_lock_held(app):
        for url in ("/", f"/attempts/{exam}/1", f"/attempts/{exam}/summary", f"/attempts/{exam}/finish"):
            browser.get(url)  # 200, not a 500 after the 30 s busy timeout
    assert time.monotonic() - started < 5


def test_a_save_waits_for_the_writer_then_succeeds(app, browser, exam):
    page = browser.get(f"/attempts/{exam}/1")
    started = time.monotonic()
    with write_lock_held(app, release_after=0.5):
        response = browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="save")
    assert response.status_code == 302
    assert time.monotonic() - started >= 0.45
    assert slot_of(exam, 1).response is not None


def test_moving_to_another_question_waits_for_the_writer_then_records_it(app, browser, exam):
    browser.get(f"/attempts/{exam}/1")
    assert the_attempt(exam).position == 1
    db.session.remove()
    started = time.monotonic()
    with write_lock_held(app, release_after=0.5):
        browser.get(f"/attempts/{exam}/2")
    assert time.monotonic() - started >= 0.45
    assert the_attempt(exam).position == 2


def test_a_request_that_only_reads_cannot_write_by_mistake(app, client):
    @app.get("/probe/<how>")
    def probe(how: str) -> str:
        if how == "declared":
            database.begin_write(db.session)
        db.session.add(User(is_guest=True))
        db.session.commit()
        return "written"

    with pytest.raises(OperationalError, match="readonly"):
        client.get("/probe/undeclared")
    db.session.rollback()
    assert db.session.scalar(select(User)) is None
    assert client.get("/probe/declared").status_code == 200
    assert db.session.scalar(select(User)) is not None


def test_a_save_checks_again_that_the_attempt_is_open(app, browser, exam):
    """The save reads the page in one transaction and writes in another: a finish in between wins."""
    db.session.remove()
    page = page_of(db.session, exam, the_attempt(exam).user_id, 1)
    assert page.attempt.state == "open"
    finished = update(Attempt).where(Attempt.id == exam).values(state="finished")  # as if by another request
    db.session.execute(finished.execution_options(synchronize_session=False))
    with pytest.raises(StalePage):
        answering.save_response(db.session, page.attempt, page.slot, page.slot.sequence, {"choice": 0})
    db.session.rollback()
    assert slot_of(exam, 1).response is None
