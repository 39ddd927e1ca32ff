"""When the session store (Redis or the database) does not answer, pages say so cleanly.

The dead store is a real Redis client pointed at a port where nothing listens.
"""

from __future__ import annotations

import redis
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ModuleProgress
from lti_tool.store import RedisStore
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import free_port

MODULE = "secondary-listening-well"


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
