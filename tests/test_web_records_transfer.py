"""Browser-made and browser-edited records across export, load and import, on both backends."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import WEB_ORIGIN, Fact, Quiz, Source
from quizapp.services import bank_edits as edits
from quizapp.services import quiz_builder

from .factories import bank, write_bank
from .test_load_conflicts import EDITED, edit_fact, fact
from .test_taking import Page
from .test_transfer_roundtrip import empty_database, folder_texts
from .test_web_import import confirm, teacher, text_of, upload

SOURCE_KEPT = "sources: src was edited in the browser; kept the web version (use --overwrite to replace it)"


def run(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    db.session.remove()
    return result.output


def source_row() -> Source:
    db.session.remove()
    return db.session.scalar(select(Source).where(Source.key == "src"))


def make_web_records() -> None:
    """A fact and a quiz made in the browser, and a loaded fact edited there, through the services."""
    source_pk = source_row().id
    edits.create_fact(db.session, source_pk, edits.FactValues("made-online", "s2", "Made in the browser."))
    data = {"id": "web-quiz", "title": "Made online", "select": {"questions": ["q2", "q1"]}}
    record, problems = quiz_builder.check(db.session, data, "src", None)
    assert problems == {}, problems
    quiz_builder.save(db.session, record, "src")
    db.session.commit()
    edit_fact("f2", "Edited in the browser.")


@pytest.mark.parametrize("clash", [False, True], ids=["plain", "name-taken-by-a-file"])
def test_web_records_export_as_a_bank_of_their_own_that_round_trips(app, runner, snapshot, tmp_path, clash):
    folder = tmp_path / "bank"
    write_bank(folder / "bank.yaml", bank(questions=8, facts=3))
    if clash:  # a real file already has the name the web records would get
        write_bank(
            folder / "src-web.yaml",
            {"source": "src", "facts": [{"id": "extra", "section": "s1", "statement": "From a file."}]},
        )
    run(runner, "load", str(folder))
    make_web_records()
    web_name = "src-web-2.yaml" if clash else "src-web.yaml"

    run(runner, "export", "-o", f"{tmp_path / 'first'}/")
    first = folder_texts(tmp_path / "first")
    assert sorted(first) == sorted(["bank.yaml", web_name] + (["src-web.yaml"] if clash else []))
    assert "made-online" in first[web_name] and "web-quiz" in first[web_name]
    assert "made-online" not in first["bank.yaml"] and "Edited in the browser." in first["bank.yaml"]
    assert not any("(web)" in name for name in first)
    checked = runner.invoke(args=["check", str(tmp_path / "first")])
    assert checked.exit_code == 0, checked.output

    # Loaded over the database it came from: nothing changes; browser-made records stay web records.
    before = snapshot()
    output = run(runner, "load", str(tmp_path / "first"))
    assert "nothing changed" in output and "edited in the browser" not in output
    assert snapshot() == before
    assert fact("made-online").origin_file == WEB_ORIGIN
    assert db.session.scalar(select(Quiz.origin_file).where(Quiz.key == "web-quiz")) == WEB_ORIGIN
    db.session.rollback()

    # Into an empty database: the web file is a file like any other, and exports the same again.
    empty_database()
    run(runner, "load", str(tmp_path / "first"))
    assert fact("made-online").origin_file == web_name
    run(runner, "export", "-o", f"{tmp_path / 'second'}/")
    assert folder_texts(tmp_path / "second") == first


def test_the_download_names_the_web_file_as_the_cli_does(app, runner, tmp_path):
    run(runner, "load", str(write_bank(tmp_path / "bank.yaml", bank(questions=8, facts=3))))
    make_web_records()
    browser = teacher(app, runner)
    response = browser.fetch("/teach/export/yaml?source=src")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == ["bank.yaml", "src-web.yaml"]
    assert "made-online" in archive.read("src-web.yaml").decode()


# --- sources edited in the browser ----------------------------------------------------------------


def test_a_source_edited_in_the_browser_is_kept_by_load_until_overwritten(app, runner, tmp_path):
    data = bank(questions=8, facts=3)
    path = write_bank(tmp_path / "bank.yaml", data)
    run(runner, "load", str(path))
    assert (source_row().version, source_row().web_edited_at) == (1, None)
    browser = teacher(app, runner)
    url = f"/teach/sources/{source_row().id}/edit"
    response = browser.submit(browser.get(url), url, {"title": "Titled in the browser"})
    assert response.status_code == 302
    edited = source_row()
    assert (edited.title, edited.version) == ("Titled in the browser", 2)
    edited_at = edited.web_edited_at
    assert edited_at is not None
    assert "version 2, edited in the browser (a file load keeps this version)" in browser.get(url).text

    # The file as it was: nothing new in it, so nothing to report.
    output = run(runner, "load", str(path))
    assert "nothing changed" in output and "edited in the browser" not in output
    assert source_row().title == "Titled in the browser"

    data["source"]["title"] = "Titled in the file"
    write_bank(path, data)
    output = run(runner, "load", str(path))
    assert SOURCE_KEPT in output.splitlines()
    kept_line = "0 sources: 0 added, 0 changed, 0 unchanged, 0 retired, 1 kept from the browser"
    assert kept_line in output.splitlines()
    kept = source_row()
    assert (kept.title, kept.version, kept.web_edited_at) == (
        "Titled in the browser",
        2,
        edited_at,
    )

    output = run(runner, "load", str(path), "--overwrite")
    assert "edited in the browser" not in output
    replaced = source_row()
    assert (replaced.title, replaced.version, replaced.web_edited_at) == ("Titled in the file", 3, None)
    assert "nothing changed" in run(runner, "load", str(path))


def test_a_source_made_in_the_browser_is_not_taken_over_by_a_file(app, runner, tmp_path):
    values = edits.SourceValues("src", "Made online", "https://example.org/", "CC0", "s1: One\ns2: Two")
    edits.create_source(db.session, values)
    db.session.commit()
    assert source_row().web_edited_at is not None
    output = run(runner, "load", str(write_bank(tmp_path / "bank.yaml", bank(questions=8, facts=3))))
    assert SOURCE_KEPT in output.splitlines()
    assert source_row().title == "Made online"
    assert fact("f1").source_id == source_row().id  # the file's records still go in


# --- quizapp import --overwrite -------------------------------------------------------------------


def changed_file(tmp_path: Path, runner) -> Path:
    """A bank imported, f1 edited in the browser, then changed in the file too."""
    data = bank(questions=8, facts=3)
    path = write_bank(tmp_path / "bank.yaml", data)
    run(runner, "import", str(path))
    edit_fact("f1", "Edited in the browser.")
    data["facts"][0]["statement"] = "Changed in the file."
    return write_bank(path, data)


def test_import_keeps_web_edits_until_overwrite(app, runner, tmp_path):
    path = changed_file(tmp_path, runner)
    output = run(runner, "import", str(path))
    assert EDITED in output.splitlines()
    assert fact("f1").statement == "Edited in the browser."

    dry = run(runner, "import", str(path), "--overwrite", "--dry-run")
    assert "edited in the browser" not in dry and fact("f1").statement == "Edited in the browser."

    output = run(runner, "import", str(path), "--overwrite")
    assert "edited in the browser" not in output
    replaced = fact("f1")
    assert (replaced.statement, replaced.web_edited_at) == ("Changed in the file.", None)
    assert "nothing changed" in run(runner, "import", str(path))


def test_the_import_page_keeps_web_edits_and_names_the_command_that_would_not(app, runner, tmp_path):
    path = changed_file(tmp_path, runner)
    browser = teacher(app, runner)
    dry_run = upload(browser, "bank.yaml", path.read_text(encoding="utf-8"))
    assert dry_run.status_code == 200
    text = Page(dry_run).text
    assert "Facts kept as edited in the browser: 1" in text
    assert "an administrator can run quizapp import --overwrite with this file" in text
    assert "use --overwrite" not in text_of(dry_run)  # no control of the page is named after a flag
    done = confirm(browser, dry_run)
    assert done.status_code == 200
    assert "Facts kept as edited in the browser: 1" in Page(done).text
    assert fact("f1").statement == "Edited in the browser."
    assert db.session.scalar(select(Fact.web_edited_at).where(Fact.key == "f1")) is not None
