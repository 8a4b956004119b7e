"""Configuration read from the environment, with a subclass for tests."""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from .database import engine_options, normalise_url

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PASSWORD_HASH = "scrypt"  # Werkzeug's scrypt with its own (default) work factor
# scrypt with a 16 times smaller work factor than Werkzeug's: for tests only (see TestConfig).
TEST_PASSWORD_HASH = "scrypt:2048:8:1"


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
        # A form's token lives as long as the session it is bound to: a question page left open for
        # an hour (an exam of two hours, its timer's submit at the deadline) must still save.
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024
        self.QUIZAPP_IMPORT_MAX_BYTES = int(os.environ.get("QUIZAPP_IMPORT_MAX_BYTES") or 5 * 1024 * 1024)
        self._accounts()

    def _accounts(self) -> None:
        """Sign-in cookies, proxies and the failed-sign-in limits (see quizapp/auth.py)."""
        secure = os.environ.get("QUIZAPP_SECURE_COOKIES")
        if secure is not None:
            self.SESSION_COOKIE_SECURE = secure.strip().lower() in ("1", "true", "yes", "on")
        # The remember-me cookie gets the same protection as the session cookie.
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.SESSION_PROTECTION = "basic"
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none, trust none).
        self.QUIZAPP_PROXY_HOPS = int(os.environ.get("QUIZAPP_PROXY_HOPS", "0"))
        # "database://" keeps the counters in the app's own database (quizapp/rate_limits.py), shared
        # by every worker and server; any storage URI of the `limits` package also works.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "database://")
        self.RATELIMIT_HEADERS_ENABLED = False
        # Failed sign-ins allowed per account and per address (a school's network is one address).
        self.QUIZAPP_SIGN_IN_LIMIT_ACCOUNT = os.environ.get("QUIZAPP_SIGN_IN_LIMIT_ACCOUNT", "5/15 minutes")
        self.QUIZAPP_SIGN_IN_LIMIT_ADDRESS = os.environ.get("QUIZAPP_SIGN_IN_LIMIT_ADDRESS", "30/15 minutes")
        self.QUIZAPP_LIMIT_CLOCK = time.time  # the rate limits' clock; tests move it forward
        # Werkzeug's hash method. Tests lower scrypt's work factor to save time (a hash costs
        # 0.17 s here by default); production refuses anything but the default.
        self.QUIZAPP_PASSWORD_HASH = os.environ.get("QUIZAPP_PASSWORD_HASH") or DEFAULT_PASSWORD_HASH
        if self.QUIZAPP_ENV == "production" and self.QUIZAPP_PASSWORD_HASH != DEFAULT_PASSWORD_HASH:
            raise RuntimeError("QUIZAPP_PASSWORD_HASH is for tests: production uses the default scrypt")

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
        self.QUIZAPP_PASSWORD_HASH = TEST_PASSWORD_HASH
