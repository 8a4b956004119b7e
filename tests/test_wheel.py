"""The built wheel carries templates, static files, migrations and the shipped bank."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 60.0) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("quizapp-*.whl")
    return built


def test_wheel_holds_the_top_level_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "quizapp/templates/base.html",
        "quizapp/templates/home.html",
        "quizapp/static/style.css",
        "quizapp/questions/new-type-of-international-relations.yaml",
        "quizapp/migrations/env.py",
        "quizapp/migrations/alembic.ini",
    ):
        assert expected in names
    assert any(n.startswith("quizapp/migrations/versions/0001") for n in names)


@pytest.mark.slow
def test_installed_wheel_serves_the_shipped_bank(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel in a fresh venv outside the checkout, serve, fetch the home page.

    The server starts from the checkout's folder, as the README's command does: the workers
    must still run the installed package, not the checkout's copy that Python finds first.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "QUIZAPP_BANKS")}
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "quizapp"), "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        status, page = fetch(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert "New type of international relations" in page
        assert "Quick start" in page
        css_status, css = fetch(f"http://127.0.0.1:{port}/static/style.css")
        assert css_status == 200 and "--accent" in css
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert "questions: " in output and " added" in output  # serve loaded the bank on first start
    assert list((venv / "var").glob("quizapp-instance/quizapp.sqlite3"))
