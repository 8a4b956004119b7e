"""The question editor in Chromium: keyboard only, rows without scripts, axe on every state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .accounts import create_account, sign_in_on, unique_name
from .conftest import Browsing, press_button, require
from .test_accessibility import assert_accessible

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect


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
    press_button(page, "Add an option")
    expect(page.get_by_label("Option 5: text", exact=True)).to_be_visible()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("Which planet is largest?")
    for n, text in enumerate(["Jupiter", "Mars", "Venus", "Earth"], start=1):
        page.get_by_label(f"Option {n}: text", exact=True).fill(text)
    page.get_by_label("Option 1: correct", exact=True).check()
    page.get_by_label("Option 2: correct", exact=True).check()
    browsing.expect_console_error("status of 422")  # the refused save below
    press_button(page, "Remove option 5")
    expect(page.get_by_label("Option 5: text", exact=True)).to_have_count(0)
    press_button(page, "Save")
    expect(page.locator("#options-error")).to_have_text("exactly one option must be correct, found 2")
    expect(page.get_by_label("Option 2: text", exact=True)).to_have_value("Mars")
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
