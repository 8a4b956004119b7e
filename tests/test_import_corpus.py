"""The import corpus: GIFT and Aiken files written by us, each with its expected reading.

tests/transfer/<format>/valid/NAME.<ext> is read and compared with NAME.expected.yaml: every
question in our shape with its line, title and category, and every skip, note and error.
tests/transfer/<format>/malformed/ holds broken files; `quizapp import --dry-run` must print
exactly the lines of their expected.txt and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from quizapp.bank.aiken import read_aiken
from quizapp.bank.foreign import NO_EXPLANATION, Reading
from quizapp.bank.gift_read import category_title, read_gift
from quizapp.extensions import db

from .factories import bank, write_bank

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "transfer"
READERS = {"gift": read_gift, "aiken": read_aiken}
VALID = sorted(
    p for fmt in READERS for p in (CORPUS / fmt / "valid").iterdir() if not p.name.endswith(".expected.yaml")
)
MALFORMED = sorted(
    p for fmt in READERS for p in (CORPUS / fmt / "malformed").iterdir() if p.name != "expected.txt"
)


def render(reading: Reading) -> dict[str, Any]:
    """A reading as compact plain data: what the expected files hold."""
    questions = []
    for question in reading.questions:
        entry: dict[str, Any] = {"line": question.line}
        if question.title:
            entry["title"] = question.title
        if question.category:
            entry["category"] = question.category
        entry.update(question.record)
        if entry.get("explanation") == NO_EXPLANATION:
            del entry["explanation"]
        questions.append(entry)
    return {
        "questions": questions,
        "skipped": [f"{p.line}: {p.where}: {p.message}" for p in reading.skipped],
        "notes": [f"{p.line}: {p.where}: {p.message}" for p in reading.notes],
        "errors": [f"{p.line}: {p.where}: {p.message}" for p in reading.errors],
    }


def read(path: Path) -> Reading:
    fmt = path.parent.parent.name
    return READERS[fmt](path.read_bytes().decode("utf-8-sig"), path.name)


def expected_of(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.with_name(path.stem + ".expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_valid_file_reads_as_expected(path: Path) -> None:
    assert render(read(path)) == expected_of(path)


def test_corpus_covers_every_valid_file_and_the_moodle_export_bytes() -> None:
    expected = {p.name for fmt in READERS for p in (CORPUS / fmt / "valid").glob("*.expected.yaml")}
    assert expected == {p.stem + ".expected.yaml" for p in VALID}
    raw = (CORPUS / "gift" / "valid" / "13_moodle_export.gift").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # a BOM and CRLF, as Moodle writes


# --- malformed files, through the command ----------------------------------------------------


def shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def expected_lines(fmt: str) -> dict[str, list[str]]:
    text = (CORPUS / fmt / "malformed" / "expected.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {
        shown(path): [line for line in lines if line.startswith(shown(path) + ":")]
        for path in MALFORMED
        if path.parent.parent.name == fmt
    }


EXPECTED = {**expected_lines("gift"), **expected_lines("aiken")}


@pytest.fixture
def at_root() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield


def test_every_malformed_file_has_expected_lines() -> None:
    assert all(EXPECTED.values()), [name for name, lines in EXPECTED.items() if not lines]
    for fmt in READERS:
        text = (CORPUS / fmt / "malformed" / "expected.txt").read_text(encoding="utf-8")
        listed = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        assert len(listed) == sum(len(v) for k, v in EXPECTED.items() if f"/{fmt}/" in k)


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_malformed_file_is_refused_with_its_lines(path: Path, runner, snapshot, tmp_path, at_root) -> None:
    loaded = runner.invoke(args=["load", str(write_bank(tmp_path / "bank.yaml", bank()))])
    assert loaded.exit_code == 0, loaded.output
    before = snapshot()
    for dry_run in (["--dry-run"], []):
        result = runner.invoke(args=["import", shown(path), *dry_run])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 1, result.output
        errors = EXPECTED[shown(path)]
        assert result.stderr.splitlines() == [
            *errors,
            f"nothing imported: {len(errors)} error{'' if len(errors) == 1 else 's'} in {shown(path)}; "
            "the database is as it was",
        ]
        assert "Traceback" not in result.output
        db.session.rollback()
        assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("$course$/top/Week 1", "Week 1"),
        ("$course$/top/Week 1//2", "Week 1/2"),  # Moodle writes a slash in a name as //
        ("$course$/top", None),
        ("$module$/top/Default for Quiz", "Default for Quiz"),
    ],
)
def test_category_paths_become_topic_titles(path: str, title: str | None) -> None:
    assert category_title(path) == title


def test_an_equals_sign_inside_an_html_tag_is_named_as_the_likely_cause() -> None:
    """Moodle splits answers at an unescaped '=' even inside a tag; the skip says where to look."""
    reading = read_gift("::h:: Pick{=<b class=x>right</b> ~wrong ~third}\n\n::g:: Two{=a =b ~c}\n", "x.gift")
    tagged, plain = (p.message for p in reading.skipped)
    assert "a single-choice question has one (an '=' inside an HTML tag? write it \\=)" in tagged
    assert "a single-choice question has one: not imported" in plain


def test_a_wildcard_skip_shows_the_answer_as_written() -> None:
    """The message quotes the teacher's text, not Python's repr of it (no doubled backslashes)."""
    reading = read_gift("::w:: Which files?{=C:\\\\Temp\\\\*.*}\n", "x.gift")
    [skipped] = reading.skipped
    assert skipped.message.startswith("answer 'C:\\Temp\\*.*' uses Moodle's wildcard '*'"), skipped.message


@pytest.mark.parametrize(
    ("right", "wrong", "share"),
    [(["Sweden", "Norway"], ["Finland", "Denmark"], "50"), (["2", "3", "5"], ["4", "6"], "33.33333")],
)
def test_a_multiple_answer_skip_names_the_weights_that_import(right, wrong, share) -> None:
    """The skip says which weights to write, as Moodle writes them; written so, the question imports."""
    answers = [f"~%{share}%{a}" for a in right] + [f"~%-100%{a}" for a in wrong]
    [skipped] = read_gift(f"::q:: Which?{{{' '.join(answers)}}}\n", "x.gift").skipped
    fix = f"(to import it, give each right answer %{share}% and each wrong answer %-{share}%)"
    assert skipped.message.endswith(fix), skipped.message
    answers = [f"~%{share}%{a}" for a in right] + [f"~%-{share}%{a}" for a in wrong]
    reading = read_gift(f"::q:: Which?{{{' '.join(answers)}}}\n", "x.gift")
    assert reading.skipped == [] and reading.questions[0].record["type"] == "multiple_choice"
