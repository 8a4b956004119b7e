"""axe-core finds no accessibility violations on the quiz builder's pages; it works by keyboard."""

from __future__ import annotations

from .conftest import Browsing, press_button, require
from .test_accessibility import assert_accessible

expect = require("playwright.sync_api").expect


def test_quiz_builder_pages(browsing: Browsing) -> None:
    from .accounts import create_account, sign_in_on, unique_name

    name = unique_name("teacher")
    create_account(browsing.server, name, "teacher")
    page = browsing.new_page()
    sign_in_on(page, name)
    page.goto("/teach/quizzes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    assert_accessible(page)

    teacher_area = page.get_by_role("navigation", name="Teacher area")
    teacher_area.get_by_role("link", name="New quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New quiz")
    expect(teacher_area.get_by_role("link", name="New quiz")).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    browsing.expect_console_error(r"status of 422")
    page.get_by_label("Bank (source) the quiz draws from").select_option(label="Source browser-tests")
    page.get_by_label("Title", exact=True).fill("Axe quiz")
    page.get_by_label("How many to draw (blank: all)").fill("lots")
    press_button(page, "Save")
    expect(page.locator("#count-error")).to_contain_text("expected a whole number")
    assert_accessible(page)

    page.get_by_label("How many to draw (blank: all)").fill("")
    page.get_by_label("Hand-picked, in order").check()
    page.get_by_label("Question ids, one per line, in the order they are asked").fill("bt-q1\nbt-q2")
    press_button(page, "Preview the questions")
    expect(page.get_by_role("heading", name="The selection holds 2 questions")).to_be_in_viewport()
    assert page.url.endswith("#preview-heading")  # it lands on the list, below the long form
    assert_accessible(page)
    press_button(page, "Save")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    expect(page.get_by_role("link", name="Axe quiz")).to_be_visible()
    page.get_by_role("button", name="Retire Axe quiz").press("Enter")  # leave the shared bank as it was
    expect(page.get_by_text("“Axe quiz” was retired.")).to_be_visible()
