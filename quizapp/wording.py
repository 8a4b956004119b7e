"""Counted nouns for messages: "1 question", "2 questions", "1 quiz", "3 quizzes"."""

from __future__ import annotations

IRREGULAR = {"quiz": "quizzes"}


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun in the plural unless the count is exactly one."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural or IRREGULAR.get(noun) or noun + 's'}"
