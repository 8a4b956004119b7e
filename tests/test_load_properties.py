"""Property tests: random banks load idempotently; random edits never lose history."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from quizapp.bank.check import check_parsed
from quizapp.bank.load import load_bank
from quizapp.bank.parse import parse_text
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Question, QuestionVersion, User

from .factories import QUESTION_TYPES, bank, question

FAST = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

question_specs = st.lists(
    st.tuples(st.sampled_from(QUESTION_TYPES), st.integers(0, 3), st.integers(0, 50)),
    min_size=1,
    max_size=12,
)
edits = st.lists(
    st.one_of(
        st.tuples(st.just("change"), st.integers(0, 30), st.integers(51, 500)),
        st.tuples(st.just("add"), st.sampled_from(QUESTION_TYPES), st.integers(0, 3)),
        st.tuples(st.just("remove"), st.integers(0, 30), st.just(0)),
    ),
    min_size=1,
    max_size=6,
)


def empty_database() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


def bank_text(specs: dict[str, tuple[str, int, int]]) -> str:
    data = bank(questions=0, facts=4)
    data["questions"] = [
        question(key, qtype, [f"f{fact + 1}"], n=n) for key, (qtype, fact, n) in specs.items()
    ]
    data["quizzes"] = [{"id": "all", "title": "All"}] if specs else []
    return yaml.safe_dump(data, sort_keys=False)


def load_text(text: str):
    checked = check_parsed([parse_text(text, "bank.yaml")])
    assert checked.errors == [], [str(p) for p in checked.errors]
    report = load_bank(db.session, checked)
    db.session.commit()
    return report


@FAST
@given(specs=question_specs)
def test_random_banks_load_and_reload_idempotently(app, snapshot, specs):
    empty_database()
    text = bank_text({f"q{i}": spec for i, spec in enumerate(specs)})
    first = load_text(text)
    assert first.questions.added == len(specs)
    before = snapshot()
    again = load_text(text)
    assert not again.changed_anything
    assert again.questions.unchanged == len(specs)
    assert snapshot() == before


@FAST
@given(specs=question_specs, rounds=st.lists(edits, min_size=1, max_size=3))
def test_random_edits_never_lose_a_version_or_an_answer(app, specs, rounds):
    empty_database()
    plan = {f"q{i}": spec for i, spec in enumerate(specs)}
    ledger: dict[int, tuple[str, int, str]] = {}  # version id -> (key, number, prompt)
    answers: dict[int, int] = {}  # answer id -> version id
    user = User()
    db.session.add(user)
    db.session.commit()
    next_key = len(specs)

    def load_and_answer() -> None:
        load_text(bank_text(plan))
        for version in db.session.scalars(select(QuestionVersion).join(Question)):
            ledger.setdefault(version.id, (version.question.key, version.number, version.prompt))
        attempt = Attempt(user_id=user.id)
        db.session.add(attempt)
        db.session.flush()
        current = db.session.scalars(
            select(QuestionVersion)
            .join(Question)
            .where(Question.retired_at.is_(None), QuestionVersion.number == Question.version)
        ).all()
        for version in current:
            given_answer = Answer(attempt_id=attempt.id, question_version_id=version.id, response={})
            db.session.add(given_answer)
            db.session.flush()
            answers[given_answer.id] = version.id
        db.session.commit()

    load_and_answer()
    for round_edits in rounds:
        for action, a, b in round_edits:
            keys = sorted(plan)
            if action == "add":
                plan[f"q{next_key}"] = (a, b, 0)
                next_key += 1
            elif keys and action == "change":
                key = keys[a % len(keys)]
                qtype, fact, _ = plan[key]
                plan[key] = (qtype, fact, b)
            elif keys and action == "remove" and len(keys) > 1:
                del plan[keys[a % len(keys)]]
        load_and_answer()

    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion))}
    for version_id, (key, number, prompt) in ledger.items():
        kept = versions[version_id]
        assert (kept.question.key, kept.number, kept.prompt) == (key, number, prompt)
    for answer_id, version_id in answers.items():
        assert db.session.get(Answer, answer_id).question_version_id == version_id
    for q in db.session.scalars(select(Question)):
        numbers = [v.number for v in q.versions]
        assert numbers == list(range(1, len(numbers) + 1))
        assert (q.retired_at is None) == (q.key in plan)
        if q.key in plan:
            assert q.versions[-1].prompt == question(q.key, n=plan[q.key][2])["prompt"]
    db.session.rollback()
