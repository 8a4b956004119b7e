"""Human-readable text for a taker's response, for feedback and review pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from .bank.schema import PLACEHOLDER
from .models import utcnow
from .services.attempts import as_utc
from .wording import counted

_UTC_TIME = Markup('<time datetime="{}" data-local>{}</time>')


def utc_time(moment: datetime, text_format: str) -> Markup:
    """A moment (in UTC) as text in a <time>, beside which static/localtime.js adds the reader's own
    time when that differs (a template global)."""
    return _UTC_TIME.format(f"{moment:%Y-%m-%dT%H:%M:%SZ}", moment.strftime(text_format))


def time_left(deadline: datetime) -> str:
    """What is left until `deadline` (in UTC) as the page is made, for pages read without scripts
    (static/timer.js counts down in its place). A template global."""
    seconds = (as_utc(deadline) - utcnow()).total_seconds()
    if seconds < 60:
        return "Less than a minute left when this page was loaded."
    return f"About {counted(round(seconds / 60), 'minute')} left when this page was loaded."


def describe_response(qtype: str, data: dict[str, Any], response: dict[str, Any] | None) -> list[str]:
    """The taker's answer as lines of text; ["(no answer)"] when nothing was given."""
    if not response:
        return ["(no answer)"]
    if qtype == "single_choice":
        return [data["options"][response["choice"]]["text"]]
    if qtype == "multiple_choice":
        return [data["options"][i]["text"] for i in response["choices"]] or ["(nothing chosen)"]
    if qtype == "true_false":
        return ["True" if response["answer"] else "False"]
    if qtype in ("short_answer", "numeric"):
        return [response["text"]]
    if qtype == "ordering":
        return [f"{n}. {data['items'][i]}" for n, i in enumerate(response["order"], start=1)]
    if qtype == "matching":
        rights = [p["right"] for p in data["pairs"]] + list(data.get("distractors") or [])
        return [
            f"{pair['left']} → {rights[match] if match is not None else '(no match)'}"
            for pair, match in zip(data["pairs"], response["matches"], strict=False)
        ]
    if qtype == "cloze":
        values = response["blanks"]

        def fill(match: Any) -> str:
            index = int(match.group(1)) - 1
            value = values[index] if index < len(values) and values[index] else "…"
            return f"[{value}]"

        return [PLACEHOLDER.sub(fill, data["text"])]
    return [str(response)]


def in_shown_order(
    qtype: str, layout: dict[str, Any] | None, lines: list[str], data: dict[str, Any] | None = None
) -> list[str]:
    """Lines in the order the page showed them, so that feedback reads as the question did: a
    matching question's (one per pair, in bank order) in the order of its pairs, a multiple
    choice's options (with the question's `data`) in the order of its options; others as they are."""
    if qtype == "multiple_choice" and data is not None and (shown := (layout or {}).get("options")):
        rank = {data["options"][index]["text"]: place for place, index in enumerate(shown)}
        return sorted(lines, key=lambda line: rank.get(line, len(rank)))
    lefts = (layout or {}).get("lefts")
    if qtype != "matching" or not lefts or len(lefts) != len(lines):
        return lines
    return [lines[pair] for pair in lefts]


def cloze_parts(text: str) -> list[tuple[str, int | None]]:
    """Split a cloze passage into (text, None) and ("", blank index) pieces, in order."""
    parts: list[tuple[str, int | None]] = []
    last = 0
    for match in PLACEHOLDER.finditer(text):
        parts.append((text[last : match.start()], None))
        parts.append(("", int(match.group(1)) - 1))
        last = match.end()
    parts.append((text[last:], None))
    return parts
