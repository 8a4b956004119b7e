"""The migrations build exactly the models' schema, and upgrade a populated database."""

from __future__ import annotations

import pytest
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import text

from quizapp.extensions import db


def test_models_and_migrations_agree(app):
    check()  # exits when autogenerate would find a difference
    db.session.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    db.session.commit()
    with pytest.raises(SystemExit):
        check()


def test_upgrade_keeps_existing_rows(app):
    downgrade(revision="0001")
    db.session.execute(text("INSERT INTO users (id, created_at) VALUES (7, CURRENT_TIMESTAMP)"))
    db.session.execute(
        text("INSERT INTO attempts (id, user_id, started_at) VALUES (3, 7, CURRENT_TIMESTAMP)")
    )
    db.session.commit()
    upgrade()
    row = db.session.execute(text("SELECT state, mode, position, max_score FROM attempts WHERE id = 3")).one()
    assert tuple(row) == ("open", "practice", 1, 0)
    assert db.session.execute(text("SELECT is_guest FROM users WHERE id = 7")).scalar() in (True, 1)
    # 0013 counts the attempts a user already has (My progress pages the history by the count).
    assert db.session.execute(text("SELECT attempt_count FROM users WHERE id = 7")).scalar() == 1
    db.session.rollback()
