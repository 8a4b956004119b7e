"""Write questions as GIFT for Moodle, and list what GIFT cannot carry instead of dropping it.

Every question is written as `::id::[plain]prompt{answers}`: the id as its title (our
import reads it back as the id), plain text so Moodle shows it as written, special
characters escaped, and a star in a short answer too (Moodle would read it as a wildcard).
Topics become `$CATEGORY:` switches (the first topic of a question), explanations general
feedback (`####`). GIFT has no ordering questions, no cloze with
several blanks, no units and no case or accent settings: such questions are left out, or
written without the detail, and listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .foreign import CLOZE_PROMPT, NO_EXPLANATION
from .gift_read import category_title
from .schema import PLACEHOLDER, Topic
from .textformat import FORMAT_PREFIX

_SPECIAL = re.compile(r"([\\~=#{}:])")
_WEIGHT_LIKE = re.compile(r"^%-?[\d.]")
TOP_CATEGORY = "$course$/top"
HEADER = "// Exported by quizapp as GIFT for Moodle.\n\n"
LEFT_OUT_ALWAYS = "GIFT carries no facts, difficulty, marks, quizzes or sources"


@dataclass
class GiftExport:
    text: str
    left_out: list[str] = field(default_factory=list)  # questions not written, with the reason
    partly: list[str] = field(default_factory=list)  # questions written without some detail


def escape(text: str) -> str:
    """Escape GIFT's special characters; line breaks become \\n."""
    return _SPECIAL.sub(r"\\\1", text).replace("\r", "").replace("\n", "\\n")


def write_gift(questions: Iterable[Any], topics: dict[str, Topic]) -> GiftExport:
    """GIFT text for the question records, in their order."""
    export = GiftExport("")
    parts = [HEADER]
    category: str | None = None
    for question in questions:
        body, reason = _body(question, export)
        if body is None:
            export.left_out.append(f"{question.id} ({question.type}): {reason}")
            continue
        wanted = None
        if question.topics:
            title = topics[question.topics[0]].title
            wanted = category_title(f"{TOP_CATEGORY}/{title}")
            if wanted != title:
                export.partly.append(f"{question.id}: its topic {title!r} becomes the category {wanted!r}")
        if len(question.topics) > 1:
            export.partly.append(f"{question.id}: only its first topic becomes its category")
        if wanted != category:
            parts.append(
                f"$CATEGORY: {TOP_CATEGORY}/{escape(wanted)}\n\n"
                if wanted
                else f"$CATEGORY: {TOP_CATEGORY}\n\n"
            )
            category = wanted
        parts.append(f"::{question.id}::[plain]{body}\n\n")
    export.text = "".join(parts).rstrip("\n") + "\n"
    return export


def _unsafe(texts: Iterable[str], *, arrow: bool = False) -> str | None:
    """Why a text cannot be written in an answer, if it cannot."""
    for text in texts:
        if _WEIGHT_LIKE.match(text):
            return f"the text {text!r} would read as a %weight%"
        if FORMAT_PREFIX.match(text):
            return f"the text {text!r} would read as a text format"
        if arrow and "->" in text:
            return f"the text {text!r} holds '->', which GIFT reads as a matching pair"
    return None


def _general(question: Any, indent: str = "") -> str:
    if question.explanation == NO_EXPLANATION:
        return ""
    return f"{indent}####{escape(question.explanation)}" + ("\n" if indent else "")


def _feedback(text: str | None) -> str:
    return f"#{escape(text)}" if text else ""


def _body(question: Any, export: GiftExport) -> tuple[str | None, str]:
    writer = _WRITERS.get(question.type)
    if writer is None:
        return None, f"GIFT has no {question.type.replace('_', ' ')} questions"
    return writer(question, export)


def _single_choice(q: Any, _export: GiftExport) -> tuple[str | None, str]:
    texts = [o.text for o in q.options] + [o.feedback for o in q.options if o.feedback]
    reason = _unsafe(texts)
    if reason:
        return None, reason
    lines = [f"\t{'=' if o.correct else '~'}{escape(o.text)}{_feedback(o.feedback)}\n" for o in q.options]
    return f"{escape(q.prompt)}{{\n{''.join(lines)}{_general(q, chr(9))}}}", ""


def _multiple_choice(q: Any, _export: GiftExport) -> tuple[str | None, str]:
    texts = [o.text for o in q.options] + [o.feedback for o in q.options if o.feedback]
    reason = _unsafe(texts)
    if reason:
        return None, reason
    share = _percent(100 / sum(o.correct for o in q.options))
    lines = [
        f"\t~%{'' if o.correct else '-'}{share}%{escape(o.text)}{_feedback(o.feedback)}\n" for o in q.options
    ]
    return f"{escape(q.prompt)}{{\n{''.join(lines)}{_general(q, chr(9))}}}", ""


def _true_false(q: Any, _export: GiftExport) -> tuple[str | None, str]:
    right, wrong = (q.true_feedback, q.false_feedback) if q.answer else (q.false_feedback, q.true_feedback)
    answer = "TRUE" if q.answer else "FALSE"
    feedback = (f"#{escape(wrong)}" if wrong else ("#" if right else "")) + (
        f"#{escape(right)}" if right else ""
    )
    return f"{escape(q.prompt)}{{{answer}{feedback}{_general(q)}}}", ""


def _text_settings(export: GiftExport, qid: str, holder: Any) -> None:
    changed = [
        name
        for name, default in (
            ("case_sensitive", False),
            ("accent_sensitive", False),
            ("typo_tolerance", True),
        )
        if getattr(holder, name) != default
    ]
    if changed:
        export.partly.append(f"{qid}: GIFT cannot say {', '.join(changed)}")


def _short(text: str) -> str:
    """Escape a short answer: a star is literal in ours, a wildcard in Moodle's unless written \\*."""
    return escape(text).replace("*", "\\*")


def _short_answer(q: Any, export: GiftExport) -> tuple[str | None, str]:
    reason = _unsafe(q.answers, arrow=True)
    if reason:
        return None, reason
    _text_settings(export, q.id, q)
    lines = "".join(f"\t={_short(a)}\n" for a in q.answers)
    return f"{escape(q.prompt)}{{\n{lines}{_general(q, chr(9))}}}", ""


def _numeric(q: Any, export: GiftExport) -> tuple[str | None, str]:
    if q.unit:
        export.partly.append(f"{q.id}: GIFT has no units ({q.unit!r} is left out)")
    if q.answer is None:
        value = f"{_number(q.min)}..{_number(q.max)}"
    else:
        value = _number(q.answer) + (f":{_number(q.tolerance)}" if q.tolerance is not None else "")
    return f"{escape(q.prompt)}{{#{value}{_general(q)}}}", ""


def _matching(q: Any, _export: GiftExport) -> tuple[str | None, str]:
    reason = _unsafe([p.left for p in q.pairs] + [p.right for p in q.pairs] + list(q.distractors), arrow=True)
    if reason:
        return None, reason
    lines = [f"\t={escape(p.left)} -> {escape(p.right)}\n" for p in q.pairs]
    lines += [f"\t= -> {escape(d)}\n" for d in q.distractors]
    return f"{escape(q.prompt)}{{\n{''.join(lines)}{_general(q, chr(9))}}}", ""


def _cloze(q: Any, export: GiftExport) -> tuple[str | None, str]:
    if len(q.blanks) != 1:
        return None, f"a GIFT missing word has one blank, this cloze has {len(q.blanks)}"
    before, after = PLACEHOLDER.split(q.text, maxsplit=1)[::2]
    if not after.strip():
        return None, "a GIFT missing word needs text after the blank"
    blank = q.blanks[0]
    if blank.kind == "choice":
        reason = _unsafe(blank.options)
        answers = " ".join(f"{'=' if o == blank.answer else '~'}{escape(o)}" for o in blank.options)
    else:
        reason = _unsafe(blank.answers, arrow=True)
        answers = " ".join(f"={_short(a)}" for a in blank.answers)
        _text_settings(export, q.id, blank)
    if reason:
        return None, reason
    lead = "" if q.prompt == CLOZE_PROMPT else q.prompt + "\n"
    return f"{escape(lead + before)}{{{answers}{_general(q)}}}{escape(after)}", ""


_WRITERS = {
    "single_choice": _single_choice,
    "multiple_choice": _multiple_choice,
    "true_false": _true_false,
    "short_answer": _short_answer,
    "numeric": _numeric,
    "matching": _matching,
    "cloze": _cloze,
}


def _number(value: float | int) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _percent(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")
