"""SQL statements per request do not grow with the size of the quiz or of the bank.

For each page a taker sees, the statements one request sends are counted with a quiz of
5 and of 50 questions (exam and practice mode), first with 100 questions in the bank,
then with 10,000 (the same bank, grown: its questions and quizzes are unchanged). Every
count of a page must be the same. Each measured request starts on an empty session, as a
request does in production (in tests the app context, and so the session, outlives it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp.bank import Bank
from quizapp.bank.check import check_parsed
from quizapp.bank.load import load_bank
from quizapp.bank.parse import ParsedFile
from quizapp.extensions import db

from .factories import bank

# WTForms 3.3 deprecates tuple choices, which quizapp/answer_forms.py still passes (not this test's concern).
pytestmark = [
    pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning"),
    pytest.mark.slow,  # loads a 10,000-question bank: ~10 s per backend
]

QUIZ_SIZES = (5, 50)
BANK_SIZES = (100, 10_000)
MODES = ("exam", "practice")


@cache
def checked_bank(questions: int) -> Bank:
    """A checked bank of `questions` questions with one quiz per size and mode.

    The quizzes list their questions explicitly, in a fixed order, so position 1 is always
    q1, a single-choice question; they are the same in every bank size. Checked once per
    run (no YAML: the data goes to the checker as parsed), loaded once per backend.
    """
    data = bank("src", questions=questions, facts=questions // 5 + 1)
    ids = [q["id"] for q in data["questions"]]
    data["quizzes"] = [
        {
            "id": f"{mode}-{size}",
            "title": f"{mode.title()} of {size}",
            "select": {"questions": ids[:size]},
            "order": "fixed",
            "mode": mode,
            **({"time_limit": 60} if mode == "exam" else {}),
        }
        for size in QUIZ_SIZES
        for mode in MODES
    ]
    checked = check_parsed([ParsedFile("bank.yaml", data)])
    assert not checked.errors, checked.errors[:5]
    return checked


def load(questions: int) -> None:
    load_bank(db.session, checked_bank(questions))
    db.session.commit()
    db.session.remove()


def hidden(html: str, name: str) -> str:
    """The value of the hidden input `name` on a page."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert tag, f"no {name} field on the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    assert value, f"the {name} field has no value"
    return value.group(1)


class Taker:
    """One guest (one test client), counting the statements of each request.

    Each request runs in an app context of its own, as in production: in tests the
    fixture's context would otherwise be reused, and with it `g` (Flask-WTF keeps the
    CSRF token there) and the database session (objects loaded by earlier requests).
    """

    def __init__(self, app: Flask, count_queries: Any) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.count_queries = count_queries

    def request(self, method: str, url: str, expect: int, **kwargs: Any) -> tuple[int, str]:
        with self.app.app_context(), self.count_queries() as statements:
            response = self.client.open(url, method=method, **kwargs)
        body = response.get_data(as_text=True)
        assert response.status_code == expect, f"{method} {url}: {response.status_code}\n{body[:2000]}"
        return len(statements), body


def run_scenario(app: Flask, count_queries: Any, size: int, mode: str) -> dict[str, int]:
    """One guest takes the quiz `mode-size`: the statements of each page's request."""
    taker = Taker(app, count_queries)
    counts: dict[str, int] = {}
    _, home = taker.request("GET", "/", 200)
    _, started = taker.request(
        "POST",
        f"/quizzes/{mode}-{size}/start",
        302,
        data={"csrf_token": hidden(home, "csrf_token"), "confirmed": "yes"},  # an exam's time limit: agreed
    )
    first = re.search(r'href="([^"]+)"', started).group(1)
    assert first.endswith("/1"), first
    attempt_url = first.rsplit("/", 1)[0]

    counts["home page (open attempt)"], _ = taker.request("GET", "/", 200)
    counts["question page"], page = taker.request("GET", first, 200)
    assert f"Question 1 of {size}" in page
    form = {"csrf_token": hidden(page, "csrf_token"), "seq": hidden(page, "seq"), "choice": "0", "go": "next"}
    counts["save an answer"], _ = taker.request("POST", first, 302, data=form)
    counts["question page (answered)"], page = taker.request("GET", first, 200)
    assert hidden(page, "seq") == "1"
    counts["summary page"], summary = taker.request("GET", f"{attempt_url}/summary", 200)
    assert f"1 answered, {size - 1} not answered" in summary

    _, confirm = taker.request("GET", f"{attempt_url}/finish", 200)
    taker.request("POST", f"{attempt_url}/finish", 302, data={"csrf_token": hidden(confirm, "csrf_token")})
    counts["review page"], review = taker.request("GET", f"{attempt_url}/review", 200)
    assert review.count('class="review-item"') == size
    counts["home page (finished attempt)"], _ = taker.request("GET", "/", 200)
    return counts


def test_statements_per_request_do_not_grow_with_quiz_or_bank_size(app, count_queries):
    # page -> (bank size, quiz size, mode) -> statements
    table: dict[str, dict[tuple[int, int, str], int]] = defaultdict(dict)
    for bank_size in BANK_SIZES:
        load(bank_size)
        for size in QUIZ_SIZES:
            for mode in MODES:
                for page, count in run_scenario(app, count_queries, size, mode).items():
                    table[page][(bank_size, size, mode)] = count

    def shown(counts: dict[tuple[int, int, str], int]) -> str:
        return ", ".join(f"bank {b:,}/quiz {q}/{m}: {n}" for (b, q, m), n in counts.items())

    report = "\n".join(f"  {page}: {shown(counts)}" for page, counts in table.items())
    print(f"\nSQL statements per request ({db.engine.dialect.name}):\n{report}")
    # Pages may differ by mode (practice grades at once and shows feedback): compared within a mode.
    growing = {
        page: counts
        for page, counts in table.items()
        if any(len({n for (_, _, m), n in counts.items() if m == mode}) > 1 for mode in MODES)
    }
    assert not growing, (
        f"statements per request vary with the quiz or bank size ({db.engine.dialect.name}):\n"
        + "\n".join(f"  {page}: {shown(counts)}" for page, counts in growing.items())
        + f"\nall counts:\n{report}"
    )
