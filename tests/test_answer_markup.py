"""The question page writes its controls out by hand (templates/questions/_controls.html), for
speed: they must be exactly what WTForms' own widgets render for the same form, in every state.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pytest
from flask import request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from quizapp import quiz
from quizapp.answer_forms import build_form, initial_values, response_from
from quizapp.extensions import db
from quizapp.forms import FOCUS_TAKEN
from quizapp.models import QuestionVersion
from quizapp.services.attempts import layout_for
from quizapp.services.pages import AttemptView, Page, SlotView, VersionView

from .factories import bank, write_bank
from .test_taking import load

RESPONSES = {
    "single_choice": {"choice": 1},
    "multiple_choice": {"choices": [0, 2]},
    "true_false": {"answer": False},
    "short_answer": {"text": 'typed <b> & "quoted"'},
    "numeric": {"text": "2010"},
    "ordering": {"order": [2, 0, 1]},
    "matching": {"matches": [1, None, 3]},
    "cloze": {"blanks": ["w<o>rd", "y"]},
}
BAD = {  # form data each type refuses, so that the page shows its errors
    "single_choice": {"choice": "9"},
    "multiple_choice": {"choices": ["0", "9"]},
    "true_false": {"answer": "maybe"},
    "short_answer": {"text": "x" * 501},
    "numeric": {"text": "not a number"},
    "ordering": {"position_0": "1", "position_1": "1", "position_2": "2"},
    "matching": {"match_0": "9"},
    "cloze": {"blank_0": "y" * 201, "blank_1": "9"},
}


@pytest.fixture
def versions(runner, tmp_path) -> list[VersionView]:
    data = bank(questions=8, facts=2)
    for q in data["questions"]:
        q["prompt"] += ' <b>&"'
        if "options" in q:
            q["options"][1]["text"] = 'a <i>&amp; "quoted"\' option'
        if q["type"] == "numeric" and "answer" in q:
            q["unit"] = "km <&>"
    load(runner, write_bank(tmp_path / "bank.yaml", data))
    rows = db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
    return [
        VersionView(v.id, v.content_hash, v.type, v.prompt, v.data, v.explanation, v.marks, v.question_id)
        for v in rows
    ]


def widgets(form: Any, qtype: str, locked: bool) -> list[str]:
    """What WTForms renders for each control, given the arguments the page passes."""
    out = [str(form.csrf_token), str(form.seq), f"{form.flag()} {form.flag.label}"]
    first_error = next((field for field in form.answer_fields() if field.errors), None)
    for field in form.answer_fields():
        aria = {"aria-describedby": f"{field.id}-error", "aria-invalid": "true"} if field.errors else {}
        if field is first_error:  # the first control with a message takes focus
            aria["autofocus"] = True
        if qtype in ("single_choice", "multiple_choice", "true_false"):  # on the group's first box
            focus = {"autofocus": True} if "autofocus" in aria else {}
            out += [
                f"<li>{option(disabled=locked, **(focus if i == 0 else {}))} {option.label}</li>"
                for i, option in enumerate(field)
            ]
        elif qtype in ("short_answer", "numeric"):
            out += [str(field.label), field(disabled=locked, autocomplete="off", spellcheck="false", **aria)]
        elif qtype in ("ordering", "matching"):
            out += [str(field.label), field(disabled=locked, **aria)]
        else:
            out.append(field(disabled=locked, class_="blank", **aria))
    return [str(Markup(html)) for html in out]


@pytest.mark.parametrize("state", ["blank", "answered", "locked", "refused"])
def test_controls_are_what_wtforms_renders(app, versions, state):
    assert sorted({v.type for v in versions}) == sorted(RESPONSES)
    with app.test_request_context("/"):
        for version in versions:
            request.environ.pop(FOCUS_TAKEN, None)  # each page as if in a request of its own
            layout = layout_for(version.type, version.data, random.Random(version.id))
            response = RESPONSES[version.type] if state in ("answered", "locked") else None
            locked = state == "locked"
            if state == "refused":
                posted = MultiDict({**BAD[version.type], "csrf_token": generate_csrf()})
                form = build_form(version.type, version.data, layout, formdata=posted)
                if form.validate():  # as the view does: the response only of a valid form
                    with contextlib.suppress(ValidationError):
                        response_from(form)
                assert any(f.errors for f in form.answer_fields()), version.type
            else:
                initial = initial_values(version.type, version.data, layout, response)
                form = build_form(version.type, version.data, layout, initial=initial)
            form.seq.data, form.flag.data = "3", state == "answered"
            slot = SlotView(
                1, 1, 2, version.id, layout, 3, False, response, 0.5 if locked else None,
                {"verdict": "partial", "messages": []} if locked else None, version,
            )  # fmt: skip
            attempt = AttemptView(1, 1, "Attempt", "practice", "open", None, 2)
            page = quiz._render_question(Page(attempt, slot, 5), form, locked)
            for html in widgets(form, version.type, locked):
                assert html in page, f"{version.type} ({state}): {html}\nnot on the page:\n{page}"
            assert page.count(" autofocus") == (state == "refused"), version.type
