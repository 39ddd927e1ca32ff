"""The database stops answering in the middle of a request: a clean 503 page, nothing kept.

``tests/test_faults_processes.py`` restarts a real PostgreSQL under gunicorn; these tests make
the same failure happen at a chosen moment, in-process, on SQLite and PostgreSQL. The outage is
the database driver's own error for a dropped connection, raised when a statement is sent (a
SQLAlchemy event hook: nothing here can stop a server at an exact statement). A connection
lost after the page was built is ended by PostgreSQL itself (``pg_terminate_backend``); on
SQLite the driver's rollback fails instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask import request_finished
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

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


@contextmanager
def connection_dropped_after_the_response(app: Flask) -> Iterator[list[Any]]:
    """The request's connection dies once its response is built, before the request ends.

    On PostgreSQL the server really ends it (``pg_terminate_backend``, as a restart does). On
    SQLite, which has no server, the driver's rollback on that connection fails as psycopg's
    does: the far side faked, in SQLAlchemy's call to the driver.
    """
    dropped: list[Any] = []
    with app.app_context():
        engine = db.engine
    do_rollback = engine.dialect.do_rollback

    def drop(_sender: Flask, **_extra: Any) -> None:
        if not db.session().in_transaction():
            return  # nothing would be rolled back at teardown: nothing to test
        if engine.dialect.name == "postgresql":
            pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        dropped.append(db.session.connection().connection)  # the pooled connection

    def rollback(dbapi_connection: Any) -> None:
        if engine.dialect.name != "postgresql" and dbapi_connection in dropped:
            raise engine.dialect.loaded_dbapi.OperationalError(
                "server closed the connection unexpectedly"
            )
        do_rollback(dbapi_connection)

    engine.dialect.do_rollback = rollback  # type: ignore[method-assign]
    request_finished.connect(drop, app)
    try:
        yield dropped
    finally:
        request_finished.disconnect(drop, app)
        del engine.dialect.do_rollback


def test_connection_lost_after_the_page_was_built_still_serves_the_page(
    app: Flask, make_app: Any, platform: TestPlatform
) -> None:
    # The page is built and its transaction only read; then the server ends the connection.
    # Closing the session at the end of the request rolls back on that dead connection: that
    # must not replace the page with the WSGI server's bare "Internal Server Error".
    served = make_app(HANDLE_UNEXPECTED_ERRORS=True, PROPAGATE_EXCEPTIONS=False)
    token = session_token(served, platform)
    client = served.test_client()
    # No context of ``served`` is open here: the request has its own and ends it, as under gunicorn.
    with connection_dropped_after_the_response(served) as dropped:
        page = client.get(f"/mentor/?s={token}")
    assert dropped  # the connection really died with a transaction open
    assert page.status_code == 200
    assert "Your peer mentor training" in page.get_data(as_text=True)
    again = client.get(f"/mentor/?s={token}")  # the dead connection is not handed out again
    assert again.status_code == 200
