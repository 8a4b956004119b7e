"""The home page: the banks and their quizzes."""

from __future__ import annotations

from flask import Blueprint, render_template

from .extensions import db
from .services.catalogue import catalogue

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    return render_template("home.html", sources=catalogue(db.session))


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """A hello-world endpoint: the baseline for benchmarks and a liveness probe."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
