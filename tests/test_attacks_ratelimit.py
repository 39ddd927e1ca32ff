"""Rate limits on the LTI login and launch: a clean 429 page, and one count across workers."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable

import pytest
import redis
import requests
from flask import Flask

from lti_tool.extensions import db
from tests.support.platform import TestPlatform
from tests.test_gunicorn import Gunicorn
from tests.test_gunicorn import gunicorn  # noqa: F401  (the 4-worker gunicorn fixture)

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def limited(app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """An app with low limits, on the tables that ``app`` emptied."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute",
                   RATELIMIT_LAUNCH="2 per minute", RATELIMIT_STORAGE_URI="memory://",
                   RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    return app


def test_the_fourth_login_in_a_minute_gets_a_clean_429_page(limited: Flask) -> None:
    with limited.app_context():
        platform = TestPlatform()
        platform.register()
        client = limited.test_client()
        answers = [platform.login(client).response for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [302, 302, 302]
    refused = answers[3]
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert b"Please slow down" in refused.data
    assert b"Traceback" not in refused.data
    assert refused.headers.get("Retry-After")


def test_launch_posts_are_limited_too(limited: Flask) -> None:
    with limited.app_context():
        client = limited.test_client()
        statuses = [client.post("/lti/launch", data={"id_token": "x", "state": "y"}).status_code
                    for _ in range(3)]
        db.session.remove()
    assert statuses == [401, 401, 429]  # refused as unknown state, then not even looked at


@pytest.fixture
def shared_limit(monkeypatch: pytest.MonkeyPatch) -> str:
    """Environment for the gunicorn workers: Redis, and a login limit of 5 a minute."""
    if not redis_answers():
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"peerready-test-{uuid.uuid4().hex}:"
    monkeypatch.setenv("PEERREADY_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("PEERREADY_REDIS_KEY_PREFIX", prefix)
    monkeypatch.setenv("PEERREADY_RATELIMIT_ENABLED", "true")
    monkeypatch.setenv("PEERREADY_RATELIMIT_LOGIN", "5 per minute")
    monkeypatch.setenv("PEERREADY_RATELIMIT_KEY_PREFIX", prefix)
    return prefix


@pytest.mark.slow
def test_the_login_limit_holds_across_four_workers_through_redis(
    shared_limit: str, gunicorn: Gunicorn, platform: TestPlatform  # noqa: F811
) -> None:
    def login(number: int) -> int:
        return requests.post(f"{gunicorn.base_url}/lti/login", data={
            "iss": platform.issuer, "login_hint": str(number), "client_id": platform.client_id,
            "target_link_uri": f"{gunicorn.base_url}/lti/launch",
        }, allow_redirects=False, timeout=20).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:  # at once, so several workers answer
        statuses = list(pool.map(login, range(12)))
    assert sorted(statuses) == [302] * 5 + [429] * 7
    assert len(gunicorn.served_by("POST", "/lti/login")) > 1  # several workers, one count
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{shared_limit}*")
    assert keys, "the limiter's counters are not in Redis"
