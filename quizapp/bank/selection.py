"""Which questions a quiz selection takes: one pure rule shared by checker and app."""

from __future__ import annotations

from typing import Any

from .schema import Selection


def selects(selection: Selection, question: Any) -> bool:
    """Whether `question` (anything with id, facts, topics, difficulty) is in `selection`."""
    if selection.questions is not None:
        return question.id in selection.questions
    if selection.topics is not None and not set(selection.topics) & set(question.topics):
        return False
    if selection.facts is not None and not set(selection.facts) & set(question.facts):
        return False
    return not (selection.difficulty is not None and question.difficulty not in selection.difficulty)
