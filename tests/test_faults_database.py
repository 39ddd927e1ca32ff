"""The database stops answering in the middle of a request: a clean 503 page, nothing kept.

``tests/test_faults_processes.py`` restarts a real PostgreSQL under gunicorn; these tests make
the same failure happen at a chosen moment, in-process, on SQLite and PostgreSQL. The outage is
the database driver's own error for a dropped connection, raised when a statement is sent (a
SQLAlchemy event hook: nothing here can stop a server at an exact statement).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ModuleProgress
from lti_tool.models import VideoEvent
from tests.support.platform import TestPlatform
from tests.support.unavailable import assert_unavailable_page

MODULE = "secondary-listening-well"
REPORT = {"player_session": "p1", "segments": [[0, 30]],
          "events": [{"id": "e1", "type": "paused", "at": "2026-03-02T10:00:00Z", "position": 30}]}


@contextmanager
def database_outage(starting_at: str) -> Iterator[list[str]]:
    """From the first statement that mentions ``starting_at`` on, every statement fails."""
    engine = db.engine
    dbapi = engine.dialect.loaded_dbapi
    refused: list[str] = []

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if refused or starting_at in statement:
            refused.append(statement)
            # What psycopg says when PostgreSQL shuts down under a connection.
            raise dbapi.OperationalError("server closed the connection unexpectedly")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield refused
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


@pytest.fixture
def production_app(make_app: Any) -> Iterator[Flask]:
    """Errors handled as in production (no exception reaches the test client)."""
    app = make_app(HANDLE_UNEXPECTED_ERRORS=True, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        yield app
        db.session.remove()


def session_token(app: Flask, platform: TestPlatform) -> str:
    launched = platform.launch(app.test_client())
    assert launched.status_code == 303
    return str(launched.headers["Location"].split("s=", 1)[1])


def test_database_lost_mid_report_gives_the_503_page_and_keeps_nothing(
    app: Flask, production_app: Flask, platform: TestPlatform
) -> None:
    token = session_token(production_app, platform)
    client = production_app.test_client()
    # The learner, course and enrollment load; then the database goes while the report is
    # written. The error page must not reload them for its header and footer.
    with database_outage(starting_at="module_progress") as refused:
        page = client.post(f"/mentor/modules/{MODULE}/progress?s={token}", json=REPORT)
    assert refused  # the outage really met the request
    assert_unavailable_page(page, "PeerReady is busy for a moment")
    db.session.rollback()
    assert db.session.scalar(select(func.count(VideoEvent.id))) == 0
    assert db.session.scalar(select(func.count(ModuleProgress.id))) == 0
    again = client.post(f"/mentor/modules/{MODULE}/progress?s={token}", json=REPORT)
    assert again.status_code == 200  # back: the player's retry is stored, once
    assert db.session.scalar(select(func.count(VideoEvent.id))) == 1


def test_database_lost_while_the_page_is_rendered_gives_the_503_page(
    app: Flask, production_app: Flask, platform: TestPlatform
) -> None:
    token = session_token(production_app, platform)
    # The training home reads the learner's progress: the database goes at that query.
    with database_outage(starting_at="module_progress"):
        page = production_app.test_client().get(f"/mentor/?s={token}")
    assert_unavailable_page(page, "PeerReady is busy for a moment")
    # The error page's policy comes from the origins already known, not from the database.
    assert platform.issuer in page.headers["Content-Security-Policy"]


def test_frame_ancestors_survive_a_failed_platform_lookup(
    app: Flask, platform: TestPlatform
) -> None:
    client = app.test_client()
    assert platform.issuer in client.get("/privacy/").headers["Content-Security-Policy"]
    app.extensions["peerready.frame_ancestors"].invalidate()  # the minute is up: look again
    with database_outage(starting_at="FROM platform") as refused:
        during = client.get("/privacy/")
    assert refused  # the lookup failed ...
    # ... and the registered platform may still frame PeerReady (the last origins known).
    assert platform.issuer in during.headers["Content-Security-Policy"]
