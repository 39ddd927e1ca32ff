"""When the session store (Redis or the database) does not answer, pages say so cleanly.

The dead store is a real Redis client pointed at a port where nothing listens, or a real
redis-server of the test's own that is stopped or turned read-only (as after a failover).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import CheckpointAnswer
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import ModuleProgress
from lti_tool.models import OutboxItem
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.store import RedisStore
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import free_port
from tests.support.redis_server import RedisServer
from tests.support.redis_server import running_redis
from tests.support.unavailable import assert_unavailable_page

MODULE = "secondary-listening-well"
LAUNCH_PHRASES = ("temporarily unavailable", "open PeerReady from your course")


def dead_store() -> RedisStore:
    client = redis.Redis(host="127.0.0.1", port=free_port(),  # nothing listens there
                         socket_connect_timeout=1, socket_timeout=1)
    return RedisStore(client, "peerready-test-dead:")


def test_pages_answer_503_with_a_clean_page_while_the_store_is_down(
    app: Flask, platform: TestPlatform
) -> None:
    client = app.test_client()
    launched = platform.launch(client)
    assert launched.status_code == 303
    token = launched.headers["Location"].split("s=", 1)[1]
    working = app.extensions["peerready.store"]
    app.extensions["peerready.store"] = dead_store()
    try:
        page = client.get(f"/mentor/?s={token}")
        posted = client.post(f"/mentor/modules/{MODULE}/progress?s={token}",
                             json={"player_session": "p1", "segments": [[0, 30]], "events": []})
    finally:
        app.extensions["peerready.store"] = working
    assert page.status_code == 503
    assert b"PeerReady is busy for a moment" in page.data
    assert b"Traceback" not in page.data and b"Redis" not in page.data
    assert posted.status_code == 503
    assert db.session.scalar(select(func.count(ModuleProgress.id))) == 0
    again = client.get(f"/mentor/?s={token}")  # the store is back: the same session works
    assert again.status_code == 200


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


def production_app(make_app: Any, redis_url: str) -> Flask:
    """Sessions, state and launch data in Redis; errors handled as in production."""
    return make_app(REDIS_URL=redis_url, HANDLE_UNEXPECTED_ERRORS=True,
                    PROPAGATE_EXCEPTIONS=False)  # type: ignore[no-any-return]


def count(*models: type) -> int:
    """Rows in ``models``, read in a transaction that ends at once (SQLite: frees the lock)."""
    db.session.rollback()
    total = sum(db.session.scalar(select(func.count()).select_from(m)) or 0 for m in models)
    db.session.rollback()
    return total


def test_redis_down_during_a_new_launch_gives_a_503_page_and_stores_nothing(
    app: Flask, make_app: Any, platform: TestPlatform, redis_server: RedisServer
) -> None:
    tool = production_app(make_app, redis_server.url)
    client = tool.test_client()
    login = platform.login(client)
    assert login.response.status_code == 302
    redis_server.stop()  # between the login and the platform's post of the id_token
    token = platform.sign(platform.claims(login.nonce))
    with tool.app_context():
        page = client.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert_unavailable_page(page, *LAUNCH_PHRASES)
    assert count(User, Context, Enrollment, OutboxItem, StoredStatement) == 0
    redis_server.start_again()  # back, and empty: the pupil opens PeerReady again
    with tool.app_context():
        assert platform.launch(tool.test_client()).status_code == 303
    assert count(User) == 1


def test_unreachable_redis_at_login_gives_the_same_503_page(
    app: Flask, make_app: Any, platform: TestPlatform
) -> None:
    tool = production_app(make_app, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    with tool.app_context():
        login = platform.login(tool.test_client())
    assert_unavailable_page(login.response, *LAUNCH_PHRASES)
    assert count(User, Context) == 0


def test_a_read_only_redis_refusing_the_session_save_gives_a_503_page(
    app: Flask, make_app: Any, platform: TestPlatform, redis_server: RedisServer
) -> None:
    tool = production_app(make_app, redis_server.url)
    client = tool.test_client()
    with tool.app_context():
        launched = platform.launch(client)
        token = launched.headers["Location"].split("s=", 1)[1]
        page = client.get(f"/mentor/modules/secondary-confidentiality?s={token}").get_data(
            as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    csrf = found.group(1)
    url = f"/mentor/modules/secondary-confidentiality/checkpoints/promise-not-to-tell?s={token}"
    form = {"csrf_token": csrf, "choice": "promise"}
    redis_server.make_read_only()  # reads answer, writes (the session's flash message) fail
    with tool.app_context():
        refused = client.post(url, data=form)
    assert_unavailable_page(refused, "PeerReady is busy for a moment")
    redis_server.make_writable()
    with tool.app_context():
        again = client.post(url, data=form)  # the pupil tries again, as the page says
    assert again.status_code == 303
    assert count(CheckpointAnswer) == 1  # the answer the first post stored counts once
