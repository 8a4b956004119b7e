"""What a file load does with records edited in the browser: keep them and say so, or overwrite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Conflict:
    """A record edited in the browser that the file would have changed or retired."""

    kind: str  # sources | facts | questions | quizzes
    key: str
    absent_from: str | None = None  # the file that no longer holds it, when it would be retired

    def line(self) -> str:
        if self.absent_from is None:
            return (
                f"{self.kind}: {self.key} was edited in the browser; kept the web version "
                "(use --overwrite to replace it)"
            )
        return (
            f"{self.kind}: {self.key} was edited in the browser and is no longer in {self.absent_from}; "
            "kept it (use --overwrite to retire it)"
        )


@dataclass
class WebEdits:
    """How a load treats records edited in the browser, and where it reports conflicts."""

    overwrite: bool
    conflicts: list[Conflict]
    kind: str = ""

    def of(self, kind: str) -> WebEdits:
        return WebEdits(self.overwrite, self.conflicts, kind)


def known_hashes(session: Session, model: Any, version_model: Any, parent_column: str) -> dict[int, set[str]]:
    """The content hashes of every version of each record edited in the browser."""
    parent = getattr(version_model, parent_column)
    edited = select(model.id).where(model.web_edited_at.is_not(None))
    known: dict[int, set[str]] = {}
    for parent_id, digest in session.execute(
        select(parent, version_model.content_hash).where(parent.in_(edited))
    ):
        known.setdefault(parent_id, set()).add(digest)
    return known
