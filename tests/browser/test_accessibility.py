"""axe-core finds no accessibility violations on the app's pages, as Chromium renders them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ..factories import QUESTION_TYPES
from .conftest import (
    EXAM,
    PRACTICE,
    SHORT_EXAM,
    Browsing,
    attempt_url,
    enter_answer,
    press_button,
    require,
    start_quiz,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect
AXE = require("axe_playwright_python.sync_playwright").Axe()

# Wrong or partial answers, so that the feedback shows every verdict's colours.
FEEDBACK_ANSWERS: dict[str, Any] = {
    "single_choice": "wrong a 0",
    "multiple_choice": ["right 1"],
    "true_false": "True",
    "short_answer": "answer 3",
    "numeric": "1999",
    "ordering": ["second 5", "first 5", "third 5"],
    "matching": {"l0 6": "r0 6", "l1 6": "extra 6"},
    "cloze": ["gap 7", "x"],
}


def violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now, one readable line each."""
    results = AXE.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert not found, "axe-core found violations:\n" + "\n".join(found)


def test_axe_finds_what_it_is_meant_to_find(page: Page) -> None:
    """A check on the checker: a page with known faults must not pass."""
    page.set_content('<html><body><img src="/static/none.png"><p style="color:#ccc">faint</p></body></html>')
    rules = {line.split(": ")[1].split(" ")[0] for line in violations(page)}
    assert {"html-has-lang", "image-alt", "color-contrast", "landmark-one-main"} <= rules, rules


def test_home_page(page: Page) -> None:
    page.goto("/")
    assert_accessible(page)


def test_home_page_with_an_attempt_to_continue(page: Page) -> None:
    start_quiz(page, EXAM)
    page.goto("/")
    expect(page.get_by_role("region", name="Continue where you left off")).to_be_visible()
    assert_accessible(page)


def test_the_page_that_asks_before_a_time_limit_starts(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name=f"Start {EXAM[1]}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Start “{EXAM[1]}” now?")
    assert_accessible(page)
    page.get_by_role("link", name="No, back to the quizzes").click()  # nothing started
    expect(page.get_by_role("region", name="Continue where you left off")).to_have_count(0)


def test_home_page_with_errors_in_the_practise_form(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 422")
    page = browsing.new_page()
    page.goto("/")
    page.get_by_label("Number of questions").fill("")
    press_button(page, "Start practising")
    expect(page.locator(".practise .error")).not_to_have_count(0)
    assert_accessible(page)


@pytest.mark.parametrize("quiz", [PRACTICE, EXAM], ids=["practice", "exam"])
@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_question_page(page: Page, quiz: tuple[str, str], qtype: str) -> None:
    attempt_id = start_quiz(page, quiz)
    page.goto(attempt_url(attempt_id, QUESTION_TYPES.index(qtype) + 1))
    assert_accessible(page)


def test_practice_pages_with_feedback(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 422")  # the matching answer leaves a pair empty
    page = browsing.new_page()
    attempt_id = start_quiz(page, PRACTICE)
    found = []
    for position, qtype in enumerate(QUESTION_TYPES, start=1):
        page.goto(attempt_url(attempt_id, position))
        enter_answer(page, qtype, FEEDBACK_ANSWERS[qtype])
        press_button(page, "Check answer")
        if qtype == "matching":  # asked first: "1 of 3 pairs is still empty"
            expect(page.locator(".match-items .error")).to_contain_text("still empty")
            found += violations(page)
            press_button(page, "Check anyway")
        expect(page.locator(".feedback")).to_be_visible()
        found += violations(page)
    assert not found, "axe-core found violations:\n" + "\n".join(found)


def test_question_pages_with_errors(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 422")
    page = browsing.new_page()
    attempt_id = start_quiz(page, EXAM)
    found = []
    page.goto(attempt_url(attempt_id, QUESTION_TYPES.index("numeric") + 1))
    page.get_by_label("Your answer").fill("about twenty")
    press_button(page, "Next")
    expect(page.get_by_label("Your answer")).to_have_attribute("aria-invalid", "true")
    found += violations(page)
    page.goto(attempt_url(attempt_id, QUESTION_TYPES.index("ordering") + 1))
    enter_answer(page, "ordering", ["first 5", "second 5"])  # the third item has no position
    press_button(page, "Next")
    expect(page.locator(".order-items .error")).to_have_count(1)
    found += violations(page)
    assert not found, "axe-core found violations:\n" + "\n".join(found)


def test_summary_confirm_and_review_pages(page: Page) -> None:
    attempt_id = start_quiz(page, EXAM)
    enter_answer(page, "single_choice", "right 0")
    page.get_by_role("checkbox", name="Flag this question for later").check()
    press_button(page, "Next")
    enter_answer(page, "multiple_choice", ["right 1", "wrong 1"])
    press_button(page, "Summary")
    expect(page).to_have_url(f"{page.url.split('/attempts/')[0]}{attempt_url(attempt_id, 'summary')}")
    assert_accessible(page)

    page.get_by_role("link", name="Submit all and finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit all your answers and finish?")
    assert_accessible(page)

    press_button(page, "Yes, submit and finish")
    expect(page.locator(".score")).to_be_visible()
    assert_accessible(page)


def test_time_is_up_page(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 409")
    page = browsing.new_page()
    attempt_id = start_quiz(page, SHORT_EXAM)
    browsing.server.age_attempt(attempt_id, minutes=5)
    press_button(page, "Next")
    expect(page.get_by_role("heading", level=1)).to_have_text("Time is up")
    assert_accessible(page)


def test_progress_page(page: Page) -> None:
    page.goto("/progress")  # nothing yet
    assert_accessible(page)
    attempt_id = start_quiz(page, PRACTICE)
    for position, qtype in enumerate(QUESTION_TYPES[:3], start=1):
        page.goto(attempt_url(attempt_id, position))
        enter_answer(page, qtype, FEEDBACK_ANSWERS[qtype])
        press_button(page, "Check answer")
    page.goto("/progress")
    page.get_by_text("The chart's figures as a table").click()
    expect(page.locator(".chart-table table")).to_be_visible()
    assert_accessible(page)


def test_scoring_help_page(page: Page) -> None:
    page.goto("/help/scoring")
    expect(page.get_by_role("heading", level=1)).to_have_text("How answers are scored")
    assert_accessible(page)


def test_error_page(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 404")
    page = browsing.new_page()
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert_accessible(page)


# --- accounts ------------------------------------------------------------------------------------------


def test_sign_in_and_register_pages(browsing: Browsing) -> None:
    from .accounts import unique_name

    browsing.expect_console_error(r"status of 422")
    page = browsing.new_page()
    page.goto("/sign-in")
    assert_accessible(page)
    page.get_by_label("Username").fill(unique_name("nobody"))
    page.get_by_label("Password", exact=True).fill("not the password")
    press_button(page, "Sign in")
    expect(page.locator(".error")).to_have_count(1)
    expect(page.get_by_label("Password", exact=True)).to_be_focused()  # the field in error
    assert_accessible(page)

    page.goto("/register")
    assert_accessible(page)
    page.get_by_label("Username").fill("a")
    page.get_by_label("Email (optional)").fill("not an address")
    page.get_by_label("Password", exact=True).fill("password1")
    press_button(page, "Register")
    expect(page.locator(".error")).to_have_count(4)  # username, email, password, repeat
    expect(page.get_by_label("Username")).to_be_focused()  # the first field in error
    assert_accessible(page)


def test_account_pages_and_the_users_page(browsing: Browsing) -> None:
    from .accounts import PASSWORD, create_account, sign_in_on, unique_name

    name = unique_name("admin")
    create_account(browsing.server, name, "admin")
    page = browsing.new_page()
    sign_in_on(page, name)
    for path, heading in (
        ("/", "Quizzes"),
        ("/account", "Your account"),
        ("/account/password", "Change your password"),
        ("/account/delete", "Delete your account"),
        ("/admin/users", "Users"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    browsing.expect_console_error(r"status of 422")
    page.goto("/account/password")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    press_button(page, "Change the password")
    expect(page.locator(".error")).not_to_have_count(0)
    assert_accessible(page)


def test_too_many_failed_sign_ins_page(browsing: Browsing) -> None:
    from .accounts import sign_in_on, unique_name

    browsing.expect_console_error(r"status of (422|429)")
    page = browsing.new_page()
    name = unique_name("target")
    for _ in range(5):
        sign_in_on(page, name, "not the password")
    sign_in_on(page, name, "not the password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed sign-ins")
    assert_accessible(page)
