"""The two forms of the streak statement (NOT EXISTS for SQLite, runs for PostgreSQL) agree."""

from __future__ import annotations

import random

from quizapp.extensions import db
from quizapp.review_models import StudyDay
from quizapp.services.attempts import new_guest
from quizapp.services.progress import _STREAK, _STREAK_BY_RUNS


def test_both_streak_statements_find_the_same_latest_run(app):
    rng = random.Random(7)
    user_id = new_guest(db.session).id
    days = sorted(rng.sample(range(1000, 1120), 70))
    db.session.add_all(StudyDay(user_id=user_id, day=day, answers=1, credit=1.0) for day in days)
    db.session.commit()
    for today in [999, 1000, *rng.sample(range(1001, 1125), 40), 1130]:
        params = {"user_id": user_id, "today": today}
        last, start = db.session.execute(_STREAK, params).one()
        runs = db.session.execute(_STREAK_BY_RUNS, params).first()
        assert (runs or (None, None)) == (last, start), today
        studied = [d for d in days if d <= today]
        if studied:  # the latest run by counting back from the last studied day
            first = studied[-1]
            while first - 1 in studied:
                first -= 1
            assert (last, start) == (studied[-1], first), today
