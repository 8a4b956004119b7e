"""Who may enter the teacher area: teachers and admins; guests and students get 403."""

from __future__ import annotations

from .factories import write_bank
from .test_accounts import create_accounts, practise_one, sign_in, sign_in_target
from .test_taking import Browser, load, taking_bank


def test_the_teacher_area_lets_in_teachers_and_admins_only(app, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    create_accounts(runner, {"sam": "student", "tess": "teacher", "root": "admin"})

    visitor = Browser(app.test_client())
    assert sign_in_target(visitor.fetch("/teach/")) == "/teach/"
    practise_one(visitor)  # now a guest
    assert visitor.fetch("/teach/").status_code == 403

    for name, expected in (("sam", 403), ("tess", 200), ("root", 200)):
        browser = Browser(app.test_client())
        sign_in(browser, name)
        page = browser.fetch("/teach/")
        assert page.status_code == expected, name
        home = browser.fetch("/").get_data(as_text=True)
        assert ('href="/teach/"' in home) == (expected == 200), name
        if expected == 200:
            text = page.get_data(as_text=True)
            assert "Teacher area" in text
            assert "active question" in text
            for listing in ("sources", "facts", "questions", "quizzes"):  # each count opens its list
                assert f'<a href="/teach/{listing}">' in text, listing
