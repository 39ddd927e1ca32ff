"""Every refused launch gets a clear 4xx page and stores nothing (foundation issue)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import User
from tests.support.platform import CLAIM
from tests.support.platform import SigningKey
from tests.support.platform import TestPlatform


def stored_nothing() -> bool:
    counts = [db.session.scalar(select(func.count(m.id))) for m in (User, Context, Enrollment)]
    return counts == [0, 0, 0]


def heading(response: Any) -> str:
    page = response.get_data(as_text=True)
    return page.split("<h1>", 1)[1].split("</h1>", 1)[0]


def post_launch(
    client: FlaskClient, platform: TestPlatform, make_token: Callable[[str], str]
) -> Any:
    login = platform.login(client)
    return client.post(
        "/lti/launch", data={"id_token": make_token(login.nonce), "state": login.state}
    )


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    def part(data: Any) -> str:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join((part(header), part(claims), part(signature)))


def test_tampered_signature_is_refused_and_nothing_stored(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, key=platform.unregistered_key)
    assert response.status_code == 401
    assert b"Open PeerReady again from your course" in response.data
    assert b"signature" in response.data  # the admin hint says what to check
    assert stored_nothing()


def test_changed_claims_after_signing_are_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    def forge(nonce: str) -> str:
        token = platform.sign(platform.claims(nonce))
        header, _, signature = token.split(".")
        claims = platform.claims(nonce, sub="someone-else")
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{body}.{signature}"

    response = post_launch(client, platform, forge)
    assert response.status_code == 401
    assert stored_nothing()


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_algorithms_other_than_rs256_are_refused(
    client: FlaskClient, platform: TestPlatform, alg: str
) -> None:
    def token(nonce: str) -> str:
        claims = platform.claims(nonce)
        if alg == "none":
            return unsigned({"alg": "none", "kid": platform.key.kid, "typ": "JWT"}, claims)
        # The classic confusion attack: HMAC keyed with the platform's *public* key.
        header = {"alg": "HS256", "kid": platform.key.kid, "typ": "JWT"}
        signing_input = unsigned(header, claims).rsplit(".", 1)[0]
        import hashlib
        import hmac

        mac = hmac.new(platform.key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    response = post_launch(client, platform, token)
    assert response.status_code == 401
    assert b"RS256" in response.data
    assert stored_nothing()


def test_unknown_kid_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    stranger = SigningKey()
    response = platform.launch(client, key=stranger)
    assert response.status_code == 401
    assert stored_nothing()


def test_expired_token_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    past = int(time.time()) - 600
    response = platform.launch(client, iat=past, exp=past + 60)
    assert response.status_code == 401
    assert b"clocks" in response.data
    assert stored_nothing()


def test_token_from_the_future_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    future = int(time.time()) + 600
    response = platform.launch(client, iat=future, exp=future + 60)
    assert response.status_code == 401
    assert stored_nothing()


def test_small_clock_skew_is_tolerated(client: FlaskClient, platform: TestPlatform) -> None:
    ahead = int(time.time()) + 5  # the platform's clock runs 5 s fast
    response = platform.launch(client, iat=ahead, exp=ahead + 60)
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        ({"aud": "another-client"}, 400),  # a client id this issuer never registered
        ({"aud": ["client-abc", "other"], "azp": None}, 401),  # several audiences without azp
        ({"aud": ["client-abc", "other"], "azp": "other"}, 400),
    ],
)
def test_wrong_audience_or_azp_is_refused(
    client: FlaskClient, platform: TestPlatform, claims: dict[str, Any], status: int
) -> None:
    response = platform.launch(client, **claims)
    assert response.status_code == status
    assert stored_nothing()


def test_unknown_issuer_is_refused_at_login(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.login(client, iss="https://unknown.school.test").response
    assert response.status_code == 400
    assert b"isn&#39;t registered" in response.data or b"isn't registered" in response.data


def test_unknown_client_id_is_refused_at_login(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.login(client, client_id="nobody").response
    assert response.status_code == 400
    assert b"client_id" in response.data


def test_unknown_deployment_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.launch(client, deployment_id="999")
    assert response.status_code == 400
    assert b"deployment" in response.data
    assert stored_nothing()


def test_replayed_launch_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    login = platform.login(client)
    token = platform.sign(platform.claims(login.nonce))
    assert (
        client.post("/lti/launch", data={"id_token": token, "state": login.state}).status_code
        == 303
    )
    replay = client.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert replay.status_code == 401
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1


def test_old_token_with_a_new_state_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    first = platform.login(client)
    token = platform.sign(platform.claims(first.nonce))
    client.post("/lti/launch", data={"id_token": token, "state": first.state})
    second = platform.login(client)  # a fresh state, but the old token's nonce
    response = client.post("/lti/launch", data={"id_token": token, "state": second.state})
    assert response.status_code == 401
    assert heading(response) == "This link was already used"


def test_missing_state_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    login = platform.login(client)
    token = platform.sign(platform.claims(login.nonce))
    response = client.post("/lti/launch", data={"id_token": token})
    assert response.status_code == 401
    assert stored_nothing()


def test_state_from_another_browser_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    login = platform.login(client)
    token = platform.sign(platform.claims(login.nonce))
    other_browser = client.application.test_client()  # no state cookie, no platform storage
    response = other_browser.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert response.status_code == 401
    assert b"new window" in response.data
    assert stored_nothing()


@pytest.mark.parametrize(
    "claim",
    ["sub", "nonce", "roles", "resource_link", "deployment_id", "iat", "exp"],
)
def test_missing_required_claim_is_refused(
    client: FlaskClient, platform: TestPlatform, claim: str
) -> None:
    response = platform.launch(client, **{claim: None})
    assert 400 <= response.status_code < 500
    assert stored_nothing()


def test_wrong_message_type_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.launch(client, message_type="LtiSubmissionReviewRequest")
    assert response.status_code == 400
    assert b"LtiResourceLinkRequest" in response.data
    assert stored_nothing()


def test_wrong_lti_version_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.launch(client, version="1.1")
    assert response.status_code == 400
    assert b"1.3.0" in response.data
    assert stored_nothing()


def test_oversized_token_is_refused_before_parsing(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, padding="x" * 40_000)
    assert response.status_code == 413
    assert stored_nothing()


def test_garbage_token_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    response = post_launch(client, platform, lambda nonce: "not.a.jwt")
    assert response.status_code == 401
    assert stored_nothing()


def test_off_site_target_link_uri_is_refused_at_login(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.login(client, target_link_uri="https://evil.test/steal").response
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_login_without_login_hint_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.login(client, login_hint=None).response
    assert response.status_code == 400


def test_login_works_as_get_and_as_post(client: FlaskClient, platform: TestPlatform) -> None:
    for method in ("GET", "POST"):
        login = platform.login(client, method=method)
        assert login.response.status_code == 302
        assert login.redirect_uri == "http://tool.test/lti/launch"
        assert login.response.headers["Location"].startswith(platform.issuer + "/mod/lti/auth.php?")


def test_every_refusal_logs_a_correlation_id(
    client: FlaskClient, platform: TestPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    response = platform.launch(client, key=platform.unregistered_key)
    code = response.get_data(as_text=True).split("<code>", 1)[1].split("</code>", 1)[0]
    assert any(code in record.getMessage() for record in caplog.records)


def test_token_signed_for_another_issuer_is_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, iss="https://other.school.test")
    assert response.status_code == 400
    assert stored_nothing()


def test_hs256_token_claims_are_never_trusted(client: FlaskClient, platform: TestPlatform) -> None:
    """Even a well-formed HS256 token keyed with a guessable secret is refused."""

    def token(nonce: str) -> str:
        return jwt.encode(
            platform.claims(nonce),
            "a-guessable-secret-of-32-bytes!!",
            algorithm="HS256",
            headers={"kid": platform.key.kid},
        )

    assert post_launch(client, platform, token).status_code == 401
    assert CLAIM  # the claim prefix is shared with the test platform
    assert stored_nothing()
