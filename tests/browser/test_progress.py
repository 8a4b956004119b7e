"""End to end in Chromium: practise, see My progress and its chart, due reviews once the clock moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .conftest import PRACTICE, LiveServer, enter_answer, press_button, require, start_quiz

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = require("playwright.sync_api").expect


@pytest.fixture
def clock(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server, with its clock put back to real time after the test."""
    try:
        yield live_server
    finally:
        live_server.advance_clock(0)


def practise_two(page: Page) -> None:
    """Answer question 1 (single choice) right and question 3 (true/false) wrong, in practice mode."""
    attempt_id = start_quiz(page, PRACTICE)
    enter_answer(page, "single_choice", "right 0")
    press_button(page, "Check answer")
    page.goto(f"/attempts/{attempt_id}/3")
    enter_answer(page, "true_false", "False")
    press_button(page, "Check answer")
    expect(page.locator(".feedback")).to_be_visible()


def smallest_label_px(chart: Locator) -> float:
    """The height on screen of the chart's smallest axis label (its text as the reader sees it)."""
    heights = "[...svg.querySelectorAll('.axis text')].map(t => t.getBoundingClientRect().height)"
    return chart.evaluate(f"svg => {{ const h = {heights}; return h.length ? Math.min(...h) : 0; }}")


def test_practise_then_see_progress_and_chart(page: Page) -> None:
    practise_two(page)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="My progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My progress")
    chart = page.get_by_role("img", name=re.compile(r"^Your score per week"))
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 100
    assert smallest_label_px(chart) >= 10
    page.set_viewport_size({"width": 360, "height": 740})  # a phone: the narrow drawing, labels as large
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= 360 and smallest_label_px(chart) >= 10
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_text("The chart's figures as a table").click()
    expect(page.locator(".chart-table tbody tr")).to_have_count(1)
    expect(page.locator(".chart-table tbody td").first).to_have_text("2")  # two answers this week
    expect(page.locator(".history tbody tr")).to_have_count(1)
    expect(page.locator(".history tbody th")).to_contain_text(PRACTICE[1])
    expect(page.get_by_text("1 day studied in a row")).to_be_visible()
    weakest = page.locator(".weakest li").first
    # Both answers test fact 1, as do two questions not answered: one right of four is 25%.
    expect(weakest).to_contain_text("Statement of f1.")
    expect(weakest).to_contain_text("25% mastered")
    with page.expect_navigation():
        weakest.get_by_role("button", name=re.compile("^Practise this")).press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/1$"))


def test_due_reviews_appear_once_the_clock_is_advanced(page: Page, clock: LiveServer) -> None:
    practise_two(page)
    page.goto("/progress")
    expect(page.get_by_text(re.compile(r"^Nothing is due now; the next question is due at"))).to_be_visible()
    expect(page.get_by_role("button", name="Review due questions")).to_have_count(0)  # nothing to start
    page.goto("/")  # the home page offers it all the same, and says why nothing starts
    press_button(page, "Review due questions")
    expect(page.locator(".flash")).to_contain_text("Nothing is due for review. The next question is due at")

    clock.advance_clock(10 * 86400)  # past the first interval of an Easy answer too (about 8 days)
    page.goto("/progress")
    expect(page.get_by_text(re.compile(r"^2 questions are due now"))).to_be_visible()
    expect(page.locator(".stats")).to_contain_text("2 reviews due by the end of today")
    press_button(page, "Review due questions")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/1$"))
    expect(page.locator("#progress-label")).to_have_text("Question 1 of 2")
    review_url = page.url

    page.goto("/")  # the home page's button resumes the same review
    press_button(page, "Review due questions")
    expect(page.locator("#progress-label")).to_have_text("Question 1 of 2")
    assert page.url == review_url
