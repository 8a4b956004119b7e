"""Sources and facts created and edited in the browser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ..extensions import db
from ..forms import choices as options
from ..models import Fact, Source
from ..services import bank_edits as edits
from ..services import stale
from . import bp
from .bank_edit_forms import FactForm, SourceForm


def _show_errors(form: Any, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is None:  # a rule about a field this form does not show (the fixed id)
            flash(" ".join(messages), "error")
        else:
            field.errors = [*field.errors, *messages]


@dataclass(frozen=True)
class _Outcome:
    saved: bool
    value: Any = None  # what the write returned, once saved
    stale: str | None = None  # the message of an edit made on an older version


def _save(form: FlaskForm, write: Callable[[], Any]) -> _Outcome:
    """Run `write` and commit it. On its rule errors roll back and show them beside the form's
    fields; on a stale edit roll back and name the current version in the form (see `_stale`)."""
    try:
        value = write()
    except edits.EditErrors as error:
        db.session.rollback()
        _show_errors(form, error.errors)
        return _Outcome(False)
    except stale.StaleEdit as error:
        db.session.rollback()
        return _Outcome(False, stale=_stale(form, error))
    db.session.commit()
    return _Outcome(True, value)


def _source_values(form: SourceForm) -> edits.SourceValues:
    return edits.SourceValues(
        form.key.data or "",
        form.title.data or "",
        form.origin.data or "",
        form.licence.data or "",
        form.sections.data or "",
    )


@bp.route("/sources/new", methods=["GET", "POST"])
def new_source() -> Any:
    form = SourceForm()
    if form.validate_on_submit():
        outcome = _save(form, lambda: edits.create_source(db.session, _source_values(form)))
        if outcome.saved:
            flash(f"Source {outcome.value.key} is saved.", "info")
            return redirect(url_for("teach.sources"))
    return render_template("teach/source_form.html", form=form, source=None), _status(form)


@bp.route("/sources/<int:source_id>/edit", methods=["GET", "POST"])
def edit_source(source_id: int) -> Any:
    source = db.session.get(Source, source_id) or abort(404)
    form = SourceForm(
        data=None
        if request.method == "POST"
        else {
            "title": source.title,
            "origin": source.origin,
            "licence": source.licence,
            "sections": edits.sections_text(source.sections),
            "opened_version": source.version,
        }
    )
    del form.key
    outcome = _Outcome(False)
    if form.validate_on_submit():
        values = edits.SourceValues(
            source.key,
            form.title.data or "",
            form.origin.data or "",
            form.licence.data or "",
            form.sections.data or "",
        )
        opened = stale.opened_version(form.opened_version.data)
        outcome = _save(form, lambda: edits.update_source(db.session, source_id, values, opened=opened))
        if outcome.saved:
            flash(f"Source {source.key} is saved.", "info")
            return redirect(url_for("teach.sources"))
    page = render_template("teach/source_form.html", form=form, source=source, stale=outcome.stale)
    return page, 409 if outcome.stale else _status(form)


def _status(form: FlaskForm) -> int:
    """A form sent back with errors is 422, as everywhere else in the app."""
    return 422 if form.is_submitted() else 200


def _section_choices(form: FactForm, source: Source) -> None:
    pairs = [(s["id"], f"{s['title']} ({s['id']})") for s in source.sections]
    if form.section.data and form.section.data not in {s["id"] for s in source.sections}:
        pairs.append((form.section.data, f"{form.section.data} (not a section of this source)"))
    form.section.choices = options(pairs)


@bp.route("/facts/new", methods=["GET", "POST"])
def new_fact() -> Any:
    key = request.args.get("source", "")
    source = db.session.scalar(db.select(Source).where(Source.key == key)) if key else None
    if source is None:
        sources = db.session.execute(db.select(Source.key, Source.title).order_by(Source.key)).all()
        return render_template("teach/fact_source.html", sources=sources, unknown=bool(key))
    form = FactForm()
    _section_choices(form, source)
    if form.validate_on_submit():
        values = edits.FactValues(form.key.data or "", form.section.data or "", form.statement.data or "")
        outcome = _save(form, lambda: edits.create_fact(db.session, source.id, values))
        if outcome.saved:
            flash(f"Fact {outcome.value.key} is saved.", "info")
            return redirect(url_for("teach.facts", source=source.key, status="all"))
    return render_template("teach/fact_form.html", form=form, source=source, fact=None), _status(form)


@bp.route("/facts/<int:fact_id>/edit", methods=["GET", "POST"])
def edit_fact(fact_id: int) -> Any:
    fact = db.session.get(Fact, fact_id) or abort(404)
    source = fact.source
    initial = {"section": fact.section, "statement": fact.statement, "opened_version": fact.version}
    form = FactForm(data=None if request.method == "POST" else initial)
    del form.key
    _section_choices(form, source)
    outcome = _Outcome(False)
    if form.validate_on_submit():
        values = edits.FactValues(fact.key, form.section.data or "", form.statement.data or "")
        opened = stale.opened_version(form.opened_version.data)
        outcome = _save(form, lambda: edits.update_fact(db.session, fact_id, values, opened=opened))
        if outcome.saved:
            _fact, changed = outcome.value
            flash(f"Fact {fact.key} is saved." if changed else f"Nothing changed in fact {fact.key}.", "info")
            return redirect(url_for("teach.facts", source=source.key, status="all"))
    page = render_template("teach/fact_form.html", form=form, source=source, fact=fact, stale=outcome.stale)
    return page, 409 if outcome.stale else _status(form)


def _stale(form: FlaskForm, error: stale.StaleEdit) -> str:
    """The message of a stale save; the form now names the current version, so saving again goes through."""
    form.opened_version.data = str(error.now)
    return error.message()
