"""A form saved from a page opened before someone else saved a newer version is refused."""

from __future__ import annotations


class StaleEdit(Exception):
    """The record moved on since the form was opened: `now` is its current version."""

    def __init__(self, now: int) -> None:
        super().__init__(now)
        self.now = now

    def message(self) -> str:
        return (
            f"This was changed by someone else since you opened it: now version {self.now}; "
            "review and save again."
        )


def opened_version(raw: str | None) -> int:
    """The version a form was opened at, from its hidden field; 0 (no version) when absent or garbled.

    A form that names no version (sent by hand, or from a page older than this check) is
    then refused as stale: saving it could silently undo someone else's work.
    """
    try:
        return int(raw or 0)
    except ValueError:
        return 0


def check_fresh(current: int, opened: int | None) -> None:
    """Raise StaleEdit if the form was opened at another version than `current` (None: no form, no check)."""
    if opened is not None and opened != current:
        raise StaleEdit(current)
