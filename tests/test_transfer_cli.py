"""`quizapp import` and `quizapp export` on both backends: dry runs, all or nothing, stable ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.grading import grade
from quizapp.models import Fact, Question, QuestionVersion, Source, Topic

from .factories import bank, question, write_bank

CORPUS = Path(__file__).resolve().parent / "transfer"
MOODLE = CORPUS / "gift" / "valid" / "13_moodle_export.gift"

GIFT = """\
$CATEGORY: $course$/top/Capitals

::capital:: What is the capital of France?{=Paris ~Lyon ~Nice####Paris, since 987.}

::rome:: Capital of Italy?{=Rome}

::two:: Only two options.{=yes ~no}

::essay:: Discuss.{}
"""


def invoke(runner, *args: str):
    result = runner.invoke(args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def keys(model) -> list[str]:
    return sorted(db.session.scalars(select(model.key)))


def test_dry_run_changes_nothing_and_shows_everything(runner, snapshot, tmp_path):
    assert invoke(runner, "load", str(write_bank(tmp_path / "bank.yaml", bank()))).exit_code == 0
    before = snapshot()
    path = tmp_path / "quiz.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = invoke(runner, "import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}: GIFT, 2 questions to import, 2 skipped"
    assert (
        f"skipped {path}:7: question 'two': options: needs at least 3 items, got 2: not imported "
        "(make a two-option question true/false, or add an option)" in lines
    )
    assert f"skipped {path}:9: question 'essay': an essay needs a teacher to grade it: not imported" in lines
    assert "  capital: What is the capital of France? / Answer: Paris" in lines
    assert "2 questions: 2 added, 0 changed, 0 unchanged, 0 retired" in lines
    assert "1 topic: 1 added, 0 changed, 0 unchanged, 0 retired" in lines
    assert lines[-1] == "dry run: nothing was written"
    assert snapshot() == before


def test_import_commits_drafts_and_reimport_changes_nothing(runner, snapshot, tmp_path):
    path = tmp_path / "quiz.gift"
    path.write_text(GIFT, encoding="utf-8")
    first = invoke(runner, "import", str(path))
    assert first.exit_code == 0, first.output
    assert "2 questions: 2 added" in first.stdout
    source = db.session.scalar(select(Source).where(Source.key == "quiz"))
    assert (source.title, source.origin) == ("quiz.gift", "Imported from quiz.gift")
    facts = db.session.scalars(select(Fact).order_by(Fact.key)).all()
    assert [(f.key, f.draft, f.section) for f in facts] == [
        ("capital", True, "imported"),
        ("rome", True, "imported"),
    ]
    assert facts[1].statement == "Capital of Italy?\nAnswer: Rome"
    version = db.session.scalar(select(QuestionVersion).join(Question).where(Question.key == "capital"))
    assert version.explanation == "Paris, since 987."
    assert [f.key for f in version.facts] == ["capital"]
    assert [(t.key, t.title) for t in version.topics] == [("capitals", "Capitals")]
    before = snapshot()

    again = invoke(runner, "import", str(path))
    assert again.exit_code == 0, again.output
    assert "2 questions: 0 added, 0 changed, 2 unchanged, 0 retired" in again.stdout
    assert again.stdout.splitlines()[-1] == "nothing changed: the database already holds this file"
    assert snapshot() == before


def test_reimport_of_an_edited_file_versions_and_retires(runner, tmp_path):
    path = tmp_path / "quiz.gift"
    path.write_text(GIFT, encoding="utf-8")
    assert invoke(runner, "import", str(path)).exit_code == 0
    edited = GIFT.replace("~Nice", "~Marseille").replace("::rome:: Capital of Italy?{=Rome}", "")
    path.write_text(edited, encoding="utf-8")
    result = invoke(runner, "import", str(path))
    assert "1 question: 0 added, 1 changed, 0 unchanged, 1 retired" in result.stdout
    retired = db.session.scalar(select(Question).where(Question.key == "rome"))
    assert retired.retired_at is not None
    assert db.session.scalar(select(Question.version).where(Question.key == "capital")) == 2


def test_a_moodle_export_with_bom_and_crlf_imports(runner, tmp_path):
    result = invoke(runner, "import", str(MOODLE))
    assert result.exit_code == 0, result.output
    assert "6 questions: 6 added" in result.stdout
    assert keys(Topic) == ["default-for-course-101"]
    assert keys(Question) == ["capital", "match", "multi-line", "river", "sky", "year"]


def test_ids_held_by_another_file_get_the_file_name_as_prefix(runner, snapshot, tmp_path):
    for name in ("first.gift", "second.gift"):
        (tmp_path / name).write_text(GIFT, encoding="utf-8")
        assert invoke(runner, "import", str(tmp_path / name)).exit_code == 0
    assert keys(Question) == ["capital", "rome", "second-capital", "second-rome"]
    assert keys(Fact) == ["capital", "rome", "second-capital", "second-rome"]
    before = snapshot()
    again = invoke(runner, "import", str(tmp_path / "second.gift"))
    assert "nothing changed" in again.stdout
    assert snapshot() == before


def test_import_into_an_existing_source(runner, tmp_path):
    assert invoke(runner, "load", str(write_bank(tmp_path / "bank.yaml", bank()))).exit_code == 0
    path = tmp_path / "extra.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = invoke(runner, "import", str(path), "--source", "src")
    assert result.exit_code == 0, result.output
    fact = db.session.scalar(select(Fact).where(Fact.key == "capital"))
    assert (fact.source.key, fact.section, fact.draft) == ("src", "s1", True)
    assert keys(Source) == ["src"]
    unknown = invoke(runner, "import", str(path), "--source", "nope")
    assert unknown.exit_code == 1
    assert f"{path}:1: (file): no source 'nope' in the database (known: src)" in unknown.stderr


def test_a_source_of_the_same_name_is_not_taken_over(runner, snapshot, tmp_path):
    assert invoke(runner, "load", str(write_bank(tmp_path / "bank.yaml", bank()))).exit_code == 0
    before = snapshot()
    path = tmp_path / "src.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert "already holds a source 'src' that is not this file's import" in result.stderr
    assert snapshot() == before


def test_files_named_without_latin_letters_get_sources_of_their_own(runner, tmp_path):
    """ "問題.gift" and "試験.gift" slug to nothing; each gets an id told apart by its name's digest."""
    keys = []
    for name in ("問題.gift", "試験.gift", "問題.gift"):
        path = tmp_path / name
        path.write_text(GIFT, encoding="utf-8")
        result = invoke(runner, "import", str(path))
        assert result.exit_code == 0, result.output
        keys.append(db.session.scalar(select(Source.key).where(Source.origin == f"Imported from {name}")))
    assert keys[0] != keys[1] and keys[0] == keys[2]  # the same file again finds its own source
    assert all(re.fullmatch(r"imported-[0-9a-f]{8}", key) for key in keys), keys


def test_strict_refuses_a_file_with_skipped_questions(runner, snapshot, tmp_path):
    before = snapshot()
    path = tmp_path / "quiz.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = invoke(runner, "import", str(path), "--strict")
    assert result.exit_code == 1
    assert f"{path}:1: (file): --strict: 2 questions would be skipped" in result.stderr
    assert snapshot() == before


def test_a_file_with_nothing_to_import_is_refused(runner, snapshot, tmp_path):
    before = snapshot()
    cases = {
        "empty.gift": ("// only a comment\n\n", "the file holds none"),
        "essays.gift": ("::e1:: Discuss.{}\n\n::e2:: Describe.{}\n", "all 2 skipped"),
        "empty.txt": ("", "the file holds none"),
    }
    for name, (text, why) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        args = ["import", str(path), *(["--format", "aiken"] if name.endswith(".txt") else [])]
        result = invoke(runner, *args)
        assert result.exit_code == 1, name
        assert f"{path}:1: (file): no question to import: {why}" in result.stderr
    assert snapshot() == before  # no empty source either


def test_a_file_over_the_size_limit_is_refused(app, runner, snapshot, tmp_path):
    app.config["QUIZAPP_IMPORT_MAX_BYTES"] = 100
    path = tmp_path / "big.gift"
    path.write_text("::q:: Is this long?{T}\n\n" * 10, encoding="utf-8")
    before = snapshot()
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[0]
        == f"{path}:1: (file): the file is 240 bytes; an import may hold at most 100"
    )
    assert snapshot() == before
    # A device or a pipe tells no size: it is read up to one byte past the limit, no further.
    endless = invoke(runner, "import", "/dev/zero", "--format", "gift")
    assert endless.exit_code == 1
    assert "/dev/zero:1: (file): the file is 101 bytes; an import may hold at most 100" in endless.stderr
    assert snapshot() == before


def test_formats_by_extension_and_by_option(runner, tmp_path):
    aiken = tmp_path / "moodle-aiken.txt"
    aiken.write_text("Capital of France?\nA) Lyon\nB) Paris\nC) Nice\nANSWER: B\n", encoding="utf-8")
    result = invoke(runner, "import", str(aiken), "--dry-run")
    assert result.stdout.splitlines()[0] == f"{aiken}: AIKEN, 1 question to import, 0 skipped"
    braces = tmp_path / "sets.txt"  # braces in an Aiken question do not make it GIFT
    braces.write_text(
        "Which set is {1, 2}?\nA) One and two\nB) Empty\nC) Ones\nANSWER: A\n", encoding="utf-8"
    )
    assert "AIKEN, 1 question to import" in invoke(runner, "import", str(braces), "--dry-run").stdout
    gift = tmp_path / "moodle-gift.txt"
    gift.write_text(GIFT, encoding="utf-8")
    assert "GIFT, 2 questions" in invoke(runner, "import", str(gift), "--dry-run").stdout
    odd = tmp_path / "questions.dat"
    odd.write_text(GIFT, encoding="utf-8")
    refused = invoke(runner, "import", str(odd))
    assert refused.exit_code == 1
    assert f"{odd}:1: (file): cannot tell the format from the extension: give --format" in refused.stderr
    assert invoke(runner, "import", str(odd), "--format", "gift").exit_code == 0


def test_a_yaml_bank_imports_like_load(runner, snapshot, tmp_path):
    path = write_bank(tmp_path / "bank.yaml", bank())
    dry = invoke(runner, "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "8 questions: 8 added" in dry.stdout
    assert keys(Question) == []
    assert invoke(runner, "import", str(path)).exit_code == 0
    assert len(keys(Question)) == 8
    refused = invoke(runner, "import", str(path), "--source", "src")
    assert refused.exit_code == 1
    assert "--source is for GIFT and Aiken files" in refused.stderr


# --- export -----------------------------------------------------------------------------------


def test_export_yaml_to_stdout_a_file_and_a_folder(runner, tmp_path):
    data = bank()
    write_bank(tmp_path / "banks" / "main.yaml", data)
    write_bank(tmp_path / "banks" / "more.yaml", {"source": "src", "questions": [question("x1", "ordering")]})
    assert invoke(runner, "load", str(tmp_path / "banks")).exit_code == 0
    several = invoke(runner, "export")
    assert several.exit_code == 1
    assert "the export is 2 bank files (main.yaml, more.yaml): give -o FOLDER" in several.stderr
    folder = invoke(runner, "export", "-o", f"{tmp_path / 'out'}/")
    assert folder.exit_code == 0, folder.output
    main = yaml.safe_load((tmp_path / "out" / "main.yaml").read_text(encoding="utf-8"))
    more = yaml.safe_load((tmp_path / "out" / "more.yaml").read_text(encoding="utf-8"))
    assert main["source"]["id"] == "src" and more["source"] == "src"
    assert [q["id"] for q in main["questions"]] == [q["id"] for q in data["questions"]]
    assert more["questions"][0]["items"] == question("x1", "ordering")["items"]
    assert "topics" not in more  # t1 is written once, in the first file that uses it

    one_file = invoke(runner, "export", "--source", "src", "-o", str(tmp_path / "one.yaml"))
    assert one_file.exit_code == 1  # two bank files do not fit in one
    assert not (tmp_path / "one.yaml").exists()
    unknown = invoke(runner, "export", "--source", "nope")
    assert unknown.exit_code == 1
    assert unknown.stderr == "no source 'nope' in the database\n"


def test_export_gift_lists_what_it_cannot_express(runner, tmp_path):
    data = bank()
    data["questions"][3]["case_sensitive"] = True  # a short answer
    assert invoke(runner, "load", str(write_bank(tmp_path / "bank.yaml", data))).exit_code == 0
    result = invoke(runner, "export", "--format", "gift")
    assert result.exit_code == 0, result.output
    expected_q1 = "::q1::[plain]Prompt of q1 (0)?{\n\t=right 0#Yes.\n\t~wrong a 0\n\t~wrong b 0\n"
    assert expected_q1 + "\t####Because of q1.\n}" in result.stdout
    assert result.stderr.splitlines() == [
        "not exported: q6 (ordering): GIFT has no ordering questions",
        "not exported: q8 (cloze): a GIFT missing word has one blank, this cloze has 2",
        "partly exported: q4: GIFT cannot say case_sensitive",
        "note: GIFT carries no facts, difficulty, marks, quizzes or sources",
    ]
    out = invoke(runner, "export", "--format", "gift", "-o", str(tmp_path / "bank.gift"))
    assert (tmp_path / "bank.gift").read_text(encoding="utf-8") == result.stdout
    assert out.exit_code == 0


WEEKS = """\
$CATEGORY: $course$/top/Week 1

::Q1:: Capital of France?{=Paris ~Lyon ~Nice}

$CATEGORY: $course$/top/Week 2

::Q1:: Largest planet?{=Jupiter ~Mars ~Venus}

$CATEGORY: $course$/top/Week 3

::Q1:: Smallest prime?{=2 ~1 ~3}

Which is a mammal?{=Whale ~Shark ~Trout}

Which is a mammal?{=Bat ~Eagle ~Salmon}
"""


def prompts_by_key() -> dict[str, str]:
    rows = db.session.execute(
        select(Question.key, QuestionVersion.prompt)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.number == Question.version, Question.retired_at.is_(None))
    )
    return dict(rows.all())


def test_repeated_titles_and_prompts_keep_their_ids_when_others_leave_the_file(runner, tmp_path):
    """Moodle's "Q1" in every week: an id must stay with its question, or a re-import would move
    one question's history onto another."""
    path = tmp_path / "weeks.gift"
    path.write_text(WEEKS, encoding="utf-8")
    assert invoke(runner, "import", str(path)).exit_code == 0
    first = prompts_by_key()
    assert {first[k] for k in ("week-1-q1", "week-2-q1", "week-3-q1")} == {
        "Capital of France?",
        "Largest planet?",
        "Smallest prime?",
    }
    assert sorted(first.values()).count("Which is a mammal?") == 2

    # Week 1's question and the first mammal question leave the file: the rest keep their ids.
    week_1 = "::Q1:: Capital of France?{=Paris ~Lyon ~Nice}\n"
    first_mammal = "Which is a mammal?{=Whale ~Shark ~Trout}\n"
    assert week_1 in WEEKS and first_mammal in WEEKS
    path.write_text(WEEKS.replace(week_1, "").replace(first_mammal, ""), encoding="utf-8")
    result = invoke(runner, "import", str(path))
    assert "0 added, 0 changed, 3 unchanged, 2 retired" in result.stdout, result.stdout
    after = prompts_by_key()
    assert after == {k: v for k, v in first.items() if k in after}
    assert "week-1-q1" not in after and len(after) == 3

    # What repeats in one category with one title is numbered, never prefixed.
    path = tmp_path / "same.gift"
    path.write_text("\n\n".join(f"::Same:: Is {n} even?{{{'T' if n % 2 == 0 else 'F'}}}" for n in range(30)))
    assert invoke(runner, "import", str(path)).exit_code == 0
    same = [k for k in prompts_by_key() if k == "same" or k.startswith("same-")]
    assert sorted(same) == sorted(["same", *(f"same-{n}" for n in range(2, 31))])


def test_a_file_of_one_mistake_repeated_lists_a_hundred_and_counts_the_rest(runner, snapshot, tmp_path):
    path = tmp_path / "tildes.gift"
    path.write_text("::t:: Which?{" + "~" * 500 + "}\n", encoding="utf-8")
    before = snapshot()
    result = invoke(runner, "import", str(path))
    assert result.exit_code != 0
    listed = [line for line in result.output.splitlines() if line.endswith("question 't': an empty answer")]
    assert len(listed) == 100
    assert "... and 400 more errors, not listed" in result.output
    assert "nothing imported: 500 errors in" in result.output
    assert snapshot() == before


def test_imported_short_answers_are_graded_as_moodle_grades_them(runner, tmp_path):
    """Moodle's short answers are exact but for letter case: no spelling slips, accents count."""
    path = tmp_path / "lenient.gift"
    path.write_text(
        '::spell:: Spell the word meaning "needed".{=necessary}\n\n'
        '::fr:: Translate "where" into French.{=où}\n\n'
        "::gap:: The capital of France is {=Paris} on the Seine.\n",
        encoding="utf-8",
    )
    assert invoke(runner, "import", str(path)).exit_code == 0
    data = dict(
        db.session.execute(
            select(Question.key, QuestionVersion.data).join(
                QuestionVersion, QuestionVersion.question_id == Question.id
            )
        ).all()
    )
    assert grade("short_answer", data["spell"], {"text": "NECESSARY"}).fraction == 1.0
    assert grade("short_answer", data["spell"], {"text": "neccessary"}).fraction == 0.0
    assert grade("short_answer", data["fr"], {"text": "Où"}).fraction == 1.0
    assert grade("short_answer", data["fr"], {"text": "ou"}).fraction == 0.0
    assert grade("cloze", data["gap"], {"blanks": ["paris"]}).fraction == 1.0
    assert grade("cloze", data["gap"], {"blanks": ["Pariss"]}).fraction == 0.0


@pytest.mark.parametrize(
    "raw",
    [
        "::q:: Sky?{=blue ~red ~green}\n".encode("utf-16"),
        "::q:: Sky?{=blue ~red ~green}\n".encode("utf-16-le"),
    ],
    ids=["with a byte order mark", "without"],
)
def test_a_utf16_file_is_named_as_such(runner, tmp_path, raw):
    path = tmp_path / "notepad.gift"
    path.write_bytes(raw)
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}:1: (file): UTF-16 text (Windows calls it Unicode), not UTF-8: save it as UTF-8"
        in result.stderr
    )


@pytest.mark.parametrize(
    "raw",
    [b"\x89PNG\r\n\x1a\n" + bytes(600), bytes(range(256)) * 10],
    ids=["an image", "every byte"],
)
def test_a_binary_file_is_named_as_such(runner, tmp_path, raw):
    path = tmp_path / "picture.gift"
    path.write_bytes(raw)
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert "binary data (NUL byte), not a text file" in result.stderr, result.stderr


def test_skipped_counts_questions_not_reasons(runner, tmp_path):
    path = tmp_path / "two-reasons.gift"
    long_option = "x" * 600
    bad = f"::bad:: Which?{{={long_option} ~{long_option} ~no}}"  # two options too long
    path.write_text(f"{bad}\n\n::good:: Sky?{{=blue ~red ~green}}\n", encoding="utf-8")
    result = invoke(runner, "import", str(path), "--dry-run")
    assert result.stdout.splitlines()[0] == f"{path}: GIFT, 1 question to import, 1 skipped", result.stdout
    reasons = [line for line in result.stdout.splitlines() if line.startswith("skipped ")]
    assert len(reasons) == 2, result.stdout  # both of the question's reasons are listed


OUT_OF_ORDER = """\
::two:: Only two options.{=yes ~no}

::essay:: Discuss.{}

::sky:: Colour of the sky?{=blue ~red ~green}

::sky-again:: Colour of the sky?{=blue ~red ~green}

::four:: Two plus two, in words?{=four#Yes.}
"""


def test_skipped_questions_and_notes_are_listed_by_line(runner, tmp_path):
    """The checks of our shapes skip and note after the reader has: the list is still in file order."""
    path = tmp_path / "order.gift"
    path.write_text(OUT_OF_ORDER, encoding="utf-8")
    lines = invoke(runner, "import", str(path), "--dry-run").stdout.splitlines()
    skipped = [line.split(":")[1] for line in lines if line.startswith("skipped ")]
    notes = [line.split(":")[1] for line in lines if line.startswith("note ")]
    assert (skipped, notes) == (["1", "3"], ["7", "9"]), lines
