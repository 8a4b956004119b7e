"""Round trips on both backends: YAML export reloads to the same rows; GIFT export-import-export is stable."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from quizapp.bank import check_paths
from quizapp.bank.check import check_parsed
from quizapp.bank.export import bank_files, to_yaml
from quizapp.bank.load import load_bank
from quizapp.bank.parse import parse_text
from quizapp.config import resource_dir
from quizapp.extensions import db
from quizapp.models import Question, QuestionVersion
from quizapp.services.transfer import export_gift, import_file

from .factories import bank, question, write_bank


def empty_database() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


def invoke(runner, *args: str):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def folder_texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_the_shipped_bank_round_trips_exactly(runner, snapshot, tmp_path):
    invoke(runner, "load", str(resource_dir("questions")))
    invoke(runner, "export", "-o", f"{tmp_path / 'first'}/")
    first = folder_texts(tmp_path / "first")
    assert list(first) == [p.name for p in sorted(resource_dir("questions").glob("*.yaml"))]

    # The export holds exactly the records of the original files, every key in place.
    original, exported = check_paths([resource_dir("questions")]), check_paths([tmp_path / "first"])
    assert exported.problems == []
    for kind in ("facts", "topics", "questions", "quizzes"):
        assert [getattr(f, kind) for f in exported.files] == [getattr(f, kind) for f in original.files], kind
    assert [f.source for f in exported.files] == [f.source for f in original.files]

    before = snapshot()
    over = invoke(runner, "load", str(tmp_path / "first"))
    assert "nothing changed" in over.stdout
    assert snapshot() == before

    empty_database()
    invoke(runner, "load", str(tmp_path / "first"))
    invoke(runner, "export", "-o", f"{tmp_path / 'second'}/")
    assert folder_texts(tmp_path / "second") == first


def test_the_shipped_bank_as_gift_is_stable(app, tmp_path):
    shipped = check_paths([resource_dir("questions")])
    load_bank(db.session, shipped)
    db.session.commit()
    first = export_gift(db.session)
    ordering = sorted(q.id for f in shipped.files for q in f.questions if q.type == "ordering")
    assert sorted(line.split(" ")[0] for line in first.left_out if "(ordering)" in line) == ordering
    written = first.text.count("\n::")
    assert written == sum(len(f.questions) for f in shipped.files) - len(first.left_out)

    empty_database()
    path = tmp_path / "shipped.gift"
    path.write_text(first.text, encoding="utf-8")
    result = import_file(db.session, path, max_bytes=10**7)
    assert result.errors == [] and result.skipped == [], result.errors + result.skipped
    assert result.report.questions.added == written
    assert export_gift(db.session).text == first.text


def test_a_star_in_a_short_answer_is_written_for_moodle_and_read_back(app, tmp_path):
    """Our short answers have no wildcards: a star is a star, which Moodle reads only as \\*."""
    data = bank(questions=0, facts=1, quizzes=[])
    data["questions"] = [
        question("grade", "short_answer", answers=["A*", "A\\*"]),
        question("gap", "cloze", text="Above A comes {{1}}.", blanks=[{"answers": ["A*"]}]),
    ]
    load_bank(db.session, check_paths([write_bank(tmp_path / "bank.yaml", data)]))
    db.session.commit()
    first = export_gift(db.session)
    assert "\t=A\\*\n\t=A\\\\\\*\n" in first.text
    assert "comes {=A\\*####" in first.text

    empty_database()
    path = tmp_path / "stars.gift"
    path.write_text(first.text, encoding="utf-8")
    result = import_file(db.session, path, max_bytes=10**7)
    assert result.errors == [] and result.skipped == [] and result.notes == []
    rows = db.session.execute(select(Question.key, QuestionVersion.data).join(QuestionVersion.question))
    stored = dict(rows.all())
    assert stored["grade"]["answers"] == ["A*", "A\\*"]
    assert stored["gap"]["blanks"][0]["answers"] == ["A*"]


# --- properties ---------------------------------------------------------------------------------

FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text with GIFT's special characters, line breaks and arrows, which must all survive.
TEXT = (
    st.text(alphabet=st.sampled_from(list("abcXYZ 09~=#{}:\\\n->%[]/é.*")), min_size=1, max_size=16)
    .map(str.strip)
    .filter(bool)
)
NUMBER = st.one_of(st.integers(-5000, 5000), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)))


def distinct(size_min: int, size_max: int):
    return st.lists(TEXT, min_size=size_min, max_size=size_max, unique_by=str.casefold)


@st.composite
def questions(draw, qid: str):
    qtype = draw(
        st.sampled_from(
            ["single_choice", "multiple_choice", "true_false", "short_answer", "numeric", "matching", "cloze"]
        )
    )
    data = {"id": qid, "type": qtype, "prompt": draw(TEXT), "explanation": draw(TEXT), "facts": ["f1"]}
    if draw(st.booleans()):
        data["topics"] = ["t1"]
    if qtype in ("single_choice", "multiple_choice"):
        texts = draw(distinct(3, 6))
        right = draw(st.sets(st.integers(0, len(texts) - 1), min_size=1, max_size=len(texts)))
        if qtype == "single_choice":
            right = {min(right)}
        data["options"] = [
            {"text": t, "correct": i in right, **({"feedback": draw(TEXT)} if draw(st.booleans()) else {})}
            for i, t in enumerate(texts)
        ]
    elif qtype == "true_false":
        data["answer"] = draw(st.booleans())
        for key in ("true_feedback", "false_feedback"):
            if draw(st.booleans()):
                data[key] = draw(TEXT)
    elif qtype == "short_answer":
        data["answers"] = draw(distinct(1, 3))
    elif qtype == "numeric":
        low, high = sorted([draw(NUMBER), draw(NUMBER)])
        shape = draw(st.sampled_from(["exact", "tolerance", "range"]))
        data |= {"min": low, "max": high} if shape == "range" else {"answer": low}
        if shape == "tolerance":
            data["tolerance"] = abs(high)
    elif qtype == "matching":
        lefts, rights = draw(distinct(3, 4)), draw(distinct(4, 5))
        data["pairs"] = [{"left": left, "right": right} for left, right in zip(lefts, rights, strict=False)]
        data["distractors"] = rights[len(lefts) :]
    else:
        data["text"] = f"{draw(TEXT)} {{{{1}}}} {draw(TEXT)}"
        data["blanks"] = [
            draw(st.sampled_from([{"answers": draw(distinct(1, 2))}, _choice(draw(distinct(2, 4)))]))
        ]
    return data


def _choice(options: list[str]) -> dict:
    return {"options": options, "answer": options[-1]}


@st.composite
def banks(draw):
    data = bank(questions=0, facts=1)
    data["topics"] = [{"id": "t1", "title": draw(TEXT.map(lambda t: " ".join(t.split())).filter(bool))}]
    data["questions"] = [draw(questions(f"q{i}")) for i in range(draw(st.integers(1, 6)))]
    data["quizzes"] = []
    return data


def load_data(data: dict, tmp_path: Path):
    text = write_bank(tmp_path / "bank.yaml", data).read_text(encoding="utf-8")
    checked = check_parsed([parse_text(text, "bank.yaml")])
    assume(not checked.errors)  # a drawn text may not make a valid bank (a stray {{1}}, say)
    load_bank(db.session, checked)
    db.session.commit()


def export_yaml_text() -> list[tuple[str, str]]:
    return [(f.name, to_yaml(f.data)) for f in bank_files(db.session)]


@FAST
@given(data=banks())
def test_yaml_export_reloads_to_the_same_rows_and_exports_the_same(app, snapshot, tmp_path, data):
    empty_database()
    load_data(data, tmp_path)
    [(name, first)] = export_yaml_text()
    before = snapshot()
    checked = check_parsed([parse_text(first, name)])
    assert checked.errors == []
    assert not load_bank(db.session, checked).changed_anything
    db.session.commit()
    assert snapshot() == before

    empty_database()
    load_bank(db.session, checked)
    db.session.commit()
    assert export_yaml_text() == [(name, first)]


@FAST
@given(data=banks())
def test_gift_export_import_export_is_stable(app, tmp_path, data):
    empty_database()
    load_data(data, tmp_path)
    first = export_gift(db.session)
    assume("\n::" in first.text)  # GIFT cannot carry any of them (an answer '%0' reads as a weight)
    empty_database()
    path = tmp_path / "bank.gift"
    path.write_text(first.text, encoding="utf-8")
    result = import_file(db.session, path, max_bytes=10**7)
    assert result.errors == [] and result.skipped == [], result.errors + result.skipped
    second = export_gift(db.session)
    assert second.text == first.text
    assert second.left_out == []


def test_exported_text_that_looks_like_a_number_reads_back_as_text():
    texts = ["1e3", "2.85e3", "0o7", "+.5", "1.", "010", "1:30", "0x1F", "True", "yes", ".Inf"]
    values = [1000.0, 10, 0.5, 1e20, True]
    parsed = parse_text(to_yaml({"texts": texts, "values": values}), "x.yaml")
    assert parsed.data == {"texts": texts, "values": values}
