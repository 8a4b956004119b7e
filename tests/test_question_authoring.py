"""Writing questions in the browser: every type through the real form, then practised by a student."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from quizapp.extensions import db
from quizapp.models import WEB_ORIGIN, Answer, Fact, Question, QuestionVersion, utcnow
from quizapp.teach.question_forms import MAX_ROWS

from .factories import QUESTION_TYPES, write_bank
from .test_accounts import PASSWORD, sign_in
from .test_taking import Browser, Page, _feedback, load, location, slot_of, taking_bank

COMMON = {"explanation": "Because it is so.", "facts": ["f1"], "topics": ["t1"], "marks": "1"}
# Per type: the form's rows (as typed), and a right answer in the student's visible terms.
FIELDS: dict[str, dict[str, Any]] = {
    "single_choice": {
        "options-0-text": "Paris",
        "options-0-correct": "y",
        "options-0-feedback": "Indeed.",
        "options-1-text": "Lyon",
        "options-2-text": "Nice",
        "options-3-text": "Lille",
    },
    "multiple_choice": {
        "options-0-text": "Paris",
        "options-0-correct": "y",
        "options-1-text": "Lyon",
        "options-1-correct": "y",
        "options-2-text": "Nice",
        "options-3-text": "Lille",
    },
    "true_false": {"tf_answer": "true", "true_feedback": "Yes, true."},
    "short_answer": {"answers-0": "Canberra", "typo_tolerance": "y"},
    "numeric": {"value": "2013", "tolerance": "0.5", "unit": "AD"},
    "ordering": {"items-0": "one", "items-1": "two", "items-2": "three"},
    "matching": {
        "pairs-0-left": "France",
        "pairs-0-right": "Paris",
        "pairs-1-left": "Spain",
        "pairs-1-right": "Madrid",
        "pairs-2-left": "Italy",
        "pairs-2-right": "Rome",
    },
    "cloze": {
        "text": "The capital of France is {{1}}.",
        "blanks-0-answers": "Paris",
        "blanks-0-typo_tolerance": "y",
    },
}
RIGHT = {
    "single_choice": "Paris",
    "multiple_choice": ["Paris", "Lyon"],
    "true_false": "True",
    "short_answer": "Canberra",
    "numeric": "2013",
    "ordering": ["one", "two", "three"],
    "matching": {"France": "Paris", "Spain": "Madrid", "Italy": "Rome"},
    "cloze": ["Paris"],
}
WRONG = {
    "single_choice": "Lyon",
    "multiple_choice": ["Nice"],
    "true_false": "False",
    "short_answer": "Sydney",
    "numeric": "1999",
    "ordering": ["three", "two", "one"],
    "matching": {"France": "Rome", "Spain": "Paris", "Italy": "Madrid"},
    "cloze": ["Lyon"],
}


@pytest.fixture
def teacher(app, runner, tmp_path) -> Browser:
    """A signed-in teacher, over the taking bank (source src, facts f1..f4, topic t1)."""
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    for name, role in (("tess", "teacher"), ("sam", "student")):
        result = runner.invoke(args=["user", "create", name, "--role", role], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    browser = Browser(app.test_client())
    assert sign_in(browser, "tess").status_code == 302
    return browser


def editor(browser: Browser, qtype: str) -> Page:
    return browser.get(f"/teach/questions/new?type={qtype}")


def post(browser: Browser, page: Page, fields: dict[str, Any], go: str) -> Any:
    return browser.submit(page, "/teach/questions/", fields, go=go)


def create(browser: Browser, qtype: str, prompt: str, **extra: Any) -> int:
    """Write and save a question of `qtype` through the form; its row id."""
    page = editor(browser, qtype)
    response = post(browser, page, {"prompt": prompt, **COMMON, **FIELDS[qtype], **extra}, "save")
    assert response.status_code == 302, Page(response).text[:2000]
    match = re.fullmatch(r"/teach/questions/(\d+)/edit", location(response))
    assert match, location(response)
    return int(match.group(1))


def error_beside(page: Page, field_id: str) -> str:
    match = re.search(rf'<span class="error" id="{re.escape(field_id)}-error">([^<]*)</span>', page.html)
    assert match, (field_id, page.text[:3000])
    return match.group(1).replace("&#39;", "'").replace("&#34;", '"')


def practise(app: Any, prompt: str, qtype: str, answer: Any) -> tuple[int, int, Page]:
    """A new guest practises the quiz holding `prompt`; (attempt id, position, feedback page)."""
    student = Browser(app.test_client())
    attempt_id, page = student.start("practice")
    position = 1
    while prompt not in page.text:
        position += 1
        page = student.get(f"/attempts/{attempt_id}/{position}")
    response = student.submit(page, "/attempts/", page.fields_for(qtype, answer), go="check")
    assert response.status_code == 302, Page(response).text[:1500]
    return attempt_id, position, student.follow(response)


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_each_type_is_written_in_the_browser_and_graded_for_a_student(app, teacher, qtype):
    prompt = f"A web {qtype} question?"
    question_id = create(teacher, qtype, prompt)
    question = db.session.get(Question, question_id)
    assert question.origin_file == WEB_ORIGIN and question.version == 1
    assert question.key == f"a-web-{qtype.replace('_', '-')}-question"
    [version] = question.versions
    assert version.type == qtype and [f.key for f in version.facts] == ["f1"]
    assert [t.key for t in version.topics] == ["t1"]
    db.session.rollback()

    attempt_id, position, page = practise(app, prompt, qtype, RIGHT[qtype])
    feedback = _feedback(page)
    assert feedback.startswith("Right ") and "Why Because it is so." in feedback, feedback
    assert slot_of(attempt_id, position).fraction == 1.0
    attempt_id, position, page = practise(app, prompt, qtype, WRONG[qtype])
    assert not _feedback(page).startswith("Right ")
    assert slot_of(attempt_id, position).fraction < 1.0


def test_the_checkers_messages_are_shown_beside_their_fields_and_typing_is_kept(teacher):
    page = editor(teacher, "single_choice")
    fields = {
        "prompt": "Two right?",
        **COMMON,
        **FIELDS["single_choice"],
        "options-1-correct": "y",
        "marks": "lots",
    }
    response = post(teacher, page, fields, "save")
    assert response.status_code == 422
    page = Page(response)
    assert error_beside(page, "options") == "exactly one option must be correct, found 2"
    assert error_beside(page, "marks") == "expected a number, got text ('lots')"
    form = page.form("/teach/questions/")
    assert form.value("options-1-text") == "Lyon" and form.value("options-1-correct") == "y"
    assert form.value("marks") == "lots" and form.value("prompt") == "Two right?"
    assert form.value("options-0-feedback") == "Indeed."

    page = editor(teacher, "cloze")
    fields = {"prompt": "Gaps", **COMMON, **FIELDS["cloze"], "text": "A {{1}} and a {{2}}."}
    page = Page(post(teacher, page, fields, "preview"))
    assert page.status == 422
    # The checker's rules, in the form's words ("the text", "answer", "min and max" are the file's)
    message = (
        "The passage must hold {{1}} once, for its one blank row; it holds "
        "{{1}}, {{2}}. Add or remove blank rows, or mend it."
    )
    assert error_beside(page, "blanks") == message
    assert page.form("/teach/questions/").value("text") == "A {{1}} and a {{2}}."

    page = editor(teacher, "numeric")
    fields = {"prompt": "How many?", **COMMON, "unit": "kg", "options-0-text": ""}
    page = Page(post(teacher, page, fields, "save"))
    assert error_beside(page, "value") == (
        "Give the right value (with a tolerance, if any) or a range (from and to)."
    )
    assert page.form("/teach/questions/").value("unit") == "kg"

    page = editor(teacher, "numeric")
    fields = {"prompt": "How many?", **COMMON, "min": "9", "max": "3", "facts": []}
    page = Page(post(teacher, page, fields, "save"))
    assert error_beside(page, "max") == "the range 9..3 is empty"
    assert error_beside(page, "facts") == "Tick the fact it tests (at least one), or add a new fact below."
    page = editor(teacher, "ordering")
    fields = {"prompt": "Order?", **COMMON, "items-0": "one", "items-1": "two", "items-2": ""}
    page = Page(post(teacher, page, fields, "save"))
    assert error_beside(page, "items") == "Give at least 3 items (2 now): use “Add”."
    page = editor(teacher, "numeric")
    fields = {"prompt": "How many?", **COMMON, "value": "5", "min": "1", "max": "9"}
    assert error_beside(Page(post(teacher, page, fields, "save")), "value") == (
        "Give the right value or a range (from and to), not both."
    )
    assert db.session.scalar(select(Question).where(Question.origin_file == WEB_ORIGIN)) is None


def test_a_message_about_a_whole_blank_describes_each_of_its_controls(teacher):
    page = editor(teacher, "cloze")
    fields = {"prompt": "Gaps", **COMMON, **FIELDS["cloze"], "blanks-0-options": "Paris\nLyon"}
    page = Page(post(teacher, page, fields, "save"))
    assert page.status == 422
    assert error_beside(page, "blanks-0") == "a blank has either answers (free text) or options and answer"
    for control in ("blanks-0-answers", "blanks-0-options", "blanks-0-answer", "blanks-0-case_sensitive"):
        tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{control}"[^>]*>', page.html)
        assert tag and 'aria-describedby="blanks-0-error"' in tag.group(0), (control, tag)


def test_a_taken_id_is_refused_as_the_checker_does(teacher):
    page = editor(teacher, "true_false")
    fields = {"prompt": "Taken id?", "key": "q1", **COMMON, **FIELDS["true_false"]}
    page = Page(post(teacher, page, fields, "save"))
    assert error_beside(page, "key") == "duplicate id 'q1' (first used at bank.yaml)"
    page = Page(post(teacher, page, {"key": "Bad Id"}, "save"))
    assert error_beside(page, "key").startswith("'Bad Id' is not a valid id")


def test_the_same_new_question_sent_twice_is_not_saved_twice(teacher):
    """Back and Save again (or a second click) would make a copy with an id ending in -2."""
    first = editor(teacher, "true_false")
    fields = {"prompt": "Is this sent twice?", **COMMON, **FIELDS["true_false"]}
    assert post(teacher, first, fields, "save").status_code == 302
    again = Page(post(teacher, first, fields, "save"))  # the same page, posted again
    assert again.status == 422
    message = error_beside(again, "prompt")
    assert message.startswith("This source has a question of this type with this prompt already")
    assert again.form("/teach/questions/").value("prompt") == "Is this sent twice?"
    assert post(teacher, first, {**fields, "key": "sent-twice-on-purpose"}, "save").status_code == 302


AUTOFOCUS = '<input autofocus id="{0}" name="{0}" type="text" value="{1}">'


def test_rows_are_added_and_removed_without_javascript(teacher):
    page = editor(teacher, "single_choice")
    assert page.form("/teach/questions/").value("options-3-text") == ""
    fields = {"prompt": "Rows", **FIELDS["single_choice"]}
    page = Page(post(teacher, page, fields, "add:options"))
    assert page.status == 200
    form = page.form("/teach/questions/")
    assert form.value("options-4-text") == "" and form.value("options-3-text") == "Lille"
    assert form.value("prompt") == "Rows"
    # as the page's script does in place: focus in the new row, and the change said
    assert re.findall(r"<[^>]* autofocus[^>]*>", page.html) == [AUTOFOCUS.format("options-4-text", "")]
    assert '<p id="rows-status" class="visually-hidden" role="status">Option 5 added.</p>' in page.html
    page = Page(post(teacher, page, {}, "remove:options:1"))
    form = page.form("/teach/questions/")
    texts = [form.value(f"options-{i}-text") for i in range(4)]
    assert texts == ["Paris", "Nice", "Lille", ""]
    assert form.value("options-4-text") is None
    assert form.value("options-0-correct") == "y"
    assert re.findall(r"<[^>]* autofocus[^>]*>", page.html) == [AUTOFOCUS.format("options-1-text", "Nice")]
    assert "Option 2 removed; the rows after it moved up." in page.html
    page = Page(post(teacher, page, {}, "remove:options:3"))  # the last: focus goes to the one before
    assert re.findall(r"<[^>]* autofocus[^>]*>", page.html) == [AUTOFOCUS.format("options-2-text", "Lille")]

    page = editor(teacher, "cloze")
    page = Page(post(teacher, page, {"blanks-0-answers": "x"}, "add:blanks"))
    assert page.form("/teach/questions/").value("blanks-1-answers") == ""
    page = editor(teacher, "matching")
    page = Page(post(teacher, page, {}, "add:distractors"))
    assert page.form("/teach/questions/").value("distractors-0") == ""
    assert post(teacher, page, {}, "remove:distractors:\u00b2").status_code == 422  # no row number: checked
    page = Page(post(teacher, page, {}, "remove:distractors:0"))  # none left: focus on its Add button
    assert re.search(r'<button [^>]*id="distractors-add" autofocus>Add a distractor</button>', page.html)


def test_rows_stop_at_the_limit_with_a_message(teacher):
    page = editor(teacher, "ordering")
    items = {f"items-{i}": f"item {i}" for i in range(MAX_ROWS)}
    page = Page(post(teacher, page, items, "add:items"))
    form = page.form("/teach/questions/")
    assert form.value(f"items-{MAX_ROWS - 1}") == f"item {MAX_ROWS - 1}"
    assert form.value(f"items-{MAX_ROWS}") is None
    assert error_beside(page, "items") == f"At most {MAX_ROWS} items."
    # The empty row the page's script copies is not part of the form, and says how many rows fit.
    assert f'data-max="{MAX_ROWS}"' in page.html and "<template>" in page.html


def test_preview_shows_the_student_view_and_grades_without_saving(teacher, snapshot):
    before = snapshot()
    page = editor(teacher, "single_choice")
    fields = {"prompt": "Capital of France?", **COMMON, **FIELDS["single_choice"]}
    page = Page(post(teacher, page, fields, "preview"))
    assert page.status == 200
    preview = page.html.split('class="preview"', 1)[1]
    assert "Capital of France?" in preview and "Lille" in preview and 'name="try-choice"' in preview
    value = re.search(r'name="try-choice" type="radio" value="(\d)"> <label for="[^"]+">Paris<', preview)
    assert value, preview[:2000]
    page = Page(post(teacher, page, {"try-choice": value.group(1)}, "try"))
    feedback = page.html.split('class="feedback', 1)[1]
    assert "Right" in feedback and "Indeed." in feedback and "Statement of f1." in feedback
    page = Page(post(teacher, page, {"try-choice": str(1 - int(value.group(1)) or 2)}, "try"))
    assert ">\n    \n      Wrong" in page.html or "Wrong" in page.html.split('class="feedback', 1)[1][:300]
    assert snapshot() == before


def test_enter_in_the_previews_answer_box_checks_it_and_elsewhere_previews(teacher, snapshot):
    before = snapshot()
    page = editor(teacher, "short_answer")
    first_button = re.search(r'<button type="submit" name="go" value="(\w+)"', page.html)
    assert first_button and first_button.group(1) == "enter", "Enter must send the editor's default"
    fields = {"prompt": "Capital of France?", **COMMON, **FIELDS["short_answer"]}
    page = Page(post(teacher, page, fields, "enter"))  # Enter in an editor field: a preview
    assert page.status == 200 and 'name="try-text"' in page.html
    assert "Choose or type an answer" not in page.html and 'class="feedback' not in page.html
    page = Page(post(teacher, page, {"try-text": "Canberra"}, "enter"))  # Enter in the answer box
    assert 'class="feedback feedback-right"' in page.html
    page = Page(post(teacher, page, {"try-text": "Sydney"}, "enter"))
    assert 'class="feedback feedback-wrong"' in page.html
    assert snapshot() == before


def test_a_new_fact_is_added_to_the_source_in_the_same_flow(teacher):
    extra = {"facts": [], "new_fact": "Paris is the capital of France.", "new_fact_section": "s2"}
    question_id = create(teacher, "true_false", "Is Paris the capital?", **extra)
    fact = db.session.scalar(select(Fact).where(Fact.statement == "Paris is the capital of France."))
    assert fact is not None and fact.origin_file == WEB_ORIGIN and fact.section == "s2"
    assert fact.key == "paris-is-the-capital-of-france" and fact.version == 1
    version = db.session.get(Question, question_id).versions[0]
    assert [f.key for f in version.facts] == [fact.key]

    page = editor(teacher, "true_false")
    extra = {"prompt": "x", **COMMON, **FIELDS["true_false"], "new_fact": "Bad", "new_fact_section": "nope"}
    page = Page(post(teacher, page, extra, "save"))
    assert (
        error_beside(page, "new_fact_section") == "unknown section 'nope'; the source's sections are s1, s2"
    )


def test_an_edit_makes_version_2_and_earlier_answers_keep_version_1(app, teacher):
    question_id = create(teacher, "short_answer", "Capital of Australia?")
    attempt_id, _, _ = practise(app, "Capital of Australia?", "short_answer", "Canberra")
    page = teacher.get(f"/teach/questions/{question_id}/edit")
    form = page.form("/teach/questions/")
    assert form.value("prompt") == "Capital of Australia?" and form.value("answers-0") == "Canberra"
    assert form.value("facts") == "f1" and form.value("typo_tolerance") == "y"

    response = post(teacher, page, {}, "save")  # nothing changed
    assert "Nothing changed" in teacher.follow(response).text
    assert db.session.get(Question, question_id).version == 1
    db.session.rollback()

    response = post(teacher, page, {"prompt": "What is the capital of Australia?"}, "save")
    assert "new version" in teacher.follow(response).text
    question = db.session.get(Question, question_id)
    assert question.version == 2 and question.web_edited_at is not None
    assert [v.prompt for v in question.versions] == [
        "Capital of Australia?",
        "What is the capital of Australia?",
    ]
    assert [f.key for f in question.versions[1].facts] == ["f1"]
    [answer] = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    assert db.session.get(QuestionVersion, answer.question_version_id).number == 1


@pytest.mark.parametrize("key", [f"q{n}" for n in range(1, 9)])
def test_saving_a_loaded_question_unchanged_writes_no_version(teacher, key):
    question = db.session.scalar(select(Question).where(Question.key == key))
    question_id, digest = question.id, question.content_hash
    db.session.rollback()
    page = teacher.get(f"/teach/questions/{question_id}/edit")
    response = post(teacher, page, {}, "save")
    assert response.status_code == 302, Page(response).text[:2000]
    question = db.session.get(Question, question_id)
    assert (question.version, question.content_hash, question.web_edited_at) == (1, digest, None)


def test_students_get_403_and_every_form_carries_a_csrf_token(app, teacher):
    question_id = db.session.scalar(select(Question.id).where(Question.key == "q1"))
    db.session.rollback()
    for url in ("/teach/questions/new?type=cloze", f"/teach/questions/{question_id}/edit"):
        page = teacher.get(url)
        form = page.form("/teach/questions/")
        assert form.value("csrf_token")
        response = teacher.post(form.action, {k: v for k, v in form.values().items() if k != "csrf_token"})
        assert response.status_code == 400
    student = Browser(app.test_client())
    sign_in(student, "sam")
    token = student.get("/").form("/sign-out").value("csrf_token")
    for url in (
        "/teach/questions/new",
        "/teach/questions/new?type=cloze",
        f"/teach/questions/{question_id}/edit",
    ):
        assert student.fetch(url).status_code == 403
        assert student.post(url, {"csrf_token": token, "prompt": "x", "go": "save"}).status_code == 403


def test_the_type_is_chosen_first(teacher):
    page = teacher.get("/teach/questions/new")
    form = next(f for f in page.forms if f.method == "get" and "/teach/questions/new" in f.action)
    assert {c.value for c in form.controls if c.name == "type"} == set(QUESTION_TYPES)
    assert teacher.get("/teach/questions/new?type=essay").status == 200


def test_the_saved_version_is_previewed_and_web_questions_are_exported(teacher, runner, snapshot, tmp_path):
    question_id = create(teacher, "ordering", "Put them in order")
    before = snapshot()
    page = teacher.get(f"/teach/questions/{question_id}/preview")
    preview = page.html.split('class="preview"', 1)[1]
    assert "Put them in order" in preview and 'name="try-position_0"' in preview
    fields = {f"try-position_{d}": "" for d in range(3)}
    labels = {page.label_of(c): c.name for c in page.form("/teach/questions/").controls if "try-" in c.name}
    fields.update({labels["one"]: "1", labels["two"]: "2", labels["three"]: "3"})
    page = Page(post(teacher, page, fields, "try"))
    assert page.html.split('class="feedback', 1)[1].split("</h3>")[0].strip().endswith("Right")
    assert snapshot() == before
    # the preview's form is the edit form of the version it shows: saving from it is no stale edit
    saved = post(teacher, page, {"explanation": "Edited from the preview."}, "save")
    assert saved.status_code == 302, Page(saved).text[:500]
    assert "Edited from the preview." in teacher.get(f"/teach/questions/{question_id}/edit").html

    result = runner.invoke(args=["export", "--format", "yaml", "-o", f"{tmp_path / 'out'}/"])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert "id: put-them-in-order" in written and "- one" in written


def test_a_cited_fact_stays_on_the_edit_page_after_it_is_retired(teacher):
    db.session.execute(update(Fact).where(Fact.key == "f1").values(retired_at=utcnow()))
    db.session.commit()
    question_id = db.session.scalar(select(Question.id).where(Question.key == "q1"))
    db.session.rollback()
    page = teacher.get(f"/teach/questions/{question_id}/edit")
    assert page.form("/teach/questions/").value("facts") == "f1"
    assert "Statement of f2." in page.text
    assert post(teacher, page, {}, "save").status_code == 302
    assert db.session.get(Question, question_id).version == 1


def test_rows_left_wholly_empty_are_not_part_of_the_question(app, teacher):
    """A new single choice starts with four option rows; three filled ones make a question."""
    fields = {**FIELDS["single_choice"], "options-3-text": ""}
    qid = create(teacher, "single_choice", "Three options?", **fields)
    version = db.session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == qid))
    assert [o["text"] for o in version.data["options"]] == ["Paris", "Lyon", "Nice"]
    db.session.rollback()

    # A message about a row after an empty one is shown beside that row, not the one before it.
    page = editor(teacher, "single_choice")
    fields = {
        "prompt": "Gap first",
        **COMMON,
        **FIELDS["single_choice"],
        "options-1-text": "",
        "options-3-text": "x" * 501,
    }
    page = Page(post(teacher, page, fields, "save"))
    assert page.status == 422
    assert "at most 500 characters" in error_beside(page, "options-3-text")
    assert page.form("/teach/questions/").value("options-1-text") == ""  # the empty row is still shown


def test_a_refused_save_puts_focus_on_the_first_field_with_a_message(teacher):
    """Without scripts the page came back with focus at the top, dozens of Tabs from the message."""
    cases = [
        ("single_choice", {**FIELDS["single_choice"], "options-1-correct": "y"}, "options-0-text"),
        ("cloze", {**FIELDS["cloze"], "text": "A {{1}} and a {{2}}."}, "blanks-0-answers"),
        ("cloze", {**FIELDS["cloze"], "blanks-0-options": "Paris\nLyon"}, "blanks-0-answers"),
        ("numeric", {"unit": "kg"}, "value"),
        ("numeric", {"min": "9", "max": "3", "facts": []}, "max"),
        ("ordering", {"items-0": "one", "items-1": "two", "items-2": ""}, "items-0"),
        ("true_false", {**FIELDS["true_false"], "facts": []}, "facts-0"),
        ("true_false", {**FIELDS["true_false"], "key": "q1"}, "key"),
        ("true_false", {**FIELDS["true_false"], "marks": "x"}, "marks"),
    ]
    for qtype, fields, first in cases:
        page = Page(post(teacher, editor(teacher, qtype), {"prompt": "Focus?", **COMMON, **fields}, "save"))
        assert page.status == 422, (qtype, fields)
        assert page.autofocused() == [first], (qtype, fields)
    assert editor(teacher, "true_false").autofocused() == []  # a new form: the browser's own start
