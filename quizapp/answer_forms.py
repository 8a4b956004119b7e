"""One WTForms answer form per question type, built for a slot's fixed display order.

Fields post display positions ("0", "1", ...), which `response_from` maps back to the
bank's indices through the slot's layout; `initial_values` maps a saved response the
other way so a revisited page shows what was saved.
"""

from __future__ import annotations

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
    SubmitField,
)
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import grading

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None


class CheckboxGroupField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AnswerForm(FlaskForm):
    """Common fields: the page's sequence number and the taker's navigation choice."""

    seq = HiddenField()
    flag = BooleanField("Flag this question for later")
    action = SubmitField()  # replaced per page by named buttons in the template

    def answer_fields(self) -> list[Field]:
        return [getattr(self, name) for name in getattr(self, "_answer_names", [])]


def build_form(
    qtype: str,
    data: dict[str, Any],
    layout: dict[str, Any],
    formdata: Any = None,
    initial: dict[str, Any] | None = None,
) -> AnswerForm:
    """A form class made for this question and display order, bound to `formdata`."""
    attrs: dict[str, Any] = {}
    names: list[str] = []

    def add(name: str, field: Field) -> None:
        attrs[name] = field
        names.append(name)

    if qtype in ("single_choice", "multiple_choice"):
        options = _choices((str(d), data["options"][o]["text"]) for d, o in enumerate(layout["options"]))
    if qtype == "single_choice":
        add(
            "choice",
            RadioField(
                "Choose one answer",
                choices=options,
                validators=[Optional()],
                validate_choice=True,
            ),
        )
    elif qtype == "multiple_choice":
        add(
            "choices",
            CheckboxGroupField(
                "Choose all answers that apply",
                choices=options,
                validators=[Optional()],
            ),
        )
    elif qtype == "true_false":
        add(
            "answer",
            RadioField(
                "True or false?",
                choices=_choices([("true", "True"), ("false", "False")]),
                validators=[Optional()],
            ),
        )
    elif qtype == "short_answer":
        add("text", StringField("Your answer", validators=[Optional(), Length(max=500)]))
    elif qtype == "numeric":
        add(
            "text",
            StringField(
                "Your answer" + (f" (in {data['unit']})" if data.get("unit") else ""),
                validators=[Optional(), Length(max=100), _number_check(data.get("unit"))],
            ),
        )
    elif qtype == "ordering":
        n = len(data["items"])
        choices = _choices([("", "Choose a position")] + [(str(p), str(p)) for p in range(1, n + 1)])
        for d, item in enumerate(layout["items"]):
            add(f"position_{d}", SelectField(data["items"][item], choices=choices, validators=[Optional()]))
    elif qtype == "matching":
        rights = [p["right"] for p in data["pairs"]] + list(data.get("distractors") or [])
        choices = _choices(
            [("", "Choose a match")] + [(str(d), rights[r]) for d, r in enumerate(layout["rights"])]
        )
        for d, pair in enumerate(layout["lefts"]):
            add(
                f"match_{d}",
                SelectField(data["pairs"][pair]["left"], choices=choices, validators=[Optional()]),
            )
    elif qtype == "cloze":
        for i, blank in enumerate(data["blanks"]):
            label = f"Blank {i + 1}"
            if blank.get("options"):
                order = layout["blanks"][i]
                add(
                    f"blank_{i}",
                    SelectField(
                        label,
                        choices=_choices(
                            [("", "Choose")] + [(str(d), blank["options"][o]) for d, o in enumerate(order)]
                        ),
                        validators=[Optional()],
                    ),
                )
            else:
                add(f"blank_{i}", StringField(label, validators=[Optional(), Length(max=200)]))
    else:
        raise KeyError(qtype)

    form_class = type(f"{qtype.title().replace('_', '')}Form", (AnswerForm,), attrs)
    form = form_class(formdata=formdata, data=initial)
    form._answer_names = names
    form.qtype, form.question_data, form.layout = qtype, data, layout
    return form


def _choices(pairs: Any) -> list[Any]:
    """(value, label) pairs as WTForms choices; WTForms 3.3 deprecates plain tuples."""
    if SelectChoice is None:  # WTForms < 3.3 takes the tuples themselves
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


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


def response_from(form: AnswerForm) -> dict[str, Any] | None:
    """The response in the grader's terms, or None when nothing was answered.

    Raises ValidationError (with the field name in `.field`) for a response that cannot stand,
    such as two items put in the same position.
    """
    qtype, data, layout = form.qtype, form.question_data, form.layout
    if qtype == "single_choice":
        value = form.choice.data
        return None if value in (None, "", "None") else {"choice": layout["options"][int(value)]}
    if qtype == "multiple_choice":
        chosen = form.choices.data or []
        return {"choices": sorted(layout["options"][int(v)] for v in chosen)} if chosen else None
    if qtype == "true_false":
        value = form.answer.data
        return None if value not in ("true", "false") else {"answer": value == "true"}
    if qtype in ("short_answer", "numeric"):
        text = (form.text.data or "").strip()
        return {"text": text} if text else None
    if qtype == "ordering":
        positions = {d: form[f"position_{d}"].data for d in range(len(layout["items"]))}
        if not any(positions.values()):
            return None
        taken: dict[str, int] = {}
        for d, value in positions.items():
            if not value:
                raise _field_error(form, f"position_{d}", "Give every item a position.")
            if value in taken:
                raise _field_error(form, f"position_{d}", f"Position {value} is used twice; use each once.")
            taken[value] = d
        return {"order": [layout["items"][taken[str(p)]] for p in range(1, len(layout["items"]) + 1)]}
    if qtype == "matching":
        matches: list[int | None] = [None] * len(data["pairs"])
        for d, pair in enumerate(layout["lefts"]):
            value = form[f"match_{d}"].data
            if value:
                matches[pair] = layout["rights"][int(value)]
        return {"matches": matches} if any(m is not None for m in matches) else None
    if qtype == "cloze":
        blanks = []
        for i, blank in enumerate(data["blanks"]):
            value = (form[f"blank_{i}"].data or "").strip()
            if blank.get("options") and value:
                value = blank["options"][layout["blanks"][i][int(value)]]
            blanks.append(value)
        return {"blanks": blanks} if any(blanks) else None
    raise KeyError(qtype)


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
