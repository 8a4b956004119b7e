"""Static files kept by browsers for a year, under addresses that change with their content.

Without this, every page asked again for the stylesheet and each script (six small requests,
answered 304) and a phone on a slow network waited for each. `url_for('static', ...)` now adds
`?v=` and a digest of the file, so a changed file gets a new address and the old one is never
used again; the digest is read once per file and process (restart after changing a file).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

KEPT_FOR = timedelta(days=365)


def init_app(app: Flask) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = KEPT_FOR
    folder = Path(app.static_folder or "")
    digests: dict[str, str] = {}

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "v" in values:
            return
        filename = values.get("filename", "")
        digest = digests.get(filename)
        if digest is None:
            try:
                digest = hashlib.sha256((folder / filename).read_bytes()).hexdigest()[:12]
            except OSError:  # no such file: its address stays as it is, and answers 404
                return
            digests[filename] = digest
        values["v"] = digest
