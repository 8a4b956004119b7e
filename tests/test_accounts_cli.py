"""`quizapp user create` and `quizapp user role`, through the real command line group."""

from __future__ import annotations

import pytest

from quizapp import accounts_cli
from quizapp.passwords import verify_password

from .test_accounts import PASSWORD, user_named


def test_create_reads_the_password_from_stdin_with_the_flag(runner):
    result = runner.invoke(
        args=["user", "create", "Tess", "--role", "teacher", "--email", "t@example.org", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created tess (teacher)" in result.output
    user = user_named("tess")
    assert user.role == "teacher" and user.email == "t@example.org" and not user.is_guest
    assert verify_password(user.password_hash, PASSWORD)


def test_create_reads_stdin_when_it_is_not_a_terminal(runner):
    result = runner.invoke(args=["user", "create", "sam"], input=PASSWORD + "\r\n")
    assert result.exit_code == 0, result.output
    user = user_named("sam")
    assert user.role == "student" and verify_password(user.password_hash, PASSWORD)


def test_create_asks_twice_at_a_terminal(runner, monkeypatch):
    monkeypatch.setattr(accounts_cli, "_stdin_is_a_terminal", lambda: True)
    result = runner.invoke(
        args=["user", "create", "ada", "--role", "admin"],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password:") == 2 and "Repeat the password:" in result.output
    assert "do not match" in result.output  # the first pair differed: asked again
    assert PASSWORD not in result.output  # hidden input
    assert user_named("ada").role == "admin"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["user", "create", "sam"], "password1", "most common passwords"),
        (["user", "create", "sam"], "short", "at least 8 characters"),
        (["user", "create", "no spaces"], PASSWORD, "letters a-z (without accents), digits"),
        (["user", "create", "sam", "--role", "owner"], PASSWORD, "Invalid value for '--role'"),
    ],
)
def test_create_refuses_bad_input_and_makes_nothing(runner, args, password, message):
    result = runner.invoke(args=args, input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert user_named("sam") is None


def test_create_refuses_a_taken_name(runner):
    assert runner.invoke(args=["user", "create", "sam"], input=PASSWORD + "\n").exit_code == 0
    result = runner.invoke(args=["user", "create", "SAM"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "taken" in result.output


def test_role_sets_a_role_and_keeps_one_admin(runner):
    runner.invoke(args=["user", "create", "sam"], input=PASSWORD + "\n")
    runner.invoke(args=["user", "create", "root", "--role", "admin"], input=PASSWORD + "\n")
    result = runner.invoke(args=["user", "role", "Sam", "teacher"])
    assert result.exit_code == 0 and "sam is now teacher" in result.output
    assert user_named("sam").role == "teacher"

    result = runner.invoke(args=["user", "role", "root", "student"])
    assert result.exit_code == 1 and "only admin" in result.output
    assert user_named("root").role == "admin"

    result = runner.invoke(args=["user", "role", "nobody", "teacher"])
    assert result.exit_code == 1 and "no account named 'nobody'" in result.output
    assert runner.invoke(args=["user", "role", "sam", "owner"]).exit_code == 2


def test_password_resets_a_forgotten_password_and_ends_every_session(runner):
    runner.invoke(args=["user", "create", "sam"], input=PASSWORD + "\n")
    token = user_named("sam").session_token
    result = runner.invoke(args=["user", "password", "Sam", "--password-stdin"], input="a brand new phrase\n")
    assert result.exit_code == 0 and "sam has a new password" in result.output
    sam = user_named("sam")
    assert verify_password(sam.password_hash, "a brand new phrase")
    assert not verify_password(sam.password_hash, PASSWORD)
    assert sam.session_token != token  # every copy of an old cookie stops working

    result = runner.invoke(args=["user", "password", "sam", "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    assert verify_password(user_named("sam").password_hash, "a brand new phrase")
    result = runner.invoke(args=["user", "password", "nobody", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "no account named 'nobody'" in result.output


def test_create_refuses_an_email_address_that_is_none(runner):
    result = runner.invoke(args=["user", "create", "nomail", "--email", "notanemail"], input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "email: Enter an email address such as name@example.org." in result.output
    assert user_named("nomail") is None
