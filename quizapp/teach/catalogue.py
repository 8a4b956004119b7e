"""The teacher area's listings of questions, facts and sources, and one question's page."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ButtonForm
from ..services import teach_catalogue as catalogue
from ..services import teach_questions as questions_service
from . import bp
from .catalogue_forms import FactFilterForm, QuestionFilterForm, options, valid_values


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _kept_args() -> dict[str, str]:
    """The query string without the page number, for links to other pages."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.get("/questions")
def questions() -> str:
    choices = catalogue.choices(db.session)
    form = QuestionFilterForm(request.args)
    form.topic.choices = options([("", "Any"), *choices["topics"]])
    values = valid_values(form)
    filters = catalogue.QuestionFilters(**{k: v or "" for k, v in values.items()})
    filters.status = filters.status or "active"
    page = catalogue.list_questions(db.session, filters, _page())
    return render_template("teach/questions.html", form=form, page=page, args=_kept_args())


@bp.get("/facts")
def facts() -> str:
    choices = catalogue.choices(db.session)
    form = FactFilterForm(request.args)
    form.source.choices = options([("", "Any"), *choices["sources"]])
    values: dict[str, Any] = valid_values(form)
    values["draft"] = bool(values.get("draft"))
    filters = catalogue.FactFilters(**{k: (v if v is not None else "") for k, v in values.items()})
    filters.status = filters.status or "active"
    page = catalogue.list_facts(db.session, filters, _page())
    return render_template("teach/facts.html", form=form, page=page, args=_kept_args())


@bp.get("/sources")
def sources() -> str:
    page = catalogue.list_sources(db.session, _page())
    return render_template("teach/sources.html", page=page, args={})


@bp.get("/questions/<int:question_id>")
def question(question_id: int) -> str:
    detail = questions_service.question_detail(db.session, question_id)
    if detail is None:
        abort(404)
    return render_template("teach/question.html", q=detail, button=ButtonForm())


def _change(question_id: int, action: Any, done: str) -> Response:
    form = ButtonForm()
    if not form.validate_on_submit():  # CSRFProtect has refused a missing token already
        abort(400)
    try:
        result = action(db.session, question_id)
    except questions_service.CatalogueError as error:
        db.session.rollback()
        if db.session.get(questions_service.Question, question_id) is None:
            abort(404)
        flash(error.message, "error")
        return redirect(url_for("teach.question", question_id=question_id))
    db.session.commit()
    key = result if isinstance(result, str) else result.key
    flash(done.format(key=key), "info")
    if action is questions_service.delete_question:
        return redirect(url_for("teach.questions"))
    return redirect(url_for("teach.question", question_id=question_id))


@bp.post("/questions/<int:question_id>/retire")
def retire_question(question_id: int) -> Response:
    return _change(question_id, questions_service.retire_question, "{key} is retired.")


@bp.post("/questions/<int:question_id>/restore")
def restore_question(question_id: int) -> Response:
    return _change(question_id, questions_service.restore_question, "{key} is active again.")


@bp.post("/questions/<int:question_id>/delete")
def delete_question(question_id: int) -> Response:
    if request.form.get("confirm") != "yes":  # deleting cannot be undone: it is asked for twice
        if db.session.get(questions_service.Question, question_id) is None:
            abort(404)
        if ButtonForm().validate_on_submit():
            flash("Nothing was deleted: tick “Yes, delete it for good” beside the button first.", "error")
        return redirect(url_for("teach.question", question_id=question_id))
    return _change(question_id, questions_service.delete_question, "{key} is deleted.")
