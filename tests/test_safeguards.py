"""Each safeguard of quiz taking, tested through HTTP on both backends.

No leaks of answers before answering, double submits and stale pages, other takers' attempts,
CSRF tokens on every POST, and idempotent finishing.
"""

from __future__ import annotations

import json
import random
import re
import time
from http.cookies import SimpleCookie
from typing import Any

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from quizapp.review_models import ReviewCard, ReviewLog, StudyDay
from quizapp.services.attempts import as_utc, layout_for

from .factories import bank, write_bank
from .test_taking import Browser, Page, answers_of, load, location, slot_of, the_attempt

# --- a bank whose secrets are all unique marker words ---------------------------------------------

ORDER = ["alpha step", "beta step", "gamma step", "delta step"]
PAIRS = [("left one", "right one"), ("left two", "right two"), ("left three", "right three")]
SECRET_TEXT = ["zebracorn", "unicornzebra", "9173.25", "quokkaberry"]


def _explanation(qid: str) -> str:
    return f"EXPL{qid.upper()}X"


def marker_questions() -> list[dict[str, Any]]:
    def base(qid: str, qtype: str, fact: str) -> dict[str, Any]:
        return {
            "id": qid,
            "type": qtype,
            "prompt": f"Prompt of {qid}?",
            "explanation": f"Explained by {_explanation(qid)}.",
            "facts": [fact],
            "topics": ["t1"],
        }

    return [
        {
            **base("q1", "single_choice", "f1"),
            "options": [
                {"text": f"choice {k}", "correct": k == 0, "feedback": f"FBQ1O{k}X"} for k in range(4)
            ],
        },
        {
            **base("q2", "multiple_choice", "f2"),
            "options": [{"text": f"pick {k}", "correct": k < 2, "feedback": f"FBQ2O{k}X"} for k in range(5)],
        },
        {
            **base("q3", "true_false", "f1"),
            "answer": True,
            "true_feedback": "FBQ3TX",
            "false_feedback": "FBQ3FX",
        },
        {**base("q4", "short_answer", "f2"), "answers": ["zebracorn", "unicornzebra"]},
        {**base("q5", "numeric", "f1"), "answer": 9173.25, "tolerance": 0.5},
        {**base("q6", "ordering", "f2"), "items": ORDER},
        {**base("q7", "matching", "f1"), "pairs": [{"left": a, "right": b} for a, b in PAIRS]},
        {
            **base("q8", "cloze", "f2"),
            "text": "The {{1}} sat on the {{2}}.",
            "blanks": [{"answers": ["quokkaberry"]}, {"options": ["mat", "hat", "cat"], "answer": "mat"}],
        },
    ]


FEEDBACK_MARKERS = {
    "q1": [f"FBQ1O{k}X" for k in range(4)],
    "q2": [f"FBQ2O{k}X" for k in range(5)],
    "q3": ["FBQ3TX", "FBQ3FX"],
}


def all_secrets() -> list[str]:
    secrets = [_explanation(f"q{i}") for i in range(1, 9)] + SECRET_TEXT
    return secrets + [m for markers in FEEDBACK_MARKERS.values() for m in markers]


def marker_bank() -> dict[str, Any]:
    data = bank(questions=8, facts=2)
    data["questions"] = marker_questions()
    data["quizzes"] = [
        {"id": "practice", "title": "Practice markers", "select": {"topics": ["t1"]}, "order": "fixed"},
        {
            "id": "exam",
            "title": "Exam markers",
            "select": {"topics": ["t1"]},
            "order": "fixed",
            "mode": "exam",
            "time_limit": 30,
        },
        {"id": "layouts", "title": "Layouts", "select": {"questions": ["q6", "q7"]}, "order": "fixed"},
    ]
    return data


@pytest.fixture
def markers(runner, tmp_path) -> None:
    load(runner, write_bank(tmp_path / "bank" / "markers.yaml", marker_bank()))


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


# --- reading everything a browser receives --------------------------------------------------------


def _session_payloads(app: Any, response: Any) -> list[str]:
    """The decoded contents of every session cookie the response sets."""
    serializer = app.session_interface.get_signing_serializer(app)
    payloads = []
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for morsel in cookie.values():
            payloads.append(morsel.value)
            if morsel.key == app.config["SESSION_COOKIE_NAME"] and morsel.value:
                payloads.append(json.dumps(serializer.loads(morsel.value)))
    return payloads


def everything(app: Any, response: Any) -> str:
    """The body, every header and the decoded session cookie of a response."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return "\n".join([response.get_data(as_text=True), headers, *_session_payloads(app, response)])


def crawl(browser: Browser, attempt_id: int, total: int) -> dict[str, Any]:
    """Every page of an open attempt, by name."""
    pages = {}
    for position in range(1, total + 1):
        pages[f"q{position}"] = browser.get(f"/attempts/{attempt_id}/{position}").response
    pages["summary"] = browser.get(f"/attempts/{attempt_id}/summary").response
    pages["confirm"] = browser.get(f"/attempts/{attempt_id}/finish").response
    pages["home"] = browser.get("/").response
    return pages


def exports(browser: Browser) -> dict[str, Any]:
    """The user's data exports (each CSV, and the JSON), by name."""
    urls = [f"/progress/export/{kind}.csv" for kind in ("attempts", "answers", "reviews")]
    return {url: browser.open("GET", url, buffered=True) for url in [*urls, "/progress/export.json"]}


def exported_answers(browser: Browser) -> list[dict[str, Any]]:
    return json.loads(browser.open("GET", "/progress/export.json", buffered=True).get_data(as_text=True))[
        "answers"
    ]


def leaks(app: Any, browser: Browser, blob: str, secrets: list[str]) -> list[str]:
    jar = browser.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if jar is not None:
        blob += (
            "\n"
            + jar.value
            + "\n"
            + json.dumps(app.session_interface.get_signing_serializer(app).loads(jar.value))
        )
    folded = blob.casefold()
    found = [s for s in secrets if s.casefold() in folded]
    if re.search(r"correct", blob, re.IGNORECASE):
        found.append("correct")
    return found


def _ordering_leaks(page: Page) -> bool:
    return page.field_labels("position_") == ORDER


def _matching_leaks(page: Page) -> bool:
    """Whether the k-th choice is the match of the k-th item for every item."""
    matches = dict(PAIRS)
    rows = page.field_labels("match_")
    choices = page.option_texts("match_0")
    return [matches[row] for row in rows] == choices[: len(rows)]


# --- no leaks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("quiz", ["practice", "exam"])
def test_no_page_of_an_open_attempt_leaks_an_answer(app, browser, markers, quiz):
    attempt_id, _ = browser.start(quiz)
    pages = crawl(browser, attempt_id, 8)
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert leaks(app, browser, everything(app, response), all_secrets()) == [], name
    q6, q7 = Page(pages["q6"]), Page(pages["q7"])
    assert sorted(q6.field_labels("position_")) == sorted(ORDER)
    assert not _ordering_leaks(q6)
    assert not _matching_leaks(q7)

    # the posted values are display positions, which say nothing about the bank's order
    q1 = Page(pages["q1"])
    assert [c.value for c in q1.answer_controls() if c.name == "choice"] == ["0", "1", "2", "3"]


def test_practice_feedback_appears_only_for_the_question_answered(app, browser, markers):
    attempt_id, _ = browser.start("practice")
    response = browser.answer(attempt_id, 1, "single_choice", "choice 2")
    assert response.status_code == 302
    pages = crawl(browser, attempt_id, 8)

    q1 = everything(app, pages["q1"])
    assert _explanation("q1") in q1 and "FBQ1O2X" in q1
    others_of_q1 = [m for m in FEEDBACK_MARKERS["q1"] if m != "FBQ1O2X"]
    assert (
        leaks(app, browser, q1, [s for s in all_secrets() if s not in (_explanation("q1"), "FBQ1O2X")]) == []
    )
    assert not any(m in q1 for m in others_of_q1)  # only the chosen option's feedback

    for name, response in pages.items():
        if name != "q1":
            assert leaks(app, browser, everything(app, response), all_secrets()) == [], name

    # answering the typed questions shows their own right answer on their own page only
    browser.answer(attempt_id, 4, "short_answer", "wrong guess")
    browser.answer(attempt_id, 5, "numeric", "12")
    browser.answer(attempt_id, 8, "cloze", ["nope", "hat"])
    pages = crawl(browser, attempt_id, 8)
    assert "zebracorn" in pages["q4"].get_data(as_text=True)
    assert "9173.25" in pages["q5"].get_data(as_text=True)
    assert "quokkaberry" in pages["q8"].get_data(as_text=True)
    for name in ("q2", "q3", "q6", "q7", "summary", "confirm", "home"):
        assert leaks(app, browser, everything(app, pages[name]), all_secrets()) == [], name


def test_saved_exam_answers_still_reveal_nothing(app, browser, markers):
    attempt_id, _ = browser.start("exam")
    answers = {
        1: ("single_choice", "choice 1"),
        2: ("multiple_choice", ["pick 0"]),
        3: ("true_false", "False"),
        4: ("short_answer", "zebracorm"),
        5: ("numeric", "9173"),
        6: ("ordering", list(reversed(ORDER))),
        7: ("matching", {"left one": "right two", "left two": "right one", "left three": "right three"}),
        8: ("cloze", ["quokka", "cat"]),
    }
    for position, (qtype, answer) in answers.items():
        assert browser.answer(attempt_id, position, qtype, answer, go="next").status_code == 302
    pages = crawl(browser, attempt_id, 8)
    # typed answers are shown back as typed ("9173", "zebracorm"), which are not the secrets
    for name, response in pages.items():
        assert leaks(app, browser, everything(app, response), all_secrets()) == [], name
    assert answers_of(attempt_id) == []


def test_layouts_never_show_an_order_or_a_matching_that_is_the_answer(browser, markers):
    seen_orders = set()
    for _ in range(15):
        browser = Browser(browser.client.application.test_client())  # a new taker: a new attempt
        attempt_id, q6 = browser.start("layouts")
        q7 = browser.get(f"/attempts/{attempt_id}/2")
        assert not _ordering_leaks(q6) and not _matching_leaks(q7)
        seen_orders.add(tuple(q6.field_labels("position_")))
    assert len(seen_orders) > 1  # shuffled anew per attempt


def test_choices_that_are_all_numbers_are_shown_in_ascending_order():
    years = {"options": [{"text": t} for t in ("2013", "2005", " 2010 ", "2012")]}
    for seed in range(5):
        assert layout_for("single_choice", years, random.Random(seed)) == {"options": [1, 2, 3, 0]}
    assert layout_for("multiple_choice", years, random.Random(0), shuffle_options=False) == {
        "options": [0, 1, 2, 3]  # the teacher's order, as written
    }
    mixed = {"options": [{"text": t} for t in ("2013", "2005", "about 2010", "2012")]}
    orders = {tuple(layout_for("single_choice", mixed, random.Random(seed))["options"]) for seed in range(20)}
    assert len(orders) > 1  # not all numbers: shuffled as any other choices


def test_layout_for_avoids_identity_for_ordering_and_aligned_choices_for_matching():
    ordering = {"items": ORDER[:3]}
    matching = {"pairs": [{"left": a, "right": b} for a, b in PAIRS]}
    with_distractors = {**matching, "distractors": ["spare a", "spare b"]}
    for seed in range(500):
        rng = random.Random(seed)
        assert layout_for("ordering", ordering, rng)["items"] != [0, 1, 2]
        for data in (matching, with_distractors):
            layout = layout_for("matching", data, rng)
            assert sorted(layout["lefts"]) == [0, 1, 2]
            assert sorted(layout["rights"]) == list(range(3 + len(data.get("distractors", []))))
            assert layout["rights"][:3] != layout["lefts"]


# --- double submits and stale pages ---------------------------------------------------------------


def _stale(response: Any) -> None:
    assert response.status_code == 409
    page = Page(response)
    assert "This page is out of date" in page.text and "already saved" in page.text
    assert "Open the question again or go to the attempt's summary" in page.text


def test_double_submit_in_practice_stores_one_answer(browser, markers):
    attempt_id, _ = browser.start("practice")
    page = browser.get(f"/attempts/{attempt_id}/1")
    fields = page.fields_for("single_choice", "choice 0")
    assert browser.submit(page, fields=fields, go="check").status_code == 302
    _stale(browser.submit(page, fields=fields, go="check"))
    _stale(browser.submit(page, fields=page.fields_for("single_choice", "choice 3"), go="check"))
    [answer] = answers_of(attempt_id)
    assert answer.fraction == 1.0
    slot = slot_of(attempt_id, 1)
    assert slot.sequence == 1 and slot.fraction == 1.0 and slot.response == {"choice": 0}


def test_a_choice_posted_many_times_counts_and_is_kept_once(browser, markers):
    attempt_id, _ = browser.start("exam")
    page = browser.get(f"/attempts/{attempt_id}/2")
    [value] = page.fields_for("multiple_choice", ["pick 0"])["choices"]
    assert browser.submit(page, fields={"choices": [value] * 5000}, go="next").status_code == 302
    assert slot_of(attempt_id, 2).response == {"choices": [0]}


def test_control_characters_in_a_typed_answer_are_not_kept(browser, markers):
    attempt_id, _ = browser.start("exam")
    page = browser.get(f"/attempts/{attempt_id}/4")
    assert browser.submit(page, fields={"text": "zebra\x07corn\x1b[31m "}, go="next").status_code == 302
    assert slot_of(attempt_id, 4).response == {"text": "zebra corn [31m"}


def test_double_submit_and_back_button_in_an_exam(browser, markers):
    attempt_id, _ = browser.start("exam")
    old = browser.get(f"/attempts/{attempt_id}/4")
    assert browser.submit(old, fields={"text": "first"}, go="next").status_code == 302
    _stale(browser.submit(old, fields={"text": "first"}, go="next"))

    newer = browser.get(f"/attempts/{attempt_id}/4")
    assert newer.form().value("text") == "first" and newer.form().value("seq") == "1"
    assert browser.submit(newer, fields={"text": "second"}, go="next").status_code == 302
    _stale(browser.submit(old, fields={"text": "from the back button"}, go="prev"))  # an older page
    assert slot_of(attempt_id, 4).response == {"text": "second"}
    assert slot_of(attempt_id, 4).sequence == 2

    # a page with a missing or junk sequence number is a clear 400, never a 500
    page = browser.get(f"/attempts/{attempt_id}/4")
    for seq in ("", "junk"):
        response = browser.submit(page, fields={"seq": seq, "text": "third"})
        assert response.status_code in (400, 409), response.status_code
    assert slot_of(attempt_id, 4).response == {"text": "second"}


def test_an_old_page_of_a_checked_practice_question_changes_nothing(browser, markers):
    attempt_id, _ = browser.start("practice")
    before_check = browser.get(f"/attempts/{attempt_id}/3")
    browser.submit(before_check, fields=before_check.fields_for("true_false", "True"), go="check")
    _stale(browser.submit(before_check, fields=before_check.fields_for("true_false", "False"), go="check"))
    slot = slot_of(attempt_id, 3)
    assert slot.response == {"answer": True} and slot.fraction == 1.0
    assert len(answers_of(attempt_id)) == 1

    # posting the locked page again (e.g. to move on) keeps the graded answer as it was
    locked = browser.get(f"/attempts/{attempt_id}/3")
    response = browser.submit(locked, fields={"answer": "false"}, go="next")
    assert location(response) == f"/attempts/{attempt_id}/4"
    slot = slot_of(attempt_id, 3)
    assert slot.response == {"answer": True} and slot.fraction == 1.0
    assert len(answers_of(attempt_id)) == 1


# --- other takers' attempts -----------------------------------------------------------------------


def test_nobody_can_see_or_answer_another_takers_attempt(app, browser, markers, snapshot):
    attempt_id, page = browser.start("exam")
    browser.submit(page, fields=page.fields_for("single_choice", "choice 1"), go="next")

    stranger = Browser(app.test_client())
    stranger.start("practice")  # a taker of their own, with a valid CSRF token
    token = stranger.get("/").form("/quizzes/practice/start").values()["csrf_token"]
    nobody = Browser(app.test_client())  # no session at all
    nobody_token = nobody.get("/").form("/quizzes/practice/start").values()["csrf_token"]

    def refused(who: Browser, csrf: str, status: int = 404) -> None:
        """`status` for every page of the attempt: 404 for another taker; a visitor without a user
        (signed out, or another browser) is sent to sign in (302), as the attempt may be theirs."""
        before = snapshot()
        for url in (
            f"/attempts/{attempt_id}/1",
            f"/attempts/{attempt_id}/2",
            f"/attempts/{attempt_id}/summary",
            f"/attempts/{attempt_id}/finish",
            f"/attempts/{attempt_id}/review",
        ):
            who.get(url, status=status)
        data = {"csrf_token": csrf, "seq": "0", "choice": "0", "go": "next"}
        assert who.post(f"/attempts/{attempt_id}/2", data).status_code == status
        assert who.post(f"/attempts/{attempt_id}/finish", {"csrf_token": csrf}).status_code == status
        response = who.post(f"/attempts/{attempt_id}/practise-missed", {"csrf_token": csrf})
        assert response.status_code == status
        if status == 404:
            assert "not yours to see" in Page(response).text
        else:
            assert location(response).startswith("/sign-in")
        assert snapshot() == before

    refused(stranger, token)
    refused(nobody, nobody_token, status=302)
    assert the_attempt(attempt_id).state == "open"

    # finished: the review and "practise what I missed" are the owner's alone too
    browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), "/finish")
    assert the_attempt(attempt_id).state == "finished"
    refused(stranger, token)
    refused(nobody, nobody_token, status=302)
    browser.get(f"/attempts/{attempt_id}/review")  # the owner still can


# --- CSRF -----------------------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(app, browser, markers, snapshot):
    attempt_id, page = browser.start("practice")
    finished_id, _ = browser.start("exam")
    browser.submit(browser.get(f"/attempts/{finished_id}/finish"), "/finish")
    page = browser.get(f"/attempts/{attempt_id}/1")
    answer = {"seq": "0", "choice": "0", "go": "check"}
    posts = [
        ("/quizzes/practice/start", {}),
        (f"/attempts/{attempt_id}/1", answer),
        (f"/attempts/{attempt_id}/finish", {}),
        ("/practise", {"topics": "t1", "count": "5"}),
        (f"/attempts/{finished_id}/practise-missed", {}),
    ]
    before = snapshot()
    for url, data in posts:
        for token in (None, "", "not-a-real-token", page.form().value("csrf_token") + "x"):
            sent = dict(data) if token is None else {**data, "csrf_token": token}
            response = browser.post(url, sent)
            assert response.status_code == 400, (url, token, response.status_code)
            text = Page(response).text
            assert "security token is missing or has expired" in text, text
            assert "reload the page" in text
    assert snapshot() == before

    # and with the page's own token each of them works
    assert browser.submit(page, fields={"choice": "0"}, go="check").status_code == 302


def test_a_page_left_open_for_hours_still_saves(browser, markers, monkeypatch):
    """A form's token lasts as long as its session: an exam of two hours, or a practice page left
    open over lunch, is saved (and the timer's submit at an exam's deadline goes through)."""
    attempt_id, page = browser.start("practice")
    later = time.time() + 5 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = browser.submit(page, fields={"choice": "0"}, go="check")
    assert response.status_code == 302
    assert slot_of(attempt_id, 1).fraction is not None  # saved and checked


# --- finishing is idempotent ----------------------------------------------------------------------


def test_finishing_twice_scores_once_and_the_second_goes_to_the_review(browser, markers):
    attempt_id, page = browser.start("exam")
    browser.submit(page, fields=page.fields_for("single_choice", "choice 0"), go="next")
    browser.answer(attempt_id, 4, "short_answer", "zebracorn", go="next")
    confirm = browser.get(f"/attempts/{attempt_id}/finish")

    first = browser.submit(confirm, "/finish")
    assert location(first) == f"/attempts/{attempt_id}/review"
    attempt = the_attempt(attempt_id)
    finished_at, score = as_utc(attempt.finished_at), attempt.score
    assert score == 2.0 and len(answers_of(attempt_id)) == 2

    second = browser.submit(confirm, "/finish")  # the same page posted again: double click, back button
    assert location(second) == f"/attempts/{attempt_id}/review"
    review = browser.follow(second)
    assert "This attempt was already submitted; here is its review." in review.text
    assert "Your score: 2 out of 8 (25%)." in review.text
    attempt = the_attempt(attempt_id)
    assert as_utc(attempt.finished_at) == finished_at and attempt.score == score
    assert len(answers_of(attempt_id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 2

    # the confirm page and the questions of a finished attempt lead to the review
    for url in (
        f"/attempts/{attempt_id}/finish",
        f"/attempts/{attempt_id}/summary",
        f"/attempts/{attempt_id}/1",
    ):
        assert location(browser.fetch(url)) == f"/attempts/{attempt_id}/review"
    # an answer posted from a page left open in another tab is refused, and says so
    response = browser.submit(page, fields=page.fields_for("single_choice", "choice 3"), go="next")
    assert response.status_code == 409 and "so this answer was not saved" in Page(response).text
    assert f'href="/attempts/{attempt_id}/review"' in Page(response).html
    assert slot_of(attempt_id, 1).response == {"choice": 0}


# --- quizzes that hold their answers back -----------------------------------------------------------

WRONG_ANSWERS = {
    1: ("single_choice", "choice 1"),
    2: ("multiple_choice", ["pick 0"]),
    3: ("true_false", "False"),
    4: ("short_answer", "zebracorm"),
    5: ("numeric", "9173"),
    6: ("ordering", list(reversed(ORDER))),
    7: ("matching", {"left one": "right two", "left two": "right one", "left three": "right three"}),
    8: ("cloze", ["quokka", "cat"]),
}


@pytest.fixture
def hidden_markers(runner, tmp_path) -> None:
    data = marker_bank()
    data["quizzes"] = [
        {
            "id": "hidden-practice",
            "title": "Practice, answers never shown",
            "select": {"topics": ["t1"]},
            "order": "fixed",
            "feedback": "after_submit",
            "show_answers": "never",
        },
        {
            "id": "hidden-exam",
            "title": "Exam, answers after it closes",
            "select": {"topics": ["t1"]},
            "order": "fixed",
            "mode": "exam",
            "show_answers": "after_close",
            "closes_at": "2999-01-01 00:00",
        },
    ]
    load(runner, write_bank(tmp_path / "bank" / "hidden.yaml", data))


def test_a_practice_answer_whose_feedback_waits_counts_for_progress_only_at_the_submit(
    runner, tmp_path, browser
):
    """The week's score, mastery and reviews due on My progress would tell the verdict first."""
    data = marker_bank()
    data["quizzes"] = [
        {"id": "later", "title": "Feedback later", "select": {"topics": ["t1"]}, "order": "fixed",
         "feedback": "after_submit"},
    ]  # fmt: skip
    load(runner, write_bank(tmp_path / "bank" / "later.yaml", data))
    attempt_id, _ = browser.start("later")
    for position, (qtype, answer) in list(WRONG_ANSWERS.items())[:3]:
        assert browser.answer(attempt_id, position, qtype, answer).status_code == 302
    counted = [select(func.count()).select_from(model) for model in (StudyDay, ReviewLog, ReviewCard)]
    assert [db.session.scalar(c) for c in counted] == [0, 0, 0]
    progress = browser.get("/progress").text
    assert "No answers yet" in progress and "0 reviews due by the end of today" in progress
    finish = browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), f"/attempts/{attempt_id}/finish")
    assert location(finish) == f"/attempts/{attempt_id}/review"
    assert [db.session.scalar(c) for c in counted] == [1, 3, 3]  # one day, three answers reviewed
    saved = {slot.saved_at for slot in the_attempt(attempt_id).slots if slot.fraction is not None}
    logged = set(db.session.scalars(select(ReviewLog.reviewed_at)))
    assert {as_utc(t) for t in logged} == {as_utc(t) for t in saved}  # reviewed when they were saved


@pytest.mark.parametrize("quiz", ["hidden-practice", "hidden-exam"])
def test_a_quiz_holding_answers_back_shows_none_before_or_after_submit(app, browser, hidden_markers, quiz):
    attempt_id, _ = browser.start(quiz)
    for position, (qtype, answer) in WRONG_ANSWERS.items():
        go = "check" if quiz == "hidden-practice" else "next"
        response = browser.answer(attempt_id, position, qtype, answer, go=go)
        assert response.status_code == 302, position
        if quiz == "hidden-practice":  # checked and locked, but its feedback waits
            page = browser.get(f"/attempts/{attempt_id}/{position}")
            assert "Feedback comes with the review" in page.text
            assert "comes with the review after you submit" in page.text  # the mode's line says so too
            assert "to see at once" not in page.text
    pages = crawl(browser, attempt_id, 8)
    pages.update(exports(browser))
    # The export tells no more than the pages: no verdict before the submit (an exam's answers are
    # exported as saved and not graded yet: they are graded only then).
    open_answers = exported_answers(browser)
    assert [a["fraction"] for a in open_answers] == [None] * 8
    assert {a["graded"] for a in open_answers} == {quiz == "hidden-practice"}
    finish = browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), f"/attempts/{attempt_id}/finish")
    assert location(finish) == f"/attempts/{attempt_id}/review"
    pages["review"] = browser.get(f"/attempts/{attempt_id}/review").response
    pages.update(exports(browser))
    answers = exported_answers(browser)
    assert None not in [a["fraction"] for a in answers]  # the review gives each verdict
    # The taker's answers as text, never the bank positions they are stored as (the bank lists an
    # ordering's items, and a matching's right answers, in the right order).
    assert all("response" not in a for a in answers)
    assert answers[5]["answer"] == "\n".join(f"{n}. {item}" for n, item in enumerate(reversed(ORDER), 1))
    assert answers[6]["answer"].splitlines() == [
        "left one → right two",
        "left two → right one",
        "left three → right three",
    ]
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert leaks(app, browser, everything(app, response), all_secrets()) == [], name
    review = Page(pages["review"])
    assert "Wrong" in review.text and "<dt>Right answer</dt>" not in review.html
    assert "Right answers are" in review.text
    assert "Statement of f1" not in review.text  # the facts tested would tell the answers too
    # practising the missed facts would show those answers: neither offered nor allowed
    assert "Practise what I missed" not in review.text
    token = Page(pages["home"]).form(f"/quizzes/{quiz}/start").value("csrf_token")
    refused = browser.post(f"/attempts/{attempt_id}/practise-missed", {"csrf_token": token})
    assert refused.status_code == 403
    # nor do its answers schedule reviews, whose practice would show the answers at once
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 0
    db.session.rollback()
