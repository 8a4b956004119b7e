"""A synthetic study history, written with bulk Core inserts (for the query-count test and the benchmark).

`insert_history` gives a user `answers` graded practice answers spread over `days` days before
`now`, in attempts of ten: the attempts, answers, review log, study days and one fsrs card per
question answered, as the app would have stored them (the cards' values are plausible, not replayed).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import datetime, timedelta

from fsrs import Card, State
from sqlalchemy import JSON, Table, insert, select, update
from sqlalchemy.orm import Session

from quizapp.days import day_number
from quizapp.models import Answer, Attempt, Question, QuestionVersion, User
from quizapp.review_models import ReviewCard, ReviewLog, StudyDay

PER_ATTEMPT = 10
BATCH = 20_000


def _insert(session: Session, table, rows: list[dict]) -> None:
    if rows and session.get_bind().dialect.name == "postgresql":
        _copy(session, table.__table__, rows)
        return
    for i in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[i : i + BATCH])


def _copy(session: Session, table: Table, rows: list[dict]) -> None:
    """PostgreSQL's COPY on the session's connection (and transaction): ten times an INSERT's speed."""
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    cursor = session.connection().connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])


def insert_history(
    session: Session, user_id: int, answers: int, days: int, now: datetime, seed: int = 1
) -> None:
    rng = random.Random(seed)
    versions = session.execute(
        select(QuestionVersion.id, QuestionVersion.question_id)
        .join(
            Question,
            (Question.id == QuestionVersion.question_id) & (Question.version == QuestionVersion.number),
        )
        .where(Question.retired_at.is_(None))
        .order_by(QuestionVersion.id)
    ).all()
    count = max(1, answers // PER_ATTEMPT)
    start = now - timedelta(days=days)
    step = timedelta(days=days) / count
    plan = []  # per attempt: started_at and its answers (version id, question id, fraction)
    for i in range(count):
        started = start + step * i + timedelta(minutes=rng.randrange(60))
        size = PER_ATTEMPT if i < count - 1 else answers - PER_ATTEMPT * (count - 1)
        chosen = [versions[rng.randrange(len(versions))] for _ in range(size)]
        plan.append((started, [(v, q, rng.choice((0.0, 0.5, 1.0, 1.0, 1.0))) for v, q in chosen]))
    _insert(
        session,
        Attempt,
        [
            {
                "user_id": user_id,
                "title": "Practice",
                "mode": "practice",
                "state": "finished",
                "started_at": started,
                "finished_at": started + timedelta(minutes=5),
                "position": 1,
                "score": sum(f for _, _, f in chosen),
                "max_score": float(len(chosen)),
            }
            for started, chosen in plan
        ],
    )
    # The user's attempt count is kept on write by the app (services.attempts): keep it here too.
    session.execute(update(User).where(User.id == user_id).values(attempt_count=User.attempt_count + count))
    ids = session.scalars(select(Attempt.id).where(Attempt.user_id == user_id).order_by(Attempt.id)).all()
    ids = ids[-count:]
    answer_rows, log_rows = [], []
    days_seen: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    last_seen: dict[int, datetime] = {}
    for attempt_id, (started, chosen) in zip(ids, plan, strict=True):
        for j, (version_id, question_id, fraction) in enumerate(chosen):
            when = started + timedelta(seconds=20 * (j + 1))
            answer_rows.append(
                {
                    "attempt_id": attempt_id,
                    "question_version_id": version_id,
                    "response": {"choice": 0},
                    "fraction": fraction,
                    "answered_at": when,
                }
            )
            log_rows.append(
                {
                    "user_id": user_id,
                    "question_id": question_id,
                    "question_version_id": version_id,
                    "slot_id": None,
                    "rating": 1 if fraction == 0 else 2 if fraction < 1 else 3,
                    "fraction": fraction,
                    "reviewed_at": when,
                    "duration_ms": 15_000,
                    "elapsed_days": None,
                }
            )
            totals = days_seen[day_number(when)]
            totals[0] += 1
            totals[1] += fraction
            last_seen[question_id] = when
    _insert(session, Answer, answer_rows)
    _insert(session, ReviewLog, log_rows)
    _insert(
        session,
        StudyDay,
        [{"user_id": user_id, "day": d, "answers": n, "credit": c} for d, (n, c) in days_seen.items()],
    )
    cards = []
    for question_id, last in last_seen.items():
        stability = rng.uniform(0.5, 60)
        card = Card(
            card_id=question_id,
            state=State.Review,
            stability=stability,
            difficulty=rng.uniform(2, 8),
            due=last + timedelta(days=stability),
            last_review=last,
        )
        cards.append(
            {
                "user_id": user_id,
                "question_id": question_id,
                "card": card.to_dict(),
                "state": int(card.state),
                "due": card.due,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "last_review": last,
                "reviews": 1,
                "last_rating": 3,
            }
        )
    _insert(session, ReviewCard, cards)
