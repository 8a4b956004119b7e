"""The app's clock for progress and review pages: real UTC time, or a shifted one in tests.

Views read `now()`; services take `now` as a parameter. Tests of the app set the config key
`QUIZAPP_CLOCK` to a callable. A live test server sets `QUIZAPP_CLOCK_FILE` (refused in production):
a file holding a number of seconds to add to the real time, read at every call, so that a test
can move the running server's clock forward ("due reviews appear once the clock is advanced").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, has_app_context

from .models import utcnow

Clock = Callable[[], datetime]


def file_clock(path: str | os.PathLike[str]) -> Clock:
    """A clock running `float(contents of path)` seconds ahead of real time (0 while the file is absent)."""
    offset_file = Path(path)

    def now() -> datetime:
        try:
            offset = float(offset_file.read_text().strip() or 0)
        except FileNotFoundError:
            offset = 0.0
        return utcnow() + timedelta(seconds=offset)

    return now


def clock_from_environment(env: str) -> Clock:
    """The clock named by QUIZAPP_CLOCK_FILE, or the real one."""
    path = os.environ.get("QUIZAPP_CLOCK_FILE")
    if not path:
        return utcnow
    if env == "production":
        raise RuntimeError("QUIZAPP_CLOCK_FILE shifts the clock for tests; it is refused in production")
    return file_clock(path)


def now() -> datetime:
    """The current time in UTC, by the app's clock when there is an app."""
    if has_app_context():
        return current_app.config.get("QUIZAPP_CLOCK", utcnow)()
    return utcnow()
