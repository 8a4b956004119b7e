"""quizapp: quizzes written from documented facts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import database, routing
from .config import PACKAGE_DIR, Config, resource_dir
from .extensions import csrf, db, limiter, migrate
from .forms import takes_focus
from .presenting import time_left, utc_time
from .wording import counted


def create_app(config: Mapping[str, Any] | object | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints and commands. No other I/O."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("QUIZAPP_INSTANCE") or None,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.url_map.converters["int"] = routing.DatabaseInteger  # before any route is added
    if config is None:
        config = Config(app.instance_path)
    if isinstance(config, Mapping):
        app.config.from_mapping(Config(app.instance_path).__dict__)
        app.config.from_mapping(config)
    else:
        app.config.from_object(config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    csrf.init_app(app)
    routing.init_app(app)
    database.init_app(app)
    from . import rate_limits  # noqa: F401  (registers the "database://" storage for the limiter)

    limiter.init_app(app)

    from . import (
        account,
        admin,
        auth,
        cli,
        errors,
        headers,
        home,
        progress,
        quiz,
        static_files,
        takers,
        teach,
    )

    takers.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    progress.init_app(app)
    teach.init_app(app)
    if app.config.get("QUIZAPP_PROXY_HOPS"):  # behind proxies: trust their X-Forwarded-* headers
        hops = app.config["QUIZAPP_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    errors.init_app(app)
    headers.init_app(app)
    static_files.init_app(app)
    cli.init_app(app)
    app.jinja_env.globals["counted"] = counted
    app.jinja_env.globals["utc_time"] = utc_time
    app.jinja_env.globals["time_left"] = time_left
    app.jinja_env.globals["takes_focus"] = takes_focus
    return app
