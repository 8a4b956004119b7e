"""Check and load bank files into the database as one transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..bank import Bank, BankError, check_paths
from ..bank.load import LoadReport, load_bank
from ..models import Question


def load_paths(
    session: Session, paths: list[Path], strict: bool = False, overwrite: bool = False
) -> tuple[Bank, LoadReport]:
    """Check `paths` and load them, committing only if everything succeeds.

    `overwrite` replaces records edited in the browser with the files' versions.
    """
    bank = check_paths(paths)
    if not bank.ok(strict):
        raise BankError(bank.problems if strict else bank.errors)
    try:
        report = load_bank(session, bank, overwrite=overwrite)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return bank, report


def has_questions(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Question)) > 0
