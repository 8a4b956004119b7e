"""End-to-end journeys of a guest in a real browser: practice, a timed exam, running out of time, no JS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..factories import QUESTION_TYPES
from .conftest import (
    CITATION,
    EXAM,
    FACTS,
    PRACTICE,
    RIGHT_ANSWERS,
    SHORT_EXAM,
    Browsing,
    LiveServer,
    attempt_url,
    enter_answer,
    press_button,
    require,
    start_quiz,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect

NARROW = {"width": 360, "height": 800}

# One question of each type, in the practice quiz's order: what to enter and what the page then says.
PRACTICE_PLAN: list[tuple[str, Any, str, str, list[str]]] = [
    # (type, answer, verdict, "Your answer" as shown, feedback messages)
    ("single_choice", "right 0", "Right", "right 0", ["Yes."]),
    ("multiple_choice", ["right 1"], "Partly right (50%)", "right 1", []),
    ("true_false", "False", "Wrong", "False", ["About false."]),
    ("short_answer", "Answer 3", "Right", "Answer 3", []),
    ("numeric", "1999", "Wrong", "1999", []),
    ("ordering", ["first 5", "second 5", "third 5"], "Right", "1. first 5\n2. second 5\n3. third 5", []),
    (
        "matching",
        {"l0 6": "r0 6", "l1 6": "r1 6", "l2 6": "extra 6"},
        "Partly right (67%)",
        "l0 6 → r0 6\nl1 6 → r1 6\nl2 6 → extra 6",
        [],
    ),
    ("cloze", ["gap 7", "y"], "Right", "One [gap 7] and two [y].", []),
]


def definition(region: Any, term: str) -> Any:
    """The <dd> after the <dt> named `term` in a feedback section."""
    return region.locator(f"dt:text-is('{term}') + dd")


def shown_options(page: Page) -> list[str]:
    """A multiple choice question's options, in the order its page shows them."""
    return page.locator("input[name=choices] + label").all_inner_texts()


def expect_definition(region: Any, term: str, text: str) -> None:
    """The <dd> after the <dt> named `term` reads `text` (lines split by <br>, as a person sees it)."""
    expect(definition(region, term)).to_have_text(text, use_inner_text=True)


def assert_fits_width(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width} px: scrollWidth {scroll_width}"


def screenshots(page: Page, folder: Path, name: str) -> None:
    """Full-page shots at the default viewport and at 360 px wide, where nothing may scroll sideways."""
    default = page.viewport_size
    page.screenshot(path=folder / f"{name}.png", full_page=True)
    page.set_viewport_size(NARROW)
    try:
        assert_fits_width(page, NARROW["width"])
        # The header takes two short rows, not a column of stacked links (150 px before).
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 120, f"{page.url}: the header is {header['height']} px tall at 360 px"
        page.screenshot(path=folder / f"{name}-360.png", full_page=True)
        # A bank's options may be long sentences: a select must not widen the page to its longest.
        selects = "document.querySelectorAll('main select')"
        page.evaluate(f"{selects}.forEach(s => s.add(new Option({'a long option ' * 30!r})))")
        assert_fits_width(page, NARROW["width"])
        page.evaluate(f"{selects}.forEach(s => s.remove(s.options.length - 1))")  # as it was
    finally:
        page.set_viewport_size(default)


def test_practice_quiz_of_every_question_type(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    attempt_id = start_quiz(page, PRACTICE)
    for position, (qtype, answer, verdict, yours, messages) in enumerate(PRACTICE_PLAN, start=1):
        assert qtype == QUESTION_TYPES[position - 1]
        expect(page).to_have_url(f"{live_server.url}{attempt_url(attempt_id, position)}")
        expect(page.locator("#progress-label")).to_have_text(f"Question {position} of 8")
        expect(page.get_by_role("region", name=verdict, exact=True)).to_have_count(0)
        screenshots(page, tmp_path, f"{qtype}-question")

        right = RIGHT_ANSWERS[qtype]
        if qtype == "matching":  # feedback lists the pairs in the order the page showed them
            lefts = page.locator(".match-item label").all_inner_texts()
            yours = "\n".join(f"{left} → {answer[left]}" for left in lefts)
            right = "\n".join(f"{left} → r{left[1:]}" for left in lefts)
        if qtype == "multiple_choice":  # and the options in the order the page showed them
            right = "\n".join(o for o in shown_options(page) if o in RIGHT_ANSWERS[qtype].split("\n"))
        enter_answer(page, qtype, answer)
        press_button(page, "Check answer")

        feedback = page.get_by_role("region", name=verdict, exact=True)
        expect(feedback).to_be_visible()
        expect(page.locator(f"#feedback-{position}")).to_be_focused()  # where the check sent the reader
        expect_definition(feedback, "Your answer", yours)
        expect_definition(feedback, "Right answer", right)
        expect_definition(feedback, "Why", f"Because of q{position}.")
        expect(feedback.locator(".facts li")).to_have_text(f"{FACTS[qtype]} {CITATION}")
        expect(feedback.locator(".feedback-message")).to_have_text(messages)
        # an answered practice question is locked: no second try
        expect(page.get_by_role("button", name="Check answer")).to_have_count(0)
        screenshots(page, tmp_path, qtype)

        press_button(page, "Next" if position < len(PRACTICE_PLAN) else "Summary")

    expect(page).to_have_url(f"{live_server.url}{attempt_url(attempt_id, 'summary')}")
    expect(page.locator("table.summary tbody td:first-of-type")).to_have_text(["Checked"] * 8)
    page.get_by_role("link", name="Submit all and finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit all your answers and finish?")
    press_button(page, "Yes, submit and finish")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {PRACTICE[1]}")
    expect(page.locator(".score")).to_have_text("Your score: 5.17 out of 8 (65%).")
    expect(page.locator(".review-item h2")).to_have_text(
        [f"Question {n}: Prompt of q{n} ({n - 1})?" for n in range(1, 9)]
    )
    expect(page.locator(".review-item .feedback h3")).to_have_text([plan[2] for plan in PRACTICE_PLAN])
    expect(page.get_by_role("button", name="Practise what I missed (2 facts)")).to_be_visible()


def test_timed_exam_resumed_in_a_new_browser_then_submitted(browsing: Browsing) -> None:
    first = browsing.new_context()
    page = first.new_page()
    attempt_id = start_quiz(page, EXAM)
    expect(page.locator(".deadline")).to_contain_text("Time limit: submit by")
    expect(page.locator("#countdown")).to_contain_text("Time left: 29 min")
    enter_answer(page, "single_choice", "right 0")
    press_button(page, "Next")
    chosen = [o for o in shown_options(page) if o in ("right 1", "also right 1")]  # as the page shows them
    enter_answer(page, "multiple_choice", ["right 1", "also right 1"])
    page.get_by_role("checkbox", name="Flag this question for later").press("Space")
    press_button(page, "Next")
    expect(page.locator("#progress-label")).to_have_text("Question 3 of 8")
    # exam mode says nothing about the answers yet
    expect(page.locator(".feedback")).to_have_count(0)
    cookies = first.storage_state()
    first.close()

    page = browsing.new_context(storage_state=cookies).new_page()
    page.goto("/")
    resume = page.get_by_role("region", name="Continue where you left off")
    expect(resume).to_contain_text("2 of 8 answered, due by")
    resume.get_by_role("link", name=EXAM[1]).click()
    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 3)}")
    enter_answer(page, "true_false", "True")
    press_button(page, "Previous")
    expect(page.get_by_role("checkbox", name="right 1", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="also right 1", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="wrong 1", exact=True)).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Flag this question for later")).to_be_checked()
    press_button(page, "Previous")
    expect(page.get_by_role("radio", name="right 0", exact=True)).to_be_checked()
    press_button(page, "Summary")

    rows = page.locator("table.summary tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.locator("td:nth-of-type(1)")).to_have_text(["Answer saved"] * 3 + ["Not yet answered"] * 5)
    expect(rows.locator("td:nth-of-type(2)")).to_have_text(["", "Flagged", "", "", "", "", "", ""])
    expect(page.get_by_text("3 answered, 5 not answered, 1 flagged.")).to_be_visible()
    page.get_by_role("link", name="Submit all and finish").click()
    expect(page.locator(".warning")).to_have_text("5 questions still have no answer.")
    press_button(page, "Yes, submit and finish")

    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 'review')}")
    expect(page.locator(".score")).to_have_text("Your score: 3 out of 8 (38%).")
    items = page.locator(".review-item")
    expect(items.locator(".feedback h3")).to_have_text(["Right"] * 3 + ["Not answered"] * 5)
    expect_definition(items.nth(0), "Your answer", "right 0")
    expect_definition(items.nth(1), "Your answer", "\n".join(chosen))
    expect_definition(items.nth(2), "Your answer", "True")
    expect_definition(items.nth(3), "Your answer", "(no answer)")
    page.goto("/")
    expect(page.get_by_role("region", name="Continue where you left off")).to_have_count(0)


def test_a_short_exam_that_runs_out_counts_what_was_saved(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 409")  # the "Time is up" page
    page = browsing.new_page()
    attempt_id = start_quiz(page, SHORT_EXAM)
    expect(page.locator("#countdown")).to_contain_text("Time left: 0 min")
    enter_answer(page, "single_choice", "right 0")
    press_button(page, "Next")
    # Rather than wait for the minute and the server's grace period: the deadline passed 5 minutes ago.
    browsing.server.age_attempt(attempt_id, minutes=5)
    enter_answer(page, "true_false", "True")
    press_button(page, "Next")

    expect(page.get_by_role("heading", level=1)).to_have_text("Time is up")
    expect(page.get_by_role("main")).to_contain_text(
        "this answer was not saved; the answers you saved before the deadline were submitted."
    )
    expect(page.get_by_role("main").get_by_role("link")).to_have_count(1)  # the one way on
    page.get_by_role("link", name="See the review").click()
    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 'review')}")
    expect(page.locator(".score")).to_have_text("Your score: 1 out of 3 (33%).")
    items = page.locator(".review-item")
    expect(items.locator(".feedback h3")).to_have_text(["Right", "Not answered", "Not answered"])
    expect_definition(items.nth(0), "Your answer", "right 0")
    expect_definition(items.nth(1), "Your answer", "(no answer)")  # sent too late
    # the attempt is over: its pages lead to the review
    page.goto(attempt_url(attempt_id, 2))
    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 'review')}")


def test_ordering_and_matching_work_without_javascript(browsing: Browsing) -> None:
    browsing.expect_console_error(r"status of 422")  # the page that says what to fix
    page = browsing.new_page(java_script_enabled=False)
    attempt_id = start_quiz(page, PRACTICE)
    page.goto(attempt_url(attempt_id, 6))
    # a position used twice is sent back with a message, nothing saved
    page.get_by_label("first 5", exact=True).select_option("1")
    page.get_by_label("second 5", exact=True).select_option("1")
    page.get_by_label("third 5", exact=True).select_option("3")
    press_button(page, "Check answer")
    expect(page.locator(".order-items .error")).to_have_text(
        ["Position 1 is given to more than one item: give each item a position of its own."]
    )
    enter_answer(page, "ordering", ["first 5", "second 5", "third 5"])
    press_button(page, "Check answer")
    expect(page.get_by_role("region", name="Right", exact=True)).to_be_visible()
    press_button(page, "Next")

    expect(page.locator("#progress-label")).to_have_text("Question 7 of 8")
    lefts = page.locator(".match-item label").all_inner_texts()  # as shown, which the feedback follows
    enter_answer(page, "matching", {"l0 6": "r0 6", "l1 6": "r1 6", "l2 6": "r2 6"})
    press_button(page, "Check answer")
    feedback = page.get_by_role("region", name="Right", exact=True)
    expect_definition(feedback, "Right answer", "\n".join(f"{left} → r{left[1:]}" for left in lefts))
    press_button(page, "Summary")

    expect(page.get_by_role("heading", level=1)).to_have_text("Summary of your attempt")
    expect(page.locator("table.summary tbody td:first-of-type")).to_have_text(
        ["Not yet answered"] * 5 + ["Checked", "Checked", "Not yet answered"]
    )


def test_enter_in_a_text_answer_checks_it(page: Page) -> None:
    attempt_id = start_quiz(page, PRACTICE)
    page.goto(attempt_url(attempt_id, 4))
    field = page.get_by_label("Your answer")
    field.press_sequentially("answer 3")
    with page.expect_navigation():
        field.press("Enter")
    assert page.locator("#progress-label").inner_text() == "Question 4 of 8"
    assert page.get_by_role("region", name="Right", exact=True).is_visible()


def test_at_the_deadline_the_page_saves_and_submits_the_attempt(browsing: Browsing) -> None:
    """With scripts, a taker who runs out of time loses nothing typed: the question page saves
    and goes to the summary, which goes on to the confirmation, which submits."""
    page = browsing.new_page()
    attempt_id = start_quiz(page, SHORT_EXAM)
    enter_answer(page, "single_choice", "right 0")  # chosen, not yet saved
    # Rather than wait for the minute: the deadline passed 3 s ago (within the server's grace
    # period), on the server and on the page.
    browsing.server.age_attempt(attempt_id, minutes=0.05)
    past = "new Date(Date.now() - 1000).toISOString()"
    page.evaluate(f"document.getElementById('deadline').setAttribute('datetime', {past})")
    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 'review')}")
    expect(page.locator(".score")).to_have_text("Your score: 1 out of 3 (33%).")


def test_at_the_deadline_a_page_shown_again_with_an_error_goes_on_to_submit(browsing: Browsing) -> None:
    """A refused answer cannot be saved as it is (saving it again would only be refused again): at
    the deadline the page goes on to the summary, which goes on to submit what was saved."""
    browsing.expect_console_error(r"status of 422")  # the refused answer's page
    page = browsing.new_page()
    attempt_id = start_quiz(page, SHORT_EXAM)
    page.evaluate(
        "() => { const radio = document.querySelector('input[name=choice]');"
        " radio.value = '99'; radio.checked = true; }"
    )  # no such choice: refused
    press_button(page, "Next")
    expect(page.locator("[aria-invalid=true], .error").first).to_be_visible()
    browsing.server.age_attempt(attempt_id, minutes=0.05)
    past = "new Date(Date.now() - 1000).toISOString()"
    page.evaluate(f"document.getElementById('deadline').setAttribute('datetime', {past})")
    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 'review')}")
    expect(page.locator(".score")).to_have_text("Your score: 0 out of 3 (0%).")


def test_leaving_a_question_with_an_unsaved_answer_asks_first(browsing: Browsing) -> None:
    browsing.allow_dialogs("beforeunload")
    page = browsing.new_page()
    attempt_id = start_quiz(page, SHORT_EXAM)
    enter_answer(page, "single_choice", "right 0")  # chosen, not yet saved
    page.reload()
    assert browsing.dialogs == ["beforeunload"]
    expect(page).to_have_url(f"{browsing.server.url}{attempt_url(attempt_id, 1)}")
    enter_answer(page, "single_choice", "right 0")
    press_button(page, "Next")  # saved: leaving asks nothing
    page.goto("/")
    page.goto(attempt_url(attempt_id, 2))
    page.goto("/")  # nothing changed on question 2
    assert browsing.dialogs == ["beforeunload"]


def test_the_deadline_is_also_given_in_the_takers_own_time(browsing: Browsing) -> None:
    page = browsing.new_page(timezone_id="Asia/Kolkata", locale="en-GB")  # UTC+05:30, no summer time
    start_quiz(page, SHORT_EXAM)
    utc = page.locator("#deadline").get_attribute("datetime")  # e.g. 2026-11-29T16:50:00Z
    hours, minutes = int(utc[11:13]), int(utc[14:16])
    total = (hours * 60 + minutes + 330) % (24 * 60)
    expect(page.locator(".deadline")).to_contain_text(f"({total // 60:02d}:{total % 60:02d} your time)")


def test_times_are_also_given_in_the_readers_own_time(browsing: Browsing) -> None:
    page = browsing.new_page(timezone_id="Asia/Kolkata", locale="en-GB")  # UTC+05:30, no summer time
    start_quiz(page, SHORT_EXAM)
    page.goto("/")
    started = page.locator(".resume time[data-local]").first
    utc = started.get_attribute("datetime")
    total = (int(utc[11:13]) * 60 + int(utc[14:16]) + 330) % (24 * 60)
    expect(page.locator(".resume")).to_contain_text(f"{total // 60:02d}:{total % 60:02d} your time")
    page.goto("/progress")
    expect(page.locator("table.history")).to_contain_text(f"{total // 60:02d}:{total % 60:02d} your time")
    # the same taker in a browser set to UTC: nothing to add
    utc_reader = browsing.new_page(timezone_id="UTC", storage_state=page.context.storage_state())
    utc_reader.goto("/progress")
    expect(utc_reader.locator("table.history")).to_contain_text("UTC")
    expect(utc_reader.locator("body")).not_to_contain_text("your time")
