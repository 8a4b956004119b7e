"""Sources and facts edited in the browser: the bank's rules and messages, versions, web marks."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from quizapp.bank.check import check_parsed
from quizapp.bank.parse import ParsedFile
from quizapp.extensions import db
from quizapp.models import WEB_ORIGIN, Fact, FactVersion, Source
from quizapp.services import bank_edits as edits

from .factories import bank, write_bank
from .test_accounts import sign_in
from .test_taking import Browser, Page, load, location
from .test_teach_catalogue import teacher
from .test_web_import import make_user


def error_of(page: Page, field: str) -> str:
    """The message shown beside a field (its -error span), or ''."""
    found = re.search(rf'<span class="error" id="{field}-error">([^<]*)</span>', page.html)
    return html.unescape(found.group(1)) if found else ""


def textarea(page: Page, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page.html, re.S)
    assert found, name
    return html.unescape(found.group(1)).strip("\r\n")


def fact_row(key: str) -> Fact | None:
    db.session.remove()
    return db.session.scalar(select(Fact).where(Fact.key == key))


def versions(fact_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(FactVersion.number, FactVersion.statement)
        .where(FactVersion.fact_id == fact_id)
        .order_by(FactVersion.number)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


@pytest.fixture
def loaded_bank(runner, tmp_path):
    data = bank(questions=8, facts=3)
    data["facts"][1]["draft"] = True
    data["facts"][2]["section"] = "s2"
    load(runner, write_bank(tmp_path / "bank.yaml", data))
    return data


def test_new_source_shows_the_banks_messages_beside_the_fields_and_keeps_the_input(app, runner, loaded_bank):
    browser = teacher(app, runner)
    page = browser.get("/teach/sources/new")
    assert re.search(r'name="csrf_token"[^>]*value="[^"]+"', page.html)
    assert page.labels["sections"] == "Sections"
    fields = {
        "key": "Bad Id",
        "title": "",
        "origin": "https://example.org/<doc>",
        "licence": "CC0",
        "sections": "intro: Introduction\nno colon here\n",
    }
    page = Page(browser.submit(page, "/teach/sources/new", fields))
    assert page.status == 422
    assert "is not a valid id" in error_of(page, "key")
    assert error_of(page, "title") == "must not be empty"
    assert error_of(page, "sections") == "line 2: write each section as 'id: title'"
    assert error_of(page, "licence") == ""
    assert 'value="Bad Id"' in page.html
    assert textarea(page, "origin") == "https://example.org/<doc>"
    assert "&lt;doc&gt;" in page.html
    assert textarea(page, "sections") == "intro: Introduction\nno colon here"
    assert db.session.scalar(select(Source).where(Source.key == "bad id")) is None

    # A section id the schema refuses, and the id of an existing source.
    fields.update(key="src", title="T", sections="intro: Introduction\nBad Section: x")
    page = Page(browser.submit(page, "/teach/sources/new", fields))
    assert error_of(page, "key") == "a source with id 'src' already exists"
    assert error_of(page, "sections").startswith("line 2 id: 'Bad Section' is not a valid id")
    # Lines count as the teacher sees them, past a line that is not a section; one message a line.
    fields.update(sections="intro: Introduction\nno colon here\n: empty id")
    page = Page(browser.submit(page, "/teach/sources/new", fields))
    error = html.unescape(re.search(r'id="sections-error">(.*?)</span>', page.html).group(1))
    assert error.startswith("line 2: write each section as 'id: title'<br>line 3 id: ''"), error

    fields.update(key="web-src", sections="intro: Introduction\nmore: More")
    response = browser.submit(page, "/teach/sources/new", fields)
    assert location(response) == "/teach/sources"
    assert "Source web-src is saved." in browser.follow(response).text
    source = db.session.scalar(select(Source).where(Source.key == "web-src"))
    assert source.sections == [{"id": "intro", "title": "Introduction"}, {"id": "more", "title": "More"}]
    db.session.rollback()


def test_editing_a_source_refuses_to_remove_a_section_in_use(app, runner, loaded_bank):
    browser = teacher(app, runner)
    source_id = db.session.scalar(select(Source.id).where(Source.key == "src"))
    db.session.rollback()
    page = browser.get(f"/teach/sources/{source_id}/edit")
    assert textarea(page, "sections") == "s1: Section one\ns2: Section two"
    assert 'name="key"' not in page.html

    page = Page(browser.submit(page, f"/teach/sources/{source_id}/edit", {"sections": "s1: Section one"}))
    assert page.status == 422
    message = error_of(page, "sections")
    assert "section 's2' cannot be removed: 1 fact (f3) uses it; move it" in message
    assert textarea(page, "sections") == "s1: Section one"

    origin = "https://example.org/article"
    fields = {"title": "Renamed", "origin": origin, "sections": "s1: Section one\ns2: Section two\ns3: Three"}
    response = browser.submit(page, f"/teach/sources/{source_id}/edit", fields)
    assert location(response) == "/teach/sources"
    source = db.session.get(Source, source_id)
    assert source.title == "Renamed" and len(source.sections) == 3
    db.session.rollback()
    listing = browser.get("/teach/sources")
    assert "Renamed (edited in the browser)" in listing.text
    assert browser.fetch("/teach/sources/999999/edit").status_code == 404


def test_new_fact_in_a_chosen_source_and_its_messages(app, runner, loaded_bank):
    browser = teacher(app, runner)
    choose = browser.get("/teach/facts/new")
    assert "Source of the fact" in choose.text
    assert "no such source" in browser.get("/teach/facts/new?source=nope").text

    page = browser.get("/teach/facts/new?source=src")
    section = page.forms[-1].control("section")
    assert [v for v, _t, _s in section.options] == ["s1", "s2"]
    fields = {"key": "f1", "section": "zz", "statement": "   "}
    page = Page(browser.submit(page, "/teach/facts/new", fields))
    assert error_of(page, "key") == "a fact with id 'f1' already exists"
    assert error_of(page, "statement") == "must not be empty"
    assert error_of(page, "section") == "unknown section 'zz'; the source's sections are s1, s2"

    fields = {"key": "web-fact", "section": "s2", "statement": "Typed <b>in</b> the browser."}
    response = browser.submit(page, "/teach/facts/new", fields)
    assert location(response).startswith("/teach/facts?")
    listing = browser.follow(response)
    assert "Typed &lt;b&gt;in&lt;/b&gt; the browser." in listing.html
    fact = fact_row("web-fact")
    assert (fact.origin_file, fact.version, fact.section, fact.draft) == (WEB_ORIGIN, 1, "s2", False)
    assert fact.web_edited_at is not None
    assert versions(fact.id) == [(1, "Typed <b>in</b> the browser.")]
    assert "web" in browser.get("/teach/facts?origin=web").text


def test_editing_a_fact_versions_it_only_when_it_changes(app, runner, loaded_bank):
    browser = teacher(app, runner)
    draft = fact_row("f2")
    assert draft.draft and draft.web_edited_at is None
    page = browser.get(f"/teach/facts/{draft.id}/edit")
    assert "drafted by an import" in page.text
    assert textarea(page, "statement") == "Statement of f2."
    assert re.search(r'name="csrf_token"[^>]*value="[^"]+"', page.html)

    # Saving a draft unchanged clears the mark: a new content hash, so a new version.
    response = browser.submit(page, f"/teach/facts/{draft.id}/edit", {"statement": "Statement of f2."})
    assert "Fact f2 is saved." in browser.follow(response).text
    fact = fact_row("f2")
    assert (fact.draft, fact.version) == (False, 2)
    assert fact.web_edited_at is not None
    edited_at = fact.web_edited_at

    page = browser.get(f"/teach/facts/{draft.id}/edit")
    response = browser.submit(page, f"/teach/facts/{draft.id}/edit", {"statement": "Statement of f2."})
    assert "Nothing changed in fact f2." in browser.follow(response).text
    fact = fact_row("f2")
    assert (fact.version, fact.web_edited_at) == (2, edited_at)

    page = Page(browser.submit(page, f"/teach/facts/{draft.id}/edit", {"statement": "", "section": "s9"}))
    assert error_of(page, "statement") == "must not be empty"
    assert "unknown section 's9'" in error_of(page, "section")
    assert fact_row("f2").version == 2

    fields = {"statement": "A better statement.", "section": "s2"}
    browser.submit(browser.get(f"/teach/facts/{draft.id}/edit"), f"/teach/facts/{draft.id}/edit", fields)
    fact = fact_row("f2")
    assert (fact.version, fact.section, fact.statement) == (3, "s2", "A better statement.")
    assert [n for n, _s in versions(fact.id)] == [1, 2, 3]
    assert browser.fetch("/teach/facts/999999/edit").status_code == 404
    assert browser.post(f"/teach/facts/{draft.id}/edit", {"statement": "x"}).status_code == 400  # no CSRF


def test_the_web_forms_and_quizapp_check_give_the_same_messages(app):
    data = bank(questions=8, facts=2)
    data["facts"][0]["id"] = "Not An Id"
    data["facts"][1]["section"] = "nowhere"
    data["questions"] = [q for q in data["questions"] if q["facts"] != ["f1"]]
    checked = check_parsed([ParsedFile("bank.yaml", data)])
    messages = {p.message for p in checked.errors}

    source = Source(
        key="src", title="T", origin="o", licence="l", sections=data["source"]["sections"], content_hash="x"
    )
    db.session.add(source)
    db.session.flush()
    for values, name in (
        (edits.FactValues("Not An Id", "s1", "Some statement."), "key"),
        (edits.FactValues("f9", "nowhere", "Some statement."), "section"),
    ):
        with pytest.raises(edits.EditErrors) as raised:
            edits.create_fact(db.session, source.id, values)
        assert raised.value.errors[name][0] in messages
    db.session.rollback()


def test_a_drafted_fact_is_not_shown_to_students_until_a_teacher_saves_it(app, runner, loaded_bank):
    """An import drafts a fact from its question's right answer: no student reads it unearned."""
    make_user(runner, "sam", "student")
    student = Browser(app.test_client())
    sign_in(student, "sam")
    started = student.submit(student.get("/"), "/practise", {"topics": [], "facts": ["f1"], "count": "9"})
    assert "Only 3 questions match what you picked" in student.follow(started).text  # f1 has three
    assert "Statement of f1." in student.get("/progress").text  # the control: other facts show
    for path in ("/", "/progress"):
        assert "Statement of f2." not in student.get(path).text, path

    browser = teacher(app, runner)
    draft = fact_row("f2")
    page = browser.get(f"/teach/facts/{draft.id}/edit")
    browser.submit(page, f"/teach/facts/{draft.id}/edit", {"statement": "Statement of f2."})
    assert not fact_row("f2").draft
    for path in ("/", "/progress"):
        assert "Statement of f2." in student.get(path).text, path
