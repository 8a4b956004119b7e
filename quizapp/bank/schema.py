"""The shape of a bank file: one pydantic model per block, strict and closed.

Structural rules live here (types, required keys, unknown keys, per-type answer
data). Rules that need more than one record (ids, references, coverage) live in
`validate.py`. Both are the single source of truth for the checker, the loader
and, later, the teacher's web form.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,79}$"
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Number = int | float
Difficulty = Literal["easy", "medium", "hard"]
MOMENT_FORMAT = "%Y-%m-%d %H:%M"


def _moment(value: str) -> str:
    """A UTC date and time written YYYY-MM-DD HH:MM (text, as every date in a bank file).

    Years before 1970 are refused: no quiz opens then, "0226" is a slip for "2026", and years
    below 1000 would be written back without their leading zero, which could not be read again.
    """
    try:
        parsed = datetime.strptime(value, MOMENT_FORMAT)
    except ValueError:
        raise ValueError("expected a UTC date and time written YYYY-MM-DD HH:MM") from None
    if parsed.year < 1970:
        raise ValueError(f"the year {parsed.year} is too early: expected 1970 or later")
    return parsed.strftime(MOMENT_FORMAT)


Moment = Annotated[str, AfterValidator(_moment)]


def moment(value: str | None) -> datetime | None:
    """A bank Moment as an aware UTC datetime."""
    return datetime.strptime(value, MOMENT_FORMAT).replace(tzinfo=UTC) if value else None


class Closed(BaseModel):
    """A mapping whose unknown keys are errors and whose values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _distinct(values: list[str], what: str) -> list[str]:
    seen: set[str] = set()
    for value in values:
        key = value.casefold()
        if key in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(key)
    return values


# --- source, facts, topics ---------------------------------------------------


class Section(Closed):
    id: Id
    title: ShortText


class Source(Closed):
    id: Id
    title: ShortText
    origin: Text = Field(description="URL or citation of the source document")
    licence: ShortText
    sections: list[Section] = Field(min_length=1)

    @field_validator("sections")
    @classmethod
    def _sections_distinct(cls, sections: list[Section]) -> list[Section]:
        _distinct([s.id for s in sections], "section id")
        return sections


class Fact(Closed):
    id: Id
    section: Id
    statement: Text
    draft: bool = Field(default=False, description="drafted by an import, for a teacher to review")


class Topic(Closed):
    id: Id
    title: ShortText
    description: Text | None = None


# --- questions ------------------------------------------------------------------


class QuestionBase(Closed):
    id: Id
    prompt: Text
    explanation: Text
    facts: list[Id] = Field(min_length=1)
    topics: list[Id] = Field(default_factory=list)
    difficulty: Difficulty = "medium"
    marks: Number = Field(default=1, gt=0, le=100)

    @field_validator("facts", "topics")
    @classmethod
    def _ids_distinct(cls, ids: list[str]) -> list[str]:
        return _distinct(ids, "id")


class Option(Closed):
    text: ShortText
    correct: bool = False
    feedback: Text | None = None


def _options_distinct(options: list[Option]) -> list[Option]:
    _distinct([o.text for o in options], "option")
    return options


class SingleChoice(QuestionBase):
    type: Literal["single_choice"]
    options: list[Option] = Field(min_length=3, max_length=6)

    @field_validator("options")
    @classmethod
    def _one_correct(cls, options: list[Option]) -> list[Option]:
        _options_distinct(options)
        correct = sum(o.correct for o in options)
        if correct != 1:
            raise ValueError(f"exactly one option must be correct, found {correct}")
        return options


class MultipleChoice(QuestionBase):
    type: Literal["multiple_choice"]
    options: list[Option] = Field(min_length=3, max_length=8)

    @field_validator("options")
    @classmethod
    def _some_correct(cls, options: list[Option]) -> list[Option]:
        _options_distinct(options)
        if not any(o.correct for o in options):
            raise ValueError("at least one option must be correct")
        return options


class TrueFalse(QuestionBase):
    type: Literal["true_false"]
    answer: bool
    true_feedback: Text | None = None
    false_feedback: Text | None = None


class TextMatching(Closed):
    """How typed answers are compared (shared by short answers and cloze blanks)."""

    case_sensitive: bool = False
    accent_sensitive: bool = False
    typo_tolerance: bool = True


class ShortAnswer(QuestionBase):
    type: Literal["short_answer"]
    answers: list[ShortText] = Field(min_length=1, max_length=20)
    case_sensitive: bool = False
    accent_sensitive: bool = False
    typo_tolerance: bool = True

    @field_validator("answers")
    @classmethod
    def _answers_distinct(cls, answers: list[str]) -> list[str]:
        return _distinct(answers, "answer")


class Numeric(QuestionBase):
    type: Literal["numeric"]
    answer: Number | None = None
    tolerance: Number | None = Field(default=None, ge=0)
    min: Number | None = None
    max: Number | None = None
    unit: ShortText | None = None

    @field_validator("max")
    @classmethod
    def _range_not_empty(cls, value: Number | None, info: ValidationInfo) -> Number | None:
        low = info.data.get("min")
        if value is not None and low is not None and low > value:
            raise ValueError(f"the range {low}..{value} is empty")
        return value

    @model_validator(mode="after")
    def _value_or_range(self) -> Numeric:
        has_range = self.min is not None or self.max is not None
        if self.answer is None and not has_range:
            raise ValueError("give either answer (with an optional tolerance) or min and max")
        if self.answer is not None and has_range:
            raise ValueError("give either answer or min and max, not both")
        if has_range:
            if self.min is None or self.max is None:
                raise ValueError("a range needs both min and max")
            if self.tolerance is not None:
                raise ValueError("tolerance applies to answer, not to a range")
        return self


class Ordering(QuestionBase):
    type: Literal["ordering"]
    items: list[ShortText] = Field(min_length=3, max_length=7, description="in the right order")

    @field_validator("items")
    @classmethod
    def _items_distinct(cls, items: list[str]) -> list[str]:
        return _distinct(items, "item")


class Pair(Closed):
    left: ShortText
    right: ShortText


class Matching(QuestionBase):
    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=3, max_length=8)
    distractors: list[ShortText] = Field(default_factory=list, max_length=8)

    @field_validator("pairs")
    @classmethod
    def _sides_distinct(cls, pairs: list[Pair]) -> list[Pair]:
        _distinct([p.left for p in pairs], "left side")
        _distinct([p.right for p in pairs], "right side")
        return pairs

    @field_validator("distractors")
    @classmethod
    def _distractors_distinct(cls, distractors: list[str], info: ValidationInfo) -> list[str]:
        rights = [p.right for p in info.data.get("pairs", [])]
        _distinct(distractors, "distractor")
        for distractor in distractors:
            if distractor.casefold() in {r.casefold() for r in rights}:
                raise ValueError(f"distractor {distractor!r} is also a right side of a pair")
        return distractors


class Blank(Closed):
    """A gap in a cloze passage: free text (`answers`) or a choice (`options` + `answer`)."""

    answers: list[ShortText] | None = Field(default=None, min_length=1, max_length=20)
    options: list[ShortText] | None = Field(default=None, min_length=2, max_length=8)
    answer: ShortText | None = None
    case_sensitive: bool = False
    accent_sensitive: bool = False
    typo_tolerance: bool = True

    @model_validator(mode="after")
    def _one_kind(self) -> Blank:
        if self.answers is not None:
            if self.options is not None or self.answer is not None:
                raise ValueError("a blank has either answers (free text) or options and answer")
            _distinct(self.answers, "answer")
        elif self.options is not None:
            _distinct(self.options, "option")
            if self.answer is None:
                raise ValueError("a choice blank needs answer, one of its options")
            if self.answer not in self.options:
                raise ValueError(f"answer {self.answer!r} is not one of the options")
        else:
            raise ValueError("a blank needs answers (free text) or options and answer")
        return self

    @property
    def kind(self) -> str:
        return "text" if self.answers is not None else "choice"


class Cloze(QuestionBase):
    type: Literal["cloze"]
    text: Text = Field(description="passage with blanks written {{1}}, {{2}}, ...")
    blanks: list[Blank] = Field(min_length=1, max_length=20)

    @field_validator("blanks")
    @classmethod
    def _blanks_match_text(cls, blanks: list[Blank], info: ValidationInfo) -> list[Blank]:
        text = info.data.get("text")
        if text is None:
            return blanks
        numbers = [int(n) for n in PLACEHOLDER.findall(text)]
        if sorted(numbers) != list(range(1, len(blanks) + 1)):
            found = ", ".join(f"{{{{{n}}}}}" for n in numbers) or "none"
            raise ValueError(
                f"the text must hold each of {{{{1}}}}..{{{{{len(blanks)}}}}} exactly once "
                f"for its {len(blanks)} blank(s); it holds {found}"
            )
        return blanks


QUESTION_TYPES: dict[str, type[QuestionBase]] = {
    "single_choice": SingleChoice,
    "multiple_choice": MultipleChoice,
    "true_false": TrueFalse,
    "short_answer": ShortAnswer,
    "numeric": Numeric,
    "ordering": Ordering,
    "matching": Matching,
    "cloze": Cloze,
}

Question = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | ShortAnswer | Numeric | Ordering | Matching | Cloze,
    Field(discriminator="type"),
]

# --- quizzes --------------------------------------------------------------------


class Selection(Closed):
    """Which questions a quiz draws from; the criteria combine with AND."""

    topics: list[Id] | None = None
    facts: list[Id] | None = None
    difficulty: list[Difficulty] | None = None
    questions: list[Id] | None = Field(default=None, description="an explicit ordered list")

    @model_validator(mode="after")
    def _not_empty(self) -> Selection:
        if self.questions is not None and (self.topics or self.facts or self.difficulty):
            raise ValueError("an explicit question list cannot be combined with other criteria")
        for name in ("topics", "facts", "difficulty", "questions"):
            values = getattr(self, name)
            if values is not None:
                if not values:
                    raise ValueError(f"{name} is empty")
                _distinct(list(values), name.rstrip("s") if name != "difficulty" else "difficulty")
        return self


class Quiz(Closed):
    id: Id
    title: ShortText
    description: Text | None = None
    select: Selection = Field(default_factory=Selection)
    count: int | None = Field(default=None, ge=1, le=500)
    order: Literal["shuffled", "fixed"] = "shuffled"
    mode: Literal["practice", "exam"] = "practice"
    time_limit: int | None = Field(default=None, ge=1, le=24 * 60, description="minutes")
    attempts: int | None = Field(default=None, ge=1, le=100, description="attempts allowed per taker")
    updates_review: bool = Field(default=False, description="exam answers also update the review schedule")
    shuffle_options: bool = Field(default=True, description="show choices in a new order for each attempt")
    feedback: Literal["immediate", "after_submit"] = Field(
        default="immediate", description="practice mode: grade each answer at once, or only on submitting"
    )
    show_answers: Literal["after_submit", "after_close", "never"] = Field(
        default="after_submit", description="when the review shows right answers and explanations"
    )
    opens_at: Moment | None = Field(default=None, description="UTC, YYYY-MM-DD HH:MM")
    closes_at: Moment | None = Field(default=None, description="UTC, YYYY-MM-DD HH:MM")

    @field_validator("time_limit", "attempts")
    @classmethod
    def _only_for_exams(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("mode", "practice") != "exam":
            raise ValueError(f"{info.field_name} applies to exam mode only (add mode: exam)")
        return value

    @field_validator("updates_review")
    @classmethod
    def _only_exams_opt_in(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("mode", "practice") != "exam":
            raise ValueError("updates_review applies to exam mode only (practice answers always update it)")
        return value

    @field_validator("feedback")
    @classmethod
    def _feedback_for_practice(cls, value: str, info: ValidationInfo) -> str:
        if value != "immediate" and info.data.get("mode", "practice") != "practice":
            raise ValueError("feedback applies to practice mode only (exams give none until submitted)")
        return value

    @model_validator(mode="after")
    def _answers_and_dates(self) -> Quiz:
        if self.show_answers != "after_submit" and self.mode == "practice" and self.feedback == "immediate":
            raise ValueError(
                f"show_answers: {self.show_answers} needs feedback: after_submit in practice mode "
                "(practice feedback shows the right answer at once)"
            )
        if self.show_answers == "after_close" and self.closes_at is None:
            raise ValueError("show_answers: after_close needs a closes_at date")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be later than opens_at")
        return self


# --- the file -----------------------------------------------------------------------


class BankFile(Closed):
    source: Source | Id = Field(description="the source document, or the id of one defined in another file")
    facts: list[Fact] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    quizzes: list[Quiz] = Field(default_factory=list)

    @property
    def source_id(self) -> str:
        return self.source if isinstance(self.source, str) else self.source.id
