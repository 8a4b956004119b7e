"""The teacher area's listings and a question's page, through real HTTP on both backends."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Question, QuestionVersion

from .factories import bank, question, write_bank
from .test_accounts import PASSWORD, practise_one, sign_in
from .test_taking import Browser, Page, load, location, taking_bank


def teacher(app, runner, name: str = "tess") -> Browser:
    """A browser signed in as a new teacher (made with the users CLI)."""
    result = runner.invoke(args=["user", "create", name, "--role", "teacher"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    browser = Browser(app.test_client())
    assert sign_in(browser, name).status_code == 302
    return browser


def row_keys(page: Page) -> list[str]:
    """The ids in the first column of a listing, in order."""
    return re.findall(r'<th scope="row">(?:<a href="[^"]*">)?([^<]+)<', page.html)


def question_id(key: str) -> int:
    found = db.session.scalar(select(Question.id).where(Question.key == key))
    db.session.rollback()
    return found


def listing_bank() -> dict:
    data = bank(questions=8, facts=2)
    data["topics"].append({"id": "t2", "title": "Topic two"})
    data["questions"][0]["prompt"] = "Which river flows through Paris?"
    data["questions"][1]["prompt"] = "<script>alert('x')</script> is shown as text?"
    data["questions"][2]["difficulty"] = "hard"
    data["questions"][3]["topics"] = ["t1", "t2"]
    data["questions"].append(question("lonely", topics=[], facts=["f2"]))
    return data


def test_questions_listing_filters_and_escapes(app, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", listing_bank()))
    browser = teacher(app, runner)

    page = browser.get("/teach/questions")
    assert row_keys(page) == ["lonely", *[f"q{i}" for i in range(1, 9)]]
    assert "9 questions" in page.text
    assert "&lt;script&gt;alert(" in page.html
    assert "<script>alert(" not in page.html
    assert "bank.yaml" in page.text
    assert 'href="/teach/questions/' in page.html

    def keys(query: str) -> list[str]:
        return row_keys(browser.get("/teach/questions?" + query))

    assert keys("text=PARIS") == ["q1"]  # case-insensitive, in the prompt
    assert keys("text=LONE") == ["lonely"]  # in the id
    assert keys("text=100%25") == []  # % is a literal character, not a wildcard
    assert keys("type=true_false") == ["q3"]
    assert keys("difficulty=hard") == ["q3"]
    assert keys("topic=t2") == ["q4"]
    assert keys("fact=f2") == ["lonely", "q2", "q4", "q6", "q8"]
    assert keys("origin=web") == []
    assert keys("origin=file&type=single_choice") == ["lonely", "q1"]
    assert keys("type=no_such_type") == keys("")  # a bad value filters nothing and is no error

    # The form keeps what was chosen.
    page = browser.get("/teach/questions?text=paris&type=single_choice&topic=t1&status=all")
    assert re.search(r'<input[^>]*name="text"[^>]*value="paris"', page.html)
    get_form = next(f for f in page.forms if f.method == "get")
    assert get_form.value("type") == "single_choice"
    assert get_form.value("topic") == "t1"
    assert get_form.value("status") == "all"


def test_questions_listing_pages_keep_the_filters(app, runner, tmp_path):
    data = bank(questions=120, facts=10)
    load(runner, write_bank(tmp_path / "bank.yaml", data))
    browser = teacher(app, runner)

    first = browser.get("/teach/questions?type=single_choice&status=all")
    assert "15 questions" in first.text  # 120 questions, 8 types
    page = browser.get("/teach/questions")
    assert len(row_keys(page)) == 50
    assert "Page 1 of 3" in page.text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', page.html).group(1)
    assert "page=2" in next_link

    filtered = browser.get("/teach/questions?text=Prompt&origin=file")
    link = re.search(r'<a href="([^"]+)" rel="next">', filtered.html).group(1).replace("&amp;", "&")
    assert "text=Prompt" in link and "origin=file" in link and "page=2" in link
    second = browser.get(link)
    assert "Page 2 of 3" in second.text
    assert row_keys(second)[0] not in row_keys(filtered)
    assert len(row_keys(browser.get("/teach/questions?page=3"))) == 20
    assert "Page 3 of 3" in browser.get("/teach/questions?page=99").text  # clamped, not a 404


def test_listings_cost_the_same_queries_for_20_and_200_questions(app, runner, tmp_path, count_queries):
    browser = teacher(app, runner)
    counts: dict[str, list[int]] = {}
    for size in (20, 200):
        load(runner, write_bank(tmp_path / "bank.yaml", bank(questions=size, facts=size // 4)))
        for url in (
            "/teach/questions",
            "/teach/questions?topic=t1&text=prompt",
            "/teach/facts",
            "/teach/sources",
        ):
            with count_queries() as statements:
                assert browser.fetch(url).status_code == 200
            counts.setdefault(url, []).append(len(statements))
        # The last page holds 20 rows when the bank has 200: still the same count.
        with count_queries() as statements:
            assert browser.fetch(f"/teach/questions?page={size // 50 + 1}").status_code == 200
        counts.setdefault("last page", []).append(len(statements))
    for url, (small, large) in counts.items():
        assert small == large, (url, counts)
        assert small <= 10, (url, counts)


def test_facts_and_sources_listings(app, runner, tmp_path):
    data = bank(questions=8, facts=3)
    data["facts"][1]["draft"] = True
    data["facts"][2]["section"] = "s2"
    data["facts"][2]["statement"] = "Water boils at 100 °C at sea level."
    load(runner, write_bank(tmp_path / "bank.yaml", data))
    other = bank("other", questions=0, facts=1)
    other["facts"] = [{"id": "g1", "section": "s1", "statement": "Another source's fact."}]
    other["questions"], other["quizzes"], other["topics"] = [], [], []
    load(runner, write_bank(tmp_path / "other.yaml", other))
    browser = teacher(app, runner)

    assert row_keys(browser.get("/teach/facts")) == ["f1", "f2", "f3", "g1"]
    assert row_keys(browser.get("/teach/facts?text=BOILS")) == ["f3"]
    assert row_keys(browser.get("/teach/facts?source=other")) == ["g1"]
    assert row_keys(browser.get("/teach/facts?section=s2")) == ["f3"]
    page = browser.get("/teach/facts?draft=y")
    assert row_keys(page) == ["f2"]
    assert next(f for f in page.forms if f.method == "get").control("draft").checked
    assert row_keys(browser.get("/teach/facts?status=retired")) == []

    sources = browser.get("/teach/sources")
    assert row_keys(sources) == ["other", "src"]
    assert "s1: Section one" in sources.text
    assert 'href="/teach/facts?source=src">3<' in sources.html
    assert "(edited in the browser)" not in sources.text  # loaded from files, never edited


def test_question_page_shows_versions_and_answer_counts(app, runner, tmp_path):
    data = taking_bank()
    path = write_bank(tmp_path / "bank.yaml", data)
    load(runner, path)
    practise_one(Browser(app.test_client()))  # a guest answers q1 (version 1)
    data["questions"][0]["prompt"] = "A <b>new</b> prompt?"
    load(runner, write_bank(path, data))
    browser = teacher(app, runner)

    page = browser.get(f"/teach/questions/{question_id('q1')}")
    assert "A &lt;b&gt;new&lt;/b&gt; prompt?" in page.html
    versions = re.findall(
        r'<th scope="row">(\d+)[^<]*</th>\s*<td><time[^>]*>[^<]+</time></td>\s*'
        r"<td><code>([0-9a-f]{10})</code></td>\s*<td>(\d+)</td>",
        page.html,
    )
    assert [(n, answers) for n, _h, answers in versions] == [("2", "0"), ("1", "1")]
    assert browser.get("/teach/questions/999999", status=404).status == 404


def test_question_page_shows_the_answer_data_as_written_and_escaped(app, runner, tmp_path):
    data = bank(questions=1, facts=1)
    data["questions"][0]["options"][1]["text"] = '<b>Tom & Jerry\'s</b> "show"'
    load(runner, write_bank(tmp_path / "bank.yaml", data))
    browser = teacher(app, runner)

    page = browser.get(f"/teach/questions/{question_id('q1')}")
    assert "<b>Tom" not in page.html
    # JSON's quoting, then HTML's escaping: not tojson's \u003c, which a teacher cannot read
    written = "&#34;text&#34;: &#34;&lt;b&gt;Tom &amp; Jerry&#39;s&lt;/b&gt; \\&#34;show\\&#34;&#34;"
    assert written in page.html
    assert "\\u003c" not in page.html
    # The right answer reads as a student is shown it; the stored JSON is one click away.
    [right_option] = [o["text"] for o in data["questions"][0]["options"] if o.get("correct")]
    right = re.search(r'<p class="right-answer">(.*?)</p>', page.html, re.S).group(1)
    assert html.unescape(right) == right_option
    assert "<summary>Everything the question holds, as stored (JSON)</summary>" in page.html


def test_retire_restore_and_delete(app, runner, tmp_path):
    data = taking_bank()
    data["questions"].append(question("unused", topics=[], facts=["f1"]))
    load(runner, write_bank(tmp_path / "bank.yaml", data))
    practise_one(Browser(app.test_client()))  # q1 answered, q2..q8 shown
    browser = teacher(app, runner)

    q1 = question_id("q1")
    page = browser.get(f"/teach/questions/{q1}")
    response = browser.submit(page, f"/teach/questions/{q1}/retire")
    page = browser.follow(response)
    assert "q1 is retired." in page.text
    assert "q1" not in row_keys(browser.get("/teach/questions"))
    assert "q1" in row_keys(browser.get("/teach/questions?status=retired"))
    response = browser.submit(page, f"/teach/questions/{q1}/restore")
    assert "q1 is active again." in browser.follow(response).text
    assert "q1" in row_keys(browser.get("/teach/questions"))

    # Answered (q1) or only shown (q2): deleting is refused with a message, nothing changes.
    for key in ("q1", "q2"):
        qid = question_id(key)
        page = browser.get(f"/teach/questions/{qid}")
        assert "cannot be deleted, only retired" in page.text
        assert f"/teach/questions/{qid}/delete" not in page.html  # no Delete button offered
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.html).group(1)
        forged = browser.post(f"/teach/questions/{qid}/delete", {"csrf_token": token, "confirm": "yes"})
        assert "retire it instead" in browser.follow(forged).text
        assert question_id(key) == qid

    unused = question_id("unused")
    page = browser.get(f"/teach/questions/{unused}")
    assert "can be deleted" in page.text
    unconfirmed = browser.follow(browser.submit(page, f"/teach/questions/{unused}/delete"))
    assert "Nothing was deleted: tick “Yes, delete it for good” beside the button first." in unconfirmed.text
    assert question_id("unused") == unused
    response = browser.submit(page, f"/teach/questions/{unused}/delete", {"confirm": "yes"})
    assert location(response) == "/teach/questions"
    assert "unused is deleted." in browser.follow(response).text
    assert question_id("unused") is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(QuestionVersion).where(QuestionVersion.question_id == unused)
        )
        == 0
    )
    db.session.rollback()
    assert browser.post(f"/teach/questions/{unused}/retire", {}).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.html).group(1)
    assert browser.post(f"/teach/questions/{unused}/retire", {"csrf_token": token}).status_code == 404


def test_students_cannot_change_questions(app, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    result = runner.invoke(args=["user", "create", "sam"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    browser = Browser(app.test_client())
    sign_in(browser, "sam")
    assert browser.fetch("/teach/questions").status_code == 403
    assert browser.post(f"/teach/questions/{question_id('q1')}/retire", {}).status_code in (400, 403)
