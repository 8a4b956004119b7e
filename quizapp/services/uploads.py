"""Imports uploaded in the browser: a dry run keeps the file, a confirmation imports exactly that file.

The uploaded text is stored server-side (`PendingImport`) so that the confirmation names only
its id: what is imported is what the teacher saw checked, whatever the browser sends. The
confirmation checks everything again in one transaction, marking the row committed in that
same transaction, so an import happens once or not at all.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..models import PendingImport, Source, utcnow
from .transfer import ImportResult, decode_text, import_text

KEPT_FOR = timedelta(days=1)


class PendingNotFound(LookupError):
    """Raised when a pending import does not exist or belongs to someone else."""


@dataclass
class Upload:
    """What a teacher asked to import: the file's name and bytes, and the import's options."""

    filename: str
    raw: bytes
    format: str | None = None
    source: str | None = None
    strict: bool = False


def upload_name(filename: str | None) -> str:
    """The file's own name (no folders), as the import names its bank file and source."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    if len(name) > 200:  # shortened before its extension, which tells the format
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: 200 - len(suffix)] + suffix
    return name or "upload"


def dry_run(
    session: Session, user_id: int, upload: Upload, max_bytes: int, now: datetime | None = None
) -> tuple[ImportResult, PendingImport | None]:
    """Check an upload and count what it would change; keep it when it could be imported.

    Returns the result and the stored pending import (None when there are errors).
    Commits only the pending row (and the removal of old ones); the bank is left as it was.
    """
    name = upload_name(upload.filename)
    text, problems = decode_text(upload.raw, name, max_bytes)
    if text is None:
        return ImportResult(name, upload.format, errors=problems), None
    result = import_text(
        session,
        text,
        shown=name,
        fmt=upload.format,
        source_id=upload.source,
        dry_run=True,
        strict=upload.strict,
    )
    if result.errors:
        return result, None
    now = now or utcnow()
    session.execute(delete(PendingImport).where(PendingImport.created_at < now - KEPT_FOR))
    # An upload replaces the teacher's unconfirmed dry runs of a file of that name (a file corrected
    # and uploaded again): the database keeps one copy of each file being worked on.
    session.execute(
        delete(PendingImport).where(
            PendingImport.user_id == user_id,
            PendingImport.filename == name,
            PendingImport.committed_at.is_(None),
        )
    )
    pending = PendingImport(
        user_id=user_id,
        created_at=now,
        filename=name,
        format=result.format,
        source=upload.source,
        strict=upload.strict,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    session.add(pending)
    session.commit()
    return result, pending


def pending_import(session: Session, pending_id: int, user_id: int) -> PendingImport:
    """The user's pending import; raises PendingNotFound for another user's or a missing one."""
    pending = session.get(PendingImport, pending_id)
    if pending is None or pending.user_id != user_id:
        raise PendingNotFound(pending_id)
    return pending


def commit_pending(session: Session, pending_id: int, user_id: int, digest: str) -> ImportResult | None:
    """Import a pending upload, checked again, all or nothing; None if it was already imported.

    `digest` is the text's digest on the page that was confirmed: a dry run replaced since (its id
    may be reused by a newer upload on SQLite) is not imported in its place.
    """
    pending = pending_import(session, pending_id, user_id)
    if not hmac.compare_digest(digest, pending.sha256):
        raise PendingNotFound(pending_id)
    if hashlib.sha256(pending.text.encode()).hexdigest() != pending.sha256:
        raise PendingNotFound(pending_id)  # a stored text that changed is not the one checked
    filename, fmt, source, strict, text = (
        pending.filename,
        pending.format,
        pending.source,
        pending.strict,
        pending.text,
    )
    # Claim the row first: a second confirmation (even a concurrent one, which waits for this
    # transaction) finds it committed. import_text commits or rolls back the claim with the bank.
    claimed = session.execute(
        update(PendingImport)
        .where(PendingImport.id == pending_id, PendingImport.committed_at.is_(None))
        .values(committed_at=utcnow())
    ).rowcount
    if claimed != 1:
        session.rollback()
        return None
    return import_text(session, text, shown=filename, fmt=fmt, source_id=source, strict=strict)


def check_pending(session: Session, pending: PendingImport) -> ImportResult:
    """The dry run of a pending upload, done again against the bank as it is now."""
    return import_text(
        session,
        pending.text,
        shown=pending.filename,
        fmt=pending.format,
        source_id=pending.source,
        dry_run=True,
        strict=pending.strict,
    )


def source_choices(session: Session) -> list[tuple[str, str]]:
    """(id, title) of every source, for choosing where imported questions go."""
    rows = session.execute(select(Source.key, Source.title).order_by(Source.key))
    return [(key, title) for key, title in rows]
