"""Saving the cross-site scripting corpus through the teacher's web forms, over real HTTP.

A browser context's request client (it keeps the session cookie) signs in as the teacher and
posts each form as the page would: the CSRF token read from the form's own page. It makes a
source, facts, one question of every type (a payload in every text field) and two quizzes.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..factories import QUESTION_TYPES

if TYPE_CHECKING:
    from playwright.sync_api import APIRequestContext, APIResponse, Browser

SOURCE_KEY = "xss-web"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
Fields = list[tuple[str, str]]


class FormClient:
    """Posts forms like a browser does: fetch the form's page, take its CSRF token, send the fields."""

    def __init__(self, request: APIRequestContext) -> None:
        self.request = request

    def post(self, url: str, fields: Fields, expect: str) -> str:
        """Post `fields` to the form at `url`; the redirect's target must match `expect`."""
        page = self.request.get(url)
        assert page.status == 200, f"GET {url}: {page.status}"
        token = CSRF.search(page.text())
        assert token, f"{url}: no CSRF token"
        response: APIResponse = self.request.post(
            url,
            data=urlencode([("csrf_token", token.group(1)), *fields]),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_redirects=0,
        )
        where = response.headers.get("location", "")
        assert response.status in (302, 303) and re.search(expect, where), (
            f"POST {url}: {response.status} {where}\n{_errors(response.text())}"
        )
        return where


def _errors(page: str) -> str:
    """The messages a form was sent back with, to say why a post failed."""
    return "\n".join(re.findall(r'class="error"[^>]*>([^<]*)<', page)) or page[:2000]


class Texts:
    """`text(label)`: the label, a running number (every text differs) and the next payload."""

    def __init__(self, payloads: list[str]) -> None:
        self.cycle, self.count = itertools.cycle(payloads), itertools.count(1)
        self.made: list[str] = []  # every text, as saved

    def __call__(self, label: str) -> str:
        self.made.append(f"{label}{next(self.count)} {next(self.cycle)}")
        return self.made[-1]


def question_fields(qtype: str, text: Texts) -> Fields:
    """The editor's type-specific fields of one question, with payloads in every text."""
    if qtype in ("single_choice", "multiple_choice"):
        right = {0} if qtype == "single_choice" else {0, 1}
        fields = []
        for i in range(4):
            fields += [(f"options-{i}-text", text("Option")), (f"options-{i}-feedback", text("Feedback"))]
            fields += [(f"options-{i}-correct", "y")] if i in right else []
        return fields
    if qtype == "true_false":
        return [("tf_answer", "true"), ("true_feedback", text("True")), ("false_feedback", text("False"))]
    if qtype == "short_answer":
        return [("answers-0", text("Answer")), ("answers-1", text("Answer")), ("typo_tolerance", "y")]
    if qtype == "numeric":
        return [("value", "2013"), ("tolerance", "0.5"), ("unit", text("Unit"))]
    if qtype == "ordering":
        return [(f"items-{i}", text("Item")) for i in range(3)]
    if qtype == "matching":
        pairs = [(f"pairs-{i}-{side}", text(side.title())) for i in range(3) for side in ("left", "right")]
        return [*pairs, ("distractors-0", text("Distractor"))]
    if qtype == "cloze":
        passage = text("Cloze").replace("{", "(").replace("}", ")") + " One {{1}} and two {{2}}."
        text.made[-1] = passage
        options = [text("Blank"), text("Blank")]
        return [
            ("text", passage),
            ("blanks-0-answers", text("Gap")),
            ("blanks-0-typo_tolerance", "y"),
            ("blanks-1-options", "\n".join(options)),
            ("blanks-1-answer", options[1]),
        ]
    raise KeyError(qtype)


def _quiz_fields(key: str, title: str, description: str, questions: list[str], mode: str) -> Fields:
    fields = [
        ("source", SOURCE_KEY),
        ("id", key),
        ("title", title),
        ("description", description),
        ("kind", "questions"),
        ("questions", "\n".join(questions)),
        ("order", "fixed"),
        ("mode", mode),
        ("show_answers", "after_submit"),
        ("go", "save"),
    ]
    return [*fields, ("feedback", "immediate")] if mode == "practice" else fields


def save_through_forms(
    browser: Browser, url: str, payloads: list[str], teacher: tuple[str, str], quizzes: tuple[str, str]
) -> dict[str, list[str]]:
    """Save `payloads` as the teacher through the forms; the texts saved, by kind.

    Kinds: "prompt" (in the order the quizzes ask them), "fact", "quiz" (titles, descriptions),
    and "all": every text of every field.
    """
    saved: dict[str, list[str]] = {"prompt": [], "fact": [], "quiz": []}
    context = browser.new_context(base_url=url)
    try:
        forms = FormClient(context.request)
        text = Texts(payloads)
        forms.post("/sign-in", [("username", teacher[0]), ("password", teacher[1])], r"/$")
        sections = [("one", text("Section")), ("two", text("Section"))]
        forms.post(
            "/teach/sources/new",
            [
                ("key", SOURCE_KEY),
                ("title", text("Source")),
                ("origin", text("Origin")),
                ("licence", text("Licence")),
                ("sections", "\n".join(f"{key}: {title}" for key, title in sections)),
            ],
            r"/teach/sources$",
        )
        facts = []
        for n, (section, _title) in enumerate(sections, start=1):
            statement = text("Fact")
            facts.append(f"xss-web-f{n}")
            fields = [("key", facts[-1]), ("section", section), ("statement", statement)]
            forms.post(f"/teach/facts/new?source={SOURCE_KEY}", fields, r"/teach/facts\?")
            saved["fact"].append(statement)
        keys = []
        for n, qtype in enumerate(QUESTION_TYPES, start=1):
            prompt = text("Prompt")
            keys.append(f"xss-web-q{n}")
            fields = [
                ("key", keys[-1]),
                ("prompt", prompt),
                ("explanation", text("Explanation")),
                ("facts", facts[n % 2]),
                ("difficulty", "medium"),
                ("marks", "1"),
                *question_fields(qtype, text),
                ("go", "save"),
            ]
            if qtype == "cloze":  # a fact written in the question editor
                statement = text("Fact")
                fields += [("new_fact", statement), ("new_fact_section", "two")]
                saved["fact"].append(statement)
            url = f"/teach/questions/new?type={qtype}&source={SOURCE_KEY}"
            forms.post(url, fields, r"/teach/questions/\d+/edit$")
            saved["prompt"].append(prompt)
        for key, mode in zip(quizzes, ("practice", "exam"), strict=True):
            title, description = text("Quiz"), text("Description")
            forms.post(
                "/teach/quizzes/new", _quiz_fields(key, title, description, keys, mode), r"/teach/quizzes$"
            )
            saved["quiz"] += [title, description]
    finally:
        context.close()
    return saved | {"all": text.made}
