"""Static files kept by browsers for a year, under addresses that change with their content.

Without this, every page asked again for the stylesheet and each script (six small requests,
answered 304) and a phone on a slow network waited for each. `url_for('static', ...)` adds `?v=`
and a digest of the file, so a changed file gets a new address. Only a request whose digest is
the one of the file this server holds is answered as kept for a year: during a rolling deploy an
old server asked for a new file's address (or the other way round) answers with what it has,
to be asked again, never kept under the wrong address. Digests are read once per file and
process (restart after changing a file).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

KEPT_FOR = timedelta(days=365)


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    digests: dict[str, str | None] = {}

    def digest_of(filename: str) -> str | None:
        if filename not in digests:
            try:
                digests[filename] = hashlib.sha256((folder / filename).read_bytes()).hexdigest()[:12]
            except OSError:  # no such file (or not a file): its address stays as it is, and answers 404
                digests[filename] = None
        return digests[filename]

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            digest = digest_of(values.get("filename", ""))
            if digest is not None:
                values["v"] = digest

    @app.after_request
    def keep_versioned_files(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        version = request.args.get("v")
        if version is not None and version == digest_of((request.view_args or {}).get("filename", "")):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = int(KEPT_FOR.total_seconds())
            response.cache_control.immutable = True
        return response
