"""Fixtures: an app on a fresh database per test, on SQLite and (when available) PostgreSQL.

PostgreSQL tests need QUIZAPP_TEST_POSTGRES_URL (a server URL; `.ci/run` starts one).
Without it they are skipped on a developer's machine and fail under CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from quizapp import create_app
from quizapp.config import TestConfig
from quizapp.database import normalise_url
from quizapp.extensions import db

POSTGRES_URL = os.environ.get("QUIZAPP_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]
ROOT = Path(__file__).resolve().parent.parent


def _postgres_schema_url() -> Iterator[str]:
    """A private schema on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI=true but QUIZAPP_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot run")
        pytest.skip("QUIZAPP_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def make_app(database_url: str, instance: Path) -> Flask:
    app = create_app(TestConfig(instance, database_url))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a migrated, empty database, with an app context pushed."""
    app = make_app(database_url, tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


class CliRunner(FlaskCliRunner):
    """Ends the test's open transaction before each command.

    On SQLite every transaction takes the write lock up front (BEGIN IMMEDIATE), and a
    command opens connections of its own (migrations), which would wait for the lock.
    """

    def invoke(self, *args, **kwargs):
        db.session.rollback()
        return super().invoke(*args, **kwargs)


@pytest.fixture
def runner(app: Flask) -> CliRunner:
    return CliRunner(app)


def snapshot_database() -> dict[str, list[tuple]]:
    """Every row of every table, sorted: equal snapshots mean an unchanged database."""
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(table.select()).all()
        state[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    db.session.rollback()  # release SQLite's write lock (every transaction takes it)
    return state


@pytest.fixture
def snapshot():
    return snapshot_database


@pytest.fixture
def count_queries(app: Flask):
    """A context manager counting the SQL statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting
