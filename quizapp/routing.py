"""URL converters: ids in URLs that the database's integer columns can hold."""

from __future__ import annotations

from typing import Any

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
