"""Password rules and hashing (no app, no database)."""

from __future__ import annotations

import pytest

from quizapp import create_app
from quizapp.config import TEST_PASSWORD_HASH, Config, TestConfig
from quizapp.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    common_passwords,
    hash_password,
    password_problem,
    verify_password,
)


def test_the_shipped_list_holds_a_few_hundred_common_passwords():
    words = common_passwords()
    assert 250 <= len(words) <= 2000
    assert {"password", "123456789", "qwertyuiop", "iloveyou", "passw0rd"} <= words
    assert all(word == word.strip().lower() and not word.startswith("#") for word in words)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a" * (MIN_LENGTH - 1), "at least 8"),
        ("a" * (MAX_LENGTH + 1), "at most 128"),
        ("PassWord123", "most common"),
        ("QWERTYUIOP", "most common"),
        ("", "at least 8"),
        (" " * MIN_LENGTH, "spaces alone"),
        ("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13", "most common"),  # full-width
        ("\t \u3000" * 4, "spaces alone"),
    ],
)
def test_refused_passwords_say_why(password, problem):
    assert problem in password_problem(password)


@pytest.mark.parametrize(
    "password", ["a" * MIN_LENGTH + "x", "x" * MAX_LENGTH, "correct horse battery", "ünïcödé pässwörd"]
)
def test_acceptable_passwords(password):
    assert password_problem(password) is None


def test_the_username_is_not_a_password():
    assert "username" in password_problem("Alice-Liddell", "alice-liddell")
    assert password_problem("Alice-Liddell", "bob") is None


def test_hashes_are_slow_salted_and_verifiable():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("scrypt:32768:8:1$") and first != second  # Werkzeug's default; a salt each
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "Correct horse battery")
    assert not verify_password(None, "correct horse battery")


def test_the_app_hashes_with_werkzeugs_scrypt_and_only_tests_lower_its_cost(tmp_path, monkeypatch):
    with create_app(TestConfig(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite3'}")).app_context():
        hashed = hash_password("correct horse battery")
        assert hashed.startswith("scrypt:2048:8:1$")  # TestConfig's
        assert verify_password(hashed, "correct horse battery")
        assert not verify_password(None, "correct horse battery")
    monkeypatch.delenv("QUIZAPP_PASSWORD_HASH", raising=False)
    assert Config(tmp_path).QUIZAPP_PASSWORD_HASH == "scrypt"  # Werkzeug's default work factor
    monkeypatch.setenv("QUIZAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a production key")
    monkeypatch.setenv("QUIZAPP_PASSWORD_HASH", TEST_PASSWORD_HASH)
    with pytest.raises(RuntimeError, match="QUIZAPP_PASSWORD_HASH is for tests"):
        Config(tmp_path)


def test_a_password_is_the_same_whichever_way_its_accents_are_typed(app):
    composed, decomposed = "caf\u00e9-latte-99", "cafe\u0301-latte-99"
    stored = hash_password(composed)
    assert verify_password(stored, decomposed) and verify_password(stored, composed)
    assert not verify_password(stored, "cafe-latte-99")
    # a hash made before passwords were normalised (of the text as typed) still matches
    from werkzeug.security import generate_password_hash

    old = generate_password_hash(decomposed, method=app.config["QUIZAPP_PASSWORD_HASH"])
    assert verify_password(old, decomposed)
