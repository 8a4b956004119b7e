"""Forms for sources and facts edited in the browser. The rules are the bank's, not these fields'."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField


class SourceForm(FlaskForm):
    key = StringField("Id")
    title = StringField("Title")
    origin = TextAreaField("Origin (URL or citation)")
    licence = StringField("Licence")
    sections = TextAreaField("Sections")
    save = SubmitField("Save the source")
    # The version the page showed: a save over a newer one is refused (services/stale.py).
    opened_version = HiddenField()


class FactForm(FlaskForm):
    key = StringField("Id")
    # Any value is sent on to the bank's check, which says what is wrong with it.
    section = SelectField("Section", validate_choice=False)
    statement = TextAreaField("Statement")
    save = SubmitField("Save the fact")
    opened_version = HiddenField()
