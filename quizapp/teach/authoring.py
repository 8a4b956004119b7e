"""Writing questions in the browser: new, edit, preview (answered and graded, never saved)."""

from __future__ import annotations

import random
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from .. import answer_forms, grading
from ..bank import schema
from ..bank.load import question_parts
from ..extensions import db
from ..models import Question, Source
from ..presenting import cloze_parts, describe_response, in_shown_order
from ..services import question_edits as edits
from ..services import stale
from ..services.attempts import layout_for
from . import bp
from .question_forms import (
    MAX_ROWS,
    TYPE_NAMES,
    QuestionForm,
    blank_rows,
    change_rows,
    choices,
    field_name,
    focus_first_error,
    form_data,
    in_form_terms,
    new_form_data,
    record_data,
)

# Enter in a text box presses the editor's first button, which sends ENTER: it checks the answer
# typed into the preview when there is one (as Enter does on a quiz page), and otherwise previews.
ENTER = "enter"


@bp.route("/questions/new", methods=["GET", "POST"])
def new_question() -> Any:
    qtype = request.args.get("type", "")
    sources = edits.sources(db.session)
    source = _chosen_source(sources, request.args.get("source"))
    if qtype not in schema.QUESTION_TYPES or source is None:
        if not sources:
            abort(404, description="Load or import a source before writing questions.")
        return render_template("teach/question_type.html", types=TYPE_NAMES, sources=sources, chosen=qtype)
    initial = None if request.method == "POST" else new_form_data(qtype)
    return _editor(QuestionForm(data=initial), qtype, source, None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit_question(question_id: int) -> Any:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    current = edits.current_record(db.session, question)
    initial = None if request.method == "POST" else {**form_data(current), "opened_version": question.version}
    source = db.session.get(Source, question.source_id)
    return _editor(QuestionForm(data=initial), current.type, source, question)


@bp.get("/questions/<int:question_id>/preview")
def preview_question(question_id: int) -> Any:
    """The edit page with the current version previewed below it, ready to be answered."""
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    current = edits.current_record(db.session, question)
    source = db.session.get(Source, question.source_id)
    form = QuestionForm(data={**form_data(current), "opened_version": question.version})
    _fill_choices(form, source)
    form.errors_at = {}
    preview = _preview(edits.Checked(record=current), source, try_it=False)
    return _render(form, current.type, source, question, preview=preview)


_SAME_PROMPT = (
    "This source has a question of this type with this prompt already (id {key}): to change it, open it"
    " from the list of questions; for a second one, change the prompt or give it an id of its own."
)


def _chosen_source(sources: list[Source], key: str | None) -> Source | None:
    if len(sources) == 1 and not key:
        return sources[0]
    return next((s for s in sources if s.key == key), None)


def _editor(form: QuestionForm, qtype: str, source: Source, question: Question | None) -> Any:
    """Show the form; on a post, change rows, check, preview or save."""
    _fill_choices(form, source)
    form.errors_at = {}
    if request.method == "GET":
        return _render(form, qtype, source, question)
    if not form.validate():
        abort(400, description="The form's security token is missing or has expired.")
    go = request.form.get("go", ENTER)
    if change_rows(form, go):
        return _render(form, qtype, source, question)
    key = (
        question.key
        if question
        else ((form.key.data or "").strip() or edits.question_key(db.session, form.prompt.data or ""))
    )
    new_fact = None
    if (form.new_fact.data or "").strip():
        new_fact = (form.new_fact_section.data or "", form.new_fact.data)
    checked = edits.check(
        db.session,
        record_data(form, qtype, key, list(form.facts.data or [])),
        source,
        new=question is None,
        new_fact=new_fact,
    )
    if checked.problems:
        for part, loc, message in checked.problems:
            name = field_name(form, qtype, loc) if part == "question" else _fact_field(loc)
            form.errors_at.setdefault(name, []).append(in_form_terms(name, message))
        return _render(form, qtype, source, question), 422
    # An id made from the prompt: the same form sent twice (Back, a second click) would make a copy.
    made_id = go == "save" and question is None and not (form.key.data or "").strip()
    if made_id and (taken := edits.same_prompt(db.session, source.id, qtype, form.prompt.data)):
        form.errors_at["prompt"] = [_SAME_PROMPT.format(key=taken)]
        return _render(form, qtype, source, question), 422
    if go == "save":
        if question is None:
            try:
                question_id = edits.create(db.session, checked, source.id)
            except IntegrityError:  # another teacher took the id (or the new fact's) meanwhile
                db.session.rollback()
                form.errors_at["key"] = ["This id was taken a moment ago: save again for a new one."]
                return _render(form, qtype, source, question), 409
            message = "Question saved."
        else:
            question_id = question.id
            try:
                changed = edits.update(
                    db.session, question, checked, opened=stale.opened_version(form.opened_version.data)
                )
            except stale.StaleEdit as error:
                db.session.rollback()
                form.opened_version.data = str(error.now)  # saving again, after a review, goes through
                return _render(form, qtype, source, question, stale_message=error.message()), 409
            message = "Saved as a new version." if changed else "Nothing changed: no new version."
        db.session.commit()
        flash(message, "info")
        return redirect(url_for("teach.edit_question", question_id=question_id))
    preview = _preview(checked, source, try_it=go in ("try", ENTER), quiet=go == ENTER)
    return _render(form, qtype, source, question, preview=preview)


def _fact_field(loc: tuple[Any, ...]) -> str:
    return "new_fact_section" if loc and loc[0] == "section" else "new_fact"


def _fill_choices(form: QuestionForm, source: Source) -> None:
    form.topics.choices = choices(edits.topics(db.session))
    # a fact the question cites stays listed even if retired or of another source
    cited = list(form.facts.data or [])
    form.facts.choices = choices(edits.facts_of(db.session, source.id, cited))
    form.new_fact_section.choices = choices((s["id"], s["title"]) for s in source.sections)


def _preview(checked: edits.Checked, source: Source, try_it: bool, quiet: bool = False) -> dict[str, Any]:
    """The question as a student sees it, with the grading's feedback once answered.

    `quiet`: no answer given is no mistake (the preview is shown without asking for one).
    """
    record = checked.record
    parts = question_parts(record)
    data = parts["data"]
    layout = layout_for(record.type, data, random.Random(0))  # the same order on every post
    answer = answer_forms.build_form(
        record.type,
        data,
        layout,
        formdata=request.form if try_it else None,
        prefix="try",
        meta={"csrf": False},
    )
    view = {
        "version": {"type": record.type, "prompt": record.prompt, "marks": float(record.marks), "data": data},
        "form": answer,
        "cloze": cloze_parts(data["text"]) if record.type == "cloze" else None,
        "feedback": None,
    }
    if try_it:
        try:
            response = answer_forms.response_from(answer)
            if response is None:
                if not quiet:
                    answer.answer_fields()[0].errors = ["Choose or type an answer before checking it."]
                return view
            result = grading.grade(record.type, data, response)
        except (answer_forms.ValidationError, grading.InvalidResponse) as error:
            if not isinstance(error, answer_forms.ValidationError):
                answer.answer_fields()[0].errors = [str(error)]
            return view
        yours, right = describe_response(record.type, data, response), grading.right_answer(record.type, data)
        view["feedback"] = {
            "verdict": result.verdict,
            "messages": result.feedback,
            "fraction": result.fraction,
            "yours": in_shown_order(record.type, layout, yours, data),
            "right": in_shown_order(record.type, layout, right, data),
            "explanation": record.explanation,
            "facts": edits.cited_facts(db.session, record, checked.new_fact, source),
        }
    return view


def _render(
    form: QuestionForm,
    qtype: str,
    source: Source,
    question: Question | None,
    preview: dict[str, Any] | None = None,
    stale_message: str | None = None,
) -> Response | str:
    focus_first_error(form, qtype)
    if question is None:
        action = url_for("teach.new_question", type=qtype, source=source.key)
    else:
        action = url_for("teach.edit_question", question_id=question.id)
    return render_template(
        "teach/question_form.html",
        form=form,
        qtype=qtype,
        type_name=TYPE_NAMES[qtype],
        source=source,
        question=question,
        action=action,
        preview=preview,
        stale=stale_message,
        blank_rows=blank_rows(qtype),
        max_rows=MAX_ROWS,
    )
