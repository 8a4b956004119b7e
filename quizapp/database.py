"""Engine behaviour per backend: SQLite pragmas and write-safe transactions, URL forms.

SQLite lets one connection write at a time. A transaction that may write starts with
`BEGIN IMMEDIATE`: it queues for the write lock up front (for up to the busy timeout),
so it can never fail half-way with "database is locked". Taking that lock for every
transaction would queue readers too, so a request that only reads (GET, HEAD) runs
its transactions deferred and read-only (`PRAGMA query_only`): WAL lets them run side by
side with each other and with a writer. A read transaction cannot safely become a write
one (SQLite refuses the upgrade instead of waiting when another connection writes), so a
GET that must write, or a POST that reads first, calls `begin_write` before writing: it
ends the read and makes the next transaction a writer. A write attempted without it
fails at once ("attempt to write a readonly database"), on every run, not under load.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether transactions begun now may write; outside a read request (commands, tests) they may.
_writer: ContextVar[bool] = ContextVar("quizapp_writer_transactions", default=True)


def normalise_url(url: str) -> str:
    """Route PostgreSQL URLs to psycopg 3, whatever scheme spelling they use."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict[str, object]:
    """Pool settings per backend: a pre-ping only where connections can go stale (a server)."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def init_app(app: Flask) -> None:
    """Run the transactions of read-only requests (GET, HEAD) deferred and read-only."""

    @app.before_request
    def _read_only_transactions() -> None:
        _writer.set(request.method not in READ_METHODS)

    @app.teardown_request
    def _writer_transactions(_error: BaseException | None) -> None:
        if not _writer.get():
            # End the read here, not only when the app context ends: tests keep one context
            # (and session) across requests, and a read left open would make the next request's
            # transaction read-only too.
            db.session.rollback()
        _writer.set(True)


def read_first() -> None:
    """Make this request's next transactions read-only until `begin_write` (call before any query)."""
    _writer.set(False)


@contextmanager
def reading() -> Iterator[None]:
    """Begin transactions inside the block read-only (for a connection that only reads)."""
    token = _writer.set(False)
    try:
        yield
    finally:
        _writer.reset(token)


def begin_write(session: Session | scoped_session[Session]) -> None:
    """End a read transaction and make the next one a writer (on SQLite, BEGIN IMMEDIATE).

    The objects read so far keep their values: they are what the caller checked. A write
    that depends on them must check again in its own SQL (a conditional UPDATE), since
    another transaction may have committed in between. On PostgreSQL a transaction that
    read may write (its row locks wait), so nothing is ended there.
    """
    if isinstance(session, scoped_session):
        session = session()
    if not _writer.get() and session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()  # wrote nothing (query_only): this only ends the read
        finally:
            session.expire_on_commit = expire
    _writer.set(True)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below open transactions instead of pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "connect")
def _postgres_on_connect(dbapi_connection: object, _record: object) -> None:
    # Times are stored and shown in UTC, whatever the server's or role's time zone says.
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    writer = _writer.get()
    pooled = connection.connection
    if pooled.info.get("quizapp_query_only", False) == writer:
        # Connection state, set like the pragmas on connect: only when the kind changes.
        pooled.driver_connection.execute(f"PRAGMA query_only = {0 if writer else 1}")
        pooled.info["quizapp_query_only"] = not writer
    # On the driver's connection, as pysqlite itself would: a full statement execution costs
    # more than the BEGIN (which, like COMMIT, is then not counted as a statement).
    pooled.driver_connection.execute("BEGIN IMMEDIATE" if writer else "BEGIN")
