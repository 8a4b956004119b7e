"""Forms of the teacher area's listings: GET filters (no CSRF) and POST buttons."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Form, SearchField, SelectField, StringField

from ..bank.schema import QUESTION_TYPES
from ..forms import choices as options

STATUSES = options([("active", "Active"), ("retired", "Retired"), ("all", "All")])
ORIGINS = options([("", "Any"), ("file", "A bank file"), ("web", "The browser")])
DIFFICULTIES = options([("", "Any"), ("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")])


class QuestionFilterForm(Form):
    """The question listing's filters, read from the query string."""

    text = SearchField("Search prompt and id")
    type = SelectField(
        "Type", choices=options([("", "Any"), *[(t, t.replace("_", " ")) for t in QUESTION_TYPES]])
    )
    topic = SelectField("Topic", choices=options([("", "Any")]))
    fact = StringField("Fact id")
    difficulty = SelectField("Difficulty", choices=DIFFICULTIES)
    status = SelectField("Status", choices=STATUSES, default="active")
    origin = SelectField("Origin", choices=ORIGINS)


class FactFilterForm(Form):
    """The fact listing's filters, read from the query string."""

    text = SearchField("Search statement and id")
    source = SelectField("Source", choices=options([("", "Any")]))
    section = StringField("Section id")
    draft = BooleanField("Drafts only")
    status = SelectField("Status", choices=STATUSES, default="active")
    origin = SelectField("Origin", choices=ORIGINS)


def valid_values(form: Form) -> dict[str, Any]:
    """The filter values, with any that are not valid choices dropped (a bad link filters nothing)."""
    form.validate()
    return {name: field.data for name, field in form._fields.items() if not field.errors}
