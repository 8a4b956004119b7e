"""Loading banks: versions, retirement, idempotence and all-or-nothing, on both backends."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Attempt,
    Fact,
    Question,
    QuestionVersion,
    Quiz,
    QuizVersion,
    Source,
    Topic,
    User,
)

from .conftest import make_app
from .factories import bank, question, write_bank


def load(runner, *paths: Path):
    return runner.invoke(args=["load", *map(str, paths)])


def versions_of(key: str) -> list[QuestionVersion]:
    return list(
        db.session.scalars(
            select(QuestionVersion).join(Question).where(Question.key == key).order_by(QuestionVersion.number)
        )
    )


def answer(version: QuestionVersion) -> Answer:
    user = User()
    db.session.add(user)
    db.session.flush()
    attempt = Attempt(user_id=user.id)
    db.session.add(attempt)
    db.session.flush()
    given = Answer(
        attempt_id=attempt.id, question_version_id=version.id, response={"choice": 0}, fraction=1.0
    )
    db.session.add(given)
    db.session.commit()
    return given


def test_first_load_adds_everything_and_reload_changes_nothing(runner, tmp_path, snapshot):
    path = write_bank(tmp_path / "bank.yaml", bank(questions=16))
    first = load(runner, path)
    assert first.exit_code == 0, first.output
    assert "16 questions: 16 added, 0 changed, 0 unchanged, 0 retired" in first.output
    assert "2 facts: 2 added" in first.output
    assert "1 quiz: 1 added" in first.output
    before = snapshot()

    again = load(runner, path)
    assert again.exit_code == 0, again.output
    assert "16 questions: 0 added, 0 changed, 16 unchanged, 0 retired" in again.output
    assert "nothing changed" in again.output
    assert snapshot() == before


def test_changed_question_becomes_a_new_version_and_answers_stay_with_the_old(runner, tmp_path):
    data = bank(questions=8)
    path = write_bank(tmp_path / "bank.yaml", data)
    assert load(runner, path).exit_code == 0
    [first_version] = versions_of("q1")
    given = answer(first_version)

    data["questions"][0]["prompt"] = "A reworded prompt?"
    write_bank(path, data)
    result = load(runner, path)
    assert "8 questions: 0 added, 1 changed, 7 unchanged, 0 retired" in result.output

    old, new = versions_of("q1")
    assert (old.number, new.number) == (1, 2)
    assert new.prompt == "A reworded prompt?"
    assert old.prompt != new.prompt
    db.session.expire_all()
    assert db.session.get(Answer, given.id).question_version_id == old.id
    assert db.session.scalar(select(Question.version).where(Question.key == "q1")) == 2


def test_question_missing_from_its_file_is_retired_then_restored(runner, tmp_path):
    data = bank(questions=8)
    path = write_bank(tmp_path / "bank.yaml", data)
    load(runner, path)
    answer(versions_of("q8")[0])

    trimmed = copy.deepcopy(data)
    trimmed["questions"].pop()
    write_bank(path, trimmed)
    result = load(runner, path)
    assert "7 questions: 0 added, 0 changed, 7 unchanged, 1 retired" in result.output
    retired = db.session.scalar(select(Question).where(Question.key == "q8"))
    assert retired.retired_at is not None
    assert len(versions_of("q8")) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1

    write_bank(path, data)
    result = load(runner, path)
    assert "1 restored" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Question.retired_at).where(Question.key == "q8")) is None
    assert len(versions_of("q8")) == 1


def test_facts_and_quizzes_are_versioned_and_retired_too(runner, tmp_path):
    data = bank(questions=8, facts=2)
    path = write_bank(tmp_path / "bank.yaml", data)
    load(runner, path)
    data["facts"][0]["statement"] = "A better statement."
    data["facts"].append({"id": "f3", "section": "s2", "statement": "A third fact."})
    data["questions"].append(question("q9", "true_false", ["f3"]))
    data["questions"].append(question("q10", "numeric", ["f3"], n=1))
    data["quizzes"][0]["title"] = "Everything"
    write_bank(path, data)
    result = load(runner, path)
    assert result.exit_code == 0, result.output
    assert "3 facts: 1 added, 1 changed, 1 unchanged, 0 retired" in result.output
    assert "1 quiz: 0 added, 1 changed, 0 unchanged, 0 retired" in result.output
    fact = db.session.scalar(select(Fact).where(Fact.key == "f1"))
    assert (fact.version, fact.statement) == (2, "A better statement.")
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "quiz1"))
    assert quiz.version == 2
    assert db.session.scalar(select(func.count()).select_from(QuizVersion)) == 2

    data["quizzes"] = [{"id": "quiz2", "title": "Another", "count": 2}]
    write_bank(path, data)
    result = load(runner, path)
    assert "2 quizzes: 1 added, 0 changed, 0 unchanged, 1 retired" not in result.output
    assert "1 quiz: 1 added, 0 changed, 0 unchanged, 1 retired" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Quiz.retired_at).where(Quiz.key == "quiz1")) is not None


def test_a_source_split_over_two_files_retires_per_file(runner, tmp_path):
    main = bank(questions=8)
    extra = {
        "source": "src",
        "questions": [question("x1", "short_answer", ["f1"]), question("x2", "ordering", ["f2"])],
    }
    write_bank(tmp_path / "banks" / "main.yaml", main)
    write_bank(tmp_path / "banks" / "extra.yaml", extra)
    result = load(runner, tmp_path / "banks")
    assert result.exit_code == 0, result.output
    assert "10 questions: 10 added" in result.output

    # Loading one file alone leaves the other file's questions alone.
    result = load(runner, tmp_path / "banks" / "main.yaml")
    assert "8 questions: 0 added, 0 changed, 8 unchanged, 0 retired" in result.output
    assert db.session.scalar(select(func.count()).where(Question.retired_at.is_(None))) == 10

    # A question moved to the other file, as it was: said, not "nothing changed"
    extra["questions"].append(main["questions"].pop())
    write_bank(tmp_path / "banks" / "main.yaml", main)
    write_bank(tmp_path / "banks" / "extra.yaml", extra)
    result = load(runner, tmp_path / "banks")
    assert "10 questions: 0 added, 0 changed, 10 unchanged, 0 retired (1 of them moved to another file)" in (
        result.output
    )
    assert "nothing changed" not in result.output
    assert db.session.scalar(select(Question.origin_file).where(Question.key == "q8")) == "extra.yaml"


def test_a_bank_using_ids_another_source_holds_is_refused_and_changes_nothing(runner, tmp_path, snapshot):
    """Ids are shared by every source: a second bank reusing one would have taken the first
    bank's record over (its history and its learners' progress with it)."""
    alpha = write_bank(tmp_path / "alpha" / "alpha.yaml", bank("alpha", questions=8))
    assert load(runner, alpha).exit_code == 0
    retired = bank("alpha", questions=7)  # q8 leaves alpha's file: retired, but still alpha's
    write_bank(alpha, retired)
    assert "1 retired" in load(runner, alpha).output
    before = snapshot()
    beta = bank("beta", questions=8)
    beta["quizzes"][0]["id"] = "quiz-beta"
    path = write_bank(tmp_path / "beta" / "beta.yaml", beta)
    result = load(runner, path)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "ids are shared by all sources" in line]
    assert len(lines) == 10, result.output  # facts f1 and f2, questions q1 to q8 (quiz-beta is new)
    line_of_q2 = path.read_text().splitlines().index("- id: q2") + 1
    assert (
        f"{path}:{line_of_q2}: questions[1].id: the id 'q2' is a question of source 'alpha' (alpha.yaml)"
    ) in result.output
    assert "the id 'q8' is a retired question of source 'alpha' (alpha.yaml)" in result.output
    assert "the id 'f1' is a fact of source 'alpha' (alpha.yaml)" in result.output
    assert "nothing loaded" in result.output
    assert snapshot() == before  # not even beta's source or its own records
    imported = runner.invoke(args=["import", str(path)])  # an import of the file says the same
    assert imported.exit_code == 1
    assert "the id 'q8' is a retired question of source 'alpha' (alpha.yaml)" in imported.output
    assert snapshot() == before


def test_a_load_says_the_checkers_warnings_and_loads_unless_strict(runner, tmp_path, snapshot):
    from .test_check_cli import untested_fact_bank

    path = write_bank(tmp_path / "bank.yaml", untested_fact_bank())
    before = snapshot()
    strict = runner.invoke(args=["load", "--strict", str(path)])
    assert strict.exit_code == 1 and "fact 'f3' is tested by no question" in strict.output
    assert snapshot() == before
    result = load(runner, path)
    assert result.exit_code == 0, result.output
    assert (
        "bank.yaml:" in result.output
        and "facts[2]: warning: fact 'f3' is tested by no question" in result.output
    )
    assert "9 questions: 9 added" in result.output


def test_a_file_that_cannot_be_read_is_named_before_what_follows_from_it(runner, tmp_path):
    """extra.yaml cites the source and facts main.yaml defines: its errors come from main's."""
    write_bank(tmp_path / "banks" / "main.yaml", bank(questions=8))
    extra = {"source": "src", "questions": [question("x1", "short_answer", ["f1"])]}
    write_bank(tmp_path / "banks" / "extra.yaml", extra)
    main = tmp_path / "banks" / "main.yaml"
    main.write_text(main.read_text() + "    time_limit: [\n")
    result = runner.invoke(args=["check", str(tmp_path / "banks")])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if ": " in line and "banks/" in line]
    assert "main.yaml" in problems[0] and "not valid YAML" in problems[0], problems
    assert any("extra.yaml" in line and "unknown source 'src'" in line for line in problems[1:])


def test_invalid_bank_is_refused_with_the_checker_messages(runner, tmp_path, snapshot):
    good = write_bank(tmp_path / "good.yaml", bank(questions=8))
    load(runner, good)
    before = snapshot()
    data = bank(questions=8)
    data["questions"][2]["facts"] = ["nope"]
    bad = write_bank(tmp_path / "good.yaml", data)
    check = runner.invoke(args=["check", str(bad)])
    result = load(runner, bad)
    assert result.exit_code == 1
    message = f"{bad}:"
    assert message in check.output and "unknown fact 'nope'" in check.output
    problem_line = next(line for line in check.output.splitlines() if "unknown fact" in line)
    assert problem_line in result.output
    assert "nothing loaded" in result.output
    assert snapshot() == before


def _install_failure_trigger(dialect: str) -> None:
    """Make the database itself reject a question version whose prompt holds BOOM."""
    if dialect == "sqlite":
        db.session.execute(
            text(
                "CREATE TRIGGER boom BEFORE INSERT ON question_versions WHEN NEW.prompt LIKE '%BOOM%' "
                "BEGIN SELECT RAISE(ABORT, 'boom: rejected by a test trigger'); END"
            )
        )
    else:
        db.session.execute(
            text(
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.prompt LIKE '%BOOM%' THEN "
                "RAISE EXCEPTION 'boom: rejected by a test trigger'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        db.session.execute(
            text(
                "CREATE TRIGGER boom BEFORE INSERT ON question_versions FOR EACH ROW EXECUTE FUNCTION boom()"
            )
        )
    db.session.commit()


def test_database_error_half_way_leaves_the_database_as_it_was(runner, tmp_path, snapshot):
    data = bank(questions=16)
    path = write_bank(tmp_path / "bank.yaml", data)
    load(runner, path)
    _install_failure_trigger(db.engine.dialect.name)
    before = snapshot()

    data["facts"][0]["statement"] = "Changed before the failure."
    data["questions"][0]["prompt"] = "Changed first?"
    data["questions"].pop(3)
    data["questions"].append(question("q99", "matching", ["f1"], prompt="BOOM?"))
    write_bank(path, data)
    result = load(runner, path)
    assert result.exit_code == 1
    assert "database error" in result.output and "boom: rejected by a test trigger" in result.output
    assert "nothing loaded" in result.output
    assert "Traceback" not in result.output
    db.session.rollback()
    assert snapshot() == before


def test_killed_load_leaves_the_database_before_or_after_never_between(app, database_url, tmp_path, snapshot):
    """Kill a large load at several moments: each time the database is all old or all new."""
    path = write_bank(tmp_path / "big.yaml", bank(questions=3000, facts=300))
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "x"}
    empty = snapshot()
    for delay in (0.5, 1.5, 3.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "quizapp", "load", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        db.session.rollback()
        if snapshot() == empty:
            continue
        loaded = (
            db.session.scalar(select(func.count()).select_from(Question)),
            db.session.scalar(select(func.count()).select_from(QuestionVersion)),
            db.session.scalar(select(func.count()).select_from(Fact)),
        )
        assert loaded == (3000, 3000, 300), f"partial load after a kill at {delay}s: {loaded}"
        break


def test_sqlite_read_then_write_transactions_never_fail_with_database_locked(sqlite_url, tmp_path):
    """Concurrent transactions that read, then write must queue, not fail (BEGIN IMMEDIATE)."""
    app = make_app(sqlite_url, tmp_path / "instance")
    with app.app_context():
        engine = create_engine(str(db.engine.url))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(15):
                with engine.begin() as conn:
                    conn.execute(text("SELECT count(*) FROM users")).scalar()
                    time.sleep(0.002)
                    conn.execute(text("INSERT INTO users (created_at) VALUES (CURRENT_TIMESTAMP)"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 60
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def with_own_ids(data: dict, prefix: str, *, topics: bool = True) -> dict:
    """`data` with every fact, question and quiz id (and, if `topics`, topic id) made its own."""
    data = copy.deepcopy(data)
    own = {f["id"]: f"{prefix}-{f['id']}" for f in data["facts"]}
    topic = {t["id"]: f"{prefix}-{t['id']}" if topics else t["id"] for t in data["topics"]}
    for f in data["facts"]:
        f["id"] = own[f["id"]]
    for t in data["topics"]:
        t["id"] = topic[t["id"]]
    for q in data["questions"]:
        q["id"] = f"{prefix}-{q['id']}"
        q["facts"] = [own[f] for f in q["facts"]]
        q["topics"] = [topic[t] for t in q["topics"]]
    for z in data["quizzes"]:
        z["id"] = f"{prefix}-{z['id']}"
        z["select"]["topics"] = [topic[t] for t in z["select"]["topics"]]
    return data


def test_a_copy_of_a_bank_that_keeps_its_source_id_is_refused_and_changes_nothing(runner, tmp_path, snapshot):
    """Loaded alone, it retitled the first bank's source, replaced the sections its facts cite,
    and took its own ids into that source for good."""
    original = bank("shared", questions=8)
    assert load(runner, write_bank(tmp_path / "one" / "shared.yaml", original)).exit_code == 0
    before = snapshot()
    copied = with_own_ids(original, "mine")
    copied["source"]["title"] = "My own bank"
    copied["source"]["sections"] = [{"id": "s1", "title": "Only this section"}]
    path = write_bank(tmp_path / "two" / "mine.yaml", copied)
    result = load(runner, path)
    assert result.exit_code == 1, result.output
    line = path.read_text().splitlines().index("  id: shared") + 1
    assert (
        f"{path}:{line}: source.id: source 'shared' is defined otherwise in shared.yaml, whose records"
        " are loaded: to add to that bank, load this file with shared.yaml and write `source: shared` here"
    ) in result.output
    assert snapshot() == before
    assert runner.invoke(args=["import", str(path)]).exit_code == 1  # an upload says the same
    assert snapshot() == before

    copied["source"]["id"] = "mine"  # given an id of its own, it loads: no id was taken
    assert load(runner, write_bank(path, copied)).exit_code == 0


def test_a_renamed_bank_file_still_defines_its_source(runner, tmp_path):
    data = bank("shared", questions=8)
    assert load(runner, write_bank(tmp_path / "old" / "shared.yaml", data)).exit_code == 0
    data["source"]["title"] = "Retitled while renamed"
    result = load(runner, write_bank(tmp_path / "new" / "renamed.yaml", data))
    assert result.exit_code == 0, result.output
    assert "8 of them moved to another file" in result.output
    assert db.session.execute(select(Source.title, Source.defined_in)).one() == (
        "Retitled while renamed",
        "renamed.yaml",
    )


def test_a_topic_of_another_bank_file_is_used_there_not_redefined(runner, tmp_path, snapshot):
    assert load(runner, write_bank(tmp_path / "one" / "first.yaml", bank("first"))).exit_code == 0
    before = snapshot()
    second = with_own_ids(bank("second"), "second", topics=False)  # keeps topic t1, retitled
    second["topics"][0]["title"] = "Geography"
    path = write_bank(tmp_path / "two" / "second.yaml", second)
    result = load(runner, path)
    assert result.exit_code == 1, result.output
    assert (
        "topics[0].id: topic 't1' is defined otherwise in first.yaml: to use it, leave it out"
        in result.output
    )
    assert snapshot() == before
    assert db.session.scalar(select(Topic.title).where(Topic.key == "t1")) == "Topic one"


def test_an_import_into_a_source_leaves_it_defined_by_its_bank_file(runner, tmp_path):
    assert load(runner, write_bank(tmp_path / "shared.yaml", bank("shared"))).exit_code == 0
    gift = tmp_path / "extra.gift"
    gift.write_text("::extra::Which is a prime number? {=7 ~8 ~9}\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(gift), "--source", "shared"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Source.defined_in)) == "shared.yaml"
    assert load(runner, tmp_path / "shared.yaml").exit_code == 0  # and it still loads
