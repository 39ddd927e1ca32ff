"""PeerReady: an LTI 1.3 tool that trains peer mentors. ``create_app`` builds the Flask app."""

from __future__ import annotations

import logging.config
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``PEERREADY_*`` environment variables, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_pyfile(str(CONFIG_DIR / "defaults.py"))
    app.config.from_prefixed_env("PEERREADY")
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_logging(app)
    _configure_database_url(app)

    from lti_tool import extensions
    from lti_tool import navigation
    from lti_tool import security
    from lti_tool import sessions
    from lti_tool import store
    from lti_tool.services import delivery
    from lti_tool.views import register_blueprints

    security.require_secret_key(app)
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    extensions.init_app(app)
    store.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    register_blueprints(app)
    navigation.init_app(app)
    delivery.init_app(app)
    if not app.config["WEB_WORKER"]:  # the flask command, tests, scripts: not gunicorn workers
        from lti_tool import cli

        extensions.init_migrations(app)
        cli.init_app(app)
    return app


def _configure_database_url(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "peerready.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):  # use psycopg 3, which the postgres extra installs
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "postgresql+psycopg://" + uri[len("postgresql://") :]
        )
    if uri.startswith("sqlite"):
        # SQLite under several threads: wait for the write lock instead of failing at once.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {"timeout": 30})


def _configure_logging(app: Flask) -> None:
    name = app.config.get("LOGGING_CONFIG")
    if name and not app.testing:
        logging.config.fileConfig(CONFIG_DIR / name, disable_existing_loggers=False)
