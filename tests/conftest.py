"""Shared fixtures: the app on SQLite or PostgreSQL (TEST_DATABASE_URL), clients, a test platform.

The schema is built once per run by the real Alembic migrations; each test starts from empty
tables. ``TEST_DATABASE_URL=postgresql://…`` runs the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck
from hypothesis import settings
from sqlalchemy import text

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.models import KeyValueEntry
from lti_tool.store import DatabaseStore
from lti_tool.store import get_store
from tests.support.http_server import FakeServer
from tests.support.http_server import running
from tests.support.platform import TestPlatform

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

# Property tests check behaviour, not speed: on a loaded CI machine Hypothesis's default 200 ms
# deadline and "too slow" health check fail good code at random. Speed lives in bench/.
settings.register_profile(
    "peerready", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("peerready")


def pytest_report_header() -> str:
    return f"database: {TEST_DATABASE_URL or 'SQLite (a temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database, migrated once for the whole run."""
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'peerready-test.sqlite3'}"
    app = create_app(_base_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        if not url.startswith("sqlite"):
            _drop_everything()
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return url


def _base_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "ENVIRONMENT": "test",
        "DEMO_PLATFORM": False,
        "SERVER_NAME": "tool.test",
        "PREFERRED_URL_SCHEME": "http",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": True,
    }


def _drop_everything() -> None:
    """Start PostgreSQL runs from an empty schema (a previous run may have left tables)."""
    db.session.execute(text("DROP SCHEMA public CASCADE"))
    db.session.execute(text("CREATE SCHEMA public"))
    db.session.commit()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def _fresh_globals() -> None:
    g.__dict__.clear()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app with extra settings; every app built in a test shares the emptied database."""
    built: list[Flask] = []

    def _make(**overrides: Any) -> Flask:
        config = {**_base_config(database_url, tmp_path), **overrides}
        app = create_app(config)
        app.instance_path = str(tmp_path)
        # Tests hold an app context open for db.session, and Flask then reuses it for every
        # request, so ``g`` would leak from one request to the next (Flask-WTF caches the CSRF
        # token there). In production each request has a fresh ``g``: do the same here.
        app.before_request_funcs.setdefault(None, []).insert(0, _fresh_globals)
        built.append(app)
        return app

    yield _make
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        _empty_tables()
        store = get_store()
        if isinstance(store, DatabaseStore):  # SQLite keeps the store in a file of its own
            with store.engine.begin() as connection:
                connection.execute(KeyValueEntry.__table__.delete())
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def platform(app: Flask) -> TestPlatform:
    """A registered platform with its own RSA key (inline JWKS), as Moodle would be."""
    test_platform = TestPlatform()
    test_platform.register()
    return test_platform


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A real HTTP server on 127.0.0.1 standing in for a platform or service."""
    with running(FakeServer()) as server:
        yield server


@pytest.fixture
def moodle(app: Flask) -> Iterator[Any]:
    """A fake Moodle on a real HTTP server on 127.0.0.1 (see tests/support/moodle.py)."""
    from tests.support.moodle import FakeMoodle

    with running(FakeMoodle()) as fake:
        yield fake


@pytest.fixture
def runner(app: Flask) -> Any:
    """Flask's CLI runner for ``flask platform …``, ``flask keys …`` and ``flask admin …``."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real LRS (Ralph, filesystem backend) on 127.0.0.1 for the whole run; see its module."""
    from tests.support.ralph_lrs import RalphLrs

    lrs = RalphLrs(tmp_path_factory.mktemp("ralph"))
    lrs.start()
    yield lrs
    lrs.stop()
