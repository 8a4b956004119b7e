"""Browser tests: the real app under gunicorn, driven through Debian's Chromium by Playwright.

They need the Debian package `chromium` (found on PATH) and the pip packages `playwright` and
`axe-playwright-python`; Playwright's own browser download is never used. Without them the tests
are skipped on a developer's machine and fail under CI=true.

The server holds the shipped bank plus a small one made here with every question type, in
quizzes of fixed order (see `extra_bank`), so each test knows which question is on which page.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from quizapp.config import TEST_PASSWORD_HASH, resource_dir

from ..factories import QUESTION_TYPES, bank, write_bank

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
PIP_INSTALL = "pip install playwright axe-playwright-python"

# --- the extra bank: every question type, in quizzes of fixed order ---------------------------------

SOURCE_TITLE = "Source browser-tests"
PRACTICE = ("bt-every-type", "Every question type")
EXAM = ("bt-exam", "Exam: every question type")
SHORT_EXAM = ("short-exam", "Short exam")
#: question id by type; position n (1-based) of the quizzes above holds QUESTION_TYPES[n - 1]
QUESTION_IDS = {qtype: f"bt-q{i + 1}" for i, qtype in enumerate(QUESTION_TYPES)}
SHORT_EXAM_TYPES = ["single_choice", "true_false", "short_answer"]


def extra_bank() -> dict[str, Any]:
    """The factory bank with its generic ids prefixed, so that they cannot clash with a real bank."""
    data = bank("browser-tests", questions=len(QUESTION_TYPES))
    for kind in ("facts", "topics", "questions"):
        for record in data[kind]:
            record["id"] = f"bt-{record['id']}"
    for record in data["questions"]:
        record["facts"] = [f"bt-{f}" for f in record["facts"]]
        record["topics"] = [f"bt-{t}" for t in record["topics"]]
    every = [QUESTION_IDS[t] for t in QUESTION_TYPES]
    data["quizzes"] = [
        {"id": PRACTICE[0], "title": PRACTICE[1], "select": {"questions": list(every)}, "order": "fixed"},
        {
            "id": EXAM[0],
            "title": EXAM[1],
            "mode": "exam",
            "time_limit": 30,
            "select": {"questions": list(every)},
            "order": "fixed",
        },
        {
            "id": SHORT_EXAM[0],
            "title": SHORT_EXAM[1],
            "mode": "exam",
            "time_limit": 1,
            "select": {"questions": [QUESTION_IDS[t] for t in SHORT_EXAM_TYPES]},
            "order": "fixed",
        },
    ]
    return data


# --- availability ------------------------------------------------------------------------------------


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail loudly under CI=true, where the browser tests must run."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}: the browser tests cannot run", pytrace=False)
    pytest.skip(reason)


def require(module: str) -> Any:
    """Import `module` for a test module, or skip that module (an import error under CI=true)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if IN_CI:
            raise
        pytest.skip(f"{module} is not installed ({PIP_INSTALL})", allow_module_level=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(f"playwright is not installed ({PIP_INSTALL})")
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- the server ---------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    database: Path
    log: Path
    clock_file: Path | None = None  # the server's clock runs this many seconds ahead (QUIZAPP_CLOCK_FILE)

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock (progress and review pages) `seconds` ahead of real time; 0 resets it."""
        assert self.clock_file is not None
        self.clock_file.write_text(str(seconds))

    def age_attempt(self, attempt_id: int, minutes: float) -> None:
        """Move an attempt's deadline `minutes` into the past, as if that much time had gone by.

        SQLAlchemy's DateTime(timezone=True) on SQLite stores naive UTC text such as
        '2025-01-31 12:34:56.789012' (the offset is dropped); the app reads it back as UTC.
        """
        deadline = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=minutes)
        with sqlite3.connect(self.database, timeout=30) as conn:
            (stored,) = conn.execute("SELECT deadline FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stored), stored
            changed = conn.execute(
                "UPDATE attempts SET deadline = ? WHERE id = ?",
                (deadline.strftime("%Y-%m-%d %H:%M:%S.%f"), attempt_id),
            ).rowcount
        assert changed == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /healthz within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app under gunicorn (2 workers) on a free loopback port, on a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("live-server")
    extra = write_bank(folder / "banks" / "browser-tests.yaml", extra_bank())
    database = folder / "quizapp.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "browser-tests-secret-key",
        "QUIZAPP_ENV": "development",
        "QUIZAPP_PASSWORD_HASH": TEST_PASSWORD_HASH,
        "QUIZAPP_CLOCK_FILE": str(folder / "clock-offset"),
    }
    load = subprocess.run(
        [sys.executable, "-m", "quizapp", "load", str(resource_dir("questions")), str(extra)],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert load.returncode == 0, f"quizapp load failed:\n{load.stdout}\n{load.stderr}"

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "gunicorn.log"
    with gunicorn(env, folder, port, log):
        yield LiveServer(url=url, database=database, log=log, clock_file=folder / "clock-offset")


@contextlib.contextmanager
def gunicorn(env: dict[str, str], folder: Path, port: int, log: Path) -> Iterator[subprocess.Popen]:
    """The app under gunicorn (2 workers) on `port`, answering /healthz, until the block ends."""
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "quizapp.wsgi:app"],
            env=env,
            cwd=folder,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that the workers die with it
        )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- browsing ------------------------------------------------------------------------------------------


@dataclass
class Browsing:
    """Makes browser contexts on the live server and collects what must not happen in them:
    console errors, uncaught page errors and dialogs (alert, confirm, beforeunload)."""

    browser: Browser
    server: LiveServer
    problems: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)
    allowed_dialogs: set[str] = field(default_factory=set)
    dialogs: list[str] = field(default_factory=list)  # the allowed ones seen (and accepted)

    def new_context(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        context.on("dialog", self._dialog)
        self.contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Page:
        return self.new_context(**options).new_page()

    def expect_console_error(self, pattern: str) -> None:
        """Allow console errors matching `pattern` (such as the one Chromium logs for a 404 page)."""
        self.expected.append(re.compile(pattern))

    def _console(self, message: Any) -> None:
        if message.type != "error" or any(p.search(message.text) for p in self.expected):
            return
        where = message.page.url if message.page else "?"
        self.problems.append(f"console error on {where}: {message.text}")

    def allow_dialogs(self, kind: str) -> None:
        """Accept dialogs of `kind` (such as "beforeunload") and list them in `dialogs`."""
        self.allowed_dialogs.add(kind)

    def _dialog(self, dialog: Any) -> None:
        if dialog.type in self.allowed_dialogs:
            self.dialogs.append(dialog.type)
            dialog.accept()
            return
        self.problems.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser: Browser, live_server: LiveServer) -> Iterator[Browsing]:
    browsing = Browsing(browser, live_server)
    try:
        yield browsing
    finally:
        browsing.close()
    assert not browsing.problems, "\n".join(browsing.problems)


@pytest.fixture
def page(browsing: Browsing) -> Page:
    """A page in a fresh context: a new guest."""
    return browsing.new_page()


# --- driving the app ------------------------------------------------------------------------------------

ATTEMPT_URL = re.compile(r"/attempts/(\d+)/(\d+)$")


def start_quiz(page: Page, quiz: tuple[str, str]) -> int:
    """Start `quiz` (key, title) from the home page, agreeing to its time limit if it has one;
    returns the new attempt's id."""
    page.goto("/")
    page.get_by_role("button", name=f"Start {quiz[1]}", exact=True).click()
    page.wait_for_url(re.compile(f"{ATTEMPT_URL.pattern}|/quizzes/{quiz[0]}/start$"))
    if not ATTEMPT_URL.search(page.url):  # "Start now?": the clock starts on the next press
        page.get_by_role("button", name="Start now").click()
    page.wait_for_url(ATTEMPT_URL)
    match = ATTEMPT_URL.search(page.url)
    assert match and match.group(2) == "1", page.url
    return int(match.group(1))


def attempt_url(attempt_id: int, position: int | str) -> str:
    return f"/attempts/{attempt_id}/{position}"


# The right answers as the feedback shows them (tests/factories.py: question n of type t: answer_data(t, n)).
RIGHT_ANSWERS = {
    "single_choice": "right 0",
    "multiple_choice": "right 1\nalso right 1",
    "true_false": "True",
    "short_answer": "answer 3\nalso accepted: alt 3",
    "numeric": "between 2005 and 2018",
    "ordering": "1. first 5\n2. second 5\n3. third 5",
    "matching": "l0 6 → r0 6\nl1 6 → r1 6\nl2 6 → r2 6",
    "cloze": "One gap 7 and two y.",
}
FACTS = {qtype: f"Statement of f{i % 2 + 1}." for i, qtype in enumerate(QUESTION_TYPES)}
CITATION = f"({SOURCE_TITLE}, section “Section one”)"


def choose_radio(page: Page, group: str, label: str) -> None:
    """Pick a radio button with the keyboard: Space on the group's first one, then arrow down to it."""
    radios = page.get_by_role("group", name=group).get_by_role("radio")
    target = page.get_by_role("radio", name=label, exact=True)
    radios.first.focus()
    page.keyboard.press("Space")
    for _ in range(radios.count()):
        if target.is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {label!r}")


def enter_answer(page: Page, qtype: str, answer: Any) -> None:
    """Enter `answer` on the current question page, by visible labels (the display order is shuffled).

    single_choice, true_false: the option's label; multiple_choice: labels to tick; short_answer,
    numeric: the text; ordering: items, first to last; matching: {left: right}; cloze: one value a blank.
    """
    if qtype == "single_choice":
        choose_radio(page, "Choose one answer", answer)
    elif qtype == "true_false":
        choose_radio(page, "True or false?", answer)
    elif qtype == "multiple_choice":
        for label in answer:
            page.get_by_role("checkbox", name=label, exact=True).press("Space")
    elif qtype in ("short_answer", "numeric"):
        page.get_by_label("Your answer").press_sequentially(answer)
    elif qtype == "ordering":
        for position, item in enumerate(answer, start=1):
            page.get_by_label(item, exact=True).select_option(str(position))
    elif qtype == "matching":
        for left, right in answer.items():
            page.get_by_label(left, exact=True).select_option(label=right)
    elif qtype == "cloze":
        page.get_by_label("Blank 1", exact=True).press_sequentially(answer[0])
        page.get_by_label("Blank 2", exact=True).select_option(label=answer[1])
    else:
        raise KeyError(qtype)


@contextlib.contextmanager
def without_page_load(page: Page) -> Iterator[None]:
    """Check that what is done inside (presses, and waiting for their effect) loads no new page."""
    page.evaluate("window.samePage = true")
    yield
    assert page.evaluate("window.samePage === true"), "a new page was loaded"


def press_in_place(page: Page, name: str) -> None:
    """Press a button with the keyboard (focus it, Enter), expecting its script to act on the page."""
    page.get_by_role("button", name=name, exact=True).press("Enter")


def press_button(page: Page, name: str) -> None:
    """Press a button with the keyboard (focus it, Enter) and wait for the page that follows."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).press("Enter")
