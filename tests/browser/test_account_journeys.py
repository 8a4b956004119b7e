"""End-to-end journeys with accounts in a real browser: work follows the account, not the browser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .accounts import register_in, sign_in_on, sign_out_of, unique_name
from .conftest import EXAM, PRACTICE, Browsing, attempt_url, enter_answer, press_button, require, start_quiz

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect


def nav(page: Page):
    return page.locator(".account-nav")


def test_an_unfinished_attempt_follows_the_account_to_a_new_browser(browsing: Browsing) -> None:
    name = unique_name()
    first = browsing.new_page()
    register_in(first, name)
    expect(nav(first)).to_contain_text(f"Signed in as {name}")

    attempt_id = start_quiz(first, PRACTICE)
    enter_answer(first, "single_choice", "right 0")
    press_button(first, "Check answer")
    expect(first.locator(".feedback")).to_be_visible()
    press_button(first, "Next")
    enter_answer(first, "multiple_choice", ["right 1", "also right 1"])
    press_button(first, "Next")  # saved, not checked
    expect(first).to_have_url(re.compile(rf"{attempt_url(attempt_id, 3)}$"))
    sign_out_of(first)
    expect(nav(first)).to_contain_text("Sign in")
    first.goto("/")
    expect(first.get_by_role("region", name="Continue where you left off")).to_have_count(0)

    second = browsing.new_page()  # a new browser context: no cookies at all
    sign_in_on(second, name)
    expect(nav(second)).to_contain_text(f"Signed in as {name}")
    resume = second.get_by_role("region", name="Continue where you left off")
    expect(resume).to_contain_text(re.compile(r"Every question type\s+— started .*, 2 of 8 answered"))
    with second.expect_navigation():
        resume.get_by_role("link", name="Every question type").click()
    expect(second).to_have_url(re.compile(rf"{attempt_url(attempt_id, 3)}$"))

    second.goto(attempt_url(attempt_id, 1))
    expect(second.get_by_role("radio", name="right 0", exact=True)).to_be_checked()
    expect(second.locator(".feedback")).to_contain_text("Right")
    second.goto(attempt_url(attempt_id, 2))
    expect(second.get_by_role("checkbox", name="right 1", exact=True)).to_be_checked()
    expect(second.get_by_role("checkbox", name="also right 1", exact=True)).to_be_checked()
    expect(second.get_by_role("checkbox", name="wrong 1", exact=True)).not_to_be_checked()


def test_a_guests_attempt_survives_registering(browsing: Browsing) -> None:
    page = browsing.new_page()
    attempt_id = start_quiz(page, EXAM)  # as a guest
    enter_answer(page, "single_choice", "right 0")
    press_button(page, "Next")

    register_in(page, unique_name("guest"))
    resume = page.get_by_role("region", name="Continue where you left off")
    expect(resume).to_contain_text("1 of 8 answered")
    page.goto(attempt_url(attempt_id, 1))
    expect(page.get_by_role("radio", name="right 0", exact=True)).to_be_checked()


def test_the_account_page_offers_the_browsers_time_zone_and_progress_follows_it(browsing: Browsing) -> None:
    page = browsing.new_page(timezone_id="Asia/Tokyo")
    register_in(page, unique_name())
    page.goto("/account")
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("UTC")
    offer = page.locator("#browser-zone")
    expect(offer).to_have_text("This browser is set to Asia/Tokyo. Pick it")
    offer.get_by_role("button", name="Pick it").press("Enter")  # by keyboard
    expect(zone).to_have_value("Asia/Tokyo")
    expect(zone).to_be_focused()
    press_button(page, "Save the time zone")
    expect(page.get_by_role("status")).to_contain_text("Your days now begin at midnight in Asia/Tokyo.")
    expect(offer).to_be_hidden()  # the saved zone is the browser's: nothing to offer
    page.goto("/progress")
    expect(page.locator(".progress-review")).to_contain_text("Days begin at midnight in Asia/Tokyo")
