"""A problem found in a bank file, reported as `path:line: where: message`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..wording import counted


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    where: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {self.where}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class BankError(Exception):
    """Raised when banks cannot be loaded because they have errors."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{counted(len(problems), 'error')} in the bank files")
        self.problems = problems
