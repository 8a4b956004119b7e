"""The question editor in Chromium: keyboard only, rows with and without scripts, axe on every state."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from quizapp.teach.question_forms import MAX_ROWS

from .accounts import create_account, sign_in_on, unique_name
from .conftest import Browsing, press_button, press_in_place, require, without_page_load
from .test_accessibility import assert_accessible

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect


def open_editor(browsing: Browsing, page: Page, qtype: str) -> None:
    """Sign a new teacher in on `page` and open the editor of a new question of `qtype`."""
    name = unique_name("teacher")
    create_account(browsing.server, name, "teacher")
    sign_in_on(page, name)
    page.goto("/teach/questions/new")
    page.get_by_label(qtype, exact=True).check()
    press_button(page, "Write the question")


def test_a_teacher_writes_a_question_with_the_keyboard(browsing: Browsing, page: Page) -> None:
    name = unique_name("teacher")
    create_account(browsing.server, name, "teacher")
    sign_in_on(page, name)
    page.goto("/teach/questions/new")
    assert_accessible(page)
    page.get_by_label("Single choice").check()
    press_button(page, "Write the question")
    assert_accessible(page)

    page.get_by_label("Prompt", exact=True).fill("Which planet is largest?")
    for n, text in enumerate(["Jupiter", "Mars", "Venus", "Earth"], start=1):
        page.get_by_label(f"Option {n}: text", exact=True).fill(text)
    page.get_by_label("Option 1: correct", exact=True).check()
    page.get_by_label("Option 2: correct", exact=True).check()
    browsing.expect_console_error("status of 422")  # the refused save below
    press_button(page, "Save")
    expect(page.locator("#options-error")).to_have_text("exactly one option must be correct, found 2")
    expect(page.get_by_label("Option 2: text", exact=True)).to_have_value("Mars")
    # The first error in page order takes focus: the options' (a fieldset), before the explanation's.
    expect(page.get_by_label("Option 1: text", exact=True)).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Option 2: correct", exact=True).uncheck()
    page.get_by_label("Explanation (shown after answering)").fill("It is a gas giant.")
    page.locator("#facts input").first.check()
    press_button(page, "Preview")
    preview = page.locator("section.preview")
    expect(preview).to_contain_text("Which planet is largest?")
    preview.get_by_label("Jupiter").check()
    press_button(page, "Check answer")
    expect(page.locator("section.feedback")).to_contain_text("Right")
    assert_accessible(page)
    press_button(page, "Save")
    expect(page.get_by_text("Question saved.")).to_be_visible()


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_rows_are_added_and_removed_with_or_without_a_script(browsing: Browsing, script: bool) -> None:
    """With the script the rows change in place; without it the server re-renders the form. The
    same fields are posted either way. (axe needs scripts: the no-script page is not checked.)"""
    page = browsing.new_page(java_script_enabled=script)
    prompt = f"Which planet is largest ({'with' if script else 'without'} a script)?"  # one question each
    open_editor(browsing, page, "Single choice")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    for n, text in enumerate(["Jupiter", "Mars", "Venus", "Earth"], start=1):
        page.get_by_label(f"Option {n}: text", exact=True).fill(text)
    press = press_in_place if script else press_button
    with without_page_load(page) if script else contextlib.nullcontext():
        press(page, "Add an option")
        fifth = page.get_by_label("Option 5: text", exact=True)
        expect(fifth).to_be_visible()
        expect(page.get_by_label("Prompt", exact=True)).to_have_value(prompt)
        if script:
            expect(fifth).to_be_focused()
            expect(page.locator("#rows-status")).to_have_text("Option 5 added.")
        fifth.fill("Saturn")

        press(page, "Remove option 2")
        for n, text in enumerate(["Jupiter", "Venus", "Earth", "Saturn"], start=1):
            expect(page.get_by_label(f"Option {n}: text", exact=True)).to_have_value(text)
        expect(page.get_by_label("Option 5: text", exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name="Remove option 4", exact=True)).to_have_attribute(
            "value", "remove:options:3"
        )
        expect(page.get_by_label("Option 4: text", exact=True)).to_have_attribute("name", "options-3-text")
        if script:
            expect(page.get_by_label("Option 2: text", exact=True)).to_be_focused()
            expect(page.locator("#rows-status")).to_have_text("Option 2 removed; the rows after it moved up.")
            assert_accessible(page)
        page.get_by_label("Option 4: correct", exact=True).check()

    page.get_by_label("Explanation (shown after answering)").fill("It is a gas giant.")
    page.locator("#facts input").first.check()
    press_button(page, "Save")
    expect(page.get_by_text("Question saved.")).to_be_visible()
    for n, text in enumerate(["Jupiter", "Venus", "Earth", "Saturn"], start=1):
        expect(page.get_by_label(f"Option {n}: text", exact=True)).to_have_value(text)
    expect(page.get_by_label("Option 4: correct", exact=True)).to_be_checked()
    expect(page.get_by_label("Option 1: correct", exact=True)).not_to_be_checked()


def test_the_script_stops_at_the_row_limit_and_empties_a_list_to_its_add_button(
    browsing: Browsing, page: Page
) -> None:
    open_editor(browsing, page, "Ordering")
    with without_page_load(page):
        for _ in range(MAX_ROWS - 3):
            press_in_place(page, "Add an item")
        expect(page.get_by_label(f"Item {MAX_ROWS}", exact=True)).to_be_focused()
        press_in_place(page, "Add an item")
        expect(page.locator("#rows-status")).to_have_text(f"At most {MAX_ROWS} items.")
        expect(page.get_by_label(f"Item {MAX_ROWS + 1}", exact=True)).to_have_count(0)
        for n in range(MAX_ROWS, 0, -1):
            press_in_place(page, f"Remove item {n}")
        expect(page.get_by_role("button", name="Add an item", exact=True)).to_be_focused()
        press_in_place(page, "Add an item")
        expect(page.get_by_label("Item 1", exact=True)).to_have_attribute("name", "items-0")
