"""The teacher area's listings and source/fact forms in Chromium: keyboard only, and axe-clean."""

from __future__ import annotations

import re

from .accounts import create_account, sign_in_on, unique_name
from .conftest import Browsing, require
from .test_accessibility import assert_accessible

expect = require("playwright.sync_api").expect


def test_listings_and_forms_by_keyboard(browsing: Browsing) -> None:
    name = unique_name("teacher")
    create_account(browsing.server, name, "teacher")
    page = browsing.new_page()
    sign_in_on(page, name)

    page.goto("/teach/questions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions")
    assert_accessible(page)
    page.get_by_label("Status").select_option("all")
    page.get_by_label("Search prompt and id").fill("a")
    page.get_by_label("Search prompt and id").press("Enter")  # submits the GET form
    expect(page).to_have_url(re.compile(r"/teach/questions\?text=a&.*status=all"))
    expect(page.get_by_label("Status")).to_have_value("all")
    page.locator("table.catalogue tbody a").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Question ")
    assert_accessible(page)

    for path, heading in (("/teach/facts", "Facts"), ("/teach/sources", "Sources")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

    page.set_viewport_size({"width": 360, "height": 740})  # a phone: no teacher page scrolls sideways
    for path in (
        "/teach/",
        "/teach/questions",
        "/teach/facts",
        "/teach/sources",
        "/teach/quizzes",
        "/teach/export",
        "/teach/import",
        "/teach/quizzes/new",
        "/teach/questions/new",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide at 360 px"
    # Three short rows at most (the brand; the name, Teach, Sign out; the site's links): 187 px before.
    header = page.locator(".site-header").bounding_box()["height"]
    assert header <= 145, f"the header is {header} px tall for a teacher at 360 px"
    page.set_viewport_size({"width": 1280, "height": 720})

    browsing.expect_console_error("status of 422")  # the refused source and fact below
    page.goto("/teach/sources/new")
    page.get_by_label("Id").fill("Not An Id")
    page.get_by_label("Sections").fill("no colon")
    page.get_by_role("button", name="Save the source").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#key-error")).to_contain_text("is not a valid id")
    expect(page.locator("#sections-error")).to_contain_text("write each section as 'id: title'")
    expect(page.get_by_label("Id")).to_have_value("Not An Id")
    assert_accessible(page)

    page.goto("/teach/facts/new")
    page.get_by_role("button", name="Continue").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New fact")
    page.get_by_label("Id").fill(unique_name("fact"))
    page.get_by_role("button", name="Save the fact").press("Enter")
    expect(page.locator("#statement-error")).to_have_text("must not be empty")
    assert_accessible(page)
