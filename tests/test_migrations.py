"""The migrations build exactly the models' schema, and upgrade a populated database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import text

from quizapp.extensions import db

from .conftest import _postgres_database_url


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


def test_0015_names_the_file_that_defines_each_source_when_its_facts_say(app):
    downgrade(revision="0014")
    sources = "INSERT INTO sources (id, key, title, origin, licence, sections, content_hash) VALUES"
    facts = (
        "INSERT INTO facts (id, key, source_id, section, statement, version, content_hash, origin_file)"
        " VALUES"
    )
    db.session.execute(
        text(f"{sources} (1, 'one', 'One', 'o', 'l', '[]', 'h'), (2, 'two', 'Two', 'o', 'l', '[]', 'h')")
    )
    db.session.execute(
        text(
            f"{facts} (1, 'a', 1, 's', 'A.', 1, 'h', 'one.yaml'), (2, 'b', 1, 's', 'B.', 1, 'h', '(web)'),"
            " (3, 'c', 2, 's', 'C.', 1, 'h', 'two.yaml'), (4, 'd', 2, 's', 'D.', 1, 'h', 'more.yaml')"
        )
    )
    db.session.commit()
    upgrade()
    rows = db.session.execute(text("SELECT key, defined_in FROM sources ORDER BY key")).all()
    assert [tuple(row) for row in rows] == [("one", "one.yaml"), ("two", None)]  # two files: unknown
    db.session.rollback()


@pytest.fixture
def new_postgresql_database() -> Iterator[str]:
    """An empty database of its own on the PostgreSQL test server (the race is PostgreSQL's: on
    SQLite one machine's writers wait for each other)."""
    yield from _postgres_database_url(None)


def test_servers_started_together_upgrade_a_new_postgresql_database_in_turn(
    new_postgresql_database, tmp_path
):
    """Each upgrades the schema at start; on PostgreSQL they take turns (the second one used to
    fail creating the revisions table the first was creating)."""
    database_url = new_postgresql_database
    from quizapp import create_app
    from quizapp.cli import MIGRATION_LOCK_ID, upgrade_database
    from quizapp.config import TestConfig

    apps = [create_app(TestConfig(tmp_path / f"instance{n}", database_url)) for n in range(3)]
    errors: list[BaseException] = []

    def start(app) -> None:
        try:
            with app.app_context():
                upgrade_database()
                db.engine.dispose()
        except BaseException as error:  # reported by the test
            errors.append(error)

    with apps[0].app_context():
        holder = db.engine.connect()
        holder.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        holder.commit()
        threads = [threading.Thread(target=start, args=(app,)) for app in apps[1:]]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        tables = holder.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar()
        assert tables == 0 and all(t.is_alive() for t in threads)  # both wait for the lock
        holder.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
        holder.commit()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        revision = holder.execute(text("SELECT version_num FROM alembic_version")).scalar()
        holder.close()
        db.engine.dispose()
    assert revision
