"""The home page lists the loaded banks and their quizzes."""

from __future__ import annotations

from sqlalchemy import update

from quizapp.bank.load import new_state
from quizapp.config import resource_dir
from quizapp.extensions import db
from quizapp.models import Fact

from .factories import bank, write_bank


def test_home_without_banks_says_how_to_load_one(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "No question banks are loaded yet" in page.get_data(as_text=True)


def test_the_site_navigation_marks_the_page_it_is_on(client):
    pages = {"/": "Quizzes", "/progress": "My progress", "/help/scoring": "How answers are scored"}
    for path, current in pages.items():
        html = client.get(path).get_data(as_text=True)
        nav = html[html.index('<nav aria-label="Site">') : html.index("</nav>")]
        assert nav.count('aria-current="page"') == 1, path
        assert f'aria-current="page">{current}</a>' in nav, path


def test_home_lists_the_shipped_bank_and_its_quizzes(client, runner):
    result = runner.invoke(args=["load", str(resource_dir("questions"))])
    assert result.exit_code == 0, result.output
    db.session.remove()
    html = client.get("/").get_data(as_text=True)
    assert "New type of international relations" in html
    for title in ("Quick start", "The whole article, mixed"):
        assert title in html
    assert "Exam mode" in html and "minute time limit" in html
    assert "Practice mode" in html


def test_home_escapes_bank_text(client, runner, tmp_path):
    data = bank(questions=8)
    data["quizzes"][0]["title"] = "<script>alert(1)</script>"
    runner.invoke(args=["load", str(write_bank(tmp_path / "b.yaml", data))])
    db.session.remove()
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_home_makes_the_same_number_of_queries_for_one_bank_or_three(client, runner, tmp_path, count_queries):
    runner.invoke(args=["load", str(write_bank(tmp_path / "one" / "a.yaml", bank("a", questions=8)))])
    db.session.remove()
    with count_queries() as one:
        assert client.get("/").status_code == 200
    for name in ("b", "c"):
        data = bank(name, questions=16)
        for item in ("questions", "facts", "topics", "quizzes"):
            for record in data[item]:
                record["id"] = f"{name}-{record['id']}"
        for question in data["questions"]:
            question["facts"] = [f"{name}-{f}" for f in question["facts"]]
            question["topics"] = [f"{name}-{t}" for t in question["topics"]]
        data["quizzes"][0]["select"] = {"topics": [f"{name}-t1"]}
        result = runner.invoke(args=["load", str(write_bank(tmp_path / name / "bank.yaml", data))])
        assert result.exit_code == 0, result.output
    db.session.remove()
    with count_queries() as three:
        html = client.get("/").get_data(as_text=True)
    assert "Source b" in html and "Source c" in html
    assert len(three) == len(one)


def test_the_kept_listing_is_read_again_after_a_load_changes_the_bank(
    client, runner, tmp_path, count_queries
):
    data = bank(questions=8)
    path = write_bank(tmp_path / "b.yaml", data)
    assert runner.invoke(args=["load", str(path)]).exit_code == 0
    db.session.remove()
    assert "All of it" in client.get("/").get_data(as_text=True)
    db.session.remove()
    with count_queries() as kept:  # the listing is kept: only the bank's token is read for it
        assert client.get("/").status_code == 200
    assert runner.invoke(args=["load", str(path)]).exit_code == 0  # unchanged: the token stays
    db.session.remove()
    with count_queries() as unchanged:
        assert client.get("/").status_code == 200
    assert len(unchanged) == len(kept)

    data["quizzes"][0]["title"] = "Renamed quiz"
    data["questions"] = data["questions"][:4]  # four retired
    assert runner.invoke(args=["load", str(write_bank(path, data))]).exit_code == 0
    db.session.remove()
    with count_queries() as reread:
        html = client.get("/").get_data(as_text=True)
    assert "Renamed quiz" in html and "All of it" not in html
    assert "4 questions on" in html
    assert len(reread) > len(kept)


def test_home_counts_one_question_and_one_fact_in_the_singular(client, runner, tmp_path):
    data = bank("one", questions=1, facts=1)
    assert runner.invoke(args=["load", str(write_bank(tmp_path / "one.yaml", data))]).exit_code == 0
    db.session.remove()
    html = client.get("/").get_data(as_text=True)
    assert "1 question on 1 fact." in html
    assert "1 questions" not in html and "1 facts" not in html


def test_quiz_states_follow_the_clock():
    """The kept listing is keyed by these states: a quiz opening or closing changes the key."""
    from datetime import UTC, datetime, timedelta

    from quizapp.home import quiz_states
    from quizapp.services.catalogue import Listing, QuizEntry, SourceEntry

    noon = datetime(2026, 3, 1, 12, tzinfo=UTC)
    hour = timedelta(hours=1)
    quizzes = [
        QuizEntry(1, "always", "Always", None, "practice", None, 5),
        QuizEntry(2, "later", "Later", None, "practice", None, 5, opens_at=noon + hour),
        QuizEntry(3, "until", "Until", None, "practice", None, 5, closes_at=noon + hour),
        QuizEntry(4, "over", "Over", None, "practice", None, 5, closes_at=noon - hour),
    ]
    listing = Listing([SourceEntry("s", "S", "o", "l", 5, 1, quizzes)], [], [])
    assert quiz_states(listing, noon) == ((1, "open"), (2, "opens"), (3, "closes"), (4, "closed"))
    assert quiz_states(listing, noon + 2 * hour) == ((1, "open"), (2, "open"), (3, "closed"), (4, "closed"))


def test_a_fresh_import_is_listed_for_students_once_a_teacher_reviews_its_facts(client, runner, tmp_path):
    """An import's facts are drafts (each states its question's answer) and it has no quiz: students
    get nothing from it until a teacher reviews the facts, so the home page does not list it."""
    gift = tmp_path / "capitals.gift"
    gift.write_text("::capital:: France?{=Paris ~Lyon ~Nice}\n\n::rome:: Italy?{=Rome}\n")
    result = runner.invoke(args=["import", str(gift)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert "capitals.gift" not in client.get("/").get_data(as_text=True)

    db.session.execute(update(Fact).values(draft=False))
    new_state(db.session)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<h2 id="bank-capitals">capitals.gift</h2>' in html
    assert "2 questions on 2 facts." in html
