"""Account helpers for the browser tests: make accounts (pages or CLI), sign in and out."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

from quizapp.config import TEST_PASSWORD_HASH

from .conftest import LiveServer, press_button

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "correct horse battery"


def unique_name(prefix: str = "user") -> str:
    """A username no other test on the shared live server uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def register_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    press_button(page, "Register")


def sign_in_on(page: Page, username: str, password: str = PASSWORD, remember: bool = False) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    if remember:
        page.get_by_label("Keep me signed in on this device").check()
    press_button(page, "Sign in")


def sign_out_of(page: Page) -> None:
    press_button(page, "Sign out")


def create_account(server: LiveServer, username: str, role: str) -> None:
    """Make an account with `quizapp user create` on the live server's database."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{server.database}",
        "SECRET_KEY": "not-used-here",
        "QUIZAPP_PASSWORD_HASH": TEST_PASSWORD_HASH,
    }
    result = subprocess.run(
        [sys.executable, "-m", "quizapp", "user", "create", username, "--role", role, "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        cwd=server.database.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
