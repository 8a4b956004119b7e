"""What an import reads from a foreign file (GIFT, Aiken): questions in our shape, and what it could not take.

A reader never raises for bad input. It returns a `Reading`: the questions it understood (as
our question keys, without ids, facts or topics, which the import assigns), the questions it
skipped because our types cannot grade them faithfully (essays, descriptions, partial-credit
weights we cannot express), notes about details it could not keep, and errors. Every entry
carries the line of the file it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problems import Problem

PathKey = tuple[str | int, ...]

NO_EXPLANATION = "No explanation was given in the imported file."
CLOZE_PROMPT = "Fill in the blank."


@dataclass
class ReadQuestion:
    """One question read from a foreign file, in our shape (type, prompt, explanation, answer data)."""

    line: int
    title: str | None
    category: str | None
    record: dict[str, Any]
    lines: dict[PathKey, int] = field(default_factory=dict)  # the line of each part, by path in record

    @property
    def where(self) -> str:
        return question_where(self.title)


MAX_ERRORS = 100  # errors listed per file; the rest are counted


@dataclass
class Reading:
    """The result of reading one foreign file."""

    path: str
    format: str
    questions: list[ReadQuestion] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    # Errors past MAX_ERRORS are counted, not kept: a file of one mistake repeated a million
    # times gets a report that says so, not a million lines.
    more_errors: int = 0
    _noted: set[tuple[int, str, str]] = field(default_factory=set, repr=False)

    def error(self, line: int, where: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(Problem(self.path, line, where, message))
        else:
            self.more_errors += 1

    def skip(self, line: int, where: str, message: str) -> None:
        self.skipped.append(Problem(self.path, line, where, message, warning=True))

    def note(self, line: int, where: str, message: str) -> None:
        if (line, where, message) not in self._noted:
            self._noted.add((line, where, message))
            self.notes.append(Problem(self.path, line, where, message, warning=True))


def question_where(title: str | None) -> str:
    """How a report names a question: by its title when it has one."""
    return f"question {title!r}" if title else "question"


def line_counter(text: str, first_line: int):
    """A function from an offset in `text` to its line number, `text` starting on `first_line`."""
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)

    def line_at(offset: int) -> int:
        low, high = 0, len(starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return first_line + low

    return line_at
