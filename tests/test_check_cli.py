"""`quizapp check`: exit codes, warnings, --strict, the summary, and the console scripts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from quizapp import create_app
from quizapp.cli import main
from quizapp.config import TestConfig

from .factories import bank, question, write_bank


@pytest.fixture
def runner(tmp_path):
    """The CLI on an app whose database is never touched (check needs none)."""
    app = create_app(TestConfig(tmp_path / "instance", f"sqlite:///{tmp_path / 'unused.sqlite3'}"))
    yield app.test_cli_runner()
    assert not (tmp_path / "unused.sqlite3").exists()


def line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def untested_fact_bank():
    data = bank(questions=8, facts=2)
    data["facts"].append({"id": "f3", "section": "s2", "statement": "Nobody asks about this."})
    data["facts"].append({"id": "f4", "section": "s2", "statement": "Only true/false asks this."})
    data["questions"].append(question("q9", "true_false", ["f4"]))
    return data


def test_warnings_pass_but_strict_fails(runner, tmp_path):
    path = write_bank(tmp_path / "bank.yaml", untested_fact_bank())
    relaxed = runner.invoke(args=["check", str(path)])
    assert relaxed.exit_code == 0, relaxed.output
    lines = relaxed.output.splitlines()
    f3, f4 = line_of(path, "id: f3"), line_of(path, "id: f4")
    assert f"{path}:{f3}: facts[2]: warning: fact 'f3' is tested by no question" in lines
    assert (
        f"{path}:{f4}: facts[3]: warning: fact 'f4' is tested by one question type only (true_false)" in lines
    )
    assert lines[-1] == (
        "1 file, 4 facts, 1 topic, 9 questions (1 single_choice, 1 multiple_choice, 2 true_false, "
        "1 short_answer, 1 numeric, 1 ordering, 1 matching, 1 cloze), 1 quiz; "
        "3 of 4 facts covered by a question; 0 errors, 2 warnings"
    )
    strict = runner.invoke(args=["check", "--strict", str(path)])
    assert strict.exit_code == 1


def test_json_output_for_tools(runner, tmp_path):
    path = write_bank(tmp_path / "bank.yaml", untested_fact_bank())
    result = runner.invoke(args=["check", "--json", str(path)])
    report = json.loads(result.output)
    assert report["ok"] is True
    assert report["errors"] == []
    assert [w["message"] for w in report["warnings"]] == [
        "fact 'f3' is tested by no question",
        "fact 'f4' is tested by one question type only (true_false)",
    ]
    assert report["summary"]["questions_by_type"]["true_false"] == 2
    assert report["summary"]["facts_covered"] == 3


def test_a_folder_and_a_missing_path(runner, tmp_path):
    write_bank(tmp_path / "banks" / "a.yaml", bank(questions=8))
    assert runner.invoke(args=["check", str(tmp_path / "banks")]).exit_code == 0
    missing = runner.invoke(args=["check", str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert f"{tmp_path / 'nope'}:1: (file): no such file or folder" in missing.output
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(args=["check", str(tmp_path / "empty")])
    assert empty.exit_code == 1
    assert f"{tmp_path / 'empty'}:1: (folder): no bank files (*.yaml, *.yml) here" in empty.output


def test_console_script_and_flask_cli_run_the_same_command(tmp_path):
    path = write_bank(tmp_path / "bank.yaml", bank(questions=8))
    bin_dir = f"{sys.prefix}/bin"
    for command in (
        [f"{bin_dir}/quizapp", "check", str(path)],
        [f"{bin_dir}/flask", "--app", "quizapp", "check", str(path)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "8 questions" in result.stdout and "0 errors" in result.stdout


def test_the_command_list_holds_only_commands_that_run(tmp_path, monkeypatch):
    """Flask-Limiter adds `limiter` to every Flask command line; it needs an extra not installed."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0 and "prune-guests" in listed.output
    assert "limiter" not in listed.output
    hidden = CliRunner().invoke(main, ["limiter", "clear"])
    assert hidden.exit_code == 2 and "No such command 'limiter'" in hidden.output
