"""Benchmark the bank loader against plain Core inserts of the same rows.

Not a pytest test (pytest collects test_*.py only); run it by hand:

    .venv/bin/python tests/benchmarks/bench_load.py [--questions 10000] [--repeat 3] [--profile]

It builds one synthetic bank file (all 8 question types, evenly), checks it once, then
for each repeat, on fresh migrated databases:

* first load: `load_bank(db.session, bank)` + commit into an empty database;
* baseline:   the same rows (read back from the first-loaded database before the timer,
              ids included, so links can be written), inserted with
              `conn.execute(table.insert(), rows)` (executemany) per table in one
              transaction into another fresh database; row counts per table are checked
              against the bank, and both databases compared row for row;
* reload:     `load_bank` + commit of the same checked bank into the first database,
              verified to write nothing (no INSERT/UPDATE/DELETE issued, same row counts,
              max(id) and checksums of every table, a report with nothing added/changed).

Medians over the repeats are printed with the goals: first load <= 2.5x the baseline,
reload <= 0.3x the first load. SQLite always; PostgreSQL too when DATABASE_URL is a
postgresql:// URL (fresh schemas, dropped at the end). Exits 0 whether goals are met
or missed; non-zero only if something errors or a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import hashlib
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, func, select, text  # noqa: E402

from quizapp import create_app  # noqa: E402
from quizapp.bank import Bank, check_paths  # noqa: E402
from quizapp.bank.load import LoadReport, load_bank  # noqa: E402
from quizapp.config import TestConfig  # noqa: E402
from quizapp.database import normalise_url  # noqa: E402
from quizapp.extensions import db  # noqa: E402
from quizapp.models import (  # noqa: E402
    Fact,
    FactVersion,
    Question,
    QuestionVersion,
    Quiz,
    QuizVersion,
    Source,
    Topic,
    question_version_facts,
    question_version_topics,
)
from tests.factories import QUESTION_TYPES, answer_data, write_bank  # noqa: E402

FIRST_LOAD_GOAL = 2.5  # first load / baseline, at most
RELOAD_GOAL = 0.3  # reload / first load, at most

# The tables the loader writes, in foreign-key order.
BANK_TABLES = [
    Source.__table__,
    Topic.__table__,
    Fact.__table__,
    FactVersion.__table__,
    Question.__table__,
    QuestionVersion.__table__,
    question_version_facts,
    question_version_topics,
    Quiz.__table__,
    QuizVersion.__table__,
]

_ALEMBIC_LOG = io.StringIO()  # migration chatter goes here, not to the terminal


class Timer:
    """perf_counter around a block, started right after a full garbage collection.

    The checked bank holds ~1M Python objects, so one full (generation 2) collection
    costs ~0.4-0.8 s on this machine; left to chance it lands in whichever window
    happens to cross the allocation threshold. Collecting first gives every timed
    window the same start; `gc_pause` is what collections still cost inside it.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.gc_pause = 0.0
        self.full_collections = 0
        self._gc_started = 0.0

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pause += time.perf_counter() - self._gc_started
            self.full_collections += info["generation"] == 2

    def __enter__(self) -> Timer:
        gc.collect()
        gc.callbacks.append(self._on_gc)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        gc.callbacks.remove(self._on_gc)


# --- the synthetic bank -------------------------------------------------------------


def make_bank_data(questions: int, facts: int, topics: int = 5) -> dict[str, Any]:
    """One source, `facts` facts, `topics` topics, `questions` questions of all 8 types, 4 quizzes.

    Question i has type i % 8, topic i % topics, primary fact (i // per_fact) % facts, and
    every other question cites a second fact, so each fact is tested by several types.
    """
    sections = [{"id": f"s{i + 1}", "title": f"Section {i + 1}"} for i in range(4)]
    fact_ids = [f"f{i + 1}" for i in range(facts)]
    topic_ids = [f"t{i + 1}" for i in range(topics)]
    per_fact = max(1, questions // facts)
    difficulties = ["easy", "medium", "hard"]
    question_rows = []
    for i in range(questions):
        qtype = QUESTION_TYPES[i % len(QUESTION_TYPES)]
        primary = (i // per_fact) % facts
        cited = [fact_ids[primary]]
        if i % 2:
            secondary = (primary + 1 + (i * 7) % (facts - 1)) % facts if facts > 1 else primary
            if secondary != primary:
                cited.append(fact_ids[secondary])
        question_rows.append(
            {
                "id": f"q{i + 1}",
                "type": qtype,
                "prompt": f"Prompt number {i + 1}: which statement about item {i} holds?",
                "explanation": f"Because item {i} is documented in the source, section {i % 4 + 1}.",
                "facts": cited,
                "topics": [topic_ids[i % topics]],
                "difficulty": difficulties[i % 3],
                **({"marks": 2} if i % 10 == 0 else {}),
                **answer_data(qtype, i),
            }
        )
    return {
        "source": {
            "id": "bench",
            "title": "Benchmark source",
            "origin": "https://example.org/benchmark",
            "licence": "CC BY-SA 4.0",
            "sections": sections,
        },
        "facts": [
            {"id": f, "section": sections[i % 4]["id"], "statement": f"Statement of fact {f}, number {i}."}
            for i, f in enumerate(fact_ids)
        ],
        "topics": [
            {"id": t, "title": f"Topic {t}", **({"description": f"About {t}."} if i % 2 else {})}
            for i, t in enumerate(topic_ids)
        ],
        "questions": question_rows,
        "quizzes": [
            {
                "id": "quiz-topic",
                "title": "First topic",
                "select": {"topics": [topic_ids[0]]},
                "count": min(20, questions // topics),
            },
            {
                "id": "quiz-hard",
                "title": "Hard ones",
                "select": {"difficulty": ["hard"]},
                "count": min(50, questions // 3),
                "mode": "exam",
                "time_limit": 45,
            },
            {"id": "quiz-facts", "title": "A few facts", "select": {"facts": fact_ids[:10]}},
            {
                "id": "quiz-fixed",
                "title": "Fixed list",
                "description": "Ten chosen questions.",
                "select": {"questions": [f"q{i + 1}" for i in range(0, min(questions, 100), 10)]},
                "order": "fixed",
            },
        ],
    }


# --- databases ------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    new_url: Callable[[str], str]  # label -> URL of a fresh, empty database
    cleanup: Callable[[], None] = lambda: None


def sqlite_backend(folder: Path) -> Backend:
    def new_url(label: str) -> str:
        return f"sqlite:///{folder / f'{label}-{uuid.uuid4().hex[:8]}.sqlite3'}"

    return Backend("sqlite", new_url)


def postgres_backend(server_url: str) -> Backend:
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    schemas: list[str] = []
    separator = "&" if "?" in server_url else "?"

    def new_url(label: str) -> str:
        schema = f"bench_{label}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return f"{server_url}{separator}options=-csearch_path%3D{schema}"

    def cleanup() -> None:
        with admin.connect() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return Backend("postgresql", new_url, cleanup)


@contextlib.contextmanager
def migrated_app(url: str, instance: Path) -> Iterator[Flask]:
    """An app on a freshly migrated database, with its app context pushed."""
    app = create_app(TestConfig(instance, url))
    with app.app_context():
        with contextlib.redirect_stderr(_ALEMBIC_LOG):
            upgrade()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def table_state(conn: Any) -> dict[str, tuple[int, int | None, str]]:
    """Per bank table: row count, max(id) (if it has one) and a checksum of every row."""
    state = {}
    for table in BANK_TABLES:
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        max_id = conn.execute(select(func.max(table.c.id))).scalar_one() if "id" in table.c else None
        digest = hashlib.sha256()
        for row in conn.execute(table.select().order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
        state[table.name] = (count, max_id, digest.hexdigest()[:16])
    return state


@contextlib.contextmanager
def count_statements(engine: Any, enabled: bool = True) -> Iterator[dict[str, Any]]:
    """Count what `engine` sends: all cursor executions, and INSERT/UPDATE/DELETE with their rows.

    `by_statement` maps the start of each SQL text to its number of executions.
    With `enabled` false nothing is counted (the listener costs microseconds per execution).
    """
    seen: dict[str, Any] = {"executions": 0, "writes": 0, "rows": 0, "by_statement": {}}

    def after(conn, cursor, statement, parameters, context, executemany):
        seen["executions"] += 1
        head = " ".join(statement.split())[:80]
        seen["by_statement"][head] = seen["by_statement"].get(head, 0) + 1
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen["writes"] += 1
            seen["rows"] += max(cursor.rowcount, 0)

    if not enabled:
        yield seen
        return
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


# --- the baseline rows -------------------------------------------------------------------


def expected_counts(bank: Bank) -> dict[str, int]:
    """Rows per table a first load of `bank` into an empty database must write, from the bank alone."""
    questions = [q for bf in bank.files for q in bf.questions]
    facts = sum(len(bf.facts) for bf in bank.files)
    quizzes = sum(len(bf.quizzes) for bf in bank.files)
    return {
        "sources": sum(1 for bf in bank.files if bf.source is not None),
        "topics": sum(len(bf.topics) for bf in bank.files),
        "facts": facts,
        "fact_versions": facts,
        "questions": len(questions),
        "question_versions": len(questions),
        "question_version_facts": sum(len(q.facts) for q in questions),
        "question_version_topics": sum(len(q.topics) for q in questions),
        "quizzes": quizzes,
        "quiz_versions": quizzes,
    }


def baseline_rows(conn: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row the loader wrote, every column, ids included, ready for executemany.

    Taken from the first-loaded database rather than rebuilt from the bank, so the
    baseline writes exactly the loader's rows (hashes, JSON, new columns) whatever the
    loader's current rules; the ids are explicit, so the link tables can be written.
    """
    return {
        table.name: [
            dict(row) for row in conn.execute(table.select().order_by(*table.primary_key.columns)).mappings()
        ]
        for table in BANK_TABLES
    }


# --- one repeat ---------------------------------------------------------------------------


@dataclass
class Run:
    first_load: float = 0.0
    baseline: float = 0.0
    reload: float = 0.0
    # garbage collection inside each timed window: seconds, and full (generation 2) collections
    gc_first: float = 0.0
    gc_baseline: float = 0.0
    gc_reload: float = 0.0
    full_gcs: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    load_executions: int = 0  # cursor executions (database round trips) of the first load
    baseline_executions: int = 0


class CheckFailed(Exception):
    pass


def timed_load(bank: Bank) -> tuple[Timer, LoadReport]:
    with Timer() as timer:
        report = load_bank(db.session, bank)
        db.session.commit()
    return timer, report


def run_once(backend: Backend, bank: Bank, work: Path, index: int | str, count: bool = False) -> Run:
    """One first load, baseline and reload on fresh databases.

    `count` counts the statements of the first load and the baseline too; it is off in
    timed repeats (the event listener would add ~3 us per statement to the loader's 24,000
    on SQLite). The reload's statements are always counted: that is how "nothing written"
    is checked, and it sends a handful.
    """
    run = Run()
    with migrated_app(backend.new_url("load"), work / f"instance-{index}") as app:
        # First load, into an empty database.
        db.session.execute(text("SELECT 1"))  # connect outside the timer
        db.session.commit()
        with count_statements(db.engine, count) as sent:
            timer, report = timed_load(bank)
        run.first_load, run.gc_first, run.load_executions = timer.seconds, timer.gc_pause, sent["executions"]
        run.full_gcs += timer.full_collections
        db.session.remove()
        with db.engine.connect() as conn:
            loaded_state = table_state(conn)
            rows = baseline_rows(conn)  # prepared before the baseline's timer
        run.rows = {name: state[0] for name, state in loaded_state.items()}
        expected = expected_counts(bank)
        reported = {
            "sources": report.sources.added,
            "topics": report.topics.added,
            "facts": report.facts.added,
            "questions": report.questions.added,
            "quizzes": report.quizzes.added,
        }
        wrong = {n: (run.rows[n], c) for n, c in expected.items() if run.rows[n] != c}
        wrong.update({n: (run.rows[n], c) for n, c in reported.items() if run.rows[n] != c})
        if wrong:
            raise CheckFailed(f"{backend.name}: first load row counts (found, expected): {wrong}")

        # Baseline: the same rows with plain Core executemany, in another fresh database.
        with migrated_app(backend.new_url("base"), work / f"instance-{index}-base"):
            engine = db.engine
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))  # connect outside the timer, as for the loader
            with count_statements(engine, count) as sent, Timer() as timer, engine.begin() as conn:
                for table in BANK_TABLES:
                    if rows[table.name]:
                        conn.execute(table.insert(), rows[table.name])
            run.baseline, run.baseline_executions = timer.seconds, sent["executions"]
            run.gc_baseline, run.full_gcs = timer.gc_pause, run.full_gcs + timer.full_collections
            with engine.connect() as conn:
                base_state = table_state(conn)
        del rows
        if base_state != loaded_state:  # (count, max id, checksum of every row) per table
            diff = {
                n: (loaded_state[n], base_state[n]) for n in loaded_state if loaded_state[n] != base_state[n]
            }
            raise CheckFailed(f"{backend.name}: the baseline database differs (loader, baseline): {diff}")

        # Reload of the unchanged bank into the first database: must write nothing.
        with app.app_context():
            db.session.remove()
            db.session.execute(text("SELECT 1"))
            db.session.commit()
            with count_statements(db.engine) as sent:
                timer, report = timed_load(bank)
            run.reload = timer.seconds
            run.gc_reload, run.full_gcs = timer.gc_pause, run.full_gcs + timer.full_collections
            db.session.remove()
            with db.engine.connect() as conn:
                after_state = table_state(conn)
        problems = []
        if sent["writes"] or sent["rows"]:
            problems.append(f"{sent['writes']} INSERT/UPDATE/DELETE statements, {sent['rows']} rows")
        if after_state != loaded_state:
            changed = [n for n in loaded_state if loaded_state[n] != after_state[n]]
            problems.append(f"tables changed (count, max id or checksum): {', '.join(changed)}")
        if report.changed_anything:
            problems.append("the report says: " + "; ".join(report.lines()))
        if problems:
            raise CheckFailed(
                f"{backend.name}: the no-change reload wrote something: " + " / ".join(problems)
            )
    return run


def profile_loads(backend: Backend, bank: Bank, work: Path, top: int = 15) -> None:
    """cProfile a first load and a reload (fresh database): top entries by cumulative time,
    and the statements sent to the database."""
    with migrated_app(backend.new_url("profile"), work / "instance-profile"):
        for label in ("first load", "reload"):
            db.session.remove()
            db.session.execute(text("SELECT 1"))
            db.session.commit()
            gc.collect()
            profiler = cProfile.Profile()
            with count_statements(db.engine) as sent:
                profiler.enable()
                load_bank(db.session, bank)
                db.session.commit()
                profiler.disable()
            print(f"\n--- cProfile, {backend.name} {label}: top {top} by cumulative time ---")
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
            print(out.getvalue().split("\n", 4)[-1].rstrip())
            print(f"\n--- {backend.name} {label}: {sent['executions']} cursor executions ---")
            print(f"{'executions':>10}  statement")
            ranked = sorted(sent["by_statement"].items(), key=lambda kv: -kv[1])
            for statement, executions in ranked[:12]:
                print(f"{executions:>10}  {statement}")


# --- reporting ------------------------------------------------------------------------------


def verdict(ratio: float, goal: float) -> str:
    return "goal met" if ratio <= goal else "goal missed"


def report_backend(name: str, runs: list[Run], warm_up: Run) -> dict[str, float]:
    first = statistics.median(r.first_load for r in runs)
    base = statistics.median(r.baseline for r in runs)
    reload = statistics.median(r.reload for r in runs)
    rows = runs[0].rows
    print(f"\n== {name}: {len(runs)} repeat(s), fresh databases each time; medians ==")
    print(
        "rows written per table (loader = baseline): "
        + ", ".join(f"{n} {c}" for n, c in rows.items())
        + f"; total {sum(rows.values())}"
    )
    print(
        "the counts match the bank; the baseline database equals the first-loaded one "
        "(row count, max(id), checksum of every row, per table)"
    )
    print(
        f"statements sent (cursor executions, counted in the warm-up round): "
        f"first load {warm_up.load_executions}, baseline {warm_up.baseline_executions}"
    )
    width = 34
    print(f"{'measure':<{width}} {'median':>9} {'GC in it':>9}   runs")
    for label, values, pauses in (
        ("first load (load_bank + commit)", [r.first_load for r in runs], [r.gc_first for r in runs]),
        ("baseline (Core executemany)", [r.baseline for r in runs], [r.gc_baseline for r in runs]),
        ("no-change reload (+ commit)", [r.reload for r in runs], [r.gc_reload for r in runs]),
    ):
        shown = " ".join(f"{v:.3f}" for v in values)
        median, pause = statistics.median(values), statistics.median(pauses)
        print(f"{label:<{width}} {median:>8.3f}s {pause:>8.3f}s   {shown}")
    ratio_first = first / base
    ratio_reload = reload / first
    print(
        f"{'first load / baseline':<{width}} {ratio_first:>8.2f}x   goal <= {FIRST_LOAD_GOAL}x: "
        f"{verdict(ratio_first, FIRST_LOAD_GOAL)}"
    )
    print(
        f"{'reload / first load':<{width}} {ratio_reload:>8.2f}x   goal <= {RELOAD_GOAL}x: "
        f"{verdict(ratio_reload, RELOAD_GOAL)}"
    )
    no_gc_first = statistics.median(r.first_load - r.gc_first for r in runs)
    no_gc_base = statistics.median(r.baseline - r.gc_baseline for r in runs)
    no_gc_reload = statistics.median(r.reload - r.gc_reload for r in runs)
    print(
        f"(without GC pauses: first load / baseline {no_gc_first / no_gc_base:.2f}x, "
        f"reload / first load {no_gc_reload / no_gc_first:.2f}x; "
        f"{sum(r.full_gcs for r in runs)} full collections fell inside timed windows)"
    )
    print(
        "reload wrote nothing (every repeat): 0 INSERT/UPDATE/DELETE sent; same row count, max(id) "
        "and checksum per table; report 0 added/changed/retired/restored"
    )
    return {
        "first": first,
        "baseline": base,
        "reload": reload,
        "first/baseline": ratio_first,
        "reload/first": ratio_reload,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--facts", type=int, default=None, help="default: questions / 5")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile one first load and one reload per backend"
    )
    args = parser.parse_args(argv)
    if args.questions < 8 or args.repeat < 1:
        parser.error("--questions must be at least 8 and --repeat at least 1")
    facts = args.facts or max(2, args.questions // 5)

    pg_url = os.environ.get("DATABASE_URL", "")
    use_pg = pg_url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as tmp:
        work = Path(tmp)
        bank_file = write_bank(work / "bank" / "bench.yaml", make_bank_data(args.questions, facts))
        size = bank_file.stat().st_size

        with Timer() as timer:
            bank = check_paths([bank_file])
        check_seconds = timer.seconds
        if bank.errors:
            for problem in bank.errors[:20]:
                print(problem, file=sys.stderr)
            raise CheckFailed(f"the synthetic bank has {len(bank.errors)} errors")
        summary = bank.summary()
        by_type = ", ".join(f"{t} {n}" for t, n in summary["questions_by_type"].items())
        print(
            f"bank: {summary['questions']} questions ({by_type}), {summary['facts']} facts, "
            f"{summary['topics']} topics, {summary['quizzes']} quizzes, {summary['sources']} source; "
            f"{size / 1e6:.1f} MB of YAML in one file; {summary['warnings']} warnings"
        )
        print(f"check: {check_seconds:.2f} s (check_paths: parse + validate, once)")

        backends = [sqlite_backend(work)]
        if use_pg:
            backends.append(postgres_backend(pg_url))
        results: dict[str, list[Run]] = {}
        warm_ups: dict[str, Run] = {}
        figures: dict[str, dict[str, float]] = {}
        try:
            for backend in backends:
                # Untimed round: first-use costs (statement compilation, caches), and the
                # statement counts, which would slow the timed rounds down.
                warm_ups[backend.name] = run_once(backend, bank, work / backend.name, "warm-up", count=True)
                print(f"  {backend.name} warm-up round done (not timed)", flush=True)
                results[backend.name] = []
                for i in range(args.repeat):
                    run = run_once(backend, bank, work / backend.name, i)
                    results[backend.name].append(run)
                    print(
                        f"  {backend.name} repeat {i + 1}/{args.repeat}: first load {run.first_load:.3f}s, "
                        f"baseline {run.baseline:.3f}s, reload {run.reload:.3f}s",
                        flush=True,
                    )
            for name, runs in results.items():
                figures[name] = report_backend(name, runs, warm_ups[name])
            if args.profile:
                for backend in backends:
                    profile_loads(backend, bank, work / backend.name)
        finally:
            for backend in backends:
                backend.cleanup()

    print(f"\n== summary ({args.questions} questions, median of {args.repeat}) ==")
    print(
        f"{'backend':<11} {'check':>7} {'first load':>11} {'baseline':>9} {'reload':>8} "
        f"{'load/base':>10} {'reload/load':>12}  verdicts"
    )
    for name, f in figures.items():
        verdicts = (
            f"first load {verdict(f['first/baseline'], FIRST_LOAD_GOAL)}, "
            f"reload {verdict(f['reload/first'], RELOAD_GOAL)}"
        )
        print(
            f"{name:<11} {check_seconds:>6.2f}s {f['first']:>10.3f}s {f['baseline']:>8.3f}s "
            f"{f['reload']:>7.3f}s {f['first/baseline']:>9.2f}x {f['reload/first']:>11.2f}x  {verdicts}"
        )
    print(f"goals: first load / baseline <= {FIRST_LOAD_GOAL}x, reload / first load <= {RELOAD_GOAL}x")
    if not use_pg:
        print("(PostgreSQL not measured: set DATABASE_URL=postgresql://user@host/db to measure it too)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"benchmark ran in {time.perf_counter() - started:.0f} s; "
        f"load average now {load} on {os.cpu_count()} CPUs (other work skews the timings)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
