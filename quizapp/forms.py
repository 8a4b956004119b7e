"""Forms shared by several pages (answer forms live in answer_forms.py)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None


def choices(pairs: Any) -> list[Any]:
    """(value, label) pairs as WTForms choices; WTForms 3.3 deprecates plain tuples."""
    if SelectChoice is None:  # WTForms < 3.3 takes the tuples themselves
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def takes_focus() -> bool:
    """True for the first caller in a request: templates ask it for each field shown with a
    message, so the first of them in the page gets `autofocus`. A form refused without scripts
    otherwise came back with focus at the top of the page (static/focus.js does this when they run)."""
    if request.environ.get(FOCUS_TAKEN):  # the request's, not `g`: an app context can outlive it
        return False
    request.environ[FOCUS_TAKEN] = True
    return True


FOCUS_TAKEN = "quizapp.focus_taken"


class ButtonForm(FlaskForm):
    """A form with nothing but its CSRF token, for POST buttons."""


class PractiseForm(FlaskForm):
    topics = SelectMultipleField(
        "Topics", widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    facts = SelectMultipleField("Facts")
    count = IntegerField(
        "Number of questions",
        default=10,
        validators=[InputRequired("Enter a number of questions."), NumberRange(1, 50)],
    )

    def validate_topics(self, field: Any) -> None:
        if not field.data and not self.facts.data:
            raise ValidationError("Pick at least one topic or fact.")
