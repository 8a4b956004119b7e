"""A `limits` storage in the app's own database: counters that every worker and server share.

Flask-Limiter keeps its counters in a storage of the `limits` package. Its in-memory storage
is private to one process: with several gunicorn workers on several servers an attacker would
get the allowance once per process, and a restart would forget it. Redis or memcached would
share the counters but are one more server to run; the database is already shared by every
process, so `RATELIMIT_STORAGE_URI = "database://"` keeps them in the `rate_limits` table.

It supports the fixed-window strategy (Flask-Limiter's default). One row per key holds the
count and the moment its window ends; an increment is a single atomic UPSERT that starts a new
window when the old one has ended, so concurrent requests never lose a count. Times come from
the app's `QUIZAPP_LIMIT_CLOCK` (tests move it forward) as seconds since the epoch.

Counters are written on a connection of their own and committed at once. On SQLite every
transaction takes the write lock, so a request must not keep its session's transaction open
while the limiter writes (quizapp/auth.py ends it before answering a failed sign-in).
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app
from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import RateLimit

TABLE = RateLimit.__table__
KEPT_AFTER_EXPIRY = 3600  # seconds an ended window's row may linger before a cleanup deletes it


def stored_key(key: str) -> str:
    """The key as stored: keys longer than the column keep a readable head and a digest."""
    if len(key) <= 255:
        return key
    return f"{key[:180]}#{hashlib.sha256(key.encode()).hexdigest()}"


class DatabaseStorage(Storage):
    """Rate-limit counters in the `rate_limits` table of the app's database."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: object) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def now() -> float:
        return current_app.config.get("QUIZAPP_LIMIT_CLOCK", time.time)()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now, key = self.now(), stored_key(key)
        engine = db.engine
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(engine.dialect.name)
        if dialect is None:
            raise NotImplementedError(f"the database storage does not support {engine.dialect.name}")
        insert = dialect.insert(TABLE).values(key=key, count=amount, expires_at=now + expiry)
        ended = TABLE.c.expires_at <= now
        upsert = insert.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                "count": case((ended, insert.excluded.count), else_=TABLE.c.count + insert.excluded.count),
                "expires_at": case((ended, insert.excluded.expires_at), else_=TABLE.c.expires_at),
            },
        ).returning(TABLE.c.count)
        with engine.begin() as connection:
            count = connection.execute(upsert).scalar_one()
        if count == amount:  # a new window: a good moment to sweep long-ended ones
            self._sweep(now)
        return count

    def _sweep(self, now: float) -> None:
        try:
            with db.engine.begin() as connection:
                connection.execute(delete(TABLE).where(TABLE.c.expires_at <= now - KEPT_AFTER_EXPIRY))
        except SQLAlchemyError:
            # Best effort: two sweeps may collide (a deadlock on PostgreSQL); the next one tidies up.
            current_app.logger.warning("rate_limits: sweeping ended windows failed", exc_info=True)

    def _live(self, key: str, column: object) -> object:
        with db.engine.begin() as connection:
            return connection.execute(
                select(column).where(TABLE.c.key == stored_key(key), TABLE.c.expires_at > self.now())
            ).scalar()

    def get(self, key: str) -> int:
        return self._live(key, TABLE.c.count) or 0

    def get_expiry(self, key: str) -> float:
        return self._live(key, TABLE.c.expires_at) or self.now()

    def check(self) -> bool:
        try:
            with db.engine.begin() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(TABLE)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.key == stored_key(key)))
