"""What a request may hold: ids that the database's integer columns can take, no NUL characters."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

#: The largest value of an INTEGER column on PostgreSQL (SQLite's are larger).
MAX_ID = 2**31 - 1


class DatabaseInteger(IntegerConverter):
    """`<int:...>` that matches only what fits an integer column; a larger number is a 404.

    Without the bound, /attempts/100000000000000000000/1 reached the database and failed
    there (PostgreSQL: integer out of range; SQLite: Python int too large), a 500.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def refuse_nul_characters() -> None:
    """Refuse (400) a request whose path, query or form (names, values, uploaded files' names)
    holds a NUL character.

    No text the app keeps may hold one, and PostgreSQL refuses it in any string it is given,
    even in a query that only looks something up: such a request was a 500 there.
    """
    texts = [request.path, *chain.from_iterable(request.args.items(multi=True))]
    if request.method not in ("GET", "HEAD"):
        texts += chain.from_iterable(request.form.items(multi=True))
        texts += chain.from_iterable(
            (name, upload.filename or "") for name, upload in request.files.items(multi=True)
        )
    if _has_nul(texts):
        abort(400, description="The request holds a NUL character, which no text here may contain.")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
