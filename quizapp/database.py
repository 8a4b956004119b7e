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

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
_READS = "quizapp_read_connection"  # where `read_connection` keeps its connection, in flask.g
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
    """Pool settings per backend: a pre-ping only where connections can go stale (a server).

    Statements' parameters are left out of error messages: they hold password hashes and
    session tokens, and the messages end up in logs.
    """
    options: dict[str, object] = {"hide_parameters": True}
    return options if url.startswith("sqlite") else {**options, "pool_pre_ping": True}


def init_app(app: Flask) -> None:
    """Run the transactions of read-only requests (GET, HEAD) deferred and read-only."""

    @app.before_request
    def _read_only_transactions() -> None:
        _writer.set(request.method not in READ_METHODS)

    @app.teardown_request
    def _writer_transactions(_error: BaseException | None) -> None:
        end_reads()
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


def read_connection() -> Connection:
    """This request's connection for plain reads outside the ORM session (who the user is, a
    question page): one read-only transaction, so what they read agrees, begun on first use
    and ended by `begin_write` or at the end of the request. One connection for all of them
    costs one pool checkout and one BEGIN instead of one each.
    """
    connection = g.get(_READS)
    if connection is None:
        with reading():
            connection = db.engine.connect()
            connection.begin()  # begun here, while `reading()` makes it read-only (see _sqlite_begin)
        setattr(g, _READS, connection)
    return connection


@contextmanager
def reads(engine: Engine) -> Iterator[Connection]:
    """A read-only connection to `engine`: in a request, the request's (`read_connection`);
    elsewhere (commands, tests) one of its own, for the block only."""
    if has_request_context() and engine is db.engine:
        yield read_connection()
        return
    with reading(), engine.connect() as connection:
        yield connection


def end_reads() -> None:
    """End the request's read transaction (see `read_connection`), if it has one."""
    connection = g.pop(_READS, None)
    if connection is not None:
        connection.close()


def begin_write(session: Session | scoped_session[Session]) -> None:
    """End a read transaction and make the next one a writer (on SQLite, BEGIN IMMEDIATE).

    The objects read so far keep their values: they are what the caller checked. A write
    that depends on them must check again in its own SQL (a conditional UPDATE), since
    another transaction may have committed in between. On PostgreSQL a transaction that
    read may write (its row locks wait), so nothing is ended there.
    """
    end_reads()  # what is read after the write must see it
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
