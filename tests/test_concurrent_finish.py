"""Finishing is race-safe under real concurrency: gunicorn workers, one attempt, ten finish POSTs at once.

The server runs in its own process group on a free loopback port against the test's database
(the SQLite file or the PostgreSQL schema of the `database_url` fixture, migrated by `app`).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Slot
from quizapp.services.attempts import as_utc

from .factories import write_bank
from .test_taking import RIGHT, TYPES, WRONG, Page, load, taking_bank

WORKERS = 4
CONCURRENT = 10
ROUNDS = 3
STARTUP_SECONDS = 60  # workers import the app after forking: slow on a busy machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, secret_key: str, log: Path) -> Iterator[tuple[str, int]]:
    """A gunicorn server for quizapp.wsgi:app; killed (its whole process group) on exit."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret_key, "QUIZAPP_ENV": "development"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "30",
        "--graceful-timeout",
        "2",
        "quizapp.wsgi:app",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                connection.close()
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass
class Reply:
    status: int
    headers: Any
    body: str

    # enough of a test response for test_taking.Page
    @property
    def status_code(self) -> int:
        return self.status

    def get_data(self, as_text: bool = False) -> str:
        return self.body

    @property
    def location(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.headers.get("Location", ""))


@dataclass
class HttpBrowser:
    """A requests-free browser over http.client that keeps the cookies it is given."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, data: Any = None, keep_cookies: bool = True) -> Reply:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            body = urlencode(list(data.items(multi=True)) if hasattr(data, "items") else data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read().decode("utf-8"))
        finally:
            connection.close()
        if keep_cookies:
            for header in reply.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str) -> Page:
        reply = self.request("GET", path)
        assert reply.status == 200, (path, reply.status, reply.body[:500])
        return Page(reply)


def _score_once(app: Any, server: tuple[str, int]) -> None:
    browser = HttpBrowser(*server)
    home = browser.get("/")
    start = browser.request("POST", "/quizzes/exam/start", home.form("/quizzes/exam/start").values())
    assert start.status == 302, start.body[:500]
    attempt_id = int(re.fullmatch(r"/attempts/(\d+)/1", start.location).group(1))

    answers = {1: RIGHT["q1"], 2: ["right 1"], 3: WRONG["q3"]}  # 2 marks + half of 1 + 0
    for position, answer in answers.items():
        page = browser.get(f"/attempts/{attempt_id}/{position}")
        data = page.form("/attempts/").values()
        for name, value in page.fields_for(TYPES[f"q{position}"], answer).items():
            data.setlist(name, value if isinstance(value, list) else [value])
        data["go"] = "next"
        reply = browser.request("POST", f"/attempts/{attempt_id}/{position}", data)
        assert reply.status == 302 and reply.location == f"/attempts/{attempt_id}/{position + 1}"

    confirm = browser.get(f"/attempts/{attempt_id}/finish")
    data = confirm.form(f"/attempts/{attempt_id}/finish").values()
    barrier = threading.Barrier(CONCURRENT)
    replies: list[Reply | BaseException | None] = [None] * CONCURRENT

    def finish(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            replies[i] = browser.request("POST", f"/attempts/{attempt_id}/finish", data, keep_cookies=False)
        except BaseException as error:  # reported below
            replies[i] = error

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    review = f"/attempts/{attempt_id}/review"
    for reply in replies:
        assert isinstance(reply, Reply), reply
        assert reply.status != 500, reply.body[:500]
        assert reply.status == 302 and reply.location == review, (
            reply.status,
            reply.location,
            reply.body[:300],
        )

    # exactly one request finished the attempt: every other one says it was already submitted
    serializer = app.session_interface.get_signing_serializer(app)
    already = 0
    for reply in replies:
        for header in reply.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            if "session" in cookie:
                already += "already submitted" in json.dumps(serializer.loads(cookie["session"].value))
    assert already == CONCURRENT - 1

    db.session.remove()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished" and attempt.finished_at is not None
    assert attempt.score == pytest.approx(2.5) and attempt.max_score == 11
    rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).all()
    slots = db.session.scalars(select(Slot).where(Slot.attempt_id == attempt_id)).all()
    answered = [s for s in slots if s.response is not None]
    assert len(answered) == len(answers)
    assert sorted(r.question_version_id for r in rows) == sorted(s.question_version_id for s in answered)
    assert sorted(r.fraction for r in rows) == [0.0, 0.5, 1.0]
    assert as_utc(attempt.finished_at) >= as_utc(attempt.started_at)
    db.session.remove()  # hold no SQLite lock while the server works

    page = browser.get(review)
    assert "Your score: 2.5 out of 11 (23%)." in page.text


@pytest.mark.slow
def test_concurrent_finish_posts_score_an_attempt_once(app, runner, database_url, tmp_path):
    load(runner, write_bank(tmp_path / "bank" / "bank.yaml", taking_bank()))
    db.session.remove()
    db.engine.dispose()
    log = tmp_path / "gunicorn.log"
    with gunicorn(database_url, app.config["SECRET_KEY"], log) as server:
        for _ in range(ROUNDS):
            _score_once(app, server)
    output = log.read_text()
    assert "Traceback" not in output and "[ERROR]" not in output, output
