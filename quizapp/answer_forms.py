"""One WTForms answer form per question type, built for a slot's fixed display order.

Fields post display positions ("0", "1", ...), which `response_from` maps back to the
bank's indices through the slot's layout; `initial_values` maps a saved response the
other way so a revisited page shows what was saved.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import Label
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import grading
from .forms import choices as _choices  # `choices` is a field's name here


class CheckboxGroupField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """As a radio group or a select says it (WTForms' own message repeats what was posted)."""
        offered = {str(value) for value, *_ in self.iter_choices()}
        if any(str(value) not in offered for value in self.data or []):
            raise ValidationError("Not a valid choice.")


class AnswerForm(FlaskForm):
    """Common fields: the page's sequence number and the flag (the page's buttons post `go`)."""

    seq = HiddenField()
    flag = BooleanField("Flag this question for later")

    _answer_names: list[str] = []

    def answer_fields(self) -> list[Field]:
        return [self[name] for name in self._answer_names]


def build_form(
    qtype: str,
    data: dict[str, Any],
    layout: dict[str, Any],
    formdata: Any = None,
    initial: dict[str, Any] | None = None,
    **options: Any,
) -> AnswerForm:
    """The answer form for this question and display order, bound to `formdata`.

    Form classes are made once per shape (type and number of fields) and kept; what
    depends on the question and its display order (labels, choices) is set per form.
    `options` go to the form (the teacher's preview nests one, prefixed and without CSRF).
    """
    form = _form_class(_shape(qtype, data))(formdata=formdata, data=initial, **options)
    if qtype in ("single_choice", "multiple_choice"):
        options = data["options"]
        form.answer_fields()[0].choices = _choices(
            (str(d), options[o]["text"]) for d, o in enumerate(layout["options"])
        )
    elif qtype == "ordering":
        for d, item in enumerate(layout["items"]):
            _relabel(form[f"position_{d}"], data["items"][item])
    elif qtype == "matching":
        rights = [p["right"] for p in data["pairs"]] + list(data.get("distractors") or [])
        choices = _choices(
            [("", "Choose a match")] + [(str(d), rights[r]) for d, r in enumerate(layout["rights"])]
        )
        for d, pair in enumerate(layout["lefts"]):
            field = form[f"match_{d}"]
            _relabel(field, data["pairs"][pair]["left"])
            field.choices = choices
    elif qtype == "cloze":
        for i, blank in enumerate(data["blanks"]):
            if blank.get("options"):
                order = layout["blanks"][i]
                form[f"blank_{i}"].choices = _choices(
                    [("", "Choose")] + [(str(d), blank["options"][o]) for d, o in enumerate(order)]
                )
    form.qtype, form.question_data, form.layout = qtype, data, layout
    return form


def _shape(qtype: str, data: dict[str, Any]) -> tuple[Any, ...]:
    """What a form class depends on: the type and its fields (not their labels or choices)."""
    if qtype == "numeric":
        return (qtype, data.get("unit"))
    if qtype == "ordering":
        return (qtype, len(data["items"]))
    if qtype == "matching":
        return (qtype, len(data["pairs"]))
    if qtype == "cloze":
        return (qtype, tuple(bool(blank.get("options")) for blank in data["blanks"]))
    return (qtype,)


def _relabel(field: Field, text: str) -> None:
    field.label = Label(field.id, text)


@lru_cache(maxsize=256)
def _form_class(shape: tuple[Any, ...]) -> type[AnswerForm]:
    """A form class per shape; building one costs more than filling in a form."""
    qtype = shape[0]
    fields: dict[str, Field] = {}
    if qtype == "single_choice":
        fields["choice"] = RadioField(
            "Choose one answer", choices=None, validators=[Optional()], validate_choice=True
        )
    elif qtype == "multiple_choice":
        fields["choices"] = CheckboxGroupField(
            "Choose all answers that apply", choices=None, validators=[Optional()]
        )
    elif qtype == "true_false":
        fields["answer"] = RadioField(
            "True or false?",
            choices=_choices([("true", "True"), ("false", "False")]),
            validators=[Optional()],
        )
    elif qtype == "short_answer":
        fields["text"] = StringField("Your answer", validators=[Optional(), Length(max=500)])
    elif qtype == "numeric":
        unit = shape[1]
        fields["text"] = StringField(
            "Your answer" + (f" (in {unit})" if unit else ""),
            validators=[Optional(), Length(max=100), _number_check(unit)],
        )
    elif qtype == "ordering":
        n = shape[1]
        choices = _choices([("", "Choose a position")] + [(str(p), str(p)) for p in range(1, n + 1)])
        for d in range(n):
            fields[f"position_{d}"] = SelectField("", choices=choices, validators=[Optional()])
    elif qtype == "matching":
        for d in range(shape[1]):
            fields[f"match_{d}"] = SelectField("", choices=None, validators=[Optional()])
    elif qtype == "cloze":
        for i, has_options in enumerate(shape[1]):
            label = f"Blank {i + 1}"
            if has_options:
                fields[f"blank_{i}"] = SelectField(label, choices=None, validators=[Optional()])
            else:
                fields[f"blank_{i}"] = StringField(label, validators=[Optional(), Length(max=200)])
    else:
        raise KeyError(qtype)
    name = f"{qtype.title().replace('_', '')}Form"
    return type(name, (AnswerForm,), {**fields, "_answer_names": list(fields)})


def _number_check(unit: str | None):
    def check(_form: Any, field: Field) -> None:
        if field.data and field.data.strip():
            try:
                grading.grade(
                    "numeric",
                    {"answer": 0, "tolerance": None, "min": None, "max": None, "unit": unit},
                    {"text": field.data},
                )
            except grading.InvalidResponse as error:
                raise ValidationError(str(error)) from error

    return check


def typed(text: str | None) -> str:
    """A typed answer as kept: control characters (which no key types: a bell, an escape
    sequence pasted from a terminal) become spaces, and surrounding space goes."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text or "").strip()


def response_from(form: AnswerForm) -> dict[str, Any] | None:
    """The response in the grader's terms, or None when nothing was answered.

    Raises ValidationError (with the field name in `.field`) for a response that cannot stand,
    such as two items put in the same position.
    """
    qtype, data, layout = form.qtype, form.question_data, form.layout
    if qtype == "single_choice":
        choice = _offered(form, "choice", form.choice.data, len(layout["options"]))
        return None if choice is None else {"choice": layout["options"][choice]}
    if qtype == "multiple_choice":
        count = len(layout["options"])
        # A set: a value posted many times (190,000 in one tampered POST) counts, and is kept, once.
        chosen = {_offered(form, "choices", value, count) for value in form.choices.data or []} - {None}
        return {"choices": sorted(layout["options"][d] for d in chosen)} if chosen else None
    if qtype == "true_false":
        value = form.answer.data
        return None if value not in ("true", "false") else {"answer": value == "true"}
    if qtype in ("short_answer", "numeric"):
        text = typed(form.text.data)
        return {"text": text} if text else None
    if qtype == "ordering":
        count = len(layout["items"])
        positions = {
            d: _offered(form, f"position_{d}", form[f"position_{d}"].data, count + 1, first=1)
            for d in range(count)
        }
        if all(p is None for p in positions.values()):
            return None
        taken: dict[int, int] = {}
        for d, position in positions.items():
            if position is None:
                raise _field_error(form, f"position_{d}", "Give every item a position.")
            if position in taken:
                message = (
                    f"Position {position} is given to more than one item: "
                    "give each item a position of its own."
                )
                raise _field_error(form, f"position_{d}", message)
            taken[position] = d
        return {"order": [layout["items"][taken[p]] for p in range(1, count + 1)]}
    if qtype == "matching":
        matches: list[int | None] = [None] * len(data["pairs"])
        for d, pair in enumerate(layout["lefts"]):
            match = _offered(form, f"match_{d}", form[f"match_{d}"].data, len(layout["rights"]))
            if match is not None:
                matches[pair] = layout["rights"][match]
        return {"matches": matches} if any(m is not None for m in matches) else None
    if qtype == "cloze":
        blanks = []
        for i, blank in enumerate(data["blanks"]):
            value = typed(form[f"blank_{i}"].data)
            if blank.get("options"):
                option = _offered(form, f"blank_{i}", value, len(blank["options"]))
                value = "" if option is None else blank["options"][layout["blanks"][i][option]]
            blanks.append(value)
        return {"blanks": blanks} if any(blanks) else None
    raise KeyError(qtype)


def _offered(form: AnswerForm, name: str, value: Any, end: int, first: int = 0) -> int | None:
    """A posted choice as the number it names (from `first` up to `end`, excluded), None for none
    (nothing, or only spaces: what Optional() lets through); anything else is refused, whether or
    not the form was validated first (the teacher's preview is not)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or text == "None":
        return None
    if not (text.isascii() and text.isdecimal()) or not first <= int(text) < end:
        raise _field_error(form, name, "Not a valid choice.")
    return int(text)


def unanswered_parts(form: AnswerForm, response: dict[str, Any] | None) -> tuple[str, int, int] | None:
    """For a response that leaves some of its parts empty (cloze blanks, matching pairs): the
    name of the first empty field, how many are empty and how many there are; else None."""
    if response is None:
        return None
    if form.qtype == "cloze":
        names = [f"blank_{i}" for i in range(len(response["blanks"]))]
        empty = [not blank for blank in response["blanks"]]
    elif form.qtype == "matching":
        names = [f"match_{d}" for d in range(len(form.layout["lefts"]))]
        empty = [response["matches"][pair] is None for pair in form.layout["lefts"]]
    else:
        return None
    if not any(empty):
        return None
    return names[empty.index(True)], sum(empty), len(empty)


def _field_error(form: AnswerForm, name: str, message: str) -> ValidationError:
    form[name].errors = [*form[name].errors, message]
    error = ValidationError(message)
    error.field = name
    return error


def initial_values(
    qtype: str, data: dict[str, Any], layout: dict[str, Any], response: dict[str, Any] | None
) -> dict[str, Any]:
    """Form data that shows a saved response again, in display positions."""
    if not response:
        return {}

    def display(order: list[int], original: int) -> str:
        return str(order.index(original))

    if qtype == "single_choice":
        return {"choice": display(layout["options"], response["choice"])}
    if qtype == "multiple_choice":
        return {"choices": [display(layout["options"], c) for c in response["choices"]]}
    if qtype == "true_false":
        return {"answer": "true" if response["answer"] else "false"}
    if qtype in ("short_answer", "numeric"):
        return {"text": response["text"]}
    if qtype == "ordering":
        return {
            f"position_{layout['items'].index(item)}": str(p)
            for p, item in enumerate(response["order"], start=1)
        }
    if qtype == "matching":
        return {
            f"match_{d}": display(layout["rights"], response["matches"][pair])
            for d, pair in enumerate(layout["lefts"])
            if response["matches"][pair] is not None
        }
    if qtype == "cloze":
        values = {}
        for i, (blank, value) in enumerate(zip(data["blanks"], response["blanks"], strict=False)):
            if blank.get("options") and value in blank["options"]:
                values[f"blank_{i}"] = display(layout["blanks"][i], blank["options"].index(value))
            else:
                values[f"blank_{i}"] = value
        return values
    return {}
