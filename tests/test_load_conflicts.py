"""`quizapp load` never silently overwrites what a teacher edited in the browser."""

from __future__ import annotations

import copy

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import WEB_ORIGIN, Fact, FactVersion, Question, QuestionVersion, Source
from quizapp.services import bank_edits as edits
from quizapp.services import teach_questions

from .factories import bank, write_bank
from .test_taking import Page
from .test_teach_catalogue import teacher

EDITED = "facts: f1 was edited in the browser; kept the web version (use --overwrite to replace it)"


def run_load(runner, path, *options: str) -> str:
    result = runner.invoke(args=["load", str(path), *options])
    assert result.exit_code == 0, result.output
    db.session.remove()
    return result.output


def fact(key: str) -> Fact:
    db.session.remove()
    return db.session.scalar(select(Fact).where(Fact.key == key))


def fact_versions(key: str) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(FactVersion.number, FactVersion.statement)
        .join(Fact, Fact.id == FactVersion.fact_id)
        .where(Fact.key == key)
        .order_by(FactVersion.number)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def edit_fact(key: str, statement: str) -> None:
    """Edit a fact as the teacher's form does, through the service."""
    row = fact(key)
    edits.update_fact(db.session, row.id, edits.FactValues(key, row.section, statement))
    db.session.commit()


def conflict_bank() -> dict:
    data = bank(questions=8, facts=3)
    data["facts"].append({"id": "spare", "section": "s2", "statement": "A fact no question tests."})
    return data


def test_a_web_edit_is_kept_and_reported_until_overwritten(app, runner, tmp_path):
    data = conflict_bank()
    path = write_bank(tmp_path / "bank.yaml", data)
    run_load(runner, path)
    edit_fact("f1", "Edited in the browser.")
    assert fact_versions("f1") == [(1, "Statement of f1."), (2, "Edited in the browser.")]

    # The file as it was: nothing new in it, so nothing to report and nothing changes.
    output = run_load(runner, path)
    assert "was edited in the browser" not in output
    assert "nothing changed" in output
    assert fact("f1").statement == "Edited in the browser."

    # The file changes f1 (and f2): f2 is loaded, f1 keeps the web version and is reported.
    changed = copy.deepcopy(data)
    changed["facts"][0]["statement"] = "Changed in the file."
    changed["facts"][1]["statement"] = "f2 changed in the file."
    write_bank(path, changed)
    before = fact("f1")
    kept = (before.version, before.statement, before.content_hash, before.web_edited_at, before.retired_at)
    output = run_load(runner, path)
    assert EDITED in output.splitlines()
    assert "1 kept from the browser" in output
    after = fact("f1")
    assert (after.version, after.statement, after.content_hash, after.web_edited_at, after.retired_at) == kept
    assert fact_versions("f1") == [(1, "Statement of f1."), (2, "Edited in the browser.")]
    assert fact("f2").statement == "f2 changed in the file."
    assert EDITED in run_load(runner, path)  # still differs: reported again

    output = run_load(runner, path, "--overwrite")
    assert "was edited in the browser" not in output
    replaced = fact("f1")
    assert (replaced.statement, replaced.version, replaced.web_edited_at) == ("Changed in the file.", 3, None)
    assert fact_versions("f1")[-1] == (3, "Changed in the file.")
    output = run_load(runner, path)
    assert "nothing changed" in output and "edited in the browser" not in output


def test_web_edited_records_missing_from_the_file_are_not_retired(app, runner, tmp_path):
    data = conflict_bank()
    path = write_bank(tmp_path / "bank.yaml", data)
    run_load(runner, path)
    edit_fact("spare", "Still wanted.")
    source_id = db.session.scalar(select(Source.id).where(Source.key == "src"))
    edits.create_fact(db.session, source_id, edits.FactValues("made-online", "s1", "Made in the browser."))
    db.session.commit()
    assert fact("made-online").origin_file == WEB_ORIGIN

    data["facts"] = [f for f in data["facts"] if f["id"] != "spare"]
    write_bank(path, data)
    output = run_load(runner, path)
    assert (
        "facts: spare was edited in the browser and is no longer in bank.yaml; kept it "
        "(use --overwrite to retire it)"
    ) in output.splitlines()
    assert fact("spare").retired_at is None
    assert fact("made-online").retired_at is None
    assert "made-online" not in output

    output = run_load(runner, path, "--overwrite")
    assert "0 retired" not in output.splitlines()[1]
    spare = fact("spare")
    assert spare.retired_at is not None and spare.web_edited_at is None
    assert fact("made-online").retired_at is None  # made in the browser: never retired by a file
    assert fact("made-online").web_edited_at is not None


def test_a_question_retired_in_the_browser_stays_retired(app, runner, tmp_path):
    data = conflict_bank()
    path = write_bank(tmp_path / "bank.yaml", data)
    run_load(runner, path)
    q1 = db.session.scalar(select(Question.id).where(Question.key == "q1"))
    teach_questions.retire_question(db.session, q1)
    db.session.commit()

    output = run_load(runner, path)  # the same file would have restored it
    assert "edited in the browser" not in output
    assert db.session.get(Question, q1).retired_at is not None
    db.session.rollback()

    data["questions"][0]["prompt"] = "A new prompt from the file?"
    write_bank(path, data)
    output = run_load(runner, path)
    line = "questions: q1 was edited in the browser; kept the web version (use --overwrite to replace it)"
    assert line in output.splitlines()
    question = db.session.get(Question, q1)
    assert (question.version, question.retired_at is not None) == (1, True)
    db.session.rollback()

    run_load(runner, path, "--overwrite")
    question = db.session.get(Question, q1)
    assert (question.version, question.retired_at, question.web_edited_at) == (2, None, None)
    prompt = db.session.scalar(
        select(QuestionVersion.prompt).where(QuestionVersion.question_id == q1, QuestionVersion.number == 2)
    )
    assert prompt == "A new prompt from the file?"
    db.session.rollback()


def test_an_edit_made_through_the_form_survives_a_load(app, runner, tmp_path, snapshot):
    data = conflict_bank()
    path = write_bank(tmp_path / "bank.yaml", data)
    run_load(runner, path)
    browser = teacher(app, runner)
    f1 = fact("f1")
    page = browser.get(f"/teach/facts/{f1.id}/edit")
    response = browser.submit(page, f"/teach/facts/{f1.id}/edit", {"statement": "Typed in the form."})
    assert response.status_code == 302
    assert "edited in the browser" in Page(browser.fetch("/teach/facts")).text

    data["facts"][0]["statement"] = "Changed in the file."
    write_bank(path, data)
    before = snapshot()
    output = run_load(runner, path)
    assert EDITED in output.splitlines()
    assert snapshot() == before  # only f1 changed in the file, and it was kept: no write at all
    assert fact("f1").statement == "Typed in the form."
