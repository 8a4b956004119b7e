"""Import by upload and export by download in the teacher area, through real HTTP on both backends."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from quizapp.bank.check import check_parsed
from quizapp.bank.gift_read import read_gift
from quizapp.bank.parse import parse_text
from quizapp.extensions import db
from quizapp.models import Fact, PendingImport, Question, Source
from quizapp.services import transfer

from .factories import bank, write_bank
from .test_accounts import PASSWORD, sign_in
from .test_taking import Browser, Page, load
from .test_transfer_cli import OUT_OF_ORDER

CORPUS = Path(__file__).resolve().parent / "transfer"

GIFT = """\
$CATEGORY: $course$/top/Capitals

::capital:: What is the capital of France?{=Paris ~Lyon ~Nice####Paris, since 987.}

::rome:: Capital of Italy?{=Rome}

::two:: Only two options.{=yes ~no}

::essay:: Discuss.{}
"""


def bank_rows(snapshot: Any) -> dict[str, list[tuple]]:
    """The database but the pending uploads (which a dry run keeps on purpose)."""
    return {name: rows for name, rows in snapshot().items() if name != "pending_imports"}


def make_user(runner: Any, name: str, role: str) -> None:
    result = runner.invoke(args=["user", "create", name, "--role", role], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output


def teacher(app: Any, runner: Any, name: str = "tess") -> Browser:
    make_user(runner, name, "teacher")
    browser = Browser(app.test_client())
    assert sign_in(browser, name).status_code == 302
    return browser


def upload(browser: Browser, filename: str, content: bytes | str, **fields: str) -> Any:
    """Post the import form with a file, as a browser does (multipart, with the CSRF token)."""
    page = browser.get("/teach/import")
    data = page.form("/teach/import").values().to_dict()
    data.update(fields)
    raw = content.encode() if isinstance(content, str) else content
    data["file"] = FileStorage(io.BytesIO(raw), filename)
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict(data))
    return browser.open(
        "POST", "/teach/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def confirm(browser: Browser, dry_run: Any) -> Any:
    page = Page(dry_run)
    action = re.search(r'action="(/teach/import/\d+)"', page.html).group(1)
    return browser.submit(page, action)


def text_of(response: Any) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')


@pytest.fixture
def loaded(runner, tmp_path) -> None:
    load(runner, write_bank(tmp_path / "bank.yaml", bank()))


def test_a_gift_upload_is_dry_run_then_imported_once(app, runner, snapshot, loaded):
    browser = teacher(app, runner)
    before = bank_rows(snapshot)
    dry = upload(browser, "quiz.gift", GIFT)
    assert dry.status_code == 200, dry.get_data(as_text=True)[:2000]
    text = text_of(dry)
    assert "2 questions to import, 2 skipped" in text
    assert "quiz.gift:7" in text and "needs at least 3 items, got 2: not imported" in text
    assert "quiz.gift:9" in text and "an essay needs a teacher to grade it" in text
    assert "2 questions: 2 added, 0 changed, 0 unchanged, 0 retired" in text
    assert "<code>capital</code>: What is the capital of France?\nAnswer: Paris" in text
    assert bank_rows(snapshot) == before  # the dry run wrote nothing to the bank

    # The upload's own address shows its dry run again (a bookmark, another tab), ready to confirm.
    address = re.search(r'action="(/teach/import/\d+)"', Page(dry).html).group(1)
    reopened = browser.get(address)
    assert "2 questions to import, 2 skipped" in reopened.text
    assert f'action="{address}"' in reopened.html
    assert bank_rows(snapshot) == before

    done = confirm(browser, dry)
    assert done.status_code == 200, done.get_data(as_text=True)[:2000]
    assert "The file was imported" in text_of(done)
    assert "Drafted facts to review (2)" in text_of(done)
    assert sorted(db.session.scalars(select(Question.key).where(Question.origin_file == "quiz.gift"))) == [
        "capital",
        "rome",
    ]
    assert [f.draft for f in db.session.scalars(select(Fact).where(Fact.origin_file == "quiz.gift"))] == [
        True,
        True,
    ]
    db.session.rollback()
    after = bank_rows(snapshot)

    again = confirm(browser, dry)
    assert again.status_code == 409
    assert "imported already" in text_of(again)
    assert bank_rows(snapshot) == after
    reopened = browser.get(address)  # once imported, the address says so
    assert "This file was imported at" in reopened.text and f'action="{address}"' not in reopened.html
    assert bank_rows(snapshot) == after

    # A student practising the new source meets the imported questions.
    make_user(runner, "sam", "student")
    student = Browser(app.test_client())
    sign_in(student, "sam")
    assert student.fetch("/teach/import").status_code == 403
    assert student.fetch(address).status_code == 403
    assert student.fetch("/teach/export").status_code == 403
    home = student.get("/")
    assert "Capitals" in home.text
    started = student.submit(home, "/practise", {"topics": ["capitals"], "count": "2"})
    question = student.follow(started)
    assert "What is the capital of France?" in question.text or "Capital of Italy?" in question.text


def test_questions_the_bank_or_the_file_already_holds_are_noted(app, runner, loaded):
    """The same file saved again under another name ("quiz (1).gift"), or a question pasted twice,
    imports all the same; the dry run names the question each one repeats."""
    browser = teacher(app, runner)
    assert confirm(browser, upload(browser, "quiz.gift", GIFT)).status_code == 200
    again = text_of(upload(browser, "quiz (1).gift", GIFT + "\n::copy:: Capital of Italy?{=Rome}\n"))
    assert "the same question as capital (from quiz.gift), already in the bank: imported again as" in again
    assert "the same question as rome (from quiz.gift), already in the bank" in again
    pasted_twice = (
        r"quiz \(1\)\.gift:11</td><td>question 'copy'</td><td>the same question as [\w-]+ on line 5"
    )
    assert re.search(pasted_twice, again), again[:4000]
    unchanged = text_of(upload(browser, "quiz.gift", GIFT))  # the same file again: nothing to say
    assert "the same question as" not in unchanged


def test_skipped_questions_and_notes_are_listed_by_line(app, runner, loaded):
    browser = teacher(app, runner)
    text = text_of(upload(browser, "order.gift", OUT_OF_ORDER))
    for section in ("import-skipped", "import-notes"):
        table = text.split(f'class="summary {section}"', 1)[1].split("</table>", 1)[0]
        lines = [int(n) for n in re.findall(r"order\.gift:(\d+)</td>", table)]
        assert len(lines) == 2 and lines == sorted(lines), (section, lines)


def test_aiken_and_yaml_uploads_go_in_too(app, runner, snapshot, loaded, tmp_path):
    browser = teacher(app, runner)
    aiken = (CORPUS / "aiken" / "valid" / "01_basic.txt").read_bytes()
    before = bank_rows(snapshot)
    dry = upload(browser, "basic.txt", aiken, source="src")
    assert dry.status_code == 200, text_of(dry)[:2000]
    assert "(AIKEN)" in text_of(dry)
    assert bank_rows(snapshot) == before
    assert confirm(browser, dry).status_code == 200
    source = db.session.scalar(select(Source.id).where(Source.key == "src"))
    assert db.session.scalar(
        select(Question.id).where(Question.origin_file == "basic.txt", Question.source_id == source)
    )
    db.session.rollback()

    edited = bank()  # the loaded file, with its first question changed and its last one gone
    edited["questions"][0]["prompt"] += " (edited)"
    gone = edited["questions"].pop()["id"]
    before = bank_rows(snapshot)
    dry = upload(browser, "bank.yaml", yaml.safe_dump(edited, sort_keys=False))
    assert dry.status_code == 200, text_of(dry)[:2000]
    text = text_of(dry)
    assert "7 questions: 0 added, 1 changed, 6 unchanged, 1 retired" in text
    assert "<summary>Questions changed: 1</summary>\n        <ul><li><code>q1</code>" in text
    assert f"<summary>Questions retired: 1</summary>\n        <ul><li><code>{gone}</code>" in text
    assert bank_rows(snapshot) == before
    assert confirm(browser, dry).status_code == 200
    assert db.session.scalar(select(Question.retired_at).where(Question.key == gone)) is not None
    db.session.rollback()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("01_unclosed_brace.gift", None, ["01_unclosed_brace.gift:3", "unclosed '{'"]),
        ("06_bad_weight.gift", None, ["06_bad_weight.gift:1", "bad weight in '%5o%2'"]),
        (  # a good question beside a bad one: nothing is imported, so no fact is drafted
            "half.gift",
            "::good:: Sky?{=blue ~red ~green}\n\n::bad:: Sea?{=blue ~red\n",
            ["half.gift:3", "unclosed '{'"],
        ),
        (
            "latin.gift",
            "::q:: Caf\xe9?{=oui ~non ~peut-\xeatre}\n".encode("latin-1"),
            ["latin.gift:1", "not UTF-8"],
        ),
        (
            "odd.bin",
            "::q:: Q?{=a ~b ~c}\n",
            ["odd.bin:1", "cannot tell the format from the extension: choose the format"],
        ),
        ("bad.yaml", "source: [unclosed\n", ["bad.yaml:"]),
    ],
)
def test_malformed_uploads_say_why_by_line_and_change_nothing(
    app, runner, snapshot, loaded, name, content, expected
):
    browser = teacher(app, runner)
    raw = content if content is not None else (CORPUS / "gift" / "malformed" / name).read_bytes()
    before = snapshot()
    response = upload(browser, name, raw)
    assert response.status_code == 422
    text = text_of(response)
    for part in expected:
        assert part in text, (part, text[:3000])
    assert "nothing can be imported" in text
    assert 'action="/teach/import/' not in text  # no confirmation to press
    assert "Drafted facts to review" not in text  # nothing is drafted from a refused file
    assert snapshot() == before  # not even a pending upload is kept


def test_an_oversize_upload_gets_a_clear_page(app, runner, snapshot, loaded):
    browser = teacher(app, runner)
    before = snapshot()
    huge = upload(browser, "huge.gift", b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert huge.status_code == 413
    assert "The file is too large: an import may hold at most" in text_of(huge)
    assert "Import a bank file" in text_of(huge)
    # A file of exactly the size the page states goes through (the request's framing is allowed for).
    stated = int(
        re.search(r"an import may hold at most ([\d,]+) bytes", text_of(huge)).group(1).replace(",", "")
    )
    exact = upload(browser, "exact.gift", b"x" * stated)
    assert exact.status_code == 422 and "too large" not in text_of(exact), text_of(exact)[:500]

    app.config["QUIZAPP_IMPORT_MAX_BYTES"] = 100
    over = upload(browser, "quiz.gift", GIFT)
    assert over.status_code == 422
    assert "quiz.gift:1" in text_of(over) and "an import may hold at most 100" in text_of(over)
    assert snapshot() == before


def test_a_nul_in_a_file_name_or_a_repeated_field_is_refused(app, runner, snapshot, loaded):
    """PostgreSQL refuses NUL in any string: a file named with one was a 500 there."""
    browser = teacher(app, runner)
    before = snapshot()
    token = browser.get("/teach/import").form("/teach/import").value("csrf_token")
    repeated = MultiDict([("csrf_token", token), ("source", "x"), ("source", "y\x00")])
    for response in (
        upload(browser, "a\x00b.gift", GIFT),
        upload(browser, "quiz.gift", GIFT, format="gift\x00"),
        browser.open("POST", "/teach/import", data=repeated),  # the second value: checked too
    ):
        assert response.status_code == 400
        assert "NUL character" in text_of(response), text_of(response)[-800:]
    assert snapshot() == before


def test_a_file_of_more_questions_than_an_import_may_hold_is_refused_before_loading(
    app, runner, snapshot, loaded, monkeypatch
):
    """Thousands of one-line questions fit in the size limit; loading them would hold the database
    past a request's time. The file is refused at the first question over the limit, unloaded."""
    browser = teacher(app, runner)
    before = snapshot()
    limit = transfer.MAX_QUESTIONS
    many = "".join(f"::q{i}::Statement {i}?{{T}}\n\n" for i in range(limit + 5))
    refused = upload(browser, "many.gift", many)
    assert refused.status_code == 422
    text = text_of(refused)
    first_over = 2 * limit + 1  # each question takes two lines
    assert f"many.gift:{first_over}" in text, text[:3000]
    assert f"the file holds {limit + 5:,} questions; an import may hold at most {limit:,}" in text
    aiken = "".join(f"Question {i}?\nA) yes\nB) no\nC) maybe\nANSWER: A\n\n" for i in range(limit + 1))
    assert "an import may hold at most" in text_of(upload(browser, "many.txt", aiken))
    data = bank("many", questions=3)
    data["questions"] = [copy.deepcopy(data["questions"][0]) | {"id": f"q{i}"} for i in range(limit + 1)]
    as_yaml = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    yaml_text = text_of(upload(browser, "many.yaml", as_yaml))
    assert f"questions[{limit}]" in yaml_text and f"the bank holds {limit + 1:,} questions" in yaml_text
    assert snapshot() == before

    monkeypatch.setattr(transfer, "MAX_QUESTIONS", 3)  # a file of exactly the limit goes in
    just = upload(browser, "just.gift", "".join(f"::j{i}::Statement {i}?{{T}}\n\n" for i in range(3)))
    assert just.status_code == 200 and "Statement 2" in text_of(just)
    over = upload(browser, "over.gift", "".join(f"::o{i}::S{i}?{{T}}\n\n" for i in range(4)))
    assert over.status_code == 422


def test_an_upload_replaces_the_dry_run_of_a_file_of_that_name(app, runner, loaded):
    """A file corrected and uploaded again: the database keeps one copy, and the older page's
    Import button says what became of its dry run."""
    browser = teacher(app, runner)
    first = upload(browser, "quiz.gift", GIFT)
    second = upload(browser, "quiz.gift", GIFT.replace("Paris, since 987.", "Paris."))
    upload(browser, "other.gift", GIFT)  # another file's dry run stays beside it
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 2
    db.session.rollback()
    gone = confirm(browser, first)
    assert gone.status_code == 404
    assert "a new upload of a file of the same name replaces it. Upload the file again" in text_of(gone)
    assert confirm(browser, second).status_code == 200


def test_no_one_else_confirms_a_teachers_upload(app, runner, snapshot, loaded):
    browser = teacher(app, runner)
    dry = upload(browser, "quiz.gift", GIFT)
    assert dry.status_code == 200
    intruder = teacher(app, runner, "ivan")
    action = re.search(r'action="(/teach/import/\d+)"', text_of(dry)).group(1)
    page = intruder.get("/teach/import")
    before = snapshot()
    assert intruder.submit(page, "/teach/import", drop=("file",)).status_code == 422
    token = page.form("/teach/import").value("csrf_token")
    assert intruder.post(action, {"csrf_token": token}).status_code == 404
    assert intruder.fetch(action).status_code == 404  # nor sees it
    assert snapshot() == before


def test_old_pending_uploads_are_removed_at_the_next_upload(app, runner, loaded):
    from datetime import timedelta

    from sqlalchemy import update

    browser = teacher(app, runner)
    assert upload(browser, "quiz.gift", GIFT).status_code == 200
    db.session.execute(update(PendingImport).values(created_at=PendingImport.created_at - timedelta(days=2)))
    db.session.commit()
    assert upload(browser, "quiz.gift", GIFT).status_code == 200
    assert db.session.scalar(select(db.func.count()).select_from(PendingImport)) == 1
    db.session.rollback()


def test_exports_download_and_read_back_as_the_cli_writes_them(app, runner, loaded, tmp_path):
    browser = teacher(app, runner)
    upload_response = upload(browser, "quiz.gift", GIFT)
    assert confirm(browser, upload_response).status_code == 200
    page = browser.get("/teach/export")
    assert "GIFT carries no facts" in page.text

    gift = browser.fetch("/teach/export/gift")
    assert gift.status_code == 200
    assert gift.headers["Content-Disposition"] == 'attachment; filename="quizapp.gift"'
    assert gift.headers["Cache-Control"] == "no-store"  # the bank's answers
    cli = runner.invoke(args=["export", "--format", "gift"])
    assert gift.get_data(as_text=True) == cli.stdout
    reading = read_gift(gift.get_data(as_text=True), "quizapp.gift")
    assert not reading.errors and len(reading.questions) >= 2

    zipped = browser.fetch("/teach/export/yaml")
    assert zipped.headers["Content-Disposition"] == 'attachment; filename="quizapp-banks.zip"'
    folder = tmp_path / "out"
    assert runner.invoke(args=["export", "-o", str(folder) + "/"]).exit_code == 0
    with zipfile.ZipFile(io.BytesIO(zipped.get_data())) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(p.name for p in folder.iterdir())
        texts = {name: archive.read(name).decode() for name in names}
    for name, text in texts.items():
        assert text == (folder / name).read_text(encoding="utf-8")
    checked = check_parsed([parse_text(text, name) for name, text in texts.items()])
    assert not checked.errors

    one = browser.fetch("/teach/export/yaml?source=src")
    assert one.headers["Content-Disposition"] == 'attachment; filename="bank.yaml"'
    cli = runner.invoke(args=["export", "--source", "src"])
    assert one.get_data(as_text=True) == cli.stdout
    assert browser.fetch("/teach/export/gift?source=nope").status_code == 404


def test_the_command_line_options_have_their_controls(app, runner, snapshot, loaded):
    browser = teacher(app, runner)
    before = snapshot()
    strict = upload(browser, "quiz.gift", GIFT, strict="y")
    assert strict.status_code == 422
    assert "refused because skipped questions were not allowed: 2 questions would be skipped" in text_of(
        strict
    )
    sourced = upload(browser, "bank.yaml", yaml.safe_dump(bank(), sort_keys=False), source="src")
    assert sourced.status_code == 422
    assert "choosing a source is for GIFT and Aiken files" in text_of(sourced)
    assert 'selected value="src"' in text_of(sourced)  # what was chosen is kept
    unknown = upload(browser, "quiz.gift", GIFT, source="nope")
    assert unknown.status_code == 422 and "Not a valid choice" in text_of(unknown)
    assert snapshot() == before


def test_a_file_that_would_retire_an_earlier_imports_questions_says_so(app, runner, snapshot, loaded):
    browser = teacher(app, runner)
    assert confirm(browser, upload(browser, "quiz.gift", GIFT)).status_code == 200
    other = "::sky:: What colour is the sky?{=blue ~red ~green}\n"  # another file, the same name
    dry = upload(browser, "quiz.gift", other)
    assert dry.status_code == 200
    shown = " ".join(text_of(dry).split())
    assert "Importing would retire 2 questions that an earlier import of quiz.gift brought" in shown
    again = upload(browser, "quiz.gift", GIFT)  # the same file again retires nothing: no warning
    assert "would retire" not in text_of(again)
