"""The shared key/value store behaves the same on the database and on Redis.

Redis is the real server on 127.0.0.1:6379 (CI starts it); the tests skip, saying so, when
none answers.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from flask import Flask
from sqlalchemy import update

from lti_tool.models import KeyValueEntry
from lti_tool.models.types import utcnow
from lti_tool.store import DatabaseStore
from lti_tool.store import KeyValueStore
from lti_tool.store import RedisStore
from lti_tool.store import get_store
from tests.support.platform import TestPlatform

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    return client


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, app: Flask) -> Iterator[KeyValueStore]:
    if request.param == "database":
        yield get_store()
        return
    client = redis_client()
    prefix = f"peerready-test-{uuid.uuid4().hex}:"
    yield RedisStore(client, prefix)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def test_set_get_overwrite_and_delete(store: KeyValueStore) -> None:
    store.set("a", {"n": 1}, 60)
    assert store.get("a") == {"n": 1}
    store.set("a", [1, 2], None)
    assert store.get("a") == [1, 2]
    store.delete("a")
    assert store.get("a") is None


def test_add_only_stores_the_first_value(store: KeyValueStore) -> None:
    assert store.add("nonce", "first", 60) is True
    assert store.add("nonce", "second", 60) is False
    assert store.get("nonce") == "first"


def test_pop_hands_a_value_to_exactly_one_of_many_concurrent_callers(
    store: KeyValueStore, app: Flask
) -> None:
    store.set("state", "s-1", 60)
    got: list[object] = []

    def take() -> None:
        with app.app_context():
            got.append(store.pop("state"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, got)) == ["None"] * 7 + ["s-1"]


def test_expired_entries_are_gone_and_can_be_added_again(app: Flask) -> None:
    store = get_store()
    assert isinstance(store, DatabaseStore)
    store.set("old", 1, 60)
    with store.engine.begin() as connection:  # time travel: the entry expired an hour ago
        connection.execute(
            update(KeyValueEntry.__table__).values(expires_at=utcnow() - timedelta(hours=1))
        )
    assert store.get("old") is None
    assert store.pop("old") is None
    assert store.add("old", 2, 60) is True
    assert store.purge_expired() == 0


def test_launch_works_with_launch_state_in_redis(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    redis_client()
    redis_app = make_app(
        REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=f"peerready-test-{uuid.uuid4().hex}:"
    )
    with redis_app.app_context():
        platform = TestPlatform()
        platform.register()
        client = redis_app.test_client()
        response = platform.launch(client)
        assert response.status_code == 303
        assert client.get(response.headers["Location"]).status_code == 200
        assert isinstance(get_store(), RedisStore)
