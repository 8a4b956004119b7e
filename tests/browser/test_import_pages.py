"""The import pages in Chromium: a GIFT file uploaded by keyboard, its dry run, the import; a broken file.

axe-core checks every state of the pages: the empty form, the dry run, the imported file and a
file refused with its error.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from .accounts import create_account, sign_in_on, unique_name
from .conftest import Browsing, LiveServer, press_button, require
from .test_accessibility import assert_accessible

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = require("playwright.sync_api").expect

FILE_LABEL = "File to import"


@pytest.fixture(scope="module")
def teacher(live_server: LiveServer) -> str:
    """One teacher for this module's tests: `quizapp user create` takes seconds to start."""
    name = unique_name("teacher")
    create_account(live_server, name, "teacher")
    return name


def gift(tag: str) -> str:
    """Five questions of five types, and an essay that cannot be graded (on line 18)."""
    return f"""// A small bank for the browser test of the import pages
$CATEGORY: $course$/top/Geography

::{tag} capital::What is the capital of France?{{=Paris ~Lyon ~Nice}}

::{tag} wall::The Berlin Wall fell in 1989.{{T}}

::{tag} river::Which river flows through Rome?{{=Tiber =Tevere}}

::{tag} year::In which year did the Berlin Wall fall?{{#1989}}

::{tag} match::Match each country with its capital.{{
=France -> Paris
=Italy -> Rome
=Spain -> Madrid
}}

::{tag} essay::Discuss the causes of the French Revolution.{{}}
"""


def broken_gift(tag: str) -> str:
    """A good question, then one whose answers are never closed (opened on line 3)."""
    return f"""::{tag} fine::Is this fine?{{T}}

::{tag} broken::Which is right? {{=yes ~no
"""


def choose_file_by_keyboard(page: Page, name: str, text: str) -> None:
    """Tab to the file input (it must be reachable by keyboard), give it the file, then send the form."""
    file_input = page.get_by_label(FILE_LABEL, exact=True)
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if file_input.evaluate("input => input === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the file input")
    file_input.set_input_files({"name": name, "mimeType": "text/plain", "buffer": text.encode()})
    page.keyboard.press("Tab")  # on to the next control, in reading order
    expect(page.get_by_label("Format", exact=True)).to_be_focused()
    press_button(page, "Check the file (dry run)")


def rows_of(section: Locator) -> Locator:
    return section.locator("tbody tr")


def test_a_gift_file_is_dry_run_then_imported(browsing: Browsing, teacher: str) -> None:
    tag = f"imp{uuid.uuid4().hex[:8]}"
    page = browsing.new_page()
    sign_in_on(page, teacher)
    page.goto("/teach/import")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a bank file")
    assert_accessible(page)

    filename = f"{tag}.gift"
    choose_file_by_keyboard(page, filename, gift(tag))
    expect(page.get_by_role("heading", level=2, name=f"Dry run of {filename} (GIFT)")).to_be_in_viewport()
    assert page.url.endswith("#dry-run")  # the page comes back at its dry run, nearer the Import button
    expect(page.get_by_role("status")).to_have_text(
        "5 questions to import, 1 skipped. Nothing has been written yet."
    )
    skipped_title = "Skipped: these cannot be graded automatically or do not fit (1)"
    skipped = page.get_by_role("region", name=skipped_title)
    expect(rows_of(skipped).locator("td")).to_have_text(
        [f"{filename}:18", f"question '{tag} essay'", "an essay needs a teacher to grade it: not imported"]
    )
    counts = page.locator("ul.import-counts li")
    expect(counts.first).to_have_text("5 questions: 5 added, 0 changed, 0 unchanged, 0 retired")
    expect(page.get_by_role("region", name="Errors", exact=False)).to_have_count(0)
    assert_accessible(page)

    press_button(page, "Import")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Imported {filename}")
    expect(page.get_by_role("status")).to_have_text("The file was imported: 5 questions, 1 skipped.")
    drafts = page.get_by_role("region", name="Drafted facts to review (5)")
    expect(drafts.locator("li")).to_have_count(5)
    expect(drafts).to_contain_text("What is the capital of France?")
    expect(drafts).to_contain_text("Paris")
    expect(page.get_by_role("region", name="Skipped (1)").locator("td").first).to_have_text(f"{filename}:18")
    assert_accessible(page)

    # The questions are in the bank now, each with its drafted fact waiting for review.
    page.goto(f"/teach/questions?text={tag}")
    expect(page.get_by_text("5 questions.", exact=True)).to_be_visible()
    page.goto(f"/teach/facts?draft=y&text={tag}")
    expect(page.get_by_text("5 facts.", exact=True)).to_be_visible()


def test_a_malformed_gift_file_shows_its_line_and_imports_nothing(browsing: Browsing, teacher: str) -> None:
    tag = f"imp{uuid.uuid4().hex[:8]}"
    page = browsing.new_page()
    sign_in_on(page, teacher)
    page.goto("/teach/import")
    browsing.expect_console_error("status of 422")

    filename = f"{tag}.gift"
    choose_file_by_keyboard(page, filename, broken_gift(tag))
    expect(page.get_by_role("alert")).to_have_text(
        "1 error: nothing can be imported from this file. Correct it and upload it again."
    )
    expect(page.locator("#file-error")).to_have_text(
        "1 error in the file: nothing can be imported. The list is below."
    )
    expect(page.get_by_label(FILE_LABEL, exact=True)).to_have_attribute("aria-invalid", "true")
    errors = page.get_by_role("region", name="Errors (1)")
    expect(rows_of(errors).locator("td")).to_have_text(
        [
            f"{filename}:3",
            f"question '{tag} broken'",
            "unclosed '{': the answers opened here are never closed (a blank line ends a question)",
        ]
    )
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    assert_accessible(page)

    page.goto(f"/teach/questions?text={tag}")
    expect(page.get_by_text("0 questions.", exact=True)).to_be_visible()
