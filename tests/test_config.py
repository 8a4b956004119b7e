"""Configuration from the environment."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from quizapp import create_app
from quizapp.cli import main
from quizapp.config import Config, ConfigError, resource_dir

UNCHECKED_BEFORE = (
    "QUIZAPP_SIGN_IN_LIMIT_ACCOUNT",
    "QUIZAPP_SIGN_IN_LIMIT_ADDRESS",
    "QUIZAPP_REVIEW_SIZE",
    "QUIZAPP_PROXY_HOPS",
    "QUIZAPP_IMPORT_MAX_BYTES",
    "QUIZAPP_SECURE_COOKIES",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "QUIZAPP_BANKS", "QUIZAPP_ENV", *UNCHECKED_BEFORE):
        monkeypatch.delenv(name, raising=False)


def test_defaults_live_in_the_instance_folder(tmp_path):
    config = Config(tmp_path / "instance")
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'instance' / 'quizapp.sqlite3'}"
    assert config.QUIZAPP_BANKS == str(resource_dir("questions"))
    assert config.SESSION_COOKIE_HTTPONLY and config.SESSION_COOKIE_SAMESITE == "Lax"
    assert not config.SESSION_COOKIE_SECURE


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = Config(tmp_path / "instance").SECRET_KEY
    second = Config(tmp_path / "instance").SECRET_KEY
    assert first == second and len(first) >= 64
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Config(tmp_path / "other").SECRET_KEY != first


def test_production_requires_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        Config(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    config = Config(tmp_path)
    assert config.SECRET_KEY == "from-the-environment"
    assert config.SESSION_COOKIE_SECURE
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("QUIZAPP_ENV", "prod", "QUIZAPP_ENV must be development or production, not 'prod'"),
        ("QUIZAPP_SIGN_IN_LIMIT_ACCOUNT", "garbage", "must be a rate limit such as '5/15 minutes'"),
        ("QUIZAPP_REVIEW_SIZE", "0", "QUIZAPP_REVIEW_SIZE must be at least 1, not 0"),
        ("QUIZAPP_PROXY_HOPS", "abc", "QUIZAPP_PROXY_HOPS must be a whole number, not 'abc'"),
        ("QUIZAPP_IMPORT_MAX_BYTES", "-5", "QUIZAPP_IMPORT_MAX_BYTES must be at least 1"),
        ("QUIZAPP_SECURE_COOKIES", "ture", "QUIZAPP_SECURE_COOKIES must be true or false"),
        ("QUIZAPP_SIGN_IN_LIMIT_ADDRESS", "0/15 minutes", "must allow at least 1 attempt"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_in_one_line(tmp_path, monkeypatch, name, value, message):
    """Each of these once meant something else quietly (development mode, no sign-in lockout,
    a 500 on the Review button, a traceback, insecure cookies)."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config(tmp_path)
    monkeypatch.setenv("QUIZAPP_INSTANCE", str(tmp_path))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()  # no traceback
    assert line.startswith("Error: ") and message in line


def test_an_empty_secure_cookies_setting_leaves_production_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a production key of some length")
    monkeypatch.setenv("QUIZAPP_SECURE_COOKIES", "")
    assert Config(tmp_path).SESSION_COOKIE_SECURE


def test_gunicorn_started_with_a_bad_setting_says_it_in_one_line(tmp_path):
    environment = {**os.environ, "QUIZAPP_ENV": "prod", "QUIZAPP_INSTANCE": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import quizapp.wsgi"], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "quizapp: QUIZAPP_ENV must be development or production, not 'prod'"


def test_production_refuses_a_short_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_ENV", "production")
    for key in ("   ", "short", " " * 20 + "x"):
        monkeypatch.setenv("SECRET_KEY", key)
        with pytest.raises(ConfigError, match="SECRET_KEY must hold at least 16 characters"):
            Config(tmp_path)


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/quiz")
    monkeypatch.setenv("QUIZAPP_BANKS", str(tmp_path / "banks"))
    config = Config(tmp_path)
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/quiz"
    assert config.QUIZAPP_BANKS == str(tmp_path / "banks")


def test_factory_takes_a_mapping_and_does_no_database_work(tmp_path):
    url = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k"})
    assert app.config["SECRET_KEY"] == "k"
    assert app.template_folder == str(resource_dir("templates"))
    assert not (tmp_path / "never.sqlite3").exists()


def test_a_database_that_cannot_be_opened_or_written_ends_a_command_in_one_line(tmp_path, monkeypatch):
    """No traceback, and no statement's parameters (a new account's password hash) in the message."""
    monkeypatch.setenv("QUIZAPP_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.sqlite3'}")
    result = CliRunner().invoke(main, ["load"])
    assert (result.exit_code, result.output) == (1, "Error: database error: unable to open database file\n")
    monkeypatch.setenv("DATABASE_URL", "not a url")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and result.output.startswith("Error: DATABASE_URL is not a database address")

    database = tmp_path / "quiz.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{database}?mode=ro&uri=true")  # read-only
    result = CliRunner().invoke(main, ["user", "create", "rouser"], input="correct horse battery\n")
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last == "Error: database error: attempt to write a readonly database"
    assert "scrypt" not in result.output and "Traceback" not in result.output
