"""Files the browser downloads: the learner's data export and the teacher's bank export."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response
from werkzeug.utils import secure_filename


def attachment(body: bytes | Iterable[str], mimetype: str, filename: str) -> Response:
    """A download named `filename` (made safe for a header). It is no-store: it holds someone's
    answers or a bank's right answers, for no cache on the way to keep."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{secure_filename(filename) or "export"}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
