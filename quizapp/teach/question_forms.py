"""The question editor's form: every type's fields, rows added and removed without JavaScript.

The form only collects text; `record_data` turns it into the plain mapping a bank file would
hold, and the bank's own schema judges it (see services/question_edits.py). Its messages come
back keyed by the record's path, which `field_name` maps to the control that shows them.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import choices
from ..wording import counted

TYPE_NAMES = {
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
    "true_false": "True or false",
    "short_answer": "Short answer",
    "numeric": "Numeric",
    "ordering": "Ordering",
    "matching": "Matching",
    "cloze": "Cloze (fill in the blanks)",
}
# The rows each type edits, and how many a new question starts with.
ROWS: dict[str, dict[str, int]] = {
    "single_choice": {"options": 4},
    "multiple_choice": {"options": 4},
    "true_false": {},
    "short_answer": {"answers": 1},
    "numeric": {},
    "ordering": {"items": 3},
    "matching": {"pairs": 3, "distractors": 0},
    "cloze": {"blanks": 1},
}
ROW_NAMES = {
    "options": "option",
    "answers": "answer",
    "items": "item",
    "pairs": "pair",
    "distractors": "distractor",
    "blanks": "blank",
}
MAX_ROWS = 20


class CheckboxGroup(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OptionRow(Form):
    text = StringField("Text")
    correct = BooleanField("Correct")
    feedback = StringField("Feedback (optional)")


class PairRow(Form):
    left = StringField("Left")
    right = StringField("Right")


class BlankRow(Form):
    answers = TextAreaField("Accepted answers, one per line (a typed blank)")
    options = TextAreaField("Options, one per line (a choice blank)")
    answer = StringField("Right option (a choice blank)")
    case_sensitive = BooleanField("Case counts")
    accent_sensitive = BooleanField("Accents count")
    typo_tolerance = BooleanField("Accept a spelling slip", default=True)


class QuestionForm(FlaskForm):
    """Every field any question type has; the page shows the chosen type's."""

    key = StringField("Id (optional: made from the prompt when left empty)")
    # The version the page showed: a save over a newer one is refused (services/stale.py).
    opened_version = HiddenField()
    prompt = TextAreaField("Prompt")
    explanation = TextAreaField("Explanation (shown after answering)")
    topics = CheckboxGroup("Topics (optional)", choices=[], validate_choice=False)
    facts = CheckboxGroup("Facts tested", choices=[], validate_choice=False)
    new_fact = TextAreaField("Statement of a new fact (optional)")
    new_fact_section = SelectField("Section of the new fact", choices=[], validate_choice=False)
    difficulty = SelectField(
        "Difficulty",
        choices=choices((d, d) for d in ("easy", "medium", "hard")),
        default="medium",
        validate_choice=False,
    )
    marks = StringField("Marks", default="1")

    options = FieldList(FormField(OptionRow), "Options")
    tf_answer = RadioField(
        "The statement is", choices=choices([("true", "True"), ("false", "False")]), validate_choice=False
    )
    true_feedback = StringField("Feedback on answering True (optional)")
    false_feedback = StringField("Feedback on answering False (optional)")
    answers = FieldList(StringField("Accepted answer"), "Accepted answers")
    case_sensitive = BooleanField("Case counts")
    accent_sensitive = BooleanField("Accents count")
    typo_tolerance = BooleanField("Accept a spelling slip", default=True)
    value = StringField("Right value")
    tolerance = StringField("Tolerance (optional)")
    min = StringField("Or a range: from")
    max = StringField("to")
    unit = StringField("Unit (optional)")
    items = FieldList(StringField("Item"), "Items, in the right order")
    pairs = FieldList(FormField(PairRow), "Pairs")
    distractors = FieldList(StringField("Distractor"), "Extra right-hand choices (optional)")
    text = TextAreaField("Passage, with blanks written {{1}}, {{2}}, ...")
    blanks = FieldList(FormField(BlankRow), "Blanks")

    errors_at: dict[str, list[str]]
    focus_id: str | None = None  # the control a re-rendered form puts focus on (autofocus)
    rows_said: str = ""  # what the last Add or Remove did, for screen readers


def change_rows(form: QuestionForm, go: str) -> bool:
    """Apply an "add:NAME" or "remove:NAME:INDEX" button; False when `go` is neither.

    As static/editor.js does in place, focus goes to the new row, or after a removal to the row
    that took its place (else the one before, else the Add button), and the change is said.
    """
    parts = go.split(":")
    if len(parts) < 2 or parts[1] not in ROW_NAMES:
        return False
    rows, noun = form[parts[1]], ROW_NAMES[parts[1]]
    if parts[0] == "add" and len(parts) == 2:
        if len(rows.entries) < MAX_ROWS:
            rows.append_entry()
            form.focus_id = _first_control(rows.entries[-1])
            form.rows_said = f"{noun.capitalize()} {len(rows.entries)} added."
        else:
            limit = f"At most {counted(MAX_ROWS, noun)}."
            form.errors_at.setdefault(rows.name, []).append(limit)
            form.focus_id = f"{rows.id}-add"
        return True
    if parts[0] == "remove" and len(parts) == 3 and parts[2].isascii() and parts[2].isdecimal():
        index = int(parts[2])
        kept = [entry.data for i, entry in enumerate(rows.entries) if i != index]
        rows.entries, rows.last_index = [], -1
        for data in kept:  # renumbered, so that names follow positions again
            rows.append_entry(data)
        if rows.entries:
            form.focus_id = _first_control(rows.entries[min(index, len(rows.entries) - 1)])
        else:
            form.focus_id = f"{rows.id}-add"
        moved = "; the rows after it moved up." if index < len(rows.entries) else "."
        form.rows_said = f"{noun.capitalize()} {index + 1} removed{moved}"
        return True
    return False


def _first_control(entry: Field) -> str:
    return next(iter(entry)).id if isinstance(entry, FormField) else entry.id


# The fields of each type, in the order templates/teach/question_form.html shows them.
_TYPE_FIELDS = {
    "single_choice": ("options",),
    "multiple_choice": ("options",),
    "true_false": ("tf_answer", "true_feedback", "false_feedback"),
    "short_answer": ("answers", "case_sensitive", "accent_sensitive", "typo_tolerance"),
    "numeric": ("value", "tolerance", "min", "max", "unit"),
    "ordering": ("items",),
    "matching": ("pairs", "distractors"),
    "cloze": ("text", "blanks"),
}
_AFTER_TYPE_FIELDS = ("facts", "new_fact", "new_fact_section", "topics", "difficulty", "marks", "explanation")


def focus_first_error(form: QuestionForm, qtype: str) -> None:
    """Put focus (autofocus) on the first control, in page order, that a message is about.

    Without scripts a refused form came back with focus at the top, dozens of Tabs from the
    first message; static/focus.js does the same in the browser when scripts run.
    """
    if form.focus_id is not None or not form.errors_at:
        return
    for name in ("key", "prompt", *_TYPE_FIELDS.get(qtype, ()), *_AFTER_TYPE_FIELDS):
        target = _error_control(form, form[name])
        if target is not None:
            form.focus_id = target
            return


def _error_control(form: QuestionForm, field: Field) -> str | None:
    """The id of the control to focus for a message about `field` or a part of it, or None."""
    errors_at = form.errors_at
    if isinstance(field, FieldList):
        if field.name in errors_at:  # about the whole list: its first row, or Add when it has none
            return _first_control(field.entries[0]) if field.entries else f"{field.id}-add"
        for entry in field.entries:
            if entry.name in errors_at:
                return _first_control(entry)
            if isinstance(entry, FormField):
                named = next((sub.id for sub in entry if sub.name in errors_at), None)
                if named is not None:
                    return named
        return None
    if field.name not in errors_at:
        return None
    if isinstance(field, (RadioField, CheckboxGroup)):
        return f"{field.id}-0" if field.choices else None  # a group: its first box
    return field.id


def blank_rows(qtype: str) -> dict[str, Field]:
    """One empty row (numbered 0) of each list the type edits: what the page's script copies to add a row."""
    form = QuestionForm(formdata=None, meta={"csrf": False})
    return {name: form[name].append_entry() for name in ROWS[qtype]}


def _text(value: str | None) -> str:
    return (value or "").strip()


def _optional(record: dict[str, Any], key: str, value: str | None) -> None:
    if _text(value):
        record[key] = _text(value)


def _number(value: str | None) -> Any:
    """A typed number as int or float; other text is passed on for the schema to refuse."""
    text = _text(value)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _lines(value: str | None) -> list[str] | None:
    lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
    return lines or None


def _filled(form: QuestionForm, name: str, blank: Any) -> list[Any]:
    """The rows of list `name` that hold anything: a row left wholly empty (the fourth option a
    new question starts with, say) is not part of the question. Which rows were kept is noted
    on the form, for `field_name` to put a message beside the row it is about."""
    kept = [index for index, row in enumerate(form[name].entries) if not blank(row)]
    form.kept_rows = {**getattr(form, "kept_rows", {}), name: kept}
    return [form[name].entries[index] for index in kept]


def _empty_option(row: Any) -> bool:
    return not (_text(row.text.data) or _text(row.feedback.data) or row.correct.data)


def _empty_text(row: Any) -> bool:
    return not _text(row.data)


def _empty_pair(row: Any) -> bool:
    return not (_text(row.left.data) or _text(row.right.data))


def record_data(form: QuestionForm, qtype: str, key: str, facts: list[str]) -> dict[str, Any]:
    """The question as a bank file's mapping would hold it; `facts` as cited (new fact included).

    Wholly empty rows are left out, except a cloze's blanks: those are numbered by the text."""
    record: dict[str, Any] = {
        "id": key,
        "type": qtype,
        "prompt": _text(form.prompt.data),
        "explanation": _text(form.explanation.data),
        "facts": facts,
        "topics": list(form.topics.data or []),
        "difficulty": form.difficulty.data,
    }
    marks = _number(form.marks.data)
    if marks is not None:
        record["marks"] = marks
    if qtype in ("single_choice", "multiple_choice"):
        record["options"] = []
        for row in _filled(form, "options", _empty_option):
            option: dict[str, Any] = {"text": _text(row.text.data)}
            if row.correct.data:
                option["correct"] = True
            _optional(option, "feedback", row.feedback.data)
            record["options"].append(option)
    elif qtype == "true_false":
        if form.tf_answer.data in ("true", "false"):
            record["answer"] = form.tf_answer.data == "true"
        _optional(record, "true_feedback", form.true_feedback.data)
        _optional(record, "false_feedback", form.false_feedback.data)
    elif qtype == "short_answer":
        record["answers"] = [_text(a.data) for a in _filled(form, "answers", _empty_text)]
        record.update(_matching(form))
    elif qtype == "numeric":
        for name, field in (
            ("answer", form.value),
            ("tolerance", form.tolerance),
            ("min", form.min),
            ("max", form.max),
        ):
            if (number := _number(field.data)) is not None:
                record[name] = number
        _optional(record, "unit", form.unit.data)
    elif qtype == "ordering":
        record["items"] = [_text(i.data) for i in _filled(form, "items", _empty_text)]
    elif qtype == "matching":
        pairs = _filled(form, "pairs", _empty_pair)
        record["pairs"] = [{"left": _text(p.left.data), "right": _text(p.right.data)} for p in pairs]
        record["distractors"] = [_text(d.data) for d in _filled(form, "distractors", _empty_text)]
    elif qtype == "cloze":
        record["text"] = _text(form.text.data)
        record["blanks"] = [_blank(row) for row in form.blanks]
    return record


def _matching(form: Any) -> dict[str, bool]:
    return {
        "case_sensitive": bool(form.case_sensitive.data),
        "accent_sensitive": bool(form.accent_sensitive.data),
        "typo_tolerance": bool(form.typo_tolerance.data),
    }


def _blank(row: Any) -> dict[str, Any]:
    blank: dict[str, Any] = {}
    if (answers := _lines(row.answers.data)) is not None:
        blank["answers"] = answers
    if (options := _lines(row.options.data)) is not None:
        blank["options"] = options
    _optional(blank, "answer", row.answer.data)
    return blank | _matching(row)


def form_data(record: Any) -> dict[str, Any]:
    """The form's values for a stored question record (the edit page's starting point)."""
    data: dict[str, Any] = {
        "key": record.id,
        "prompt": record.prompt,
        "explanation": record.explanation,
        "topics": list(record.topics),
        "facts": list(record.facts),
        "difficulty": record.difficulty,
        "marks": f"{record.marks:g}",
    }
    dumped = record.model_dump(mode="json")
    if record.type in ("single_choice", "multiple_choice"):
        data["options"] = [{**o, "feedback": o["feedback"] or ""} for o in dumped["options"]]
    elif record.type == "true_false":
        data["tf_answer"] = "true" if record.answer else "false"
        data["true_feedback"] = record.true_feedback or ""
        data["false_feedback"] = record.false_feedback or ""
    elif record.type == "numeric":
        for name, field in (("answer", "value"), ("tolerance", "tolerance"), ("min", "min"), ("max", "max")):
            value = dumped[name]
            data[field] = "" if value is None else f"{value:g}"
        data["unit"] = record.unit or ""
    elif record.type == "cloze":
        data["text"] = record.text
        data["blanks"] = [
            {
                **b,
                "answers": "\n".join(b["answers"] or []),
                "options": "\n".join(b["options"] or []),
                "answer": b["answer"] or "",
            }
            for b in dumped["blanks"]
        ]
    else:
        data.update({k: v for k, v in dumped.items() if k in ("answers", "items", "pairs", "distractors")})
        data.update(
            {k: v for k, v in dumped.items() if k in ("case_sensitive", "accent_sensitive", "typo_tolerance")}
        )
    return data


def new_form_data(qtype: str) -> dict[str, Any]:
    """A new question's starting rows."""
    data: dict[str, Any] = {}
    for name, count in ROWS[qtype].items():
        data[name] = [{} if name in ("options", "pairs", "blanks") else "" for _ in range(count)]
    if qtype == "cloze":
        data["blanks"] = [{"typo_tolerance": True}]
    return data


# Record keys whose form field has another name.
_RENAMED = {"answer": "value", "type": "prompt", "id": "key"}


def field_name(form: QuestionForm, qtype: str, loc: tuple[Any, ...]) -> str:
    """The form field that shows a problem found at `loc` in the record."""
    if not loc:  # a rule about the whole record: numeric's "answer or range"
        return "value" if qtype == "numeric" else "prompt"
    head = loc[0]
    if head == "answer" and qtype == "true_false":
        return "tf_answer"
    if head in ("answer", "type", "id"):
        return _RENAMED[head]
    if head in ROW_NAMES and len(loc) >= 2 and isinstance(loc[1], int):
        rows = form[head]
        kept = getattr(form, "kept_rows", {}).get(head)
        index = kept[loc[1]] if kept is not None and loc[1] < len(kept) else loc[1]
        if index < len(rows.entries):
            entry = rows.entries[index]
            if len(loc) >= 3 and isinstance(loc[2], str) and loc[2] in getattr(entry, "form", {}):
                return entry.form[loc[2]].name
            return entry.name
    if head in form:
        return form[head].name
    return "prompt"


_AT_LEAST = re.compile(r"needs at least (\d+) items?, got (\d+)$")
_AT_MOST = re.compile(r"holds at most (\d+) items?, got (\d+)$")
_BLANKS = re.compile(r"the text must hold each of \{\{1\}\}\.\.\{\{(\d+)\}\} exactly once .*; it holds (.*)$")
_BOTH = "give either answer or min and max, not both"
_NEITHER = "give either answer (with an optional tolerance) or min and max"


def in_form_terms(name: str, message: str) -> str:
    """A checker message about the field `name`, in the words of the form's labels and buttons
    (the checker speaks of the bank file's keys: "answer", "min", "items")."""
    root = name.split("-", 1)[0]
    if match := _AT_LEAST.match(message):
        least, now = int(match.group(1)), int(match.group(2))
        if root == "facts":
            return "Tick the fact it tests (at least one), or add a new fact below."
        if root in ROW_NAMES:
            return f"Give at least {counted(least, ROW_NAMES[root])} ({now} now): use “Add”."
    if (match := _AT_MOST.match(message)) and root in ROW_NAMES:
        return f"Give at most {counted(int(match.group(1)), ROW_NAMES[root])} ({match.group(2)} now)."
    if message == _BOTH:
        return "Give the right value or a range (from and to), not both."
    if message == _NEITHER:
        return "Give the right value (with a tolerance, if any) or a range (from and to)."
    if match := _BLANKS.match(message):
        count, found = int(match.group(1)), match.group(2)
        if count == 1:
            wanted = "{{1}} once, for its one blank row"
        else:
            wanted = f"{{{{1}}}} to {{{{{count}}}}}, each once, one for each of its {count} blank rows"
        return f"The passage must hold {wanted}; it holds {found}. Add or remove blank rows, or mend it."
    return message


def type_name(qtype: str) -> str:
    return TYPE_NAMES.get(qtype, qtype)
