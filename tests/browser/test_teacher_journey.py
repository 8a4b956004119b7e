"""A teacher's whole journey in Chromium: a source, one question of each type, a quiz; a student takes it.

The teacher writes every question through the editor (rows added and removed with the no-script
buttons, one refused save corrected), previews and tries each, saves it, then hand-picks the eight
into a quiz in an order of their own. A student in another browser context finds that quiz on the
home page, answers everything right and gets full marks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.teach.question_forms import TYPE_NAMES

from ..factories import QUESTION_TYPES
from .accounts import create_account, register_in, sign_in_on, unique_name
from .conftest import Browsing, press_button, press_in_place, require, without_page_load

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = require("playwright.sync_api").expect


class Journey:
    """Names no other test on the shared live server uses, and the text each question carries."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.tag = tag
        self.source_key = f"journey-{tag}"
        self.source_title = f"Journey source {tag}"
        self.fact = f"Facts about the world, as checked on journey {tag}."
        self.quiz_title = f"World quiz {tag}"

    def key(self, qtype: str) -> str:
        return f"j{self.tag}-{qtype.replace('_', '-')}"


# What each question asks, and the right answer a student gives (by the labels of the answer controls).
PROMPTS = {
    "single_choice": "Which planet is the largest?",
    "multiple_choice": "Which of these numbers are prime?",
    "true_false": "Water boils at 100 °C at sea level.",
    "short_answer": "What is the capital of France?",
    "numeric": "In which year did the Berlin Wall fall?",
    "ordering": "Order these animals from lightest to heaviest.",
    "matching": "Match each country with its capital.",
    "cloze": "Complete the sentence about oceans.",
}
RIGHT: dict[str, Any] = {
    "single_choice": "Jupiter",
    "multiple_choice": ["Two", "Three"],
    "true_false": "True",
    "short_answer": "Paris",
    "numeric": "1989",
    "ordering": ["Mouse", "Cat", "Horse"],
    "matching": {"France": "Paris", "Italy": "Rome", "Spain": "Madrid"},
    "cloze": ["Pacific", "ocean"],
}
# The quiz asks them in this order, not the order they were written in.
QUIZ_ORDER = [
    "cloze",
    "single_choice",
    "matching",
    "true_false",
    "ordering",
    "short_answer",
    "numeric",
    "multiple_choice",
]


def label(page: Page, text: str) -> Locator:
    return page.get_by_label(text, exact=True)


def fill_rows(page: Page, noun: str, values: list[str], part: str | None = None) -> None:
    """Type `values` into rows 1, 2, ... labelled "<Noun> n" (or "<Noun> n: <part>")."""
    for n, value in enumerate(values, start=1):
        label(page, f"{noun} {n}" + (f": {part}" if part else "")).fill(value)


# --- the editor, one function a type: fill the type's own fields -------------------------------------


def write_single_choice(page: Page, browsing: Browsing) -> None:
    with without_page_load(page):  # a fifth row, added by the page's script
        press_in_place(page, "Add an option")
        expect(label(page, "Option 5: text")).to_be_focused()
    expect(label(page, "Prompt")).to_have_value(PROMPTS["single_choice"])
    fill_rows(page, "Option", ["Jupiter", "Mars", "Venus", "Earth", "Saturn"], "text")
    label(page, "Option 2: feedback (optional)").fill("Mars is small and red.")

    # Saved with no right option: refused, the message beside the options, everything typed kept.
    browsing.expect_console_error("status of 422")
    press_button(page, "Save")
    expect(page.get_by_role("alert")).to_contain_text("breaks the bank's rules")
    expect(page.locator("#options-error")).to_have_text("exactly one option must be correct, found 0")
    expect(page.get_by_role("group", name="Options (exactly one correct)")).to_have_attribute(
        "aria-describedby", "options-error"
    )
    for n, text in enumerate(["Jupiter", "Mars", "Venus", "Earth", "Saturn"], start=1):
        expect(label(page, f"Option {n}: text")).to_have_value(text)
    expect(label(page, "Option 2: feedback (optional)")).to_have_value("Mars is small and red.")
    expect(label(page, "Prompt")).to_have_value(PROMPTS["single_choice"])
    label(page, "Option 1: correct").check()


def write_multiple_choice(page: Page, browsing: Browsing) -> None:
    fill_rows(page, "Option", ["Two", "Three", "Four", "Nine"], "text")
    with without_page_load(page):  # "Four" goes; the rows after it move up
        press_in_place(page, "Remove option 3")
        expect(label(page, "Option 4: text")).to_have_count(0)
        expect(label(page, "Option 3: text")).to_have_value("Nine")
    label(page, "Option 1: correct").check()
    label(page, "Option 2: correct").check()


def write_true_false(page: Page, browsing: Browsing) -> None:
    page.get_by_role("group", name="The statement is").get_by_label("True", exact=True).check()
    label(page, "Feedback on answering False (optional)").fill("It does, at 1 atm.")


def write_short_answer(page: Page, browsing: Browsing) -> None:
    fill_rows(page, "Answer", ["Paris"])


def write_numeric(page: Page, browsing: Browsing) -> None:
    label(page, "Right value").fill("1989")


def write_ordering(page: Page, browsing: Browsing) -> None:
    fill_rows(page, "Item", ["Mouse", "Cat", "Horse"])


def write_matching(page: Page, browsing: Browsing) -> None:
    fill_rows(page, "Pair", ["France", "Italy", "Spain"], "left")
    fill_rows(page, "Pair", ["Paris", "Rome", "Madrid"], "right")
    with without_page_load(page):
        press_in_place(page, "Add a distractor")  # to an empty list: a copy of the page's empty row
        expect(label(page, "Distractor 1")).to_be_focused()
    label(page, "Distractor 1").fill("Lisbon")


def write_cloze(page: Page, browsing: Browsing) -> None:
    passage = label(page, "Passage, with blanks written {{1}}, {{2}}, ...")
    passage.fill("The {{1}} is the largest {{2}} on Earth.")
    label(page, "Blank 1: accepted answers, one per line (a typed blank)").fill("Pacific")
    # Two placeholders, one blank: refused with the checker's message, then a blank is added.
    browsing.expect_console_error("status of 422")
    press_button(page, "Preview")
    expect(page.locator("#blanks-error")).to_have_text(
        "The passage must hold {{1}} once, for its one blank row; it holds "
        "{{1}}, {{2}}. Add or remove blank rows, or mend it."
    )
    expect(page.locator("section.preview")).to_have_count(0)
    expect(label(page, "Blank 1: accepted answers, one per line (a typed blank)")).to_have_value("Pacific")
    with without_page_load(page):
        press_in_place(page, "Add a blank")
        expect(label(page, "Blank 2: accept a spelling slip")).to_be_checked()  # the default, as the server's
    label(page, "Blank 2: options, one per line (a choice blank)").fill("ocean\nlake\nriver")
    # A choice blank without its right option: the message is about the row, and each control of it
    # is described by it.
    press_button(page, "Preview")
    expect(page.locator("#blanks-1-error")).to_have_text("a choice blank needs answer, one of its options")
    right_option = label(page, "Blank 2: right option (a choice blank)")
    expect(right_option).to_have_attribute("aria-describedby", "blanks-1-error")
    expect(label(page, "Blank 2: options, one per line (a choice blank)")).to_have_value("ocean\nlake\nriver")
    right_option.fill("ocean")


WRITERS: dict[str, Callable[[Page, Browsing], None]] = {
    "single_choice": write_single_choice,
    "multiple_choice": write_multiple_choice,
    "true_false": write_true_false,
    "short_answer": write_short_answer,
    "numeric": write_numeric,
    "ordering": write_ordering,
    "matching": write_matching,
    "cloze": write_cloze,
}


# --- answering, as a student does (in the editor's preview or in the quiz) -------------------------------


def answer(area: Locator, qtype: str) -> None:
    """Give the right answer to a question shown in `area`, through the controls' labels."""
    right = RIGHT[qtype]
    if qtype in ("single_choice", "true_false"):
        area.get_by_role("radio", name=right, exact=True).check()
    elif qtype == "multiple_choice":
        for name in right:
            area.get_by_role("checkbox", name=name, exact=True).check()
    elif qtype in ("short_answer", "numeric"):
        area.get_by_label("Your answer", exact=True).fill(right)
    elif qtype == "ordering":
        for position, item in enumerate(right, start=1):
            area.get_by_label(item, exact=True).select_option(str(position))
    elif qtype == "matching":
        for left, match in right.items():
            area.get_by_label(left, exact=True).select_option(label=match)
    elif qtype == "cloze":
        area.get_by_label("Blank 1", exact=True).fill(right[0])
        area.get_by_label("Blank 2", exact=True).select_option(label=right[1])


# --- the journey ------------------------------------------------------------------------------------------


def make_source(page: Page, journey: Journey) -> None:
    page.goto("/teach/sources/new")
    label(page, "Id").fill(journey.source_key)
    label(page, "Title").fill(journey.source_title)
    label(page, "Origin (URL or citation)").fill("An atlas of the world")
    label(page, "Licence").fill("CC-BY-4.0")
    label(page, "Sections").fill("world: The world")
    press_button(page, "Save the source")
    expect(page.get_by_text(f"Source {journey.source_key} is saved.")).to_be_visible()


def write_question(page: Page, browsing: Browsing, journey: Journey, qtype: str, shots: Path) -> None:
    """Write, preview, try and save one question of `qtype` through the editor."""
    page.goto("/teach/questions/new")
    page.get_by_role("group", name="Type of question").get_by_label(TYPE_NAMES[qtype], exact=True).check()
    label(page, "Source (the document its facts come from)").select_option(label=journey.source_title)
    press_button(page, "Write the question")
    expect(page.get_by_role("heading", level=1)).to_have_text("New question")
    expect(page.get_by_text(f"{TYPE_NAMES[qtype]} · source “{journey.source_title}”")).to_be_visible()

    label(page, "Id (optional: made from the prompt when left empty)").fill(journey.key(qtype))
    label(page, "Prompt").fill(PROMPTS[qtype])
    label(page, "Explanation (shown after answering)").fill(f"Because the atlas says so ({qtype}).")
    facts = page.get_by_role("group", name="Facts tested")
    if qtype == QUESTION_TYPES[0]:  # the first question brings the source's fact with it
        label(page, "Statement of a new fact (optional)").fill(journey.fact)
        expect(label(page, "Section of the new fact")).to_have_value("world")
    else:
        facts.get_by_role("checkbox", name=journey.fact, exact=True).check()
    WRITERS[qtype](page, browsing)

    press_button(page, "Preview")
    preview = page.get_by_role("region", name="Preview: as a student sees it")
    expect(preview.get_by_role("heading", level=3, name=PROMPTS[qtype])).to_be_visible()
    expect(page.locator(".error")).to_have_count(0)
    assert page.url.endswith("#preview-heading")  # the page lands on the preview, below the form
    expect(preview.get_by_role("heading", level=2)).to_be_in_viewport()
    answer(preview, qtype)
    if qtype in ("short_answer", "numeric"):  # Enter in the answer box checks it, as on a quiz page
        with page.expect_navigation():
            preview.get_by_label("Your answer", exact=True).press("Enter")
    else:
        press_button(page, "Check answer")
        # The button lands on the verdict, and focus.js puts keyboard focus there.
        assert page.url.endswith("#feedback-0")
        expect(page.locator("#feedback-0")).to_be_focused()
    preview = page.get_by_role("region", name="Preview: as a student sees it")
    feedback = preview.locator("section.feedback")
    expect(feedback.locator("h3")).to_have_text("Right")
    expect(feedback.locator("dt:text-is('Why') + dd")).to_have_text(f"Because the atlas says so ({qtype}).")
    expect(feedback.locator(".facts li")).to_contain_text(journey.fact)
    expect(label(page, "Prompt")).to_have_value(PROMPTS[qtype])  # the form is still there, as typed
    page.screenshot(path=shots / f"editor-{qtype}.png", full_page=True)

    press_button(page, "Save")
    expect(page.get_by_text("Question saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit question “{journey.key(qtype)}”")
    expect(label(page, "Prompt")).to_have_value(PROMPTS[qtype])


def build_quiz(page: Page, journey: Journey) -> None:
    page.goto("/teach/quizzes/new")
    label(page, "Bank (source) the quiz draws from").select_option(label=journey.source_title)
    label(page, "Title").fill(journey.quiz_title)
    label(page, "Description (optional)").fill("Eight questions, one of each kind.")
    page.get_by_role("group", name="Questions").get_by_label("Hand-picked, in order").check()
    ids = [journey.key(qtype) for qtype in QUIZ_ORDER]
    label(page, "Question ids, one per line, in the order they are asked").fill("\n".join(ids))
    page.get_by_role("group", name="Question order").get_by_label("As listed").check()
    press_button(page, "Preview the questions")
    expect(page.get_by_role("heading", name="The selection holds 8 questions")).to_be_visible()
    listed = [f"{key}: {PROMPTS[qtype]}" for key, qtype in zip(ids, QUIZ_ORDER, strict=True)]
    expect(page.locator("ol.preview li")).to_have_text(listed)
    press_button(page, "Save")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    expect(page.get_by_role("link", name=journey.quiz_title, exact=True)).to_be_visible()


def take_quiz(page: Page, journey: Journey) -> None:
    page.goto("/")
    bank = page.get_by_role("region", name=journey.source_title, exact=True)
    expect(bank.locator(".source-meta")).to_contain_text("8 questions on 1 fact.")
    quiz = bank.locator("li.quiz", has=page.get_by_role("heading", name=journey.quiz_title, exact=True))
    expect(quiz.locator(".quiz-meta")).to_contain_text("8 questions · Practice mode")
    press_button(page, f"Start {journey.quiz_title}")
    for position, qtype in enumerate(QUIZ_ORDER, start=1):
        expect(page.locator("#progress-label")).to_have_text(f"Question {position} of 8")
        expect(page.locator("#prompt")).to_have_text(PROMPTS[qtype])
        answer(page.locator("section.question"), qtype)
        press_button(page, "Next" if position < len(QUIZ_ORDER) else "Summary")

    rows = page.locator("table.summary tbody tr")  # Next keeps a practice answer unchecked till the submit
    expect(rows.locator("td:nth-of-type(1)")).to_have_text(["Answer saved"] * 8)
    page.get_by_role("link", name="Submit all and finish").click()
    press_button(page, "Yes, submit and finish")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {journey.quiz_title}")
    expect(page.locator(".score")).to_have_text("Your score: 8 out of 8 (100%).")
    items = page.locator(".review-item")
    prompts = [f"Question {n}: {PROMPTS[qtype]}" for n, qtype in enumerate(QUIZ_ORDER, start=1)]
    expect(items.locator("h2")).to_have_text(prompts)
    expect(items.locator(".feedback h3")).to_have_text(["Right"] * 8)
    expect(page.get_by_role("button", name="Practise what I missed", exact=False)).to_have_count(0)


def test_a_teacher_writes_every_type_builds_a_quiz_and_a_student_aces_it(
    browsing: Browsing, tmp_path: Path
) -> None:
    journey = Journey()
    teacher = unique_name("teacher")
    create_account(browsing.server, teacher, "teacher")
    page = browsing.new_page()
    sign_in_on(page, teacher)
    make_source(page, journey)
    for qtype in QUESTION_TYPES:
        write_question(page, browsing, journey, qtype, tmp_path)
    shots = sorted(p.name for p in tmp_path.glob("editor-*.png"))
    assert shots == sorted(f"editor-{qtype}.png" for qtype in QUESTION_TYPES)
    build_quiz(page, journey)

    student = browsing.new_page()  # a new context: nothing of the teacher's session
    register_in(student, unique_name("student"))
    expect(student.get_by_role("button", name="Sign out")).to_be_visible()
    take_quiz(student, journey)
