"""The My progress page sends as many SQL statements for 100,000 answers as for 10."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.clock import now
from quizapp.extensions import db
from quizapp.models import Answer, User
from quizapp.review_models import ReviewLog
from quizapp.services.attempts import new_guest

from .progress_history import insert_history
from .test_taking import loaded  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow  # writes 200,000 rows: a few seconds per backend


def progress_statements(app, count_queries, user_id: int, url: str = "/progress") -> tuple[int, str]:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = db.session.get(User, user_id).get_id()  # Flask-Login's session key
    db.session.remove()
    with app.app_context(), count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_statements_do_not_grow_with_the_history(app, count_queries, loaded):  # noqa: F811
    small, big, newcomer = new_guest(db.session).id, new_guest(db.session).id, new_guest(db.session).id
    insert_history(db.session, small, answers=10, days=1, now=now())
    insert_history(db.session, big, answers=100_000, days=730, now=now())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 100_010
    assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 100_010

    # What the page keeps of the bank (which questions each fact and topic has) is read by
    # the first request after a load: counted here are the requests after that one.
    progress_statements(app, count_queries, newcomer)
    counts = {}
    for name, user_id in (("10 answers", small), ("100,000 answers", big)):
        # A user's first view makes the chart and the streak (kept until their study days change).
        counts[f"{name}, first view"], page = progress_statements(
            app, count_queries, user_id, "/progress?page=1"
        )
        counts[name], page = progress_statements(app, count_queries, user_id)
        assert "svg" in page and "Weakest facts" in page
        counts[f"{name}, last page"], _ = progress_statements(
            app, count_queries, user_id, "/progress?page=999"
        )
    assert re.search(r"Page 1 of 500\b", page), re.findall(r"Page \d+ of \d+", page)
    assert counts["10 answers, first view"] == counts["100,000 answers, first view"], counts
    later = {name: count for name, count in counts.items() if not name.endswith("first view")}
    assert len(set(later.values())) == 1, counts


def test_mastery_follows_a_bank_change(app, loaded):  # noqa: F811
    """The bank's shape is kept per process, and read again when a load replaces the state token."""
    from quizapp.bank.load import new_state
    from quizapp.models import Question
    from quizapp.services.progress import bank_shape

    before = bank_shape(db.session)
    assert bank_shape(db.session) is before  # kept
    question = db.session.scalars(select(Question).order_by(Question.id)).first()
    question.retired_at = now()
    new_state(db.session)
    db.session.commit()
    after = bank_shape(db.session)
    assert after is not before
    ids = {q for _, _, questions in after.facts + after.topics for q in questions}
    assert question.id not in ids
    assert question.id in {q for _, _, questions in before.facts + before.topics for q in questions}
