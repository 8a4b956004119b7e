"""Roles as named predicates, and the decorator that guards teacher and admin views."""

from __future__ import annotations

import pytest

from quizapp.models import User
from quizapp.permissions import can_manage_users, can_teach, is_signed_in, requires
from quizapp.takers import Visitor

from .factories import write_bank
from .test_accounts import create_accounts, practise_one, sign_in, sign_in_target, user_named
from .test_taking import Browser, load, taking_bank


def account(role: str) -> User:
    return User(username=role, role=role, is_guest=False)


@pytest.mark.parametrize(
    ("user", "signed_in", "teach", "manage"),
    [
        (Visitor(), False, False, False),
        (User(is_guest=True, role="student"), False, False, False),
        (User(is_guest=True, role="admin"), False, False, False),  # a guest never counts, whatever its role
        (account("student"), True, False, False),
        (account("teacher"), True, True, False),
        (account("admin"), True, True, True),
    ],
    ids=["visitor", "guest", "guest-with-admin-role", "student", "teacher", "admin"],
)
def test_predicates(user, signed_in, teach, manage):
    assert (is_signed_in(user), can_teach(user), can_manage_users(user)) == (signed_in, teach, manage)


@pytest.fixture
def guarded(app):
    """Two views behind the decorator, added before the app's first request."""

    @app.get("/test/teach")
    @requires(can_teach)
    def teach() -> str:
        return "teaching"

    @app.get("/test/manage")
    @requires(can_manage_users)
    def manage() -> str:
        return "managing"

    return app


def test_the_decorator_asks_visitors_and_guests_to_sign_in_and_refuses_others(guarded, runner, tmp_path):
    load(runner, write_bank(tmp_path / "bank.yaml", taking_bank()))
    create_accounts(runner, {"sam": "student", "tess": "teacher", "root": "admin"})

    visitor = Browser(guarded.test_client())
    for _ in ("visitor", "guest"):
        for path in ("/test/teach", "/test/manage"):
            assert sign_in_target(visitor.fetch(path)) == path
        practise_one(visitor)

    expected = {"sam": (403, 403), "tess": (200, 403), "root": (200, 200)}
    for name, (teach, manage) in expected.items():
        browser = Browser(guarded.test_client())
        sign_in(browser, name)
        assert user_named(name).role in ("student", "teacher", "admin")
        responses = [browser.fetch("/test/teach"), browser.fetch("/test/manage")]
        assert [r.status_code for r in responses] == [teach, manage], name
        if teach == 200:
            assert responses[0].get_data(as_text=True) == "teaching"
        if manage == 403:
            assert "does not have permission" in responses[1].get_data(as_text=True)
