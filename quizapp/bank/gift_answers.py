"""Turn one GIFT answer block into one of our questions, or say why it cannot be one.

What our types cannot express is never changed silently: a question that needs partial
credit we cannot give (a 50% answer, a -100% penalty where ours takes 1/k away) is skipped
with the reason; a detail we drop (feedback on a short answer, say) is noted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..wording import counted
from .foreign import CLOZE_PROMPT, NO_EXPLANATION, PathKey, Reading, ReadQuestion, question_where
from .textformat import html_to_text, split_format

_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_WEIGHT_START = re.compile(r"%-?[\d.]")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_WILDCARD = re.compile(r"(?<!\\)\*")  # a star, unless written \* (Moodle's short answers)
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_GAP = "\ue000"  # where the answer block sat in the question text
TOLERANCE = 1e-3  # percentage points: Moodle writes 1/3 as 33.33333%


@dataclass
class Block:
    """A question's parts, with escapes still as placeholders, and how to find lines."""

    reading: Reading
    title: str | None
    category: str | None
    line: int
    before: str
    answers: str
    after: str
    answers_offset: int
    line_at: Callable[[int], int]
    restore: Callable[[str], str]

    @property
    def where(self) -> str:
        return question_where(self.title)

    def line_of(self, offset: int) -> int:
        """The line of an offset inside the answer block."""
        return self.line_at(self.answers_offset + offset)

    def error(self, offset: int, message: str) -> None:
        self.reading.error(self.line_of(offset), self.where, message)

    def text(self, raw: str, default: str) -> str:
        """Readable text from a part, in its own [format] or the question's."""
        fmt, body = split_format(self.restore(raw), default)
        if fmt != "html":
            return body.strip()
        text, images, lost = html_to_text(body)
        if images:
            self.reading.note(self.line, self.where, f"{images} image(s) in the HTML are not imported")
        if lost:
            self.reading.note(self.line, self.where, f"plain text cannot show the HTML's {' or '.join(lost)}")
        return text


@dataclass
class Answer:
    marker: str  # "=", "~" or "" (text before the first marker)
    weight: float | None  # percent, None when not given
    text: str  # placeholders kept
    feedback: str | None
    offset: int


def convert(block: Block) -> None:
    """Read the block's answers and add a question, a skip or errors to the reading."""
    fmt, before = split_format(block.before, "moodle")
    missing_word = block.after.strip() != ""
    answers, explanation_raw = block.answers, None
    general = answers.rfind("####")
    if general != -1:
        answers, explanation_raw = answers[:general], answers[general + 4 :]
    body = answers.strip()
    lead = len(answers) - len(answers.lstrip())
    if not body:
        block.reading.skip(block.line, block.where, "an essay needs a teacher to grade it: not imported")
        return
    explanation = block.text(explanation_raw, fmt) if explanation_raw is not None else ""
    question = _Question(block, fmt, before, missing_word, explanation or NO_EXPLANATION)
    if general != -1:
        question.lines[("explanation",)] = block.line_of(general)
    if body.startswith("#"):
        question.numeric(body[1:], lead + 1)
    elif "~" in body:
        question.choice(body, lead)
    elif "=" in body and "->" in body:
        question.matching(body, lead)
    elif body.split("#", 1)[0].strip() in _TRUE_FALSE:
        question.true_false(body)
    else:
        question.short_answer(body, lead)


class _Question:
    def __init__(self, block: Block, fmt: str, before: str, missing_word: bool, explanation: str) -> None:
        self.block = block
        self.fmt = fmt
        self.before = before
        self.missing_word = missing_word
        self.explanation = explanation
        self.lines: dict[PathKey, int] = {(): block.line, ("prompt",): block.line}
        self.errors = len(block.reading.errors)

    # --- shared -------------------------------------------------------------------------

    def prompt(self, gap: str) -> str:
        """The question text with the answer block replaced by `gap`."""
        text = self.block.text(self.before + _GAP + self.block.after, self.fmt)
        return text.replace(_GAP, gap).strip()

    def add(self, record: dict[str, Any]) -> None:
        if len(self.block.reading.errors) > self.errors:
            return
        record["explanation"] = self.explanation
        b = self.block
        b.reading.questions.append(ReadQuestion(b.line, b.title, b.category, record, self.lines))

    def skip(self, message: str, fix: str = "") -> None:
        """Skip the question for `message`; `fix` says how to write it so that it imports."""
        if len(self.block.reading.errors) == self.errors:
            ending = f": not imported (to import it, {fix})" if fix else ": not imported"
            self.block.reading.skip(self.block.line, self.block.where, message + ending)

    def note(self, message: str) -> None:
        self.block.reading.note(self.block.line, self.block.where, message)

    def split(self, body: str, offset: int, markers: str) -> tuple[Answer | None, list[Answer]]:
        """The text before the first marker (if any) and one Answer per marker, weights read."""
        cuts = [i for i, c in enumerate(body) if c in markers]
        head = None
        if not cuts or body[: cuts[0]].strip():
            end = cuts[0] if cuts else len(body)
            head = self.answer("", body[:end], offset)
        found = []
        for index, cut in enumerate(cuts):
            end = cuts[index + 1] if index + 1 < len(cuts) else len(body)
            found.append(self.answer(body[cut], body[cut + 1 : end], offset + cut))
        return head, found

    def answer(self, marker: str, raw: str, offset: int) -> Answer:
        content = raw.strip()
        weight = None
        if _WEIGHT_START.match(content):  # "%5" starts a weight; "%" alone or "% of" is text, as in Moodle
            match = _WEIGHT.match(content)
            if not match:
                self.block.error(offset, f"bad weight in {content[:30]!r}: write it as %50% or %-33.33333%")
            else:
                weight = float(match[1])
                if not -100 <= weight <= 100:
                    self.block.error(offset, f"weight {match[1]}% is outside -100%..100%")
                content = content[match.end() :]
        text, _, feedback = content.partition("#")
        return Answer(marker, weight, text, feedback if "#" in content else None, offset)

    def feedback(self, raw: str | None) -> str | None:
        return (self.block.text(raw, self.fmt) or None) if raw is not None else None

    # --- types --------------------------------------------------------------------------

    def true_false(self, body: str) -> None:
        value, wrong, right = ([*body.split("#", 2), None, None])[:3]
        answer = _TRUE_FALSE[value.strip()]
        wrong, right = self.feedback(wrong), self.feedback(right)
        record: dict[str, Any] = {
            "type": "true_false",
            "prompt": self.prompt("_____" if self.missing_word else ""),
            "answer": answer,
        }
        true_feedback, false_feedback = (right, wrong) if answer else (wrong, right)
        if true_feedback:
            record["true_feedback"] = true_feedback
        if false_feedback:
            record["false_feedback"] = false_feedback
        self.add(record)

    def choice(self, body: str, offset: int) -> None:
        head, answers = self.split(body, offset, "=~")
        if head is not None:
            self.block.error(
                head.offset, f"unexpected text {head.text.strip()[:40]!r}: answers start with = or ~"
            )
        for found in answers:
            if found.marker == "=" and found.weight is not None:
                self.block.error(found.offset, "a weight after '=' is not read by Moodle: write ~%50%answer")
            if not self.block.restore(found.text).strip():
                self.block.error(found.offset, "an empty answer")
        if len(answers) < 2:
            self.block.error(offset, "a multiple-choice question needs at least two answers")
        if len(self.block.reading.errors) > self.errors:
            return
        for index, found in enumerate(answers):
            self.lines[("options", index)] = self.block.line_of(found.offset)
        texts = [self.block.text(a.text, self.fmt) for a in answers]
        weights = [100.0 if a.marker == "=" else (a.weight or 0.0) for a in answers]
        if any(a.marker == "=" for a in answers):
            self._single(answers, texts, weights)
        else:
            self._multiple(answers, texts, weights)

    def _single(self, answers: list[Answer], texts: list[str], weights: list[float]) -> None:
        for text, weight in zip(texts, weights, strict=True):
            if weight not in (0, 100):
                return self.skip(
                    f"answer '{text}' has weight {_percent(weight)}: a single-choice question gives "
                    "full marks or none",
                    _single_fix(text, weight),
                )
        if weights.count(100) > 1:
            # `=<b onclick=...>` splits at the attribute's '=': one answer then ends inside a tag.
            in_tag = any(a.text.rfind("<") > a.text.rfind(">") for a in answers)
            hint = " (an '=' inside an HTML tag? write it \\=)" if in_tag else ""
            return self.skip(f"several answers are fully right: a single-choice question has one{hint}")
        if self.missing_word:
            if any(a.feedback for a in answers):
                self.note("feedback on the answers of a missing word is not kept")
            self.lines[("blanks", 0)] = self.lines[("options", 0)]
            right = texts[weights.index(100)]
            return self.add(self._cloze({"options": texts, "answer": right}))
        options = []
        for answer, text, weight in zip(answers, texts, weights, strict=True):
            option: dict[str, Any] = {"text": text}
            if weight == 100:
                option["correct"] = True
            feedback = self.feedback(answer.feedback)
            if feedback:
                option["feedback"] = feedback
            options.append(option)
        self.add({"type": "single_choice", "prompt": self.prompt(""), "options": options})

    def _multiple(self, answers: list[Answer], texts: list[str], weights: list[float]) -> None:
        right = [w for w in weights if w > 0]
        if not right:
            return self.block.error(
                answers[0].offset, "no answer earns marks: mark right answers with = or a positive %weight%"
            )
        if self.missing_word:
            return self.skip("a missing word takes one answer; this question lets the taker choose several")
        share, with_right = 100 / len(right), f"with {counted(len(right), 'right answer')}"
        for text, weight in zip(texts, weights, strict=True):
            if abs(abs(weight) - share) > TOLERANCE:
                return self.skip(
                    f"answer '{text}' has weight {_percent(weight)}: {with_right}"
                    f" our multiple choice gives {_percent(share)} for each right answer chosen and takes "
                    f"{_percent(share)} away for each wrong one",
                    _multiple_fix(len(right)),
                )
        options = []
        for answer, text, weight in zip(answers, texts, weights, strict=True):
            option: dict[str, Any] = {"text": text}
            if weight > 0:
                option["correct"] = True
            feedback = self.feedback(answer.feedback)
            if feedback:
                option["feedback"] = feedback
            options.append(option)
        self.add({"type": "multiple_choice", "prompt": self.prompt(""), "options": options})

    def short_answer(self, body: str, offset: int) -> None:
        head, answers = self.split(body, offset, "=")
        entries = ([head] if head is not None else []) + answers
        accepted: list[str] = []
        for found in entries:
            _, text = split_format(self.block.restore(found.text), self.fmt)
            text = text.strip()
            if not text:
                self.block.error(found.offset, "an empty answer")
                continue
            weight = 100.0 if found.weight is None else found.weight
            if found.feedback and found.feedback.strip():
                self.note("feedback on short-answer answers is not kept")
            if weight == 0:
                self.note(f"the 0% answer {text!r} is not kept (a wrong answer scores nothing anyway)")
                continue
            if weight != 100:
                return self.skip(
                    f"answer '{text}' has weight {_percent(weight)}: our short answers give full marks "
                    "or none",
                    f"remove %{_percent(weight)} to accept '{text}' fully, or remove the answer",
                )
            if _WILDCARD.search(text):
                return self.skip(
                    f"answer '{text}' uses Moodle's wildcard '*', which our short answers lack",
                    "write out each answer it stands for, or \\* for a star the answer must contain",
                )
            text = text.replace("\\*", "*")  # Moodle's short answers read \* as a star
            self.lines[("answers", len(accepted))] = self.block.line_of(found.offset)
            accepted.append(text)
        if len(self.block.reading.errors) > self.errors:
            return
        if not accepted:
            return self.skip("no answer earns full marks")
        exact = {"typo_tolerance": False, "accent_sensitive": True}  # as Moodle grades: only case is free
        if self.missing_word:
            self.lines[("blanks", 0)] = self.lines[("answers", 0)]
            return self.add(self._cloze({"answers": accepted, **exact}))
        self.add({"type": "short_answer", "prompt": self.prompt(""), "answers": accepted, **exact})

    def numeric(self, body: str, offset: int) -> None:
        tilde = body.find("~")
        if tilde != -1:
            _, _, wrong = body[tilde + 1 :].partition("#")
            if wrong.strip():
                self.note("the feedback for wrong numbers is not kept")
            body = body[:tilde]
        if not body.strip():
            return self.block.error(offset, "a numeric question needs an answer: {#2013} or {#2013:1}")
        head, answers = self.split(body, offset, "=")
        entries = ([head] if head is not None else []) + answers
        values: list[tuple[float, dict[str, Any], int, str]] = []
        for found in entries:
            if self.block.restore(found.text).strip().startswith("*"):  # Moodle's "any other number"
                self.note("the catch-all answer (*) is not kept (a wrong number scores nothing anyway)")
                continue
            value = self._number_answer(found)
            if value is not None:
                weight = 100.0 if found.weight is None else found.weight
                values.append((weight, value, found.offset, self.block.restore(found.text).strip()))
                if found.feedback and found.feedback.strip():
                    self.note("feedback on numeric answers is not kept")
        if len(self.block.reading.errors) > self.errors:
            return
        for weight, _, _, text in values:
            if weight not in (0, 100):
                return self.skip(
                    f"answer '{text}' has weight {_percent(weight)}: our numeric questions give full marks "
                    "or none",
                    f"remove the answer '{text}'",
                )
        full = [(value, at) for weight, value, at, _ in values if weight == 100]
        if len(full) != 1:
            return self.skip(
                f"{len(full)} answers earn full marks: a numeric question has one value or one range"
            )
        if len(values) > 1:
            self.note("answers worth 0% are not kept (a wrong number scores nothing anyway)")
        value, at = full[0]
        self.lines.update({(key,): self.block.line_of(at) for key in value})
        prompt = self.prompt("_____" if self.missing_word else "")
        self.add({"type": "numeric", "prompt": prompt, **value})

    def _number_answer(self, found: Answer) -> dict[str, Any] | None:
        text = self.block.restore(found.text).strip()
        if ".." in text[1:]:
            low, high = (part.strip() for part in text.split("..", 1))
            low_value, high_value = _number(low), _number(high)
            if _infinite(low_value, high_value):
                self.block.error(found.offset, f"{text!r} holds a number too large to use")
                return None
            if low_value is None or high_value is None:
                self.block.error(found.offset, f"{text!r} is not a range of numbers (write 1..5)")
                return None
            if low_value > high_value:
                self.block.error(found.offset, f"the range {text} is empty")
                return None
            return {"min": low_value, "max": high_value}
        value_text, colon, tolerance_text = text.partition(":")
        value = _number(value_text.strip())
        tolerance = _number(tolerance_text.strip()) if colon else None
        if _infinite(value, tolerance):
            self.block.error(found.offset, f"{text!r} holds a number too large to use")
            return None
        if value is None or (colon and tolerance is None):
            self.block.error(found.offset, f"{text!r} is not a number (write 2013, 2013:1 or 2010..2015)")
            return None
        if tolerance is not None and tolerance < 0:
            self.block.error(found.offset, f"the tolerance in {text!r} is negative")
            return None
        return {"answer": value} | ({"tolerance": tolerance} if colon else {})

    def matching(self, body: str, offset: int) -> None:
        head, answers = self.split(body, offset, "=")
        if head is not None:
            self.block.error(head.offset, f"unexpected text {head.text.strip()[:40]!r}: pairs start with =")
        if len(answers) < 2:
            self.block.error(offset, "a matching question needs at least two pairs (=left -> right)")
        pairs, distractors = [], []
        for found in answers:
            raw = found.text + (f"#{found.feedback}" if found.feedback is not None else "")
            if found.weight is not None:
                self.block.error(found.offset, "matching pairs take no weight")
            if "->" not in raw:
                self.block.error(found.offset, f"a pair needs '->' between its sides: {raw.strip()[:40]!r}")
                continue
            left, right = raw.split("->", 1)
            left_text, right_text = self.block.text(left, self.fmt), self.block.restore(right).strip()
            if not right_text:
                self.block.error(found.offset, "a pair needs a right side after '->'")
            elif left_text:
                self.lines[("pairs", len(pairs))] = self.block.line_of(found.offset)
                pairs.append({"left": left_text, "right": right_text})
            else:
                self.lines[("distractors", len(distractors))] = self.block.line_of(found.offset)
                distractors.append(right_text)
        record: dict[str, Any] = {
            "type": "matching",
            "prompt": self.prompt("_____" if self.missing_word else ""),
            "pairs": pairs,
        }
        if distractors:
            record["distractors"] = distractors
        self.add(record)

    def _cloze(self, blank: dict[str, Any]) -> dict[str, Any]:
        return {"type": "cloze", "prompt": CLOZE_PROMPT, "text": self.prompt("{{1}}"), "blanks": [blank]}


def _single_fix(text: str, weight: float) -> str:
    """How to write a single-choice answer of partial `weight` so that the question imports."""
    if weight < 0:
        return f"remove %{_percent(weight)} from '{text}': a wrong answer scores nothing"
    return f"remove %{_percent(weight)} to make '{text}' wrong, or make it the one right answer with ="


def _multiple_fix(right: int) -> str:
    """The weights that import a multiple-answer question with `right` right answers."""
    share = _percent(100 / right)
    if right == 1:
        return (
            f"give the right answer %{share} and each wrong answer %-{share}, "
            "or mark the right answer with = to make it single choice"
        )
    return f"give each right answer %{share} and each wrong answer %-{share}"


def _infinite(*values: int | float | None) -> bool:
    """Whether a number overflowed (1e999 reads as infinity, which would make any answer right)."""
    return any(isinstance(v, float) and not math.isfinite(v) for v in values)


def _number(text: str) -> int | float | None:
    if not _NUMBER.match(text):
        return None
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def _percent(weight: float) -> str:
    return f"{weight:.5f}".rstrip("0").rstrip(".") + "%"
