"""Fixtures: an app on a fresh database per test, on SQLite and (when available) PostgreSQL.

PostgreSQL tests need QUIZAPP_TEST_POSTGRES_URL (a server URL; `.ci/run` starts one).
Without it they are skipped on a developer's machine and fail under CI=true.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from quizapp import create_app
from quizapp.config import TestConfig
from quizapp.database import normalise_url
from quizapp.extensions import db

POSTGRES_URL = os.environ.get("QUIZAPP_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]
ROOT = Path(__file__).resolve().parent.parent


def _require_postgres() -> None:
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI=true but QUIZAPP_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot run")
        pytest.skip("QUIZAPP_TEST_POSTGRES_URL is not set")


def _postgres_schema_url() -> Iterator[str]:
    """A private, empty schema on the test server, dropped afterwards."""
    _require_postgres()
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


# --- migrated copies --------------------------------------------------------------------------------------
# Migrating a new database costs 0.3 s (SQLite) to 0.5 s (PostgreSQL), for each of a thousand tests.
# So each test process migrates one template database per backend, and a test that asks for `app`
# gets a copy of it (SQLite's backup API; PostgreSQL's CREATE DATABASE ... TEMPLATE).

_templates: dict[str, str] = {}  # backend -> the template's path (SQLite) or database name
_premigrated: set[str] = set()  # the URLs handed out as copies of a migrated template


def _migrate(url: str, instance: Path) -> None:
    app = create_app(TestConfig(instance, url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _sqlite_template(factory: pytest.TempPathFactory) -> str:
    if "sqlite" not in _templates:
        folder = factory.mktemp("template")
        path = folder / "template.sqlite3"
        _migrate(f"sqlite:///{path}", folder / "instance")
        _templates["sqlite"] = str(path)
    return _templates["sqlite"]


def _postgres_admin() -> Any:
    return create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


def _postgres_template(factory: pytest.TempPathFactory) -> str:
    if "postgresql" not in _templates:
        name = f"template_{uuid.uuid4().hex[:12]}"
        admin = _postgres_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        _migrate(url, factory.mktemp("template") / "instance")
        _templates["postgresql"] = name
    return _templates["postgresql"]


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_template() -> Iterator[None]:
    yield
    if "postgresql" in _templates:
        admin = _postgres_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_templates.pop("postgresql")}" WITH (FORCE)'))
        admin.dispose()


def _postgres_database_url(template: str | None) -> Iterator[str]:
    """A database of its own on the test server (a copy of `template`, or empty), dropped afterwards."""
    _require_postgres()
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database: an SQLite file, or a PostgreSQL database of its own. Empty, unless the
    test also asks for `app`: then a copy of a migrated template, which `app` does not migrate again."""
    copy = "app" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        url = f"sqlite:///{path}"
        if copy:
            source, target = sqlite3.connect(_sqlite_template(tmp_path_factory)), sqlite3.connect(path)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
            _premigrated.add(url)
        yield url
        return
    _require_postgres()
    template = _postgres_template(tmp_path_factory) if copy else None
    for url in _postgres_database_url(template):
        if copy:
            _premigrated.add(url)
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def make_app(database_url: str, instance: Path) -> Flask:
    """An app on `database_url`, migrated to the latest revision (unless it is a migrated copy)."""
    app = create_app(TestConfig(instance, database_url))
    if database_url not in _premigrated:
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
