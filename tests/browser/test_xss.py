"""Cross-site scripting: payloads saved as teacher text must show as text and never run.

The corpus (tests/xss/payloads.txt) is saved by each "saver" in `SAVERS` (bank files through
`quizapp load` and `quizapp import`; the teacher's web forms over HTTP); then every page that
shows it is opened in Chromium: home, each question type in practice (with its feedback) and in
an exam, the summary, the review, My progress, the teacher area (listings, each question's
page, editor and answered preview, the fact, source and quiz forms, export), and registration.
A dialog, a page error, a console error (an injected `<img src=x>` fails to load) or an injected
handler, script or javascript: URL in the DOM fails the test. To save through another path, add
a function to `SAVERS` (it gets the `Site` and must put `corpus()` into its bank and say what to
expect: `shown`, `facts`) and a module like test_xss_forms.py whose `saver` names it.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from quizapp.bank.gift_write import escape as gift_escape
from quizapp.config import TEST_PASSWORD_HASH

from ..factories import bank, write_bank
from .conftest import Browsing, LiveServer, _free_port, gunicorn
from .xss_forms import save_through_forms

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CORPUS = Path(__file__).resolve().parent.parent / "xss" / "payloads.txt"
TEACHER, TEACHER_PASSWORD = "tess", "a teacher's long phrase"
PRACTICE_KEY, EXAM_KEY = "xss-practice", "xss-exam"


def corpus() -> list[str]:
    """The payloads, one a line; lines starting with '# ' are comments."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ")]


@dataclass
class Site:
    """A server of its own and a way to run `quizapp` commands on its database."""

    server: LiveServer
    folder: Path
    env: dict[str, str]
    shown: list[str]  # texts saved as plain text, which some page must show exactly as written
    browser: Browser | None = None
    facts: int = 0  # the home page offers at least this many facts to practise
    teacher_shown: list[str] = field(default_factory=list)  # texts the teacher area shows as written

    def run(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "quizapp", *args],
            env=self.env,
            cwd=self.folder,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"quizapp {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout


# --- saving the corpus through bank files ------------------------------------------------------------


def payload_bank(payloads: list[str]) -> dict[str, Any]:
    """The factory bank (every question type) with a payload in every text field, in turn."""
    cycle = itertools.cycle(payloads)
    count = itertools.count(1)

    def text(label: str = "") -> str:
        return f"{label or 'T'}{next(count)} {next(cycle)}"

    data = bank("xss", questions=8, facts=2)
    data["source"]["title"] = text("Source")
    data["source"]["sections"][0]["title"] = text("Section")
    data["topics"][0]["title"] = text("Topic")
    for fact in data["facts"]:
        fact["statement"] = text("Fact")
    for q in data["questions"]:
        q["prompt"], q["explanation"] = text("Prompt"), text("Explanation")
        for option in q.get("options", []):
            option["text"] = text("Option")
            if "feedback" in option or option.get("correct"):
                option["feedback"] = text("Feedback")
        if q["type"] == "true_false":
            q["true_feedback"], q["false_feedback"] = text("True"), text("False")
        if q["type"] == "short_answer":
            q["answers"] = [text("Answer"), text("Answer")]
        if q["type"] == "ordering":
            q["items"] = [text("Item") for _ in q["items"]]
        if q["type"] == "matching":
            q["pairs"] = [{"left": text("Left"), "right": text("Right")} for _ in q["pairs"]]
            q["distractors"] = [text("Distractor")]
        if q["type"] == "cloze":
            q["text"] = text("Cloze").replace("{", "(").replace("}", ")") + " One {{1}} and two {{2}}."
            options = [text("Blank"), text("Blank")]
            q["blanks"] = [{"answers": [text("Gap")]}, {"options": options, "answer": options[1]}]
    every = [q["id"] for q in data["questions"]]
    data["quizzes"] = [
        {"id": PRACTICE_KEY, "title": text("Quiz"), "select": {"questions": list(every)}, "order": "fixed"},
        {
            "id": EXAM_KEY,
            "title": text("Exam"),
            "mode": "exam",
            "select": {"questions": every},
            "order": "fixed",
        },
    ]
    return data


def gift_file(payloads: list[str]) -> str:
    """Questions in GIFT's plain, [html] and [markdown] formats with payloads everywhere."""
    parts = []
    for i, p in enumerate(payloads):
        e = gift_escape(p)
        markup = gift_escape(f"<p>HTML {i} <b>{html.escape(p)}</b> <img src=x onerror=alert(1)></p>")
        parts.append(
            f"$CATEGORY: $course$/top/Category {i} {e}\n\n"
            f"::gift-plain-{i}::Plain {i} {e}{{\n\t=Right {i} {e}#Yes {e}\n\t~Wrong {i} {e}#No {e}\n"
            f"\t~Third {i}\n####Why {e}\n}}\n\n"
            f"::gift-html-{i}::[html]{markup}{{\n\t={markup}\n\t~Other {i}\n\t~Third {i}\n"
            f"####{markup}\n}}\n\n"
            f"::gift-md-{i}::[markdown]Markdown {i} [x](javascript:alert(1)) {e}"
            f"{{TRUE#Wrong {e}#Right {e}}}\n\n"
        )
        if "->" not in p:  # the arrow between a pair's sides
            parts[-1] += (
                f"::gift-match-{i}::Match {i} {e}{{\n\t=L1 {e} -> R1 {e}\n"
                f"\t=L2 {i} -> R2 {i}\n\t=L3 {i} -> R3 {i}\n}}\n"
            )
    return "\n".join(parts)


def aiken_file(payloads: list[str]) -> str:
    return "\n".join(
        f"Aiken {i} {p}\nA) Right {i} {p}\nB) Wrong {i} {p}\nC) Other {i}\nANSWER: A\n"
        for i, p in enumerate(payloads)
    )


def save_through_files(site: Site) -> None:
    """A YAML bank through `quizapp load`; GIFT and Aiken files through `quizapp import`."""
    payloads = corpus()
    data = payload_bank(payloads)
    site.shown += [q["prompt"] for q in data["questions"]] + [data["topics"][0]["title"]]
    site.run("load", str(write_bank(site.folder / "banks" / "xss.yaml", data)))
    gift = site.folder / "xss-gift.gift"
    gift.write_text(gift_file(payloads), encoding="utf-8")
    site.run("import", str(gift))
    aiken = site.folder / "xss-aiken.aiken"
    aiken.write_text(aiken_file(payloads), encoding="utf-8")
    site.run("import", str(aiken))
    site.shown += [f"Aiken {i} {p}" for i, p in enumerate(payloads)]
    site.shown += [f"HTML {i} {p}" for i, p in enumerate(payloads)]  # [html] made plain text
    site.facts = 2 * len(payloads)  # the YAML bank's facts and those drafted on import


def save_through_teacher_forms(site: Site) -> None:
    """A source, facts, every question type and two quizzes through the teacher's forms."""
    assert site.browser is not None
    saved = save_through_forms(
        site.browser, site.server.url, corpus(), (TEACHER, TEACHER_PASSWORD), (PRACTICE_KEY, EXAM_KEY)
    )
    site.shown += saved["prompt"] + saved["fact"] + saved["quiz"]
    site.teacher_shown += saved["all"]
    site.facts = len(saved["fact"])


SAVERS: dict[str, Callable[[Site], None]] = {
    "bank files": save_through_files,
    "teacher forms": save_through_teacher_forms,
}


# --- the server ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saver() -> str:
    """The saver this module checks; tests/browser/test_xss_forms.py checks the other."""
    return "bank files"


@pytest.fixture(scope="module")
def site(saver: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server of its own on a fresh SQLite file, with a teacher, after the saver has run."""
    folder = tmp_path_factory.mktemp("xss")
    database = folder / "quizapp.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "xss-tests-secret-key",
        "QUIZAPP_ENV": "development",
        "QUIZAPP_BANKS": str(folder / "banks"),
        "QUIZAPP_PASSWORD_HASH": TEST_PASSWORD_HASH,
    }
    port = _free_port()
    server = LiveServer(url=f"http://127.0.0.1:{port}", database=database, log=folder / "gunicorn.log")
    site = Site(server, folder, env, [], browser)
    site.run("db", "upgrade")
    site.run(
        "user", "create", TEACHER, "--role", "teacher", "--password-stdin", stdin=TEACHER_PASSWORD + "\n"
    )
    with gunicorn(env, folder, port, server.log):
        SAVERS[saver](site)
        _review_drafted_facts(database)
        yield site


def _review_drafted_facts(database: Path) -> None:
    """As if a teacher had reviewed every fact an import drafted: students see a fact only then
    (a draft states its question's answer), and its statement is text to check like any other.
    A new bank state token makes the server read its listing again."""
    with sqlite3.connect(database, timeout=30) as conn:
        conn.execute("UPDATE facts SET draft = 0")
        conn.execute("UPDATE bank_state SET token = 'drafts-reviewed'")


@pytest.fixture
def xss_browsing(browser: Browser, site: Site) -> Iterator[Browsing]:
    browsing = Browsing(browser, site.server)
    try:
        yield browsing
    finally:
        browsing.close()
    assert not browsing.problems, "\n".join(browsing.problems)


# --- checking a page -------------------------------------------------------------------------------------

INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'srcdoc', 'data'].includes(name)
          && /^\\s*(javascript|data):/i.test(a.value)) found.push(`${el.tagName} ${name}=${a.value}`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (/alert/.test(s.textContent)) found.push('script: ' + s.textContent.slice(0, 80));
  }
  for (const el of document.querySelectorAll('iframe, embed, object, math, img[src="x"]')) {
    found.push('element ' + el.tagName);
  }
  for (const s of document.querySelectorAll('style')) {
    if (/javascript/i.test(s.textContent)) found.push('style: ' + s.textContent.slice(0, 80));
  }
  return {found: found, text: document.body.innerText};
}"""


def check(page: Page, browsing: Browsing, shows: list[str] = ()) -> str:
    """No script of the payloads ran or sits in the DOM; the texts in `shows` are visible. The page's text."""
    page.wait_for_load_state("load")
    seen = page.evaluate(INJECTED)  # one round trip: what was injected, and the text shown
    assert not seen["found"], f"{page.url}: injected markup {seen['found']}"
    assert not browsing.problems, "\n".join(browsing.problems)
    text = seen["text"]
    for expected in shows:
        assert " ".join(expected.split()) in " ".join(text.split()), (
            f"{page.url}: {expected!r} not shown as text"
        )
    return text


# Some answer: each radio group's first choice, the first box, "1" in text boxes, distinct picks in
# selects. Set in one script rather than control by control: what matters here is what the pages show.
ANSWER_ANYTHING = """(within) => {
  const form = document.querySelector(within);
  const groups = new Set();
  for (const radio of form.querySelectorAll('input[type=radio]')) {
    if (!groups.has(radio.name)) { groups.add(radio.name); radio.checked = true; }
  }
  const box = form.querySelector('input[type=checkbox]:not([name=flag])');
  if (box) box.checked = true;
  for (const input of form.querySelectorAll('input[type=text], input:not([type])')) input.value = '1';
  form.querySelectorAll('select').forEach((select, i) => {
    const values = [...select.options].map(o => o.value).filter(v => v);
    if (values.length) select.value = values[i % values.length];
  });
}"""


def answer_anything(page: Page, within: str = "form.question-form") -> None:
    page.evaluate(ANSWER_ANYTHING, within)  # plain evaluate: a locator's costs a tenth of a second


# The one button (not hidden from assistive technology) whose text is `name`, clicked.
CLICK_BUTTON = """(name) => {
  const buttons = [...document.querySelectorAll('button, input[type=submit]')].filter(
    b => (b.tagName === 'INPUT' ? b.value : b.textContent).trim() === name
         && !b.closest('[aria-hidden=true]'));
  if (buttons.length !== 1) throw new Error(`${buttons.length} buttons named ${name}`);
  buttons[0].click();
}"""


def press(page: Page, name: str) -> None:
    """Press a button and wait for the page it loads. Found by a plain script, not a locator:
    a page's first locator costs a tenth of a second, and the walks press hundreds of buttons."""
    with page.expect_navigation():
        page.evaluate(CLICK_BUTTON, name)


def walk_attempt(page: Page, browsing: Browsing, practice: bool) -> str:
    """Every question of the attempt open in `page`, answered and checked; returns its URL base."""
    match = re.search(r"(/attempts/\d+)/1$", page.url)
    assert match, page.url
    base = match.group(1)
    total = int(re.search(r"Question 1 of (\d+)", page.inner_text("body")).group(1))
    for position in range(1, total + 1):
        page.goto(f"{base}/{position}")
        if position == 1 or not practice:  # practice feedback shows the whole question again
            check(page, browsing)
        answer_anything(page)
        press(page, "Check answer" if practice else "Summary")
        check(page, browsing)
    return base


def start(page: Page, key: str) -> None:
    page.goto("/")
    with page.expect_navigation():
        page.locator(f'form[action="/quizzes/{key}/start"] button').click()


def finish(page: Page, browsing: Browsing, base: str, shows: list[str] = ()) -> str:
    """Submit the attempt from its summary; the review's text."""
    page.goto(f"{base}/summary")
    check(page, browsing)
    page.goto(f"{base}/finish")
    check(page, browsing)
    press(page, "Yes, submit and finish")
    assert page.url.endswith(f"{base}/review"), page.url
    return check(page, browsing, shows)


# --- the tests -------------------------------------------------------------------------------------------


def test_the_corpus_has_the_classic_payloads():
    payloads = corpus()
    assert len(payloads) >= 20
    for classic in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "{{7*7}}",
        "javascript:alert(1)",
    ):
        assert any(classic in p for p in payloads), classic


def test_home_and_every_imported_question_in_practice(site: Site, xss_browsing: Browsing):
    page = xss_browsing.new_page()
    page.goto("/")
    check(page, xss_browsing, [t for t in site.shown if t.startswith("Topic")])
    facts = page.locator("input[name=facts]").evaluate_all("boxes => boxes.map(box => box.value)")
    assert len(facts) >= site.facts
    reviews = []
    for first in range(0, len(facts), 40):  # at most 50 questions an attempt: 40 facts, 46 questions
        page.goto("/")
        page.evaluate(  # tick 40 of the fact checkboxes at once (by hand it takes 40 clicks)
            "chosen => document.querySelectorAll('input[name=facts]').forEach(box => {"
            " box.checked = chosen.includes(box.value); })",
            facts[first : first + 40],
        )
        page.get_by_label("Number of questions").fill("50")
        press(page, "Start practising")
        check(page, xss_browsing)
        base = walk_attempt(page, xss_browsing, practice=True)
        reviews.append(finish(page, xss_browsing, base))
    reviewed = " ".join(" ".join(reviews).split())
    for text in site.shown:
        if text.startswith(("Aiken", "HTML")):
            assert " ".join(text.split()) in reviewed, f"{text!r} is not shown as text in the reviews"
    page.goto("/progress")
    check(page, xss_browsing)


def test_every_type_in_practice_and_exam_then_review_and_progress(site: Site, xss_browsing: Browsing):
    page = xss_browsing.new_page()
    prompts = [t for t in site.shown if t.startswith("Prompt")]
    for key, practice in ((PRACTICE_KEY, True), (EXAM_KEY, False)):
        start(page, key)
        check(page, xss_browsing, prompts[:1])
        base = walk_attempt(page, xss_browsing, practice)
        finish(page, xss_browsing, base, prompts)
    page.goto("/progress")
    check(page, xss_browsing, [t for t in site.shown if t.startswith("Topic")])


def test_payload_usernames_are_refused_and_shown_as_typed(site: Site, xss_browsing: Browsing):
    xss_browsing.expect_console_error(r"status of 422")  # the form comes back with its error
    page = xss_browsing.new_page()
    for payload in corpus():
        page.goto("/register")
        page.get_by_label("Username").fill(payload)
        page.get_by_label("Password", exact=True).fill("a long enough phrase")
        page.get_by_label("Repeat the password").fill("a long enough phrase")
        press(page, "Register")
        check(page, xss_browsing)
        assert page.get_by_label("Username").input_value() == payload


# A listing page's rows (the link, then the cells) and the address of the next page, if any.
LISTING = """() => ({
  rows: Array.from(document.querySelectorAll('main tbody tr'), r => r.querySelector('th a') && [
    r.querySelector('th a').getAttribute('href'),
    ...Array.from(r.querySelectorAll('td'), td => td.innerText.trim()),
  ]).filter(Boolean),
  next: document.querySelector('a[rel=next]')?.getAttribute('href') || '',
})"""


def listed(page: Page, browsing: Browsing, url: str) -> tuple[list[list[str]], str]:
    """Every page of a teacher listing, checked: its rows (the link, then the cells) and its text."""
    rows, texts = [], []
    while url:
        page.goto(url)
        texts.append(check(page, browsing))
        listing = page.evaluate(LISTING)
        rows += listing["rows"]
        url = listing["next"]
    return rows, " ".join(texts)


def first_of_each(rows: list[list[str]], *cells: int) -> list[str]:
    """The link of the first row of each kind, rows being of a kind when the given cells agree."""
    first: dict[tuple[str, ...], str] = {}
    for row in rows:
        first.setdefault(tuple(row[1 + cell] for cell in cells), row[0])
    return list(first.values())


def sign_in_as_teacher(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(TEACHER)
    page.get_by_label("Password").fill(TEACHER_PASSWORD)
    press(page, "Sign in")


def test_the_teacher_area_shows_the_bank_without_running_it(site: Site, xss_browsing: Browsing):
    page = xss_browsing.new_page()
    sign_in_as_teacher(page)
    texts = []
    for url in ("/", "/teach/", "/teach/export"):
        page.goto(url)
        assert page.url.endswith(url), page.url
        texts.append(check(page, xss_browsing))
    questions, text = listed(page, xss_browsing, "/teach/questions?status=all")
    facts, fact_text = listed(page, xss_browsing, "/teach/facts?status=all")
    sources, source_text = listed(page, xss_browsing, "/teach/sources")
    assert len(questions) >= len([t for t in site.shown if t.startswith("Prompt")]), questions
    assert len(facts) >= site.facts and sources
    texts += [text, fact_text, source_text]
    quizzes, _text = listed(page, xss_browsing, "/teach/quizzes")
    assert len(quizzes) >= 2, quizzes
    for url, *_cells in quizzes:
        page.goto(url)
        for summary in page.locator("details summary").all():  # the facts; every active question's prompt
            summary.click()
        texts.append(check(page, xss_browsing))
    # the forms of a fact of each source and section, every source; a question of each type and file
    for url in [*first_of_each(facts, 1, 2, 5), *(row[0] for row in sources)]:
        page.goto(url)
        texts.append(check(page, xss_browsing))
    for url in first_of_each(questions, 0, 7):
        for shown in (url, f"{url}/edit"):
            page.goto(shown)
            if shown == url:
                page.locator("details summary").click()  # everything the question holds, as stored
            texts.append(check(page, xss_browsing))
        page.goto(f"{url}/preview")
        check(page, xss_browsing)
        answer_anything(page, "section.preview")
        press(page, "Check answer")  # graded in the preview, with the practice feedback
        texts.append(check(page, xss_browsing))
        assert page.get_by_role("button", name="Try again", exact=True).count() == 1, page.url
    teacher_text = " ".join(" ".join(texts).split())
    topics = [t for t in site.shown if t.startswith("Topic")]  # the teacher area names topics by id
    missing = []
    for expected in dict.fromkeys(site.shown + site.teacher_shown):
        written = " ".join(expected.split())
        as_json = json.dumps(written, ensure_ascii=False)[1:-1]  # as the question's answer data shows it
        if expected not in topics and written not in teacher_text and as_json not in teacher_text:
            missing.append(expected)
    assert not missing, f"not shown to the teacher as written: {missing}"


def test_teacher_forms_sent_back_with_payload_errors_show_them_as_text(site: Site, xss_browsing: Browsing):
    xss_browsing.expect_console_error(r"status of 422")  # each form comes back with its errors
    page = xss_browsing.new_page()
    sign_in_as_teacher(page)
    payloads = corpus()
    rows, _text = listed(page, xss_browsing, "/teach/questions?type=single_choice")
    page.goto(f"{rows[0][0]}/edit")
    first = page.locator("[name='options-0-text']").input_value()
    page.locator("[name='options-1-text']").fill(first)  # a duplicate option, named in the message
    page.locator("[name='explanation']").fill(payloads[1])
    press(page, "Preview")
    check(page, xss_browsing, [f"duplicate option {first!r}"])
    assert page.locator("[name='explanation']").input_value() == payloads[1]

    rows, _text = listed(page, xss_browsing, "/teach/sources")
    page.goto(rows[0][0])
    sections = "\n".join(f"{p}: {p}" for p in payloads if ":" not in p)  # ids the bank refuses
    page.locator("[name='sections']").fill(sections)
    press(page, "Save the source")
    check(page, xss_browsing, [payloads[0]])
    assert page.locator("[name='sections']").input_value() == sections

    quizzes, _text = listed(page, xss_browsing, "/teach/quizzes")
    page.goto(quizzes[0][0])
    press(page, "Preview the questions")  # the chosen questions' prompts, listed
    check(page, xss_browsing)
    page.locator("[name='questions']").fill("\n".join(payloads))
    press(page, "Preview the questions")
    check(page, xss_browsing, ["The quiz was not saved", payloads[0]])
