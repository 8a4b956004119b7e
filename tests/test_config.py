"""Configuration from the environment."""

from __future__ import annotations

import stat

import pytest

from quizapp import create_app
from quizapp.config import Config, resource_dir


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "QUIZAPP_BANKS", "QUIZAPP_ENV"):
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
