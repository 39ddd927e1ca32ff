"""Platform keys fetched from the platform's JWKS URL: cached, and refetched on an unknown kid.

The platform is a real HTTP server on 127.0.0.1 standing in for a school's Moodle
(``/mod/lti/certs.php`` serves its JWKS there), which cannot run here.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.http_server import FakeServer
from tests.support.platform import SigningKey
from tests.support.platform import TestPlatform


def registered_with_url(server: FakeServer) -> TestPlatform:
    platform = TestPlatform(key_set_url=server.base_url + "/mod/lti/certs.php")
    server.json("GET", "/mod/lti/certs.php", platform.jwks())
    platform.register()
    return platform


def test_keys_are_fetched_once_and_cached(client: FlaskClient, fake_server: FakeServer) -> None:
    platform = registered_with_url(fake_server)
    for _ in range(3):
        assert platform.launch(client).status_code == 303
    assert fake_server.hits("/mod/lti/certs.php") == 1


def test_rotated_platform_key_is_picked_up(client: FlaskClient, fake_server: FakeServer) -> None:
    platform = registered_with_url(fake_server)
    assert platform.launch(client).status_code == 303
    platform.key = SigningKey()  # the platform rotates its key and publishes the new one
    fake_server.json("GET", "/mod/lti/certs.php", platform.jwks())
    assert platform.launch(client).status_code == 303
    assert fake_server.hits("/mod/lti/certs.php") == 2


def test_random_kids_cannot_make_the_tool_hammer_the_platform(
    client: FlaskClient, fake_server: FakeServer
) -> None:
    platform = registered_with_url(fake_server)
    platform.launch(client)
    for _ in range(5):
        assert platform.launch(client, key=SigningKey()).status_code == 401
    assert fake_server.hits("/mod/lti/certs.php") <= 2


def test_unreachable_key_set_gives_a_clear_error(
    client: FlaskClient, fake_server: FakeServer
) -> None:
    platform = TestPlatform(key_set_url=fake_server.base_url + "/missing-certs")
    platform.register()
    response = platform.launch(client)
    assert response.status_code == 401
    assert b"keyset" in response.data or b"key set" in response.data
