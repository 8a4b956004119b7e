"""Configuration read from the environment, with a subclass for tests."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .database import engine_options, normalise_url

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Find a top-level folder (templates, static, questions): in the wheel or the checkout."""
    bundled = PACKAGE_DIR / name
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / name


class Config:
    """Settings for a running app; `instance_path` holds the database and the secret key."""

    def __init__(self, instance_path: str | os.PathLike[str]) -> None:
        instance = Path(instance_path)
        self.QUIZAPP_ENV = os.environ.get("QUIZAPP_ENV", "development")
        self.SQLALCHEMY_DATABASE_URI = normalise_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'quizapp.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.QUIZAPP_BANKS = os.environ.get("QUIZAPP_BANKS") or str(resource_dir("questions"))
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or self._instance_secret(instance)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.QUIZAPP_ENV == "production"
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    def _instance_secret(self, instance: Path) -> str:
        if self.QUIZAPP_ENV == "production":
            raise RuntimeError("SECRET_KEY must be set when QUIZAPP_ENV=production")
        key_file = instance / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        # O_EXCL: when two processes start together, one writes and both read its key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return key_file.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


class TestConfig(Config):
    """Settings for tests: a given database and a fixed key."""

    __test__ = False  # not a pytest test class, despite its name

    TESTING = True

    def __init__(self, instance_path: str | os.PathLike[str], database_url: str) -> None:
        super().__init__(instance_path)
        self.SQLALCHEMY_DATABASE_URI = normalise_url(database_url)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.SECRET_KEY = "test-secret-key"
        self.TESTING = True
