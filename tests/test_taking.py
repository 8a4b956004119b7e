"""Taking quizzes through the real pages and forms, on both backends.

The helpers at the top act like a browser: they fetch a page, read its forms (the CSRF token,
the page's sequence number, the visible labels) and post them back. Other test modules use them.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from quizapp import grading
from quizapp.bank.load import new_state
from quizapp.config import resource_dir
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Fact, FactVersion, Question, Quiz, Slot, User, utcnow
from quizapp.review_models import ReviewCard
from quizapp.services.attempts import AccountNeeded, as_utc, start_quiz

from .factories import QUESTION_TYPES, bank, write_bank

# --- a small browser ------------------------------------------------------------------------------


@dataclass
class Control:
    """One form control as a browser sees it."""

    tag: str  # input | select | textarea | button
    name: str
    type: str = ""
    value: str = ""
    id: str = ""
    checked: bool = False
    disabled: bool = False
    multiple: bool = False
    options: list[tuple[str, str, bool]] = field(default_factory=list)  # (value, text, selected)


@dataclass
class Form:
    action: str
    method: str
    controls: list[Control] = field(default_factory=list)

    def control(self, name: str) -> Control:
        return next(c for c in self.controls if c.name == name)

    def value(self, name: str) -> str | None:
        values = self.values().getlist(name)
        return values[0] if values else None

    def values(self) -> MultiDict:
        """What a browser sends for this form without any change (buttons left out)."""
        pairs: list[tuple[str, str]] = []
        for c in self.controls:
            if c.disabled or not c.name or c.tag == "button":
                continue
            if c.tag == "select":
                chosen = [v for v, _t, s in c.options if s]
                if not chosen and not c.multiple and c.options:
                    chosen = [c.options[0][0]]
                pairs += [(c.name, v) for v in chosen]
            elif c.type in ("checkbox", "radio"):
                if c.checked:
                    pairs.append((c.name, c.value or "on"))
            elif c.type not in ("submit", "reset", "image", "file"):
                pairs.append((c.name, c.value))
        return MultiDict(pairs)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: list[Any] | None = None
        self._label: list[Any] | None = None
        self._textarea: Control | None = None
        self._templates = 0  # a <template>'s content is inert: not part of the page's forms

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "template" or self._templates:
            self._templates += tag == "template"
            return
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "label":
            self._label = [a.get("for", ""), ""]
        elif tag in ("input", "button", "textarea") and self._form is not None:
            self._form.controls.append(
                Control(
                    tag,
                    a.get("name", ""),
                    a.get("type", "submit" if tag == "button" else "text").lower(),
                    a.get("value", ""),
                    a.get("id", ""),
                    "checked" in a,
                    "disabled" in a,
                )
            )
            if tag == "textarea":
                self._textarea = self._form.controls[-1]
        elif tag == "select" and self._form is not None:
            self._select = Control(
                "select",
                a.get("name", ""),
                id=a.get("id", ""),
                disabled="disabled" in a,
                multiple="multiple" in a,
            )
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]

    def handle_endtag(self, tag: str) -> None:
        if self._templates:
            self._templates -= tag == "template"
            return
        if tag == "form":
            self._form = None
        elif tag == "label" and self._label is not None:
            self.labels[self._label[0]] = " ".join(self._label[1].split())
            self._label = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # a browser drops one newline right after <textarea> (WTForms writes one)
            value = self._textarea.value
            self._textarea.value = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, text, selected = self._option
            text = " ".join(text.split())
            self._select.options.append((text if value is None else value, text, selected))
            self._option = None

    def handle_data(self, data: str) -> None:
        if self._templates:
            return
        if self._label is not None:
            self._label[1] += data
        if self._option is not None:
            self._option[1] += data
        if self._textarea is not None:
            self._textarea.value += data


def visible_text(markup: str) -> str:
    """The page's text without tags, scripts or styles, with whitespace collapsed."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


class Page:
    def __init__(self, response: Any) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        parser = _PageParser()
        parser.feed(self.html)
        self.forms = parser.forms
        self.labels = parser.labels
        self.text = visible_text(self.html)

    def form(self, action: str | None = None) -> Form:
        """The form whose action contains `action` (the only post form when None)."""
        forms = [f for f in self.forms if f.method == "post" and (action is None or action in f.action)]
        assert len(forms) == 1, f"expected one form posting to {action!r}, found {[f.action for f in forms]}"
        return forms[0]

    def autofocused(self) -> list[str]:
        """The ids of the controls marked autofocus (a browser focuses the first)."""
        return re.findall(
            r'<(?:input|textarea|select|button)\b[^>]*\bautofocus\b[^>]*\bid="([^"]+)"', self.html
        )

    def label_of(self, control: Control) -> str:
        return self.labels.get(control.id, "")

    def answer_controls(self) -> list[Control]:
        return [
            c
            for c in self.form("/attempts/").controls
            if c.name and c.name not in ("csrf_token", "seq", "flag", "go")
        ]

    def option_texts(self, name: str) -> list[str]:
        """The visible choices of a radio/checkbox group, or of a select, in page order."""
        controls = [c for c in self.answer_controls() if c.name == name]
        if controls and controls[0].tag == "select":
            return [t for v, t, _s in controls[0].options if v]
        return [self.label_of(c) for c in controls]

    def field_labels(self, prefix: str) -> list[str]:
        """The labels of the selects or text fields named prefix_0, prefix_1, ... in page order."""
        return [self.label_of(c) for c in self.answer_controls() if c.name.startswith(prefix)]

    def fields_for(self, qtype: str, answer: Any) -> dict[str, Any]:
        """Form fields for an answer given in visible terms (option texts, item texts)."""
        controls = self.answer_controls()

        def by_label(name: str, text: str) -> str:
            for c in controls:
                if c.name == name and self.label_of(c) == text:
                    return c.value
            raise AssertionError(f"no {name} labelled {text!r}: {[self.label_of(c) for c in controls]}")

        def option(c: Control, text: str) -> str:
            return next(v for v, t, _s in c.options if t == text)

        if qtype == "single_choice":
            return {"choice": by_label("choice", answer)}
        if qtype == "multiple_choice":
            return {"choices": [by_label("choices", text) for text in answer]}
        if qtype == "true_false":
            return {"answer": by_label("answer", answer)}
        if qtype in ("short_answer", "numeric"):
            return {"text": answer}
        if qtype == "ordering":  # answer: item texts in the order the taker claims
            positions = answer if isinstance(answer, dict) else {t: i for i, t in enumerate(answer, 1)}
            return {
                c.name: str(positions[self.label_of(c)]) for c in controls if c.name.startswith("position_")
            }
        if qtype == "matching":  # answer: {left: right}
            return {
                c.name: option(c, answer[self.label_of(c)]) for c in controls if c.name.startswith("match_")
            }
        if qtype == "cloze":  # answer: one value per blank, option texts for choice blanks
            fields = {}
            for i, value in enumerate(answer):
                c = next(c for c in controls if c.name == f"blank_{i}")
                fields[c.name] = option(c, value) if c.tag == "select" else value
            return fields
        raise KeyError(qtype)


class Browser:
    """A test client used like a browser: GET pages, post their forms back."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.responses: list[Any] = []

    def open(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request in an app context of its own, as in production (fresh `g` and db session).

        The test's own session ends first, so that it holds no SQLite lock and then sees fresh rows.
        """
        db.session.remove()
        with self.client.application.app_context():
            response = self.client.open(url, method=method, **kwargs)
        self.responses.append(response)
        return response

    def fetch(self, url: str) -> Any:
        return self.open("GET", url)

    def get(self, url: str, status: int | None = 200) -> Page:
        page = Page(self.fetch(url))
        if status is not None:
            assert page.status == status, (url, page.status, page.text[:500])
        return page

    def post(self, url: str, data: MultiDict | dict) -> Any:
        return self.open("POST", url, data=data)

    def submit(
        self,
        page: Page,
        action: str | None = None,
        fields: dict[str, Any] | None = None,
        go: str | None = None,
        drop: tuple[str, ...] = (),
    ) -> Any:
        """Post a form of `page` as a browser would, with `fields` changed and button `go` pressed."""
        form = page.form(action)
        data = form.values()
        for name, value in (fields or {}).items():
            data.setlist(name, value if isinstance(value, list) else [value])
        if go is not None:
            data["go"] = go
        for name in drop:
            data.poplist(name)
        return self.post(form.action, data)

    def follow(self, response: Any, status: int | None = 200) -> Page:
        assert response.status_code in (302, 303), (
            response.status_code,
            response.get_data(as_text=True)[:500],
        )
        return self.get(location(response), status)

    # -- the quiz flow --------------------------------------------------------------------------

    def start(self, quiz: str) -> tuple[int, Page]:
        """Start `quiz` from the home page (agreeing to its time limit, if it has one); return the
        attempt id and question 1."""
        home = self.get("/")
        response = self.submit(home, f"/quizzes/{quiz}/start")
        if location(response) == f"/quizzes/{quiz}/start":  # "Start now?": the clock starts on its press
            response = self.submit(self.follow(response), f"/quizzes/{quiz}/start")
        page = self.follow(response)
        match = re.fullmatch(r"/attempts/(\d+)/1", location(response))
        assert match, location(response)
        return int(match.group(1)), page

    def answer(self, attempt_id: int, position: int, qtype: str, answer: Any, go: str = "check") -> Any:
        page = self.get(f"/attempts/{attempt_id}/{position}")
        return self.submit(page, "/attempts/", page.fields_for(qtype, answer), go=go)


def location(response: Any) -> str:
    """The redirect target as a path (with its query, if any)."""
    target = response.headers["Location"]
    return re.sub(r"^https?://[^/]+", "", target)


def load(runner: Any, path: Path) -> None:
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 0, result.output
    db.session.remove()


# --- the bank used here ---------------------------------------------------------------------------
# q1..q8 have the types of factories.QUESTION_TYPES, in that order; facts f1..f4 (q1/q5 test f1,
# q2/q6 f2, q3/q7 f3, q4/q8 f4). Visible data (see factories.answer_data):

TYPES = {f"q{i + 1}": t for i, t in enumerate(QUESTION_TYPES)}
RIGHT = {
    "q1": "right 0",
    "q2": ["right 1", "also right 1"],
    "q3": "True",
    "q4": "Canberra",
    "q5": "2010",
    "q6": ["first 5", "second 5", "third 5"],
    "q7": {"l0 6": "r0 6", "l1 6": "r1 6", "l2 6": "r2 6"},
    "q8": ["gap 7", "y"],
}
WRONG = {
    "q1": "wrong a 0",
    "q2": ["wrong 1"],
    "q3": "False",
    "q4": "Sydney",
    "q5": "1999",
    "q6": ["third 5", "second 5", "first 5"],
    "q7": {"l0 6": "r1 6", "l1 6": "r2 6", "l2 6": "extra 6"},
    "q8": ["nope", "x"],
}
RIGHT_ANSWER_TEXT = {
    "q1": ["right 0"],
    "q2": ["right 1", "also right 1"],
    "q3": ["True"],
    "q4": ["Canberra", "also accepted: alt 3"],
    "q5": ["between 2005 and 2018"],
    "q6": ["1. first 5", "2. second 5", "3. third 5"],
    "q7": ["l0 6 → r0 6", "l1 6 → r1 6", "l2 6 → r2 6"],
    "q8": ["One gap 7 and two y."],
}


def taking_bank(*extra_quizzes: dict[str, Any]) -> dict[str, Any]:
    data = bank(questions=8, facts=4)
    data["questions"][3]["answers"] = ["Canberra", "alt 3"]
    data["questions"][0]["marks"] = 2
    data["questions"][5]["marks"] = 3
    data["quizzes"] = [
        {"id": "practice", "title": "Practice all", "select": {"topics": ["t1"]}, "order": "fixed"},
        {"id": "exam", "title": "Exam all", "select": {"topics": ["t1"]}, "order": "fixed", "mode": "exam"},
        {
            "id": "timed",
            "title": "Timed exam",
            "select": {"topics": ["t1"]},
            "order": "fixed",
            "mode": "exam",
            "time_limit": 10,
        },
        {
            "id": "once",
            "title": "One go only",
            "select": {"topics": ["t1"]},
            "order": "fixed",
            "mode": "exam",
            "attempts": 1,
        },
        *extra_quizzes,
    ]
    return data


@pytest.fixture
def loaded(runner, tmp_path) -> Path:
    path = write_bank(tmp_path / "bank" / "bank.yaml", taking_bank())
    load(runner, path)
    return path


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


def prompt_of(qid: str) -> str:
    return f"Prompt of {qid} ({int(qid[1:]) - 1})?"


def the_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id, populate_existing=True)
    assert attempt is not None
    return attempt


def answers_of(attempt_id: int) -> list[Answer]:
    return list(db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)))


def slot_of(attempt_id: int, position: int) -> Slot:
    slot = db.session.scalar(
        select(Slot)
        .where(Slot.attempt_id == attempt_id, Slot.position == position)
        .execution_options(populate_existing=True)
    )
    assert slot is not None
    return slot


def set_deadline(attempt_id: int, seconds_from_now: float) -> None:
    db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(deadline=utcnow() + timedelta(seconds=seconds_from_now))
    )
    db.session.commit()
    db.session.remove()


# --- home and starting ----------------------------------------------------------------------------


def test_home_lists_quizzes_and_starting_makes_a_guest_and_opens_question_1(browser, loaded, app):
    home = browser.get("/")
    for title in ("Practice all", "Exam all", "Timed exam"):
        assert f"Start {title}" in home.html  # each quiz has its own labelled Start button
    assert len([f for f in home.forms if "/start" in f.action]) == 3  # "One go only" is for accounts
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

    response = browser.submit(home, "/quizzes/practice/start")
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") for c in cookies)
    assert any("Expires=" in c for c in cookies if c.startswith("session="))  # survives closing the browser
    [user] = db.session.scalars(select(User)).all()
    assert user.is_guest and user.username is None
    serializer = app.session_interface.get_signing_serializer(app)
    # Flask-Login's key: the user's session token, not the id (a new token ends old sessions)
    assert serializer.loads(browser.client.get_cookie("session").value)["_user_id"] == user.session_token

    page = browser.follow(response)
    assert "Question 1 of 8" in page.text
    assert re.search(r'<progress value="1" max="8"', page.html)
    assert prompt_of("q1") in page.text
    assert "Practice mode" in page.text

    browser.submit(browser.get("/"), "/quizzes/exam/start")
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the same guest again


def test_home_shows_each_visitor_their_own_best_score_and_form_token(browser, loaded, app):
    """The listing is rendered once for everyone: what is personal must still be each visitor's own."""
    attempt_id, question = browser.start("exam")
    browser.submit(question, "/attempts/", question.fields_for("single_choice", "right 0"), go="next")
    browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), "/finish")
    score = the_attempt(attempt_id).score / the_attempt(attempt_id).max_score * 100
    db.session.remove()

    mine = browser.get("/")
    exam = re.search(r'<li class="quiz" id="quiz-exam">.*?</li>', mine.html, re.S).group(0)
    assert f"your best: {score:.0f}%" in visible_text(exam) and score > 0
    assert mine.text.count("your best") == 1  # the other quizzes were not taken

    other = Browser(app.test_client())
    theirs = other.get("/")
    assert "your best" not in theirs.text
    mine_token = mine.form("/quizzes/exam/start").values()["csrf_token"]
    their_tokens = {f.values()["csrf_token"] for f in theirs.forms}
    assert len(their_tokens) == 1 and mine_token not in their_tokens  # one token per visitor, in every form
    assert other.post("/quizzes/exam/start", mine.form("/quizzes/exam/start").values()).status_code == 400
    response = other.submit(theirs, "/quizzes/practice/start")
    assert location(response).endswith("/1")  # their own token starts their quiz


def test_starting_an_unknown_quiz_is_404(browser, loaded):
    home = browser.get("/")
    data = home.form("/quizzes/practice/start").values()
    assert browser.post("/quizzes/nope/start", data).status_code == 404


def test_starting_a_quiz_retired_since_the_page_was_shown_says_so(browser, loaded):
    home = browser.get("/")
    db.session.execute(update(Quiz).where(Quiz.key == "practice").values(retired_at=utcnow()))
    new_state(db.session)
    db.session.commit()
    response = browser.submit(home, "/quizzes/practice/start")
    assert location(response) == "/"
    assert "That quiz is not offered any more: a teacher has retired it." in browser.follow(response).text


def test_a_quiz_whose_questions_are_all_retired_offers_no_start(browser, loaded):
    db.session.execute(update(Question).values(retired_at=utcnow()))
    new_state(db.session)
    db.session.commit()
    home = browser.get("/")
    practice = re.search(r'<li class="quiz" id="quiz-practice">.*?</li>', home.html, re.S).group(0)
    assert "0 questions" in practice and "No questions to ask now." in practice
    assert "/quizzes/practice/start" not in practice


# --- drawing and layout ---------------------------------------------------------------------------


def _signature(browser: Browser, attempt_id: int, total: int) -> list[tuple[str, tuple[str, ...]]]:
    """What the taker sees: each page's prompt and the order of its options."""
    seen = []
    for position in range(1, total + 1):
        page = browser.get(f"/attempts/{attempt_id}/{position}")
        prompt = re.search(r'<h2 id="prompt" class="prompt">(.*?)</h2>', page.html).group(1)
        seen.append((prompt, tuple(page.option_texts("choice"))))
    return seen


def test_drawn_questions_and_option_order_are_stored_and_new_attempts_differ(browser, runner, tmp_path):
    data = bank(questions=8, facts=2)
    data["questions"] = [
        {
            "id": f"q{i}",
            "type": "single_choice",
            "prompt": f"Question number {i}?",
            "explanation": "Because.",
            "facts": [f"f{i % 2 + 1}"],
            "topics": ["t1"],
            "options": [{"text": f"option {i}.{k}", "correct": k == 0} for k in range(6)],
        }
        for i in range(12)
    ]
    data["quizzes"] = [{"id": "draw", "title": "Draw", "select": {"topics": ["t1"]}, "count": 4}]
    load(runner, write_bank(tmp_path / "b.yaml", data))

    first_id, _ = browser.start("draw")
    first = _signature(browser, first_id, 4)
    assert len({prompt for prompt, _ in first}) == 4
    assert _signature(browser, first_id, 4) == first  # reloading shows the same draw and order
    stored = [(s.question_version_id, s.layout) for s in the_attempt(first_id).slots]
    assert all(sorted(layout["options"]) == list(range(6)) for _, layout in stored)

    others = []
    for _ in range(4):  # each from a new taker, since starting again resumes an unfinished attempt
        taker = Browser(browser.client.application.test_client())
        others.append(_signature(taker, taker.start("draw")[0], 4))
    assert any(other != first for other in others)
    assert any(
        [o for _, o in other] != [o for _, o in first] or other[0][0] != first[0][0] for other in others
    )


def test_retired_questions_are_never_drawn(browser, runner, tmp_path):
    path = write_bank(tmp_path / "bank" / "bank.yaml", taking_bank())
    load(runner, path)
    smaller = taking_bank()
    smaller["questions"] = [q for q in smaller["questions"] if q["id"] != "q8"]
    load(runner, write_bank(path, smaller))

    for quiz in ("practice", "exam"):
        attempt_id, page = browser.start(quiz)
        assert "Question 1 of 7" in page.text
        prompts = [browser.get(f"/attempts/{attempt_id}/{p}").text for p in range(1, 8)]
        assert not any(prompt_of("q8") in text for text in prompts)
        browser.get(f"/attempts/{attempt_id}/8", status=404)


def test_each_slot_keeps_the_version_it_was_drawn_with(browser, runner, tmp_path):
    path = write_bank(tmp_path / "bank" / "bank.yaml", taking_bank())
    load(runner, path)
    old_id, page = browser.start("practice")
    assert prompt_of("q1") in page.text

    changed = taking_bank()
    changed["questions"][0]["prompt"] = "A reworded first question?"
    changed["questions"][0]["options"] = [
        {"text": "new right", "correct": True},
        {"text": "right 0"},  # the old right answer is wrong now
        {"text": "new wrong"},
    ]
    load(runner, write_bank(path, changed))

    page = browser.get(f"/attempts/{old_id}/1")
    assert prompt_of("q1") in page.text and "A reworded first question?" not in page.text
    assert sorted(page.option_texts("choice")) == ["right 0", "wrong a 0", "wrong b 0"]
    page = browser.follow(browser.answer(old_id, 1, "single_choice", "right 0"))
    assert "feedback-right" in page.html  # graded on the version shown

    browser = Browser(browser.client.application.test_client())  # a fresh attempt needs a new taker
    new_id, page = browser.start("practice")
    assert "A reworded first question?" in page.text
    assert sorted(page.option_texts("choice")) == ["new right", "new wrong", "right 0"]
    page = browser.follow(browser.answer(new_id, 1, "single_choice", "right 0"))
    assert "feedback-wrong" in page.html
    assert (
        the_attempt(old_id).slots[0].question_version_id != the_attempt(new_id).slots[0].question_version_id
    )


# --- practice mode: every type, through the real forms --------------------------------------------


def _feedback(page: Page) -> str:
    match = re.search(r'<section class="feedback.*?</section>', page.html, re.S)
    assert match, page.text[:800]
    return visible_text(match.group(0))


def _check_feedback(page: Page, qid: str, heading: str) -> str:
    text = _feedback(page)
    assert text.startswith(heading + " "), text
    right = text.split("Right answer", 1)[1]
    for line in RIGHT_ANSWER_TEXT[qid]:
        assert line in right, (qid, line, text)
    assert f"Why Because of {qid}." in text
    n = int(qid[1:])
    fact = f"f{(n - 1) % 4 + 1}"
    assert f"Statement of {fact}. (Source src, section “Section one”)" in text
    # locked: the fields are disabled and the check button is gone
    assert all(c.disabled for c in page.answer_controls())
    assert 'value="check"' not in page.html
    return text


@pytest.mark.parametrize("qid", list(TYPES))
def test_practice_right_and_wrong_for_every_type(browser, loaded, qid):
    position, qtype = int(qid[1:]), TYPES[qid]
    right_id, _ = browser.start("practice")
    response = browser.answer(right_id, position, qtype, RIGHT[qid])
    assert response.status_code == 302
    assert location(response) == f"/attempts/{right_id}/{position}#feedback-{position}"  # lands on it
    text = _check_feedback(browser.follow(response), qid, "Right")
    if qid == "q1":
        assert "Yes." in text  # the chosen option's own feedback
    if qid == "q3":
        assert "About true." in text
    assert slot_of(right_id, position).fraction == 1.0
    [stored] = answers_of(right_id)
    assert stored.fraction == 1.0

    browser = Browser(browser.client.application.test_client())  # another taker: a fresh attempt
    wrong_id, _ = browser.start("practice")
    page = browser.follow(browser.answer(wrong_id, position, qtype, WRONG[qid]))
    text = _check_feedback(page, qid, "Wrong")
    if qid == "q3":
        assert "About false." in text
    # the taker's own answer is shown back
    yours = text.split("Your answer", 1)[1].split("Right answer", 1)[0]
    expected_yours = {
        "q1": "wrong a 0",
        "q2": "wrong 1",
        "q3": "False",
        "q4": "Sydney",
        "q5": "1999",
        "q6": "1. third 5 2. second 5 3. first 5",
        # matching: the pairs in the order the page showed them, not the bank's
        "q7": " ".join(f"{left} → {WRONG['q7'][left]}" for left in page.field_labels("match_")),
        "q8": "One [nope] and two [x].",
    }[qid]
    assert expected_yours in yours
    assert slot_of(wrong_id, position).fraction == 0.0
    [stored] = answers_of(wrong_id)
    assert stored.fraction == 0.0


def test_multiple_choice_feedback_lists_options_in_the_order_shown(browser, loaded):
    attempt_id, _ = browser.start("practice")
    shown = browser.get(f"/attempts/{attempt_id}/2").option_texts("choices")
    chosen = ["wrong 1", "also right 1", "right 1"]
    page = browser.follow(browser.answer(attempt_id, 2, "multiple_choice", chosen))
    lines = re.findall(r"<dd>(.*?)</dd>", page.html, re.S)
    yours, right = lines[0].split("<br>"), lines[1].split("<br>")
    assert yours == [text for text in shown if text in chosen]
    assert right == [text for text in shown if text in ("right 1", "also right 1")]


@pytest.mark.parametrize(
    ("qid", "answer", "percent"),
    [
        ("q2", ["right 1"], 50),
        ("q2", ["right 1", "also right 1", "wrong 1"], 50),
        ("q6", ["second 5", "first 5", "third 5"], 50),
        ("q7", {"l0 6": "r0 6", "l1 6": "r1 6", "l2 6": "extra 6"}, 67),
        ("q8", ["gap 7", "x"], 50),
        ("q8", ["wrong", "y"], 50),
    ],
)
def test_practice_partial_credit(browser, loaded, qid, answer, percent):
    position = int(qid[1:])
    attempt_id, _ = browser.start("practice")
    page = browser.follow(browser.answer(attempt_id, position, TYPES[qid], answer))
    _check_feedback(page, qid, f"Partly right ({percent}%)")
    assert "feedback-partial" in page.html
    assert round(slot_of(attempt_id, position).fraction * 100) == percent


def test_short_answer_near_miss_is_accepted_with_a_spelling_note(browser, loaded):
    attempt_id, _ = browser.start("practice")
    page = browser.follow(browser.answer(attempt_id, 4, "short_answer", "Canbera"))
    text = _check_feedback(page, "q4", "Right")
    assert "check the spelling of Canberra" in text
    assert slot_of(attempt_id, 4).feedback["near_miss"] is True


def test_numeric_that_is_not_a_number_rerenders_with_a_message_and_stores_nothing(browser, loaded, snapshot):
    attempt_id, _ = browser.start("practice")
    browser.get(f"/attempts/{attempt_id}/5")
    before = snapshot()
    page = browser.get(f"/attempts/{attempt_id}/5")
    response = browser.submit(page, "/attempts/", {"text": "2013abc"}, go="check")
    assert response.status_code == 422
    again = Page(response)
    assert "Question 5 of 8" in again.text
    text_input = again.form("/attempts/").control("text")
    assert text_input.value == "2013abc"  # what was typed is kept
    assert 'aria-invalid="true"' in again.html
    assert again.autofocused() == ["text"]  # with or without scripts, focus is on the box to mend
    error = re.search(r'<p class="error" id="text-error">(.*?)</p>', again.html)
    assert error and grading.NUMBER_HINT in error.group(1)
    assert snapshot() == before

    # "12,5" gets the decimal-point hint; then a real answer is accepted from the re-rendered page
    response = browser.submit(again, "/attempts/", {"text": "2012,5"}, go="check")
    assert response.status_code == 422 and "Use a point for decimals" in Page(response).text
    response = browser.submit(Page(response), "/attempts/", {"text": "2,013"}, go="check")
    assert response.status_code == 302
    assert slot_of(attempt_id, 5).fraction == 1.0


def test_ordering_with_a_duplicate_position_says_so_and_stores_nothing(browser, loaded, snapshot):
    attempt_id, _ = browser.start("practice")
    browser.get(f"/attempts/{attempt_id}/6")
    before = snapshot()
    page = browser.get(f"/attempts/{attempt_id}/6")
    fields = page.fields_for("ordering", {"first 5": 1, "second 5": 1, "third 5": 2})
    response = browser.submit(page, "/attempts/", fields, go="check")
    assert response.status_code == 422
    again = Page(response)
    assert "Position 1 is given to more than one item: give each item a position of its own." in again.text
    assert snapshot() == before
    # a half-filled order is refused too
    fields = page.fields_for("ordering", {"first 5": 1, "second 5": "", "third 5": 2})
    response = browser.submit(page, "/attempts/", fields, go="check")
    assert response.status_code == 422 and "Give every item a position." in Page(response).text
    assert snapshot() == before


def test_practice_next_without_answering_moves_on_and_grades_nothing(browser, loaded):
    attempt_id, page = browser.start("practice")
    response = browser.submit(page, "/attempts/", go="next")
    assert location(response) == f"/attempts/{attempt_id}/2"
    assert slot_of(attempt_id, 1).response is None and answers_of(attempt_id) == []


def test_attempt_pages_are_not_kept_by_the_browser(browser, loaded):
    """Back after submitting reloads the page (and lands on the review), not a stored copy that
    still offers to submit."""
    attempt_id, _ = browser.start("exam")
    for path in ("1", "summary", "finish"):
        assert browser.fetch(f"/attempts/{attempt_id}/{path}").headers["Cache-Control"] == "no-store", path
    assert "no-store" not in browser.fetch("/").headers.get("Cache-Control", "")


def test_practice_next_and_previous_keep_an_answer_unchecked_until_submitted(browser, loaded):
    """Only "Check answer" makes a practice answer final: moving on keeps it open to change, and
    the submit grades what is left unchecked (it counts in the score, the history and review)."""
    attempt_id, page = browser.start("practice")
    assert "Next, Previous and Summary keep your answer so that you can come back and change it" in page.text
    moved = browser.submit(page, "/attempts/", page.fields_for("single_choice", WRONG["q1"]), go="next")
    assert location(moved) == f"/attempts/{attempt_id}/2"
    page2 = browser.get(f"/attempts/{attempt_id}/2")
    browser.submit(page2, "/attempts/", page2.fields_for("multiple_choice", RIGHT["q2"]), go="prev")
    for position in (1, 2):
        slot = slot_of(attempt_id, position)
        assert slot.response is not None and slot.fraction is None  # saved, not checked
    assert answers_of(attempt_id) == []
    db.session.rollback()

    page = browser.get(f"/attempts/{attempt_id}/1")  # still open to change, with the saved choice
    assert page.form("/attempts/").value("choice") is not None and 'value="check"' in page.html
    browser.answer(attempt_id, 1, "single_choice", RIGHT["q1"])  # changed, then checked: final
    assert slot_of(attempt_id, 1).fraction == 1.0
    db.session.rollback()

    browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), "/finish")
    attempt = the_attempt(attempt_id)
    assert attempt.state == "finished"
    assert slot_of(attempt_id, 2).fraction == 1.0  # graded at the submit
    assert attempt.score == 2 + 1  # q1 (2 marks) checked right, q2 (1 mark) right when submitted
    assert sorted(a.fraction for a in answers_of(attempt_id)) == [1.0, 1.0]
    cards = db.session.scalar(
        select(func.count()).select_from(ReviewCard).where(ReviewCard.user_id == attempt.user_id)
    )
    assert cards == 2  # both answers count for spaced review
    db.session.rollback()


# --- exam mode ------------------------------------------------------------------------------------

EXAM_ANSWERS = {  # position -> answer; q4 left unanswered
    1: RIGHT["q1"],  # 2 marks, right: 2
    2: ["right 1"],  # half: 0.5
    3: WRONG["q3"],  # 0
    5: RIGHT["q5"],  # 1
    6: ["second 5", "first 5", "third 5"],  # 3 marks, half: 1.5
    7: RIGHT["q7"],  # 1
    8: RIGHT["q8"],  # 1
}
EXAM_FRACTIONS = {1: 1.0, 2: 0.5, 3: 0.0, 4: None, 5: 1.0, 6: 0.5, 7: 1.0, 8: 1.0}
EXAM_MARKS = {1: 2, 2: 1, 3: 1, 4: 1, 5: 1, 6: 3, 7: 1, 8: 1}


def test_exam_saves_as_you_go_and_shows_nothing_until_submitted(browser, loaded):
    attempt_id, page = browser.start("exam")
    assert "Exam mode" in page.text
    assert 'value="check"' not in page.html

    for position in range(1, 9):
        page = browser.get(f"/attempts/{attempt_id}/{position}")
        assert "feedback" not in page.html and "Right answer" not in page.text
        assert "Because of" not in page.text
        if position in EXAM_ANSWERS:
            qtype = TYPES[f"q{position}"]
            fields = page.fields_for(qtype, EXAM_ANSWERS[position])
        else:
            fields = {"flag": "y"}  # flag the unanswered one for later
        response = browser.submit(page, "/attempts/", fields, go="next")
        target = (
            f"/attempts/{attempt_id}/{position + 1}" if position < 8 else f"/attempts/{attempt_id}/summary"
        )
        assert location(response) == target
        assert answers_of(attempt_id) == []  # nothing is graded before submitting
        assert slot_of(attempt_id, position).fraction is None

    # revisiting shows what was saved, in the page's own order
    page = browser.get(f"/attempts/{attempt_id}/1")
    assert page.form("/attempts/").value("choice") == page.fields_for("single_choice", "right 0")["choice"]
    page = browser.get(f"/attempts/{attempt_id}/2")
    assert page.form("/attempts/").values().getlist("choices") == [
        page.fields_for("multiple_choice", ["right 1"])["choices"][0]
    ]
    page = browser.get(f"/attempts/{attempt_id}/5")
    assert page.form("/attempts/").value("text") == "2010"
    for position in (6, 7, 8):
        page = browser.get(f"/attempts/{attempt_id}/{position}")
        expected = page.fields_for(TYPES[f"q{position}"], EXAM_ANSWERS[position])
        values = page.form("/attempts/").values()
        assert {name: values[name] for name in expected} == expected

    # previous and summary save too; changing an answer replaces it
    page = browser.get(f"/attempts/{attempt_id}/3")
    response = browser.submit(page, "/attempts/", page.fields_for("true_false", "True"), go="prev")
    assert location(response) == f"/attempts/{attempt_id}/2"
    assert slot_of(attempt_id, 3).response == {"answer": True}
    page = browser.get(f"/attempts/{attempt_id}/3")
    response = browser.submit(page, "/attempts/", page.fields_for("true_false", "False"), go="summary")
    assert location(response) == f"/attempts/{attempt_id}/summary"
    assert slot_of(attempt_id, 3).response == {"answer": False}

    summary = browser.get(f"/attempts/{attempt_id}/summary")
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", summary.html, re.S)
    assert len(rows) == 8
    statuses = [visible_text(row) for row in rows]
    # each row names its question by its prompt too, so a flagged one can be told apart
    assert statuses[3] == "Question 4 Prompt of q4 (3)? Not yet answered Flagged"
    assert all(s.endswith("Answer saved") for i, s in enumerate(statuses) if i != 3)
    assert "7 answered, 1 not answered, 1 flagged." in summary.text
    assert "feedback" not in summary.html and "Because of" not in summary.text

    confirm = browser.get(f"/attempts/{attempt_id}/finish")
    assert "Submit all your answers and finish?" in confirm.text
    assert "1 question still has no answer." in confirm.text
    response = browser.submit(confirm, f"/attempts/{attempt_id}/finish")
    assert location(response) == f"/attempts/{attempt_id}/review"

    attempt = the_attempt(attempt_id)
    expected = sum((EXAM_FRACTIONS[p] or 0) * EXAM_MARKS[p] for p in EXAM_MARKS)
    assert expected == 7.0 and attempt.max_score == 11
    assert attempt.state == "finished" and attempt.score == pytest.approx(expected)
    fractions = {s.position: s.fraction for s in attempt.slots}
    assert fractions == EXAM_FRACTIONS
    assert sorted(a.fraction for a in answers_of(attempt_id)) == sorted(
        f for f in EXAM_FRACTIONS.values() if f is not None
    )

    review = browser.get(f"/attempts/{attempt_id}/review")
    assert "Your score: 7 out of 11 (64%)." in review.text
    items = re.findall(
        r'<li class="review-item">(.*?)</li>\s*(?=<li class="review-item">|</ol>)', review.html, re.S
    )
    assert len(items) == 8
    for position, item in enumerate(items, start=1):
        qid = f"q{position}"
        text = visible_text(item)
        assert text.startswith(f"Question {position}: {prompt_of(qid)}")
        for line in RIGHT_ANSWER_TEXT[qid]:
            assert line in text.split("Right answer", 1)[1]
        assert f"Because of {qid}." in text
        assert f"Statement of f{(position - 1) % 4 + 1}." in text
    assert "(no answer)" in visible_text(items[3]) and "Not answered" in visible_text(items[3])
    assert "Partly right (50%)" in visible_text(items[1])
    assert "Your answer wrong" not in review.text and "Your answer False" in visible_text(items[2])

    # revisiting a question of the finished attempt goes to the review
    assert location(browser.fetch(f"/attempts/{attempt_id}/1")) == f"/attempts/{attempt_id}/review"

    # practise what I missed: the facts of q2, q3, q4, q6 (f2, f3, f4), not f1 (q1 and q5 were right)
    assert "Practise what I missed (3 facts)" in review.text
    response = browser.submit(review, f"/attempts/{attempt_id}/practise-missed")
    match = re.fullmatch(r"/attempts/(\d+)/1", location(response))
    assert match
    practice = the_attempt(int(match.group(1)))
    assert practice.mode == "practice" and practice.state == "open" and practice.deadline is None
    assert practice.title == "Practising what I missed: Exam all"
    drawn_facts = [{f.key for f in s.version.facts} for s in practice.slots]
    assert len(drawn_facts) == 5
    assert all(facts & {"f2", "f3", "f4"} and "f1" not in facts for facts in drawn_facts)
    page = browser.get(location(response))
    assert "Practice mode" in page.text and "Question 1 of 5" in page.text

    # missing again in that practice: its practice keeps the title, not "...missed: ...missed: ..."
    browser.submit(browser.get(f"/attempts/{practice.id}/finish"), "/finish")
    review = browser.get(f"/attempts/{practice.id}/review")
    again = browser.submit(review, f"/attempts/{practice.id}/practise-missed")
    second = the_attempt(int(re.fullmatch(r"/attempts/(\d+)/1", location(again)).group(1)))
    assert second.title == "Practising what I missed: Exam all"


def test_practise_what_i_missed_with_nothing_missed_says_so(browser, loaded):
    attempt_id, _ = browser.start("practice")
    for qid, qtype in TYPES.items():
        browser.answer(attempt_id, int(qid[1:]), qtype, RIGHT[qid])
    review = browser.follow(browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), "/finish"))
    assert "Your score: 11 out of 11 (100%)." in review.text
    assert "Practise what I missed" not in review.text
    assert len(answers_of(attempt_id)) == 8  # one per checked answer, none added at finishing


def test_resume_lands_where_the_taker_left_off(browser, loaded, client):
    attempt_id, _ = browser.start("exam")
    page = browser.get(f"/attempts/{attempt_id}/1")
    browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="next")
    browser.get(f"/attempts/{attempt_id}/2")
    browser.get(f"/attempts/{attempt_id}/3")

    home = browser.get("/")
    assert "Continue where you left off" in home.text
    assert f'href="/attempts/{attempt_id}/3"' in home.html
    assert re.search(r"Exam all — started \d\d:\d\d UTC on \d\d \w+ ?, 1 of 8 answered", home.text)

    # a different browser sees nothing to resume
    assert "Continue where you left off" not in Browser(client.application.test_client()).get("/").text

    # once finished, there is nothing to resume
    browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), "/finish")
    assert "Continue where you left off" not in browser.get("/").text


# --- time limits ----------------------------------------------------------------------------------


def test_a_time_limit_is_agreed_to_before_its_clock_starts(browser, loaded):
    """As Moodle asks: pressing Start on a timed quiz to see what it is must not start its clock."""
    asked = browser.submit(browser.get("/"), "/quizzes/timed/start")
    assert (asked.status_code, location(asked)) == (303, "/quizzes/timed/start")  # Back comes to a page
    page = browser.follow(asked)
    assert "Start “Timed exam” now?" in page.text and "a time limit of 10 minutes" in page.text
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0  # no clock running
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # but a guest already
    assert 'href="/"' in page.html  # a way back that starts nothing
    started = browser.submit(page, "/quizzes/timed/start")
    attempt_id = int(re.fullmatch(r"/attempts/(\d+)/1", location(started)).group(1))
    twice = browser.submit(page, "/quizzes/timed/start")  # "Start now" pressed twice: one attempt
    assert location(twice) == f"/attempts/{attempt_id}/1"
    # Start again, with the attempt unfinished: it resumes at once (its clock runs already)
    again = browser.submit(browser.get("/"), "/quizzes/timed/start")
    assert location(again) == f"/attempts/{attempt_id}/1"
    # a quiz without a time limit starts at once
    assert location(browser.submit(browser.get("/"), "/quizzes/exam/start")).startswith("/attempts/")
    # Continue on an attempt whose time ran out: closed at its deadline, and its review shown
    set_deadline(attempt_id, -120)
    ran_out = browser.submit(browser.get("/"), "/quizzes/timed/start")
    assert location(ran_out) == f"/attempts/{attempt_id}/review"
    assert the_attempt(attempt_id).state == "finished"
    assert "Time is up" in browser.follow(ran_out).text
    # a timed quiz that cannot start now is refused at the first press, not after "Start now"
    stale = browser.get("/")  # a page shown before the quiz closed
    closed = update(Quiz).where(Quiz.key == "timed").values(closes_at=utcnow() - timedelta(hours=1))
    db.session.execute(closed)
    db.session.commit()
    refused = browser.submit(stale, "/quizzes/timed/start")
    assert location(refused) == "/"
    assert "it cannot be started now" in browser.follow(refused).text


def test_timed_exam_shows_its_deadline_and_refuses_saving_after_it(browser, loaded):
    attempt_id, page = browser.start("timed")
    deadline = as_utc(the_attempt(attempt_id).deadline)
    assert timedelta(minutes=9) < deadline - utcnow() <= timedelta(minutes=10)
    assert f"submit by {deadline.strftime('%H:%M UTC on %d %B %Y')}" in page.text
    assert f'datetime="{deadline.strftime("%Y-%m-%dT%H:%M:%SZ")}"' in page.html
    assert "timer.js" in page.html
    browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="next")
    page2 = browser.get(f"/attempts/{attempt_id}/2")

    set_deadline(attempt_id, -120)
    deadline = as_utc(the_attempt(attempt_id).deadline)
    response = browser.submit(
        page2, "/attempts/", page2.fields_for("multiple_choice", RIGHT["q2"]), go="next"
    )
    assert response.status_code == 409
    assert "Time is up" in Page(response).text
    attempt = the_attempt(attempt_id)
    assert attempt.state == "finished"
    assert as_utc(attempt.finished_at) == deadline
    assert attempt.score == 2.0  # what was saved before the deadline: q1 (2 marks)
    assert slot_of(attempt_id, 2).response is None
    assert [(a.question_version_id, a.fraction) for a in answers_of(attempt_id)] == [
        (slot_of(attempt_id, 1).question_version_id, 1.0)
    ]
    review = browser.get(f"/attempts/{attempt_id}/review")
    assert "Your score: 2 out of 11 (18%)." in review.text


def test_opening_an_overdue_exam_closes_it_and_says_time_is_up(browser, loaded):
    attempt_id, page = browser.start("timed")
    browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="next")
    set_deadline(attempt_id, -61)
    response = browser.fetch(f"/attempts/{attempt_id}/2")
    review = browser.follow(response)
    assert "Time is up" in review.text and "Your score: 2 out of 11" in review.text
    assert as_utc(the_attempt(attempt_id).finished_at) == as_utc(the_attempt(attempt_id).deadline)


def test_saving_and_submitting_within_the_grace_period_are_accepted(browser, loaded):
    attempt_id, page = browser.start("timed")
    set_deadline(attempt_id, -30)
    page = browser.get(f"/attempts/{attempt_id}/1")
    response = browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="next")
    assert response.status_code == 302
    confirm = browser.get(f"/attempts/{attempt_id}/finish")
    response = browser.submit(confirm, "/finish")
    assert location(response) == f"/attempts/{attempt_id}/review"
    attempt = the_attempt(attempt_id)
    assert attempt.state == "finished" and attempt.score == 2.0
    assert as_utc(attempt.finished_at) > as_utc(attempt.deadline)


def test_submitting_after_the_grace_period_closes_at_the_deadline(browser, loaded):
    attempt_id, page = browser.start("timed")
    browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="next")
    confirm = browser.get(f"/attempts/{attempt_id}/finish")
    set_deadline(attempt_id, -90)
    response = browser.submit(confirm, "/finish")
    assert response.status_code == 409 and "Time is up" in Page(response).text
    attempt = the_attempt(attempt_id)
    assert attempt.state == "finished" and as_utc(attempt.finished_at) == as_utc(attempt.deadline)
    assert attempt.score == 2.0


def test_close_overdue_command_closes_only_overdue_attempts_at_their_deadline(browser, loaded, runner):
    ids = []
    for _ in range(3):
        browser = Browser(browser.client.application.test_client())  # one open attempt per taker
        attempt_id, page = browser.start("timed")
        browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="next")
        ids.append(attempt_id)
    untimed_id, _ = browser.start("exam")
    set_deadline(ids[0], -3600)
    set_deadline(ids[1], -61)
    set_deadline(ids[2], -30)  # still within the grace period

    result = runner.invoke(args=["close-overdue"])
    assert result.exit_code == 0, result.output
    assert "2 overdue attempts closed" in result.output
    db.session.remove()
    for attempt_id in ids[:2]:
        attempt = the_attempt(attempt_id)
        assert attempt.state == "finished"
        assert as_utc(attempt.finished_at) == as_utc(attempt.deadline)
        assert attempt.score == 2.0 and len(answers_of(attempt_id)) == 1
    assert the_attempt(ids[2]).state == "open" and the_attempt(untimed_id).state == "open"
    db.session.rollback()

    result = runner.invoke(args=["close-overdue"])
    assert "0 overdue attempts closed" in result.output


# --- attempts allowed, scoring help ---------------------------------------------------------------


def test_a_quiz_allowing_one_attempt_is_for_accounts_and_refuses_a_second(browser, loaded):
    # Attempts are counted per account: a guest could start afresh in another browser, and a
    # guest's attempts merged into an account at sign-in would add to the account's.
    from .test_accounts import register  # (that module imports this one)

    home = browser.get("/")
    once = re.search(r'<li class="quiz" id="quiz-once">.*?</li>', home.html, re.S).group(0)
    assert "sign in or register to take this quiz" in visible_text(once) and "/quizzes/once/start" not in once
    token = home.form("/quizzes/exam/start").values()["csrf_token"]
    refused = browser.post("/quizzes/once/start", {"csrf_token": token})  # posted anyway
    assert location(refused).startswith("/sign-in")
    assert "counted per account: sign in or register" in browser.follow(refused).text
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0  # no guest made for it
    guest_id, _ = browser.start("exam")
    assert location(browser.post("/quizzes/once/start", {"csrf_token": token})).startswith("/sign-in")
    guest = the_attempt(guest_id).user_id
    with pytest.raises(AccountNeeded):  # the rule holds below the page too
        start_quiz(db.session, guest, "once")
    db.session.rollback()
    # an attempt a guest had open before the rule resumes (the home page offers it)
    first = the_attempt(guest_id).slots[0]
    older = Attempt(user_id=guest, quiz_id=db.session.scalar(select(Quiz.id).where(Quiz.key == "once")))
    db.session.add(older)
    db.session.flush()
    older_id = older.id
    db.session.add(
        Slot(
            attempt_id=older_id,
            position=1,
            question_version_id=first.question_version_id,
            layout=first.layout,
        )
    )
    db.session.commit()
    assert location(browser.post("/quizzes/once/start", {"csrf_token": token})) == f"/attempts/{older_id}/1"
    assert browser.get(f"/attempts/{older_id}/1").response.status_code == 200
    register(browser)  # the guest's exam attempt comes along; the quiz counts the account's attempts

    attempt_id, _ = browser.start("once")
    home = browser.get("/")
    assert "1 attempt allowed" in home.text
    resumed = browser.submit(home, "/quizzes/once/start")  # unfinished: starting again resumes it
    assert location(resumed) == f"/attempts/{attempt_id}/1"
    confirm = browser.get(f"/attempts/{attempt_id}/finish")
    assert location(browser.submit(confirm, f"/attempts/{attempt_id}/finish")).endswith("/review")
    home = browser.get("/")
    once = re.search(r'<li class="quiz" id="quiz-once">.*?</li>', home.html, re.S).group(0)
    assert "No attempts left: you have used the one attempt allowed." in visible_text(once)
    assert 'under <a href="/progress#history-heading">your attempts</a>' in once  # where its review is
    assert "/quizzes/once/start" not in once and "/quizzes/exam/start" in home.html
    # A start posted anyway (an old page, a second tab) is refused by the server.
    token = home.form("/quizzes/exam/start").values()["csrf_token"]
    response = browser.post("/quizzes/once/start", {"csrf_token": token})
    assert location(response) == "/"
    page = browser.follow(response)
    assert "You have used the one attempt allowed at this quiz." in page.text
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2  # the exam's and the one
    browser.start("exam")  # other quizzes are not affected


def test_the_scoring_help_page_lists_the_rules(browser):
    page = browser.get("/help/scoring")
    assert "How answers are scored" in page.text
    for rule in (
        "Single choice, true/false and numeric questions earn full marks or nothing.",
        "Multiple choice: with k correct options, each correct option chosen adds 1/k",
        "Short answers (and typed cloze blanks) are compared with every accepted answer",
        "A spelling slip is accepted, with a note",
        "Numeric: type a number such as 2013",
        "Ordering: the share of the n-1 neighbouring pairs",
        "Matching: the share of pairs matched right",
        "Cloze: the share of blanks right",
        'The verdict is "right" for full marks',
    ):
        assert rule in page.text, rule
    assert "percentage" in page.text


# --- the shipped bank -----------------------------------------------------------------------------


def test_every_question_of_the_shipped_bank_renders_and_takes_an_answer(browser, runner):
    load(runner, resource_dir("questions"))
    attempt_id, page = browser.start("whole-article")
    total = int(re.search(r"Question 1 of (\d+)", page.text).group(1))
    for position in range(1, total + 1):
        page = browser.get(f"/attempts/{attempt_id}/{position}")
        response = browser.submit(page, "/attempts/", go="next")  # nothing answered: moves on
        assert response.status_code == 302
    review = browser.follow(browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), "/finish"))
    assert "Your score: 0 out of" in review.text

    _, page = browser.start("exam")
    assert "Question 1 of 20" in page.text and "Time limit: submit by" in page.text
    # without scripts (timer.js counts down in its place), what was left as the page was made
    assert "About 20 minutes left when this page was loaded." in page.text
    assert db.session.scalar(select(func.count()).select_from(Fact)) > 30


# --- a PostgreSQL server whose time zone is not UTC -------------------------------------------------


@pytest.fixture
def new_york_app(tmp_path: Path):
    """An app on PostgreSQL whose session time zone is America/New_York (a server's default may be)."""
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.config import TestConfig

    from .conftest import _postgres_schema_url

    urls = _postgres_schema_url()
    url = next(urls) + "%20-ctimezone%3DAmerica/New_York"
    app = create_app(TestConfig(tmp_path / "instance", url))
    try:
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        urls.close()


def test_the_deadline_is_shown_in_utc_whatever_the_servers_time_zone(new_york_app, tmp_path):
    from .conftest import CliRunner

    load(CliRunner(new_york_app), write_bank(tmp_path / "bank.yaml", taking_bank()))
    browser = Browser(new_york_app.test_client())
    attempt_id, page = browser.start("timed")
    deadline = the_attempt(attempt_id).deadline.astimezone(UTC)
    db.session.remove()
    assert f'datetime="{deadline.strftime("%Y-%m-%dT%H:%M:%SZ")}"' in page.html  # what timer.js counts to
    assert f"submit by {deadline.strftime('%H:%M UTC on %d %B %Y')}" in page.text
    assert f"due by {deadline.strftime('%H:%M UTC on %d %B')}" in browser.get("/").text


def test_starting_a_quiz_again_resumes_the_unfinished_attempt(browser, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    assert '<button type="submit" aria-label="Start Practice all">Start</button>' in browser.get("/").html
    first_id, _ = browser.start("practice")
    browser.get(f"/attempts/{first_id}/3")
    home = browser.get("/")
    # its button says what it does now (the others still start)
    assert '<button type="submit" aria-label="Continue Practice all">Continue</button>' in home.html
    assert '<button type="submit" aria-label="Start Exam all">Start</button>' in home.html
    again = browser.submit(home, "/quizzes/practice/start")
    assert location(again) == f"/attempts/{first_id}/3"


@pytest.mark.parametrize(
    ("qid", "answer", "empty"), [("q8", ["gap 7", "Choose"], "blank_1"), ("q7", {}, None)]
)
def test_checking_an_answer_with_empty_parts_asks_first(browser, loaded, snapshot, qid, answer, empty):
    """A checked practice answer is final, so Enter in the first blank must not end the question."""
    position, qtype = int(qid[1:]), TYPES[qid]
    attempt_id, _ = browser.start("practice")
    page = browser.get(f"/attempts/{attempt_id}/{position}")
    if qid == "q7":  # one pair matched of three
        first = page.answer_controls()[0]
        fields = {first.name: first.options[1][0]}
        empty = page.answer_controls()[1].name
    else:
        fields = page.fields_for(qtype, answer)
    before = snapshot()
    response = browser.submit(page, "/attempts/", fields, go="check")
    assert response.status_code == 422
    again = Page(response)
    parts = "blanks" if qid == "q8" else "pairs"
    assert re.search(rf'id="{empty}-error">\d of \d {parts} (is|are) still empty', again.html), again.text
    # the first empty part points at the message (and focus.js puts focus there)
    described = f'<select aria-describedby="{empty}-error" aria-invalid="true"'
    assert re.search(rf'{described}[^>]*name="{empty}"', again.html)
    assert 'value="check-anyway"' in again.html
    assert snapshot() == before  # nothing saved, nothing graded
    shown = {  # what the re-rendered controls hold: a select's chosen option, a text box's value
        c.name: next((v for v, _t, chosen in c.options if chosen), "") if c.tag == "select" else c.value
        for c in again.answer_controls()
    }
    assert {name: shown[name] for name in fields} == fields  # what was chosen or typed is kept

    response = browser.submit(again, "/attempts/", go="check-anyway")
    assert location(response) == f"/attempts/{attempt_id}/{position}#feedback-{position}"
    assert "Your answer" in _feedback(browser.follow(response))  # checked as it was
    assert slot_of(attempt_id, position).fraction < 1


def test_a_refused_practise_form_says_why_beside_each_field_and_scrolls_to_it(browser, loaded):
    home = browser.get("/")
    assert "autofocus" not in home.html
    # facts are checkboxes (no Ctrl-click; touch and keyboard), folded away until wanted
    assert re.search(r'<details class="fact-picker">\s*<summary>Or pick facts</summary>', home.html)
    assert '<input id="facts-0" name="facts" type="checkbox" value="f1">' in home.html
    refused = browser.submit(home, "/practise", {"facts": ["f-retired-meanwhile"], "count": "2.5"})
    assert refused.status_code == 422
    page = Page(refused)
    # the first field in error takes the focus: the browser scrolls it, and its message, into view
    assert '<details class="fact-picker" open>' in page.html
    assert '<fieldset aria-describedby="facts-error">' in page.html
    assert re.search(r'<input autofocus id="facts-0" name="facts" type="checkbox"', page.html)
    assert page.html.count("autofocus") == 1
    assert "A fact you picked is no longer offered: pick again from the list." in page.text
    assert 'id="facts-error"' in page.html
    assert "Enter a whole number of questions from 1 to 50." in page.text
    assert "Not a valid integer value" not in page.text


def test_a_guest_is_told_their_work_is_kept_in_this_browser_only(browser, loaded):
    assert "working as a guest" not in browser.get("/").text  # a new visitor is no guest yet
    browser.start("practice")
    home = browser.get("/")
    assert "You are working as a guest: what you do is kept for this browser only." in home.text
    assert 'href="/register"' in home.html


def test_a_review_shows_the_facts_as_they_read_when_the_attempt_was_taken(browser, runner, tmp_path):
    """Questions are pinned to the version asked; the facts beside them are shown as they were then,
    not as a later correction of the bank words them."""
    path = write_bank(tmp_path / "bank.yaml", taking_bank())
    load(runner, path)
    attempt_id, _ = browser.start("practice")
    browser.submit(browser.get(f"/attempts/{attempt_id}/finish"), f"/attempts/{attempt_id}/finish")
    data = taking_bank()
    data["facts"][0]["statement"] = "Statement of f1, worded anew."
    # minutes apart, as they would be: the first load, then the attempt, then the new wording
    for version in db.session.scalars(select(FactVersion)):
        version.created_at = as_utc(version.created_at) - timedelta(minutes=5)
    the_attempt(attempt_id).finished_at = as_utc(the_attempt(attempt_id).finished_at) - timedelta(minutes=2)
    db.session.commit()
    load(runner, write_bank(path, data))
    review = browser.get(f"/attempts/{attempt_id}/review").text
    assert "Statement of f1." in review and "worded anew" not in review
    later_id, _ = browser.start("practice")  # a new attempt, after the change, shows the new wording
    browser.submit(browser.get(f"/attempts/{later_id}/finish"), f"/attempts/{later_id}/finish")
    assert "Statement of f1, worded anew." in browser.get(f"/attempts/{later_id}/review").text
