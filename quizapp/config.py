"""Configuration read from the environment, with a subclass for tests."""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from limits import parse_many

from .database import engine_options, normalise_url

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PASSWORD_HASH = "scrypt"  # Werkzeug's scrypt with its own (default) work factor
# scrypt with a 16 times smaller work factor than Werkzeug's: for tests only (see TestConfig).
TEST_PASSWORD_HASH = "scrypt:2048:8:1"


class ConfigError(RuntimeError):
    """A setting in the environment that cannot be used; its message says which, and why."""


ENVIRONMENTS = ("development", "production")
MIN_SECRET_KEY = 16  # characters a production SECRET_KEY has at least


def _integer(name: str, default: int, least: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if value < least:
        raise ConfigError(f"{name} must be at least {least}, not {value}")
    return value


def _flag(name: str) -> bool | None:
    text = os.environ.get(name)
    value = (text or "").strip().lower()
    if not value:  # unset, or set to nothing: the default stands
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), not {text!r}")


def _rate_limit(name: str, default: str) -> str:
    text = os.environ.get(name) or default
    try:
        limits = parse_many(text)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit such as {default!r}, not {text!r}") from None
    if any(limit.amount < 1 for limit in limits):  # 0 would refuse every sign-in, right or wrong
        raise ConfigError(f"{name} must allow at least 1 attempt, not {text!r}")
    return text


def resource_dir(name: str) -> Path:
    """Find a top-level folder (templates, static, questions): in the wheel or the checkout."""
    bundled = PACKAGE_DIR / name
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / name


class Config:
    """Settings for a running app; `instance_path` holds the database and the secret key."""

    def __init__(self, instance_path: str | os.PathLike[str]) -> None:
        instance = Path(instance_path)
        self.QUIZAPP_ENV = os.environ.get("QUIZAPP_ENV") or "development"
        if self.QUIZAPP_ENV not in ENVIRONMENTS:  # a typo must not quietly mean development
            raise ConfigError(f"QUIZAPP_ENV must be {' or '.join(ENVIRONMENTS)}, not {self.QUIZAPP_ENV!r}")
        self.SQLALCHEMY_DATABASE_URI = normalise_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'quizapp.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.QUIZAPP_BANKS = os.environ.get("QUIZAPP_BANKS") or str(resource_dir("questions"))
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or self._instance_secret(instance)
        if self.QUIZAPP_ENV == "production" and len(self.SECRET_KEY.strip()) < MIN_SECRET_KEY:
            raise ConfigError(f"SECRET_KEY must hold at least {MIN_SECRET_KEY} characters besides spaces")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.QUIZAPP_ENV == "production"
        # A form's token lives as long as the session it is bound to: a question page left open for
        # an hour (an exam of two hours, its timer's submit at the deadline) must still save.
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024
        self.QUIZAPP_IMPORT_MAX_BYTES = _integer("QUIZAPP_IMPORT_MAX_BYTES", 5 * 1024 * 1024, least=1)
        if (review_size := _integer("QUIZAPP_REVIEW_SIZE", 0, least=1)) > 0:
            self.REVIEW_SIZE = review_size  # questions in a review session (services/review.py)
        self._accounts()

    def _accounts(self) -> None:
        """Sign-in cookies, proxies and the failed-sign-in limits (see quizapp/auth.py)."""
        secure = _flag("QUIZAPP_SECURE_COOKIES")
        if secure is not None:
            self.SESSION_COOKIE_SECURE = secure
        # The remember-me cookie gets the same protection as the session cookie.
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.SESSION_PROTECTION = "basic"
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none, trust none).
        self.QUIZAPP_PROXY_HOPS = _integer("QUIZAPP_PROXY_HOPS", 0, least=0)
        # "database://" keeps the counters in the app's own database (quizapp/rate_limits.py), shared
        # by every worker and server; any storage URI of the `limits` package also works.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "database://")
        self.RATELIMIT_HEADERS_ENABLED = False
        # Failed sign-ins allowed per account and per address (a school's network is one address).
        # A limit that does not parse would turn the lockout off without a word: refused instead.
        self.QUIZAPP_SIGN_IN_LIMIT_ACCOUNT = _rate_limit("QUIZAPP_SIGN_IN_LIMIT_ACCOUNT", "5/15 minutes")
        self.QUIZAPP_SIGN_IN_LIMIT_ADDRESS = _rate_limit("QUIZAPP_SIGN_IN_LIMIT_ADDRESS", "30/15 minutes")
        self.QUIZAPP_LIMIT_CLOCK = time.time  # the rate limits' clock; tests move it forward
        # Werkzeug's hash method. Tests lower scrypt's work factor to save time (a hash costs
        # 0.17 s here by default); production refuses anything but the default.
        self.QUIZAPP_PASSWORD_HASH = os.environ.get("QUIZAPP_PASSWORD_HASH") or DEFAULT_PASSWORD_HASH
        if self.QUIZAPP_ENV == "production" and self.QUIZAPP_PASSWORD_HASH != DEFAULT_PASSWORD_HASH:
            raise ConfigError("QUIZAPP_PASSWORD_HASH is for tests: production uses the default scrypt")

    def _instance_secret(self, instance: Path) -> str:
        if self.QUIZAPP_ENV == "production":
            raise ConfigError("SECRET_KEY must be set when QUIZAPP_ENV=production")
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
