"""Accounts through the real pages: register, sign in and out, remember me, change password, delete.

The helpers at the top drive the account pages as a browser would; other test modules use them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Slot, User

from .factories import write_bank
from .test_taking import Browser, Page, answers_of, load, location, taking_bank

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long phrase"

# --- helpers ------------------------------------------------------------------------------------------


def register(browser: Browser, username: str = "alice", password: str = PASSWORD, **fields: Any) -> Any:
    url = "/register" + (f"?next={quote(fields.pop('next'), safe='')}" if "next" in fields else "")
    page = browser.get(url)
    data = {"username": username, "email": "", "password": password, "confirm": password, **fields}
    return browser.submit(page, "/register", data)


def sign_in(browser: Browser, username: str = "alice", password: str = PASSWORD, **fields: Any) -> Any:
    url = "/sign-in" + (f"?next={quote(fields.pop('next'), safe='')}" if "next" in fields else "")
    page = browser.get(url)
    return browser.submit(page, "/sign-in", {"username": username, "password": password, **fields})


def sign_out(browser: Browser) -> Any:
    return browser.submit(browser.get("/"), "/sign-out")


def signed_in_as(browser: Browser) -> str | None:
    """The username the site navigation shows, or None when nobody is signed in."""
    match = re.search(r'Signed in as </span><a href="/account">([^<]+)</a>', browser.get("/").html)
    return match.group(1) if match else None


def user_named(name: str) -> User | None:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == name))
    db.session.rollback()  # release SQLite's write lock; the returned row stays readable
    return user


def count(model: Any, *where: Any) -> int:
    result = db.session.scalar(select(func.count()).select_from(model).where(*where))
    db.session.rollback()
    return result


def error_beside(page: Page, field: str) -> str:
    """The error shown beside `field`, checking that the field points at it (aria-describedby)."""
    match = re.search(rf'<span class="error" id="{field}-error">([^<]*)</span>', page.html)
    assert match, f"no error beside {field}:\n{page.text[:800]}"
    control = re.search(rf'<(?:input|select)[^>]*\bid="{field}"[^>]*>', page.html).group(0)
    assert f"{field}-error" in control and 'aria-invalid="true"' in control, control
    return match.group(1)


def create_accounts(runner: Any, roles: dict[str, str]) -> None:
    """Create an account per name with the given role, through the `user create` command."""
    for name, role in roles.items():
        result = runner.invoke(args=["user", "create", name, "--role", role], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output


def practise_one(browser: Browser, quiz: str = "practice") -> int:
    """Start `quiz` and answer its first question (single choice, right); the attempt's id."""
    attempt_id, page = browser.start(quiz)
    response = browser.submit(page, "/attempts/", page.fields_for("single_choice", "right 0"), go="check")
    assert response.status_code == 302
    return attempt_id


def sign_in_target(response: Any) -> str | None:
    """Where a redirect to the sign-in page will return afterwards (its `next`)."""
    target = urlsplit(location(response))
    assert target.path == "/sign-in", location(response)
    return parse_qs(target.query).get("next", [None])[0]


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def loaded(runner, tmp_path) -> None:
    """The bank of tests/test_taking.py: quizzes "practice" and "exam" start with a single choice."""
    load(runner, write_bank(tmp_path / "bank" / "bank.yaml", taking_bank()))


@pytest.fixture
def other(client) -> Browser:
    """A second browser on the same app."""
    return Browser(client.application.test_client())


# --- registering ------------------------------------------------------------------------------------


def test_registering_makes_an_account_and_signs_in(browser):
    response = register(browser, "Alice", email="Alice@Example.org")
    assert response.status_code == 302 and location(response) == "/"
    assert signed_in_as(browser) == "alice"  # usernames are compared and kept in lower case
    user = user_named("alice")
    assert user is not None and not user.is_guest and user.role == "student"
    assert user.email == "alice@example.org"
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_a_guests_attempts_and_answers_survive_registering(browser, loaded):
    attempt_id = practise_one(browser)
    guest_id = the_owner(attempt_id)
    register(browser)
    user = user_named("alice")
    assert user.id == guest_id  # the guest's own row became the account
    assert the_owner(attempt_id) == user.id
    assert len(answers_of(attempt_id)) == 1
    home = browser.get("/")
    assert "Continue where you left off" in home.text and f'href="/attempts/{attempt_id}/1"' in home.html


def the_owner(attempt_id: int) -> int:
    owner = db.session.scalar(select(Attempt.user_id).where(Attempt.id == attempt_id))
    db.session.rollback()
    return owner


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "short1", "confirm": "short1"}, "password", "at least 8 characters"),
        ({"password": "x" * 129, "confirm": "x" * 129}, "password", "at most 128 characters"),
        ({"password": "Password123", "confirm": "Password123"}, "password", "most common passwords"),
        (
            {"password": "alice-the-great", "confirm": "alice-the-great", "username": "alice-the-great"},
            "password",
            "username",
        ),
        ({"confirm": "something else entirely"}, "confirm", "The passwords differ."),
        ({"username": "a b"}, "username", "letters a-z (without accents), digits"),
        ({"username": ""}, "username", "Choose a username."),
        ({"email": "not an address"}, "email", "Enter an email address"),
    ],
    ids=["short", "long", "common", "username", "mismatch", "bad-username", "no-username", "bad-email"],
)
def test_registering_with_bad_input_says_why_beside_the_field_and_keeps_what_was_typed(
    browser, fields, field, message
):
    data = {"username": "bob", "email": "bob@example.org", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    response = browser.submit(browser.get("/register"), "/register", data)
    assert response.status_code == 422
    page = Page(response)
    assert message in error_beside(page, field)
    assert page.autofocused() == [field]
    assert page.form("/register").value("username") == data["username"]
    assert page.form("/register").value("email") == data["email"]
    assert page.form("/register").value("password") == ""  # never sent back
    assert count(User) == 0


def test_a_password_of_128_characters_is_accepted(browser):
    assert register(browser, password="p" * 120 + "12345678").status_code == 302


def test_usernames_and_emails_are_taken_whatever_their_case(browser, other):
    register(browser, "alice", email="alice@example.org")
    response = register(other, "ALICE")
    assert response.status_code == 422
    assert "taken" in error_beside(Page(response), "username")
    response = register(other, "alicia", email="ALICE@example.org")
    assert "exists already" in error_beside(Page(response), "email")
    assert count(User) == 1


def test_names_that_pass_for_the_site_are_refused_in_the_browser_but_not_on_the_command_line(browser, runner):
    for name in ("admin", "Administrator", "support", "Teacher", "QuizApp"):
        response = register(browser, name)
        assert response.status_code == 422, name
        assert (
            error_beside(Page(response), "username")
            == "That name is kept for the site itself: choose another."
        )
    assert count(User) == 0
    assert register(browser, "admin-ton").status_code == 302  # a name that only starts like one
    result = runner.invoke(args=["user", "create", "admin", "--role", "admin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert user_named("admin").role == "admin"


def test_a_role_field_forged_into_registering_is_ignored(browser):
    page = browser.get("/register")
    data = page.form("/register").values()
    for name, value in {"username": "mallory", "password": PASSWORD, "confirm": PASSWORD}.items():
        data[name] = value
    data["role"] = "admin"
    data["is_guest"] = "0"
    assert browser.post("/register", data).status_code == 302
    assert user_named("mallory").role == "student"


# --- signing in and out ------------------------------------------------------------------------------


def test_signing_in_with_a_wrong_password_or_an_unknown_name_says_the_same(browser, other):
    register(other)
    for username, password in (("alice", "wrong password!"), ("nobody", PASSWORD)):
        response = sign_in(browser, username, password)
        assert response.status_code == 422
        page = Page(response)
        assert error_beside(page, "password") == "The username or password is wrong."
        assert page.form("/sign-in").value("username") == username
    assert signed_in_as(browser) is None
    response = sign_in(browser, "ALICE")
    assert response.status_code == 302 and signed_in_as(browser) == "alice"


def test_a_username_or_password_longer_than_any_is_refused_in_words(browser):
    response = sign_in(browser, "a" * 81, PASSWORD)
    assert response.status_code == 422
    assert error_beside(Page(response), "username") == (
        "No username is longer than 40 characters: check what you typed."
    )
    response = sign_in(browser, "alice", "p" * 129)
    assert error_beside(Page(response), "password") == "No password is longer than 128 characters."


def test_signing_out_ends_the_session(browser):
    register(browser)
    assert browser.get("/account").status == 200
    response = sign_out(browser)
    assert location(response) == "/"
    assert signed_in_as(browser) is None
    assert browser.get("/account", status=302).response.headers["Location"].startswith("/sign-in")


def test_a_guest_who_signs_in_keeps_their_attempts_merged_with_the_accounts(browser, other, loaded):
    register(other)
    account_attempt = practise_one(other, "exam")
    sign_out(other)
    guest_attempt = practise_one(browser, "exam")  # the same quiz, unfinished in both
    guest_id = the_owner(guest_attempt)
    assert sign_in(browser).status_code == 302
    alice = user_named("alice")
    assert the_owner(guest_attempt) == the_owner(account_attempt) == alice.id
    assert db.session.get(User, guest_id) is None  # the guest row is gone, its rows moved
    db.session.rollback()
    assert len(answers_of(guest_attempt)) == len(answers_of(account_attempt)) == 0  # exam: saved, not graded
    both = [guest_attempt, account_attempt]
    saved = db.session.scalars(select(Slot.response).where(Slot.attempt_id.in_(both)))
    assert len([r for r in saved if r is not None]) == 2
    db.session.rollback()
    home = browser.get("/")
    assert f"/attempts/{guest_attempt}/" in home.html and f"/attempts/{account_attempt}/" in home.html


def test_signing_in_as_another_account_never_merges_accounts(browser, other, loaded):
    register(other, "bob")
    sign_out(other)
    register(browser)
    attempt_id = practise_one(browser)
    sign_in(browser, "bob")  # alice, still signed in here, signs in as bob
    assert signed_in_as(browser) == "bob"
    assert the_owner(attempt_id) == user_named("alice").id


def test_remember_me_keeps_a_browser_signed_in_after_its_session_ends(browser, app):
    register(browser)
    sign_out(browser)
    response = sign_in(browser, remember="y")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Expires=" not in session_cookie  # without "remember me" the sign-in ends with the browser

    reopened = Browser(app.test_client())  # the browser restarted: only the long-lived cookie is left
    reopened.client.set_cookie("remember_token", browser.client.get_cookie("remember_token").value)
    assert signed_in_as(reopened) == "alice"

    forgetful = Browser(app.test_client())
    sign_in(forgetful)
    assert forgetful.client.get_cookie("remember_token") is None


# --- changing the password ------------------------------------------------------------------------


def change_password(browser: Browser, current: str, new: str, confirm: str | None = None) -> Any:
    page = browser.get("/account/password")
    fields = {"current_password": current, "new_password": new, "confirm": confirm or new}
    return browser.submit(page, "/account/password", fields)


def test_changing_the_password(browser, other):
    register(browser)
    sign_in(other)
    old_hash = user_named("alice").password_hash

    response = change_password(browser, "not my password", OTHER_PASSWORD)
    assert response.status_code == 422
    assert "not your current password" in error_beside(Page(response), "current_password")
    response = change_password(browser, PASSWORD, "qwertyuiop")
    assert "most common" in error_beside(Page(response), "new_password")
    response = change_password(browser, PASSWORD, PASSWORD)
    assert "This is your current password" in error_beside(Page(response), "new_password")
    response = change_password(browser, PASSWORD, OTHER_PASSWORD, "different")
    assert "differ" in error_beside(Page(response), "confirm")
    assert user_named("alice").password_hash == old_hash

    response = change_password(browser, PASSWORD, OTHER_PASSWORD)
    assert location(response) == "/account"
    assert signed_in_as(browser) == "alice"  # this browser goes on
    assert signed_in_as(other) is None  # every other session is over
    assert sign_in(other, password=PASSWORD).status_code == 422
    assert sign_in(other, password=OTHER_PASSWORD).status_code == 302


def test_a_signed_in_user_is_told_to_sign_out_before_registering_another_account(browser):
    welcome = browser.get(location(register(browser))).text
    assert "Welcome, alice: your account is ready." in welcome  # no guest before: nothing kept to speak of
    response = browser.fetch("/register")
    assert location(response) == "/account"
    assert "Sign out first to register another account" in browser.get("/account").text
    assert signed_in_as(browser) == "alice"


# --- deleting the account -------------------------------------------------------------------------


def test_the_only_admin_cannot_delete_their_account(browser, runner):
    register(browser)
    assert runner.invoke(args=["user", "role", "alice", "admin"]).exit_code == 0
    response = browser.submit(browser.get("/account/delete"), "/account/delete", {"password": PASSWORD})
    assert response.status_code == 422
    assert "only admin: make another admin first" in error_beside(Page(response), "password")
    assert user_named("alice") is not None


def test_deleting_the_account_removes_it_and_its_data(browser, other, loaded):
    register(browser, email="alice@example.org")
    attempt_id = practise_one(browser)
    practise_one(other)  # someone else's data stays
    page = browser.get("/account/delete")
    assert "quiz attempts, with every answer saved in them: 1" in page.text
    assert "alice@example.org" in page.text
    assert 'href="/progress#export-heading"' in page.html  # a copy can be kept first

    response = browser.submit(page, "/account/delete", {"password": "wrong password!"})
    assert response.status_code == 422
    assert "nothing was deleted" in error_beside(Page(response), "password")
    assert count(Attempt, Attempt.id == attempt_id) == 1

    response = browser.submit(browser.get("/account/delete"), "/account/delete", {"password": PASSWORD})
    assert location(response) == "/"
    assert user_named("alice") is None
    assert count(Attempt, Attempt.id == attempt_id) == 0
    assert count(Slot, Slot.attempt_id == attempt_id) == 0
    assert count(Answer, Answer.attempt_id == attempt_id) == 0
    assert count(Attempt) == 1 and count(Answer) == 1  # the other taker's
    assert signed_in_as(browser) is None
    assert sign_in(browser).status_code == 422
    assert register(browser, email="alice@example.org").status_code == 302  # the name is free again


@pytest.mark.parametrize("path", ["/account", "/account/password", "/account/delete"])
def test_account_pages_ask_visitors_and_guests_to_sign_in(browser, loaded, path):
    for _ in ("visitor", "guest"):
        response = browser.fetch(path)
        assert response.status_code == 302
        assert sign_in_target(response) == path
        practise_one(browser)  # now a guest
    page = browser.follow(sign_in_response := register(browser, next=path))
    assert location(sign_in_response) == path and page.status == 200


def test_a_refused_form_says_so_first_in_the_page_title(browser):
    refused = register(browser, password="short")
    assert refused.status_code == 422
    assert re.search(r"<title>Error: Register", refused.get_data(as_text=True))
    assert "<title>Error:" not in browser.get("/register").html  # only a refused form
