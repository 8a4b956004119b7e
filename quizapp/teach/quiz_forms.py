"""The quiz builder's form: what a teacher types, turned into a bank file's mapping of one quiz.

The form checks nothing about quizzes itself: numbers and dates go to the schema as typed,
so that the messages beside the fields are the ones `quizapp check` gives.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..bank import schema
from ..forms import choices


class QuizForm(FlaskForm):
    source = SelectField("Bank (source) the quiz draws from", validate_choice=False)
    id = StringField("Id (leave blank to make one from the title)")
    # The version the page showed: a save over a newer one is refused (services/stale.py).
    opened_version = HiddenField()
    title = StringField("Title")
    description = TextAreaField("Description (optional)")
    kind = RadioField(
        "Questions",
        choices=choices(
            [("criteria", "By topic, fact and difficulty"), ("questions", "Hand-picked, in order")]
        ),
        default="criteria",
    )
    topics = SelectMultipleField(
        "Topics", widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    facts = SelectMultipleField("Facts", widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    difficulty = SelectMultipleField(
        "Difficulty",
        choices=choices([("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")]),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    questions = TextAreaField("Question ids, one per line, in the order they are asked")
    count = StringField("How many to draw (blank: all)")
    order = RadioField(
        "Question order",
        choices=choices([("shuffled", "Shuffled"), ("fixed", "As listed")]),
        default="shuffled",
    )
    shuffle_options = BooleanField("Shuffle the choices of each question", default=True)
    mode = RadioField(
        "Mode", choices=choices([("practice", "Practice"), ("exam", "Exam")]), default="practice"
    )
    feedback = RadioField(
        "Practice feedback",
        choices=choices(
            [("immediate", "As each answer is checked"), ("after_submit", "Only after submitting")]
        ),
        default="immediate",
    )
    show_answers = RadioField(
        "Right answers in the review",
        choices=choices(
            [
                ("after_submit", "After submitting"),
                ("after_close", "After the closing date"),
                ("never", "Never"),
            ]
        ),
        default="after_submit",
    )
    time_limit = StringField("Time limit in minutes (exam mode)")
    attempts = StringField("Attempts allowed per taker (exam mode)")
    updates_review = BooleanField("Exam answers also update the review schedule")
    opens_at = StringField("Opens at (UTC, YYYY-MM-DD HH:MM)")
    closes_at = StringField("Closes at (UTC, YYYY-MM-DD HH:MM)")

    def question_keys(self) -> list[str]:
        """The hand-picked ids as typed: one per line or separated by commas or spaces."""
        return [key for key in re.split(r"[\s,]+", self.questions.data or "") if key]

    def record_data(self, key: str) -> dict[str, Any]:
        """The quiz as a bank file's mapping, with numbers and dates as typed (the schema judges them)."""
        data: dict[str, Any] = {"id": key, "title": self.title.data or ""}
        if (self.description.data or "").strip():
            data["description"] = self.description.data
        if self.kind.data == "questions":
            data["select"] = {"questions": self.question_keys()}
        else:
            chosen = {name: getattr(self, name).data for name in ("topics", "facts", "difficulty")}
            data["select"] = {name: values for name, values in chosen.items() if values}
        for name in ("count", "time_limit", "attempts"):
            typed = (getattr(self, name).data or "").strip()
            if typed:
                data[name] = int(typed) if re.fullmatch(r"-?[0-9]{1,9}", typed) else typed
        for name in ("opens_at", "closes_at"):
            typed = (getattr(self, name).data or "").strip()
            if typed:
                data[name] = typed.replace("T", " ")  # what a datetime-local control sends
        data.update(order=self.order.data, mode=self.mode.data, show_answers=self.show_answers.data)
        data["shuffle_options"] = bool(self.shuffle_options.data)
        if self.mode.data == "practice":
            data["feedback"] = self.feedback.data
        if self.updates_review.data:
            data["updates_review"] = True
        return data

    def fill(self, record: schema.Quiz, source_key: str) -> None:
        """Start the form from a quiz record (for editing)."""
        select = record.select
        self.source.data, self.id.data, self.title.data = source_key, record.id, record.title
        self.description.data = record.description or ""
        self.kind.data = "questions" if select.questions is not None else "criteria"
        self.topics.data, self.facts.data = list(select.topics or []), list(select.facts or [])
        self.difficulty.data = list(select.difficulty or [])
        self.questions.data = "\n".join(select.questions or [])
        for name in ("count", "time_limit", "attempts", "opens_at", "closes_at"):
            value = getattr(record, name)
            getattr(self, name).data = "" if value is None else str(value)
        for name in ("order", "mode", "feedback", "show_answers", "shuffle_options", "updates_review"):
            getattr(self, name).data = getattr(record, name)
