"""When a taker may see right answers: one rule for practice feedback and the review."""

from __future__ import annotations

from datetime import UTC, datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def answers_shown(show_answers: str | None, closes_at: datetime | None, now: datetime) -> bool:
    """Whether a finished attempt's review may show right answers, explanations and facts.

    `show_answers` and `closes_at` are the quiz's current settings (None for attempts not
    at a quiz); a quiz whose closing date was moved later hides them until the new date.
    """
    if show_answers in (None, "after_submit"):
        return True
    if show_answers == "after_close":
        return closes_at is not None and now >= _aware(closes_at)
    return False


def hidden_note(show_answers: str | None, closes_at: datetime | None) -> str:
    """What the review says instead of the right answers."""
    if show_answers == "after_close" and closes_at is not None:
        return f"Right answers are shown after the quiz closes, at {_aware(closes_at):%H:%M UTC on %d %B %Y}."
    return "Right answers are not shown for this quiz."


def feedback_at_once(mode: str, feedback: str | None) -> bool:
    """Whether a practice answer's feedback is shown as soon as it is checked."""
    return mode == "practice" and feedback in (None, "immediate")
