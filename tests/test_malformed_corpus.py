"""Malformed bank files: `check` gives exact messages, `load` refuses them and leaves the database alone.

The corpus is tests/banks/malformed/: one defect per file (or per sub-folder, checked as one set),
each with its exact expected lines in tests/banks/malformed/expected.txt.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quizapp import config, create_app
from quizapp.bank import parse
from quizapp.bank.check import check_parsed
from quizapp.bank.problems import Problem
from quizapp.extensions import db

from .factories import QUESTION_TYPES, bank, question, write_bank

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "banks" / "malformed"
EXPECTED_FILE = CORPUS / "expected.txt"
ENTRIES = sorted(p for p in CORPUS.iterdir() if p != EXPECTED_FILE)
WARNING = re.compile(r"^.+?:\d+: .+?: warning: ")
SUMMARY = re.compile(r"^\d+ files?, .*; (\d+) errors?, (\d+) warnings?$")


def shown(entry: Path) -> str:
    """The path as the CLI shows it when run from the repository root."""
    return entry.relative_to(ROOT).as_posix()


def read_expected() -> dict[str, list[str]]:
    lines = [
        line
        for line in EXPECTED_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    expected = {}
    for entry in ENTRIES:
        prefix = shown(entry) + ("/" if entry.is_dir() else ":")
        expected[shown(entry)] = [line for line in lines if line.startswith(prefix)]
    return expected


EXPECTED = read_expected()
corpus = pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: p.name)


@pytest.fixture(scope="module", autouse=True)
def at_repository_root() -> Iterator[None]:
    """Paths print relative to the working directory: run every command from the root."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield


@pytest.fixture(scope="module")
def check_runner(tmp_path_factory: pytest.TempPathFactory):
    """A CLI runner for `check`, which touches no database: one app, no backend parameter."""
    tmp = tmp_path_factory.mktemp("check")
    app = create_app(config.TestConfig(tmp / "instance", f"sqlite:///{tmp / 'unused.sqlite3'}"))
    return app.test_cli_runner()


def assert_no_crash(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def summary_counts(line: str) -> tuple[int, int]:
    match = SUMMARY.match(line)
    assert match, line
    return int(match[1]), int(match[2])


# --- the corpus itself ---------------------------------------------------------------------


def test_corpus_holds_at_least_25_entries() -> None:
    assert len(ENTRIES) >= 25


def test_every_entry_has_expected_lines_and_every_line_an_entry() -> None:
    assert all(EXPECTED.values()), [name for name, lines in EXPECTED.items() if not lines]
    listed = sum(len(lines) for lines in EXPECTED.values())
    total = sum(
        1
        for line in EXPECTED_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert listed == total, "expected.txt holds lines for no corpus entry"


# --- check ------------------------------------------------------------------------------------


@corpus
def test_check_prints_exact_problems(entry: Path, check_runner) -> None:
    result = check_runner.invoke(args=["check", shown(entry)])
    assert_no_crash(result)
    assert result.exit_code == 1, result.output
    *problems, summary = result.stdout.splitlines()
    expected = EXPECTED[shown(entry)]
    assert problems == expected
    warnings = sum(1 for line in expected if WARNING.match(line))
    assert summary_counts(summary) == (len(expected) - warnings, warnings)
    assert result.stderr == ""


def test_check_json_for_a_malformed_file(check_runner) -> None:
    entry = CORPUS / "02_unknown_question_key.yaml"
    result = check_runner.invoke(args=["check", "--json", shown(entry)])
    assert_no_crash(result)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [str(Problem(**p)) for p in report["errors"]] == EXPECTED[shown(entry)]
    assert all(p["path"] == shown(entry) and p["warning"] is False for p in report["errors"])
    assert report["warnings"] == []
    assert report["summary"]["errors"] == 2
    assert report["summary"]["warnings"] == 0
    assert report["summary"]["files"] == 1


def test_console_script_checks_a_malformed_file(tmp_path: Path) -> None:
    entry = CORPUS / "10_marks_is_text.yaml"
    script = Path(sys.executable).with_name("quizapp")
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "QUIZAPP_ENV": "development",
    }
    done = subprocess.run(
        [str(script), "check", shown(entry)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    *problems, summary = done.stdout.splitlines()
    assert problems == EXPECTED[shown(entry)]
    assert summary_counts(summary) == (1, 0)


# --- load -------------------------------------------------------------------------------------


def load(runner, path: Path | str):
    # End the test's own read transaction first: on SQLite every transaction takes the
    # write lock up front (BEGIN IMMEDIATE), and the load migrates on another connection.
    db.session.rollback()
    return runner.invoke(args=["load", str(path)])


@corpus
def test_load_refuses_and_changes_nothing(entry: Path, runner, snapshot, tmp_path: Path) -> None:
    valid = write_bank(tmp_path / "banks" / "valid.yaml", bank())
    first = load(runner, valid)
    assert first.exit_code == 0, first.output
    before = snapshot()
    assert before["questions"], "the database should hold the valid bank"

    result = load(runner, shown(entry))
    assert_no_crash(result)
    assert result.exit_code == 1, result.output
    errors = [line for line in EXPECTED[shown(entry)] if not WARNING.match(line)]
    assert result.stderr.splitlines() == [
        *errors,
        f"nothing loaded: {len(errors)} problem{'' if len(errors) == 1 else 's'} in the bank files",
    ]
    assert result.stdout == ""
    db.session.rollback()
    assert snapshot() == before


# --- inputs outside the corpus ----------------------------------------------------------------


def test_file_larger_than_the_limit(check_runner, tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: no 20 MB written
        handle.truncate(parse.MAX_FILE_BYTES + 1)
    result = check_runner.invoke(args=["check", str(huge)])
    assert_no_crash(result)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{huge}:1: (file): the file is {parse.MAX_FILE_BYTES + 1:,} bytes; "
        f"a bank file may hold at most {parse.MAX_FILE_BYTES:,}"
    )


def test_bytes_larger_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 100)
    parsed = parse.parse_bytes(b"source: x\n" * 11, "big.yaml")
    assert [str(p) for p in parsed.problems] == [
        "big.yaml:1: (file): the file is 110 bytes; a bank file may hold at most 100"
    ]
    assert parsed.data is None


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000,
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000,
        "- " * 10_000 + "x\n",
        "".join("  " * i + "a:\n" for i in range(2_000)),
        "[" * 100 + "]" * 100,
    ],
    ids=["open-brackets", "closed-brackets", "flow-mappings", "block-lists", "block-mappings", "100-levels"],
)
def test_deep_nesting(text: str, check_runner, tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(text, encoding="utf-8")
    result = check_runner.invoke(args=["check", str(deep)])
    assert_no_crash(result)
    assert result.exit_code == 1
    *problems, summary = result.stdout.splitlines()
    assert len(problems) == 1
    assert problems[0].startswith(f"{deep}:")
    assert problems[0].endswith(f": nested more than {parse.MAX_DEPTH} levels deep")
    assert summary_counts(summary) == (1, 0)


def test_billion_laughs_is_refused_at_the_first_alias() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    parsed = parse.parse_text("\n".join(lines) + "\n", "laughs.yaml")
    assert [str(p) for p in parsed.problems] == [
        "laughs.yaml:2: b[0]: anchors and aliases (& and *) are not supported in bank files"
    ]
    assert parsed.data is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!!binary source: x\n", "t.yaml:1: (file): unsupported YAML tag tag:yaml.org,2002:binary"),
        ("source: !!int abc\n", "t.yaml:1: source: 'abc' is not a valid whole number"),
        ("source: x\n!!bool maybe: 1\n", "t.yaml:2: (file): 'maybe' is not a valid boolean (true or false)"),
        (
            "source: " + "9" * 5_000 + "\n",
            f"t.yaml:1: source: '{'9' * 57}...' is not a valid whole number (too many digits)",
        ),
    ],
    ids=["tagged-key", "bad-int", "bad-bool-key", "huge-int"],
)
def test_scalars_that_yaml_cannot_build(text: str, expected: str) -> None:
    parsed = parse.parse_text(text, "t.yaml")
    assert [str(p) for p in parsed.problems] == [expected]
    assert parsed.data is None


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("010", 10),
        ("+5", 5),
        ("-0", 0),
        ("0o17", 15),
        ("0x1F", 31),
        ("1e3", 1000.0),
        ("2.85e3", 2850.0),
        ("-1.5E-3", -0.0015),
        (".5", 0.5),
        ("+.5", 0.5),
        ("1.", 1.0),
        ("1:30", "1:30"),
        ("9:45", "9:45"),
        ("1_000", "1_000"),
        ("0b11", "0b11"),
        ("0o8", "0o8"),
        ("True", True),
        ("FALSE", False),
        ("yes", "yes"),
        ("2024-01-01", "2024-01-01"),
    ],
)
def test_numbers_and_booleans_read_as_yaml_1_2_core_writes_them(written: str, read: object) -> None:
    parsed = parse.parse_text(f"a: {written}\n", "t.yaml")
    assert parsed.problems == []
    assert parsed.data == {"a": read}
    assert type(parsed.data["a"]) is type(read)


def test_infinity_and_not_a_number_are_floats() -> None:
    parsed = parse.parse_text("a: [.inf, -.Inf, +.INF, .nan, .NaN]\n", "t.yaml")
    assert parsed.problems == []
    assert [str(v) for v in parsed.data["a"]] == ["inf", "-inf", "inf", "nan", "nan"]


@pytest.mark.parametrize("written", ["1e999", "-1e999", "!!float 1e400"])
def test_a_number_too_large_for_a_float_says_so(written: str) -> None:
    parsed = parse.parse_text(f"source: x\nmarks: {written}\n", "t.yaml")
    text = written.removeprefix("!!float ")
    assert [str(p) for p in parsed.problems] == [
        f"t.yaml:2: marks: {text!r} is too large a number (at most about 1.8e308)"
    ]


def errors_with_questions(lines: str) -> list[tuple[str, str]]:
    """The checker's (where, message) errors for an 8-question bank, without quizzes, that ends
    with the question `lines` (YAML list items)."""
    data = bank(questions=8)
    del data["quizzes"]
    text = yaml.safe_dump(data, sort_keys=False) + lines
    return [(p.where, p.message) for p in check_parsed([parse.parse_text(text, "t.yaml")]).errors]


def test_a_time_or_a_leading_zero_is_never_turned_into_another_number() -> None:
    errors = errors_with_questions(
        "- {id: q-time, type: numeric, prompt: When?, explanation: E., facts: [f1], answer: 1:30}\n"
        "- {id: q-text, type: short_answer, prompt: What?, explanation: E., facts: [f1],\n"
        "   answers: [1:30, 010]}\n"
    )
    assert errors == [
        ("questions[8].answer", "expected a number, got text ('1:30')"),
        ("questions[9].answers[1]", "expected text, got a number (10)"),
    ]


def test_a_question_without_a_known_type_still_names_its_unknown_keys() -> None:
    errors = errors_with_questions(
        "- {id: q-typ, typ: true_false, prompt: P?, explanation: E., facts: [f1], answer: true}\n"
        "- {id: q-essay, type: essay, prompt: P?, explanation: E., facts: [f1], wordcount: 300}\n"
    )
    assert errors == [
        ("questions[8].typ", "unknown key 'typ' (did you mean 'type'?)"),
        ("questions[8].type", "missing required key 'type' (one of " + ", ".join(QUESTION_TYPES) + ")"),
        ("questions[9].type", f"unknown question type 'essay'; use one of {', '.join(QUESTION_TYPES)}"),
        ("questions[9].wordcount", "unknown key 'wordcount' (no question type has it)"),
    ]


@pytest.mark.parametrize(
    ("qtype", "keys", "where", "message"),
    [
        (
            "true_false",
            "answer: true, options: [a]",
            "options",
            "unknown key 'options' (single_choice and multiple_choice have options; "
            "true_false has answer, true_feedback, false_feedback)",
        ),
        (
            "ordering",
            "items: [a, b, c], answer: a",
            "answer",
            "unknown key 'answer' (true_false and numeric have answer; ordering has items)",
        ),
        (
            "true_false",
            "answer: true, Prompt: P?",
            "Prompt",
            "unknown key 'Prompt' (did you mean 'prompt'?)",
        ),
        (
            "true_false",
            "answer: true, tags: [t1]",
            "tags",
            "unknown key 'tags' (did you mean 'topics'?)",
        ),
    ],
    ids=["other-type-key", "other-type-key-2", "letter-case", "other-word"],
)
def test_an_unknown_question_key_gets_a_suggestion_that_makes_sense(qtype, keys, where, message) -> None:
    question = f"{{id: qx, type: {qtype}, prompt: P?, explanation: E., facts: [f1], {keys}}}"
    assert (f"questions[8].{where}", message) in errors_with_questions(f"- {question}\n")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("topics: [t1]", "unknown key 'topics' for a quiz: write it under select (select: {topics: [...]})"),
        ("shuffle: false", "unknown key 'shuffle' (did you mean 'shuffle_options'?)"),
        ("time: 10", "unknown key 'time' (did you mean 'time_limit'?)"),
    ],
)
def test_an_unknown_quiz_key_gets_a_suggestion_that_makes_sense(key: str, message: str) -> None:
    text = yaml.safe_dump(bank(quizzes=[]), sort_keys=False).replace("quizzes: []\n", "")
    text += f"quizzes:\n- id: quiz1\n  title: All\n  {key}\n"
    checked = check_parsed([parse.parse_text(text, "t.yaml")])
    assert [p.message for p in checked.errors] == [message]


def quiz_problems(questions: list[dict], select: dict) -> list[tuple[str, str]]:
    data = bank(questions=0, facts=1, topics=[{"id": "t1", "title": "T1"}, {"id": "t2", "title": "T2"}])
    data["questions"] = questions
    data["quizzes"] = [{"id": "quiz1", "title": "Quiz", "select": select}]
    checked = check_parsed([parse.parse_text(yaml.safe_dump(data, sort_keys=False), "t.yaml")])
    return [(p.where, p.message) for p in checked.errors]


@pytest.mark.parametrize(
    ("questions", "select", "expected"),
    [
        (
            [question("q1", "true_false", prompt="")],
            {"topics": ["t1"]},
            [("questions[0].prompt", "must not be empty")],
        ),
        (
            [question("q1", "true_false"), question("q2", "numeric", answer="x")],
            {"questions": ["q2"]},
            [("questions[1].answer", "expected a number, got text ('x')")],
        ),
        (
            [question("q1", "true_false")],
            {"questions": ["nope"]},
            [("quizzes[0].select.questions[0]", "unknown question 'nope'")],
        ),
    ],
    ids=["selected-question-has-errors", "picked-question-has-errors", "picked-id-unknown"],
)
def test_a_selection_emptied_by_reported_problems_is_not_reported_again(questions, select, expected) -> None:
    assert quiz_problems(questions, select) == expected


def test_a_selection_that_takes_no_valid_question_is_still_reported() -> None:
    questions = [question("q1", "true_false"), question("q2", "true_false", topics=["t1"], prompt="")]
    assert quiz_problems(questions, {"topics": ["t2"]}) == [
        ("questions[1].prompt", "must not be empty"),
        ("quizzes[0].select", "the quiz selects no question"),
    ]


# --- fuzzing ----------------------------------------------------------------------------------

VALID = (CORPUS / "12_duplicate_id_across_files" / "a.yaml").read_text(encoding="utf-8")
FRAGMENTS = [
    "source:",
    "facts:",
    "topics:",
    "questions:",
    "quizzes:",
    "sections:",
    "- id:",
    "  - id: ",
    "id: q1",
    "type: cloze",
    "type: single_choice",
    "type: numeric",
    "text: ",
    "blanks:",
    "answers: [x]",
    "options:",
    "correct: true",
    "correct: yes",
    "answer: 8",
    "min: 3",
    "max: 1",
    "tolerance: -1",
    "{{1}}",
    "{{2}}",
    "{{ 3 }}",
    "&a ",
    "*a",
    "&a [1, 2]",
    "[*a, *a]",
    "<<: *a",
    "!!str ",
    "!!binary ",
    "!!python/object:os.system ",
    "!custom ",
    "!!int ",
    "!!int abc",
    "!!float x",
    "!!bool maybe",
    "!!timestamp ",
    "9" * 5_000,
    "? ",
    ": ",
    "- ",
    "-",
    "#",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "\r",
    "\r\n",
    '"',
    "'",
    '"\\x',
    "[",
    "]",
    "{",
    "}",
    ",",
    "|",
    ">-",
    "null",
    "~",
    "true",
    "1e3",
    "-0",
    ".inf",
    "0x1F",
    "2024-01-01",
    "é",
    "\u2028",
    "\ufeff",
    "\x85",
    "\x00",
    "\x7f",
    "💥",
]
fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)
mutated_bank = st.lists(
    st.tuples(st.integers(0, len(VALID)), st.integers(0, 20), fragment_text),
    min_size=1,
    max_size=4,
).map(lambda edits: _mutate(VALID, edits))


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace a few slices of `text` (start, length) with fragments."""
    for start, length, insert in edits:
        start = min(start, len(text))
        text = text[:start] + insert + text[start + length :]
    return text


def assert_checks_cleanly(raw: bytes) -> None:
    parsed = parse.parse_bytes(raw, "fuzz.yaml")
    checked = check_parsed([parsed])
    for problem in checked.problems:
        assert problem.path == "fuzz.yaml"
        assert isinstance(problem.line, int) and problem.line >= 1, problem
        assert problem.where.strip(), problem
        assert problem.message.strip(), problem
        str(problem)
    checked.summary()


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2_000))
def test_random_bytes_never_crash(raw: bytes) -> None:
    assert_checks_cleanly(raw)


@FUZZ
@given(st.text(max_size=2_000))
def test_random_text_never_crashes(text: str) -> None:
    assert_checks_cleanly(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.one_of(fragment_text, mutated_bank))
@example("!!binary source:")  # once crashed: tagged keys were constructed unchecked
@example("!!python/object:os.system source:")
@example("!!timestamp x: 1")
@example("a: !!int abc\nb: !!int\nc: !!float x\nd: !!bool maybe")
@example("marks: " + "9" * 5_000)  # once crashed: Python refuses to convert ints over 4,300 digits
def test_yaml_like_text_never_crashes(text: str) -> None:
    assert_checks_cleanly(text.encode("utf-8", "surrogatepass"))
