"""The quiz builder through HTTP: a teacher makes and edits quizzes, students take them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from quizapp.bank.load import new_state
from quizapp.extensions import db
from quizapp.models import WEB_ORIGIN, Attempt, Quiz, QuizVersion, Slot, utcnow

from .factories import bank, write_bank
from .test_accounts import PASSWORD, sign_in
from .test_taking import Browser, Page, load, location, prompt_of, taking_bank

NEW = "/teach/quizzes/new"


@pytest.fixture
def people(app, runner, tmp_path) -> dict[str, Browser]:
    """The taking bank loaded; a signed-in teacher and student, each with a browser of their own."""
    load(runner, write_bank(tmp_path / "bank" / "bank.yaml", taking_bank()))
    browsers = {}
    for name, role in (("tess", "teacher"), ("sam", "student")):
        result = runner.invoke(args=["user", "create", name, "--role", role], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        browsers[role] = Browser(app.test_client())
        assert sign_in(browsers[role], name).status_code == 302
    return browsers


def build(browser: Browser, url: str = NEW, go: str = "save", **fields: Any) -> Any:
    """Post the builder form at `url` as shown, with `fields` changed."""
    page = browser.get(url)
    return browser.submit(page, "/teach/quizzes", fields, go=go)


def quiz_named(key: str) -> Quiz:
    db.session.expire_all()
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == key))
    assert quiz is not None, key
    db.session.expunge(quiz)  # keeps what was read, after the session ends
    db.session.rollback()
    return quiz


def versions_of(key: str) -> list[int]:
    numbers = list(
        db.session.scalars(
            select(QuizVersion.number).join(Quiz, Quiz.id == QuizVersion.quiz_id).where(Quiz.key == key)
        )
    )
    db.session.rollback()
    return sorted(numbers)


def error_beside(page: Page, field: str) -> str:
    """The message shown beside a field (the macro writes it with the id `<field>-error`)."""
    match = re.search(rf'<(?:span|p) class="error" id="{field}-error">([^<]*)</', page.html)
    assert match, f"no error beside {field}: {page.text[:1500]}"
    return match.group(1).replace("&#39;", "'")


def slot_prompts(browser: Browser, attempt_id: int, total: int) -> list[str]:
    prompts = []
    for position in range(1, total + 1):
        page = browser.get(f"/attempts/{attempt_id}/{position}")
        prompts.append(re.search(r'<h2 id="prompt" class="prompt">([^<]*)</h2>', page.html).group(1))
    return prompts


# --- making quizzes of each kind ------------------------------------------------------------------


def test_a_teacher_makes_a_quiz_by_topic_and_difficulty_and_students_take_it(people):
    teacher, student = people["teacher"], people["student"]
    response = build(
        teacher,
        title="Web medley",
        topics="t1",
        difficulty=["medium"],
        count="3",
        description="Three of them.",
    )
    assert response.status_code == 302 and location(response) == "/teach/quizzes"
    quiz = quiz_named("web-medley")
    assert (quiz.origin_file, quiz.version, quiz.count, quiz.mode) == (WEB_ORIGIN, 1, 3, "practice")
    assert quiz.selection == {"topics": ["t1"], "difficulty": ["medium"]}
    assert versions_of("web-medley") == [1]

    listing = teacher.get("/teach/quizzes")
    row = re.search(r'<tr id="quiz-web-medley">.*?</tr>', listing.html, re.S).group(0)
    assert "Practice" in row and "web" in row and "active" in row and ">3<" in row

    home = student.get("/")
    assert "Web medley" in home.text and "Three of them." in home.text
    attempt_id, _ = student.start("web-medley")
    assert len(db.session.scalars(select(Slot).where(Slot.attempt_id == attempt_id)).all()) == 3
    db.session.rollback()


def test_a_quiz_by_facts_draws_only_their_questions(people):
    teacher, student = people["teacher"], people["student"]
    assert build(teacher, title="Fact two", id="fact-two", facts=["f2"], order="fixed").status_code == 302
    attempt_id, _ = student.start("fact-two")
    assert slot_prompts(student, attempt_id, 2) == [prompt_of("q2"), prompt_of("q6")]


def test_facts_are_picked_by_checkboxes_that_keep_what_was_ticked(people):
    teacher = people["teacher"]
    page = teacher.get(NEW)
    assert re.search(r'<details class="fact-picker">\s*<summary>Facts \(none ticked\)</summary>', page.html)
    assert '<input id="facts-0" name="facts" type="checkbox" value="f1">' in page.html
    picker = page.html.split('class="fact-picker"')[1].split("</details>")[0]
    assert "<select" not in picker
    assert '<label for="facts-0">Statement of f1.</label>' in picker  # one bank: no bank named
    refused = Page(build(teacher, title="", facts=["f1", "f2"]))  # refused: no title
    assert refused.status == 422
    opened = r'<details class="fact-picker" open>\s*<summary>Facts \(2 ticked\)</summary>'
    assert re.search(opened, refused.html)
    assert refused.form("/teach/quizzes").values().getlist("facts") == ["f1", "f2"]


def test_with_several_banks_each_topic_names_the_banks_it_draws_from(people, runner, tmp_path):
    """Topics are shared by every bank and a quiz draws from its own: the labels say which banks
    have questions on each topic (one bank: plain titles, as the fact picker does)."""
    teacher = people["teacher"]
    assert re.search(r'<label for="topics-0">Topic one</label>', teacher.get(NEW).html)
    other = bank("other")
    for fact in other["facts"]:
        fact["id"] = f"o-{fact['id']}"
    for question in other["questions"]:
        question["id"], question["topics"] = f"o-{question['id']}", ["t9"]
        question["facts"] = [f"o-{fact}" for fact in question["facts"]]
    other["topics"] = [{"id": "t9", "title": "Topic nine"}, {"id": "t8", "title": "Topic eight"}]
    other["quizzes"] = [{"id": "o-quiz", "title": "Other", "select": {"topics": ["t9"]}}]
    load(runner, write_bank(tmp_path / "bank" / "other.yaml", other))
    labels = re.findall(r'<label for="topics-\d+">([^<]*)</label>', teacher.get(NEW).html)
    assert labels == ["Topic eight (no question yet)", "Topic nine (Source other)", "Topic one (Source src)"]


def test_a_hand_picked_quiz_asks_its_questions_in_the_order_given(people):
    teacher, student = people["teacher"], people["student"]
    preview = build(
        teacher, go="preview", title="Picked", kind="questions", questions="q5\nq1\nq3", order="fixed"
    )
    assert preview.status_code == 200
    shown = Page(preview)
    assert "The selection holds 3 questions" in shown.text
    assert re.findall(r"<li><code>(q\d)</code>", shown.html) == ["q5", "q1", "q3"]
    assert db.session.scalar(select(Quiz).where(Quiz.key == "picked")) is None  # a preview saves nothing
    db.session.rollback()

    response = teacher.submit(shown, "/teach/quizzes", go="save")  # the typed values were kept
    assert response.status_code == 302
    assert quiz_named("picked").selection == {"questions": ["q5", "q1", "q3"]}
    attempt_id, _ = student.start("picked")
    assert slot_prompts(student, attempt_id, 3) == [prompt_of("q5"), prompt_of("q1"), prompt_of("q3")]


def test_a_load_that_retires_a_question_a_web_quiz_picked_says_so(people, runner, tmp_path):
    build(people["teacher"], title="Picked", kind="questions", questions="q5 q1", order="fixed")
    data = taking_bank()
    data["questions"] = [q for q in data["questions"] if q["id"] != "q5"]  # q5 leaves the file
    result = runner.invoke(args=["load", str(write_bank(tmp_path / "bank" / "bank.yaml", data))])
    assert result.exit_code == 0, result.output
    assert "1 retired" in result.output
    assert (
        "note: quiz 'picked' (made in the browser) picks 1 question this load retired (q5): "
        "1 of its 2 are left"
    ) in result.output


# --- editing -------------------------------------------------------------------------------------


def test_editing_makes_a_new_version_and_earlier_attempts_keep_theirs(people):
    teacher, student = people["teacher"], people["student"]
    build(teacher, title="Editable", kind="questions", questions="q1 q2", order="fixed")
    quiz = quiz_named("editable")
    first_attempt, _ = student.start("editable")

    edit_url = f"/teach/quizzes/{quiz.id}"
    form = teacher.get(edit_url)
    assert form.form("/teach/quizzes").value("questions") == "q1\nq2"  # the edit form starts from the quiz
    assert teacher.submit(form, "/teach/quizzes", go="save").status_code == 302
    assert versions_of("editable") == [1]  # nothing changed: no new version

    response = build(teacher, edit_url, title="Edited", questions="q3\nq1\nq2")
    assert response.status_code == 302
    quiz = quiz_named("editable")
    assert (quiz.title, quiz.version, quiz.origin_file) == ("Edited", 2, WEB_ORIGIN)
    assert quiz.web_edited_at is not None
    assert versions_of("editable") == [1, 2]

    attempt = db.session.get(Attempt, first_attempt)
    old_version = db.session.get(QuizVersion, attempt.quiz_version_id)
    assert old_version.number == 1 and old_version.definition["title"] == "Editable"
    db.session.rollback()
    assert slot_prompts(student, first_attempt, 2) == [prompt_of("q1"), prompt_of("q2")]

    newcomer = Browser(student.client.application.test_client())
    attempt_id, _ = newcomer.start("editable")
    assert slot_prompts(newcomer, attempt_id, 3) == [prompt_of("q3"), prompt_of("q1"), prompt_of("q2")]
    assert db.session.get(QuizVersion, db.session.get(Attempt, attempt_id).quiz_version_id).number == 2
    db.session.rollback()


def test_a_bank_quiz_edited_in_the_browser_keeps_its_file(people):
    teacher = people["teacher"]
    quiz = quiz_named("practice")
    response = build(teacher, f"/teach/quizzes/{quiz.id}", title="Practice everything")
    assert response.status_code == 302
    edited = quiz_named("practice")
    assert (edited.title, edited.version, edited.origin_file) == ("Practice everything", 2, "bank.yaml")


# --- validation ----------------------------------------------------------------------------------


def test_an_id_taken_between_the_check_and_the_save_is_said_beside_the_id(people, monkeypatch):
    """Another teacher's quiz saved with the same id after this one was checked (on PostgreSQL two
    saves run side by side): the unique key refuses the second, and the form says why."""
    from quizapp.services import quiz_builder

    checked = quiz_builder.check

    def check_then_taken(session, data, source_key, quiz_id=None):
        record, problems = checked(session, data, source_key, quiz_id)
        if record is not None:
            quiz_builder.save(session, record, source_key)  # as by the other teacher, meanwhile
            session.flush()
        return record, problems

    monkeypatch.setattr(quiz_builder, "check", check_then_taken)
    page = Page(build(people["teacher"], title="Twice", id="twice"))
    assert page.status == 409
    assert error_beside(page, "id").startswith("This id was taken a moment ago: choose another")
    assert page.form("/teach/quizzes").value("title") == "Twice"  # what was typed is kept
    assert db.session.scalar(select(Quiz).where(Quiz.key == "twice")) is None  # nothing half-saved
    db.session.rollback()


def test_the_same_new_quiz_sent_twice_is_not_saved_twice(people):
    """Back and Save again (or a second click) would make a copy with an id ending in -2."""
    teacher = people["teacher"]
    form = teacher.get(NEW)
    assert teacher.submit(form, "/teach/quizzes", {"title": "Sent twice"}, go="save").status_code == 302
    again = Page(teacher.submit(form, "/teach/quizzes", {"title": "Sent twice"}, go="save"))
    assert again.status == 422
    message = error_beside(again, "title")
    assert message.startswith("This bank has a quiz with this title already (id sent-twice)")
    on_purpose = {"title": "Sent twice", "id": "sent-twice-again"}
    assert teacher.submit(form, "/teach/quizzes", on_purpose, go="save").status_code == 302
    assert versions_of("sent-twice-again") == [1]


def test_bad_input_is_refused_with_the_checkers_message_beside_the_field(people):
    teacher = people["teacher"]
    page = Page(build(teacher, title="  ", count="lots", time_limit="20", opens_at="next monday"))
    assert page.status == 422
    assert error_beside(page, "title") == "must not be empty"
    assert error_beside(page, "count") == "expected a whole number, got text ('lots')"
    assert "applies to exam mode only" in error_beside(page, "time_limit")
    assert "YYYY-MM-DD HH:MM" in error_beside(page, "opens_at")
    assert page.autofocused() == ["title"]  # the first field with a message, in page order
    values = page.form("/teach/quizzes").values()
    assert (values["count"], values["time_limit"], values["opens_at"]) == ("lots", "20", "next monday")
    page = Page(build(teacher, title="Digits", count="\u0663"))  # an Arabic-Indic 3 is no number here
    assert error_beside(page, "count") == "expected a whole number, got text ('\u0663')"

    page = Page(build(teacher, title="Picked", kind="questions", questions="q1\nnope\nq1"))
    assert page.status == 422
    assert "duplicate question 'q1'" in error_beside(page, "questions")
    page = Page(build(teacher, title="Picked", kind="questions", questions="q1\nnope"))
    assert "unknown question 'nope'" in error_beside(page, "questions")
    assert page.form("/teach/quizzes").value("questions") == "q1\nnope"

    page = Page(build(teacher, title="Too many", facts=["f1"], count="5"))
    assert error_beside(page, "count") == "count 5 is more than the 2 question(s) the selection holds"
    page = Page(build(teacher, title="Backwards", opens_at="2030-02-01 10:00", closes_at="2030-01-01 10:00"))
    assert error_beside(page, "closes_at") == "closes_at must be later than opens_at"
    page = Page(build(teacher, title="Slip", opens_at="0226-02-01 10:00"))
    assert page.status == 422
    assert error_beside(page, "opens_at") == "the year 226 is too early: expected 1970 or later"
    page = Page(build(teacher, title="Hidden", show_answers="never"))
    assert "feedback: after_submit" in error_beside(page, "show_answers")
    assert page.autofocused() == ["show_answers-0"]  # a group: its first choice
    page = Page(build(teacher, title="Taken", id="practice"))
    assert error_beside(page, "id") == "duplicate quiz id 'practice'"
    assert db.session.scalar(select(Quiz).where(Quiz.origin_file == WEB_ORIGIN)) is None
    db.session.rollback()


# --- dates, shuffling, answers -------------------------------------------------------------------


def _stamp(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def test_a_quiz_cannot_be_started_before_it_opens_or_after_it_closes(people):
    teacher, student = people["teacher"], people["student"]
    now = utcnow()
    build(teacher, title="Later", opens_at=_stamp(now + timedelta(days=2)))
    saved = build(
        teacher,
        title="Over",
        opens_at=_stamp(now - timedelta(days=9)),
        closes_at=_stamp(now - timedelta(days=1)),
    )
    assert "“Over” closed at" in teacher.follow(saved).text  # a date in the past is pointed out
    saved = build(teacher, title="Now", closes_at=_stamp(now + timedelta(days=1)))
    assert "closed at" not in teacher.follow(saved).text
    home = student.get("/")
    later = re.search(r'<li class="quiz" id="quiz-later">.*?</li>', home.html, re.S).group(0)
    over = re.search(r'<li class="quiz" id="quiz-over">.*?</li>', home.html, re.S).group(0)
    assert "opens " in later and "/quizzes/later/start" not in later
    assert "closed" in over and "/quizzes/over/start" not in over
    assert "closes " in home.text and "/quizzes/now/start" in home.html

    token = home.form("/quizzes/now/start").value("csrf_token")
    for key, says in (("later", "cannot be started yet"), ("over", "cannot be started now")):
        refused = student.post(f"/quizzes/{key}/start", {"csrf_token": token})  # the server refuses too
        assert location(refused) == "/"
        assert says in student.get("/").text
        assert db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz_named(key).id)) is None
    assert student.start("now")[0] > 0


def test_choices_keep_their_written_order_when_shuffling_is_off(people):
    teacher, student = people["teacher"], people["student"]
    build(
        teacher,
        title="Unshuffled",
        kind="questions",
        questions="q1 q2 q8 q6",
        order="fixed",
        shuffle_options=[],
    )
    assert quiz_named("unshuffled").shuffle_options is False
    for taker in range(3):
        browser = student if taker == 0 else Browser(student.client.application.test_client())
        attempt_id, page = browser.start("unshuffled")
        labels = [page.label_of(c) for c in page.answer_controls() if c.name == "choice"]
        assert labels == ["right 0", "wrong a 0", "wrong b 0"]
        slots = db.session.scalars(select(Slot).where(Slot.attempt_id == attempt_id).order_by(Slot.position))
        layouts = [slot.layout for slot in slots]
        db.session.rollback()
        assert layouts[:3] == [{"options": [0, 1, 2]}, {"options": [0, 1, 2]}, {"blanks": [None, [0, 1]]}]
        # ordering items in written order would be the answer: they are shuffled all the same
        assert sorted(layouts[3]["items"]) == [0, 1, 2] and layouts[3]["items"] != [0, 1, 2]


def test_answers_held_back_until_the_quiz_closes(people):
    teacher, student = people["teacher"], people["student"]
    closes = utcnow() + timedelta(days=1)
    build(
        teacher,
        title="Exam later",
        kind="questions",
        questions="q1",
        mode="exam",
        show_answers="after_close",
        closes_at=_stamp(closes),
    )
    attempt_id, page = student.start("exam-later")
    student.submit(page, "/attempts/", page.fields_for("single_choice", "wrong a 0"), go="next")
    student.submit(student.get(f"/attempts/{attempt_id}/finish"), f"/attempts/{attempt_id}/finish")
    review = student.get(f"/attempts/{attempt_id}/review")
    assert "Right answers are shown after the quiz closes" in review.text
    assert "right 0" not in review.text and "Because of q1" not in review.text

    db.session.execute(
        update(Quiz).where(Quiz.key == "exam-later").values(closes_at=utcnow() - timedelta(minutes=1))
    )
    new_state(db.session)  # as every change to bank tables must (the listing of quizzes is kept)
    db.session.commit()
    review = student.get(f"/attempts/{attempt_id}/review")
    assert "right 0" in review.text and "Because of q1" in review.text


# --- retiring and access ---------------------------------------------------------------------------


def test_retiring_and_restoring_a_quiz(people):
    teacher, student = people["teacher"], people["student"]
    build(teacher, title="Short lived")
    quiz = quiz_named("short-lived")
    listing = teacher.get("/teach/quizzes")
    assert teacher.submit(listing, f"/teach/quizzes/{quiz.id}/retire").status_code == 302
    assert quiz_named("short-lived").retired_at is not None
    assert "Short lived" not in student.get("/").text
    listing = teacher.get("/teach/quizzes")
    assert "retired" in re.search(r'<tr id="quiz-short-lived">.*?</tr>', listing.html, re.S).group(0)
    teacher.submit(listing, f"/teach/quizzes/{quiz.id}/restore")
    assert "Short lived" in student.get("/").text


def test_students_cannot_use_the_builder(people):
    student = people["student"]
    quiz = quiz_named("practice")
    for url in ("/teach/quizzes", NEW, f"/teach/quizzes/{quiz.id}"):
        assert student.fetch(url).status_code == 403, url
    token = student.get("/").form("/quizzes/practice/start").value("csrf_token")
    for url in (NEW, f"/teach/quizzes/{quiz.id}", f"/teach/quizzes/{quiz.id}/retire"):
        assert student.post(url, {"csrf_token": token, "title": "Mine"}).status_code == 403, url
    assert quiz_named("practice").retired_at is None and quiz_named("practice").version == 1


def test_builder_pages_read_a_fixed_number_of_statements(people, count_queries):
    teacher = people["teacher"]

    def statements(url: str) -> int:
        with count_queries() as seen:
            assert teacher.fetch(url).status_code == 200, url
        return len(seen)

    build(teacher, title="First", kind="questions", questions="q1")
    edit = f"/teach/quizzes/{quiz_named('first').id}"
    before = {url: statements(url) for url in ("/teach/quizzes", NEW, edit)}
    for n in range(4):
        build(teacher, title=f"More {n}", facts=["f1", "f2"], order="fixed")
    assert {url: statements(url) for url in ("/teach/quizzes", NEW, edit)} == before
