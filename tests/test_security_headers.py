"""Security headers: only registered platforms may frame PeerReady."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support.platform import TestPlatform


def directive(response: object, name: str) -> list[str]:
    policy = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_only_registered_platforms_may_frame_the_tool(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client)
    home = client.get(response.headers["Location"])
    assert directive(home, "frame-ancestors") == ["'self'", "https://moodle.school.test"]
    assert directive(home, "script-src") == ["'self'"]
    assert home.headers["X-Content-Type-Options"] == "nosniff"
    assert home.headers["Referrer-Policy"] == "same-origin"
    assert home.headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(app: Flask) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/lti/jwks").headers
    secure = client.get("/lti/jwks", base_url="https://tool.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_jwks_is_public_and_cacheable(app: Flask) -> None:
    response = app.test_client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.get_json()["keys"]
    assert len(keys) == 1
    assert {keys[0]["alg"], keys[0]["use"], keys[0]["kty"]} == {"RS256", "sig", "RSA"}
    assert "d" not in keys[0]  # never the private exponent
    assert response.headers["Cache-Control"] == "public, max-age=300"
