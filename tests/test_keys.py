"""The tool's signing keys: the JWKS platforms read, rotation, and encryption at rest."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from cryptography.fernet import InvalidToken
from flask.testing import FlaskClient
from pylti1p3.deep_link import DeepLink
from pylti1p3.registration import Registration
from sqlalchemy import select
from sqlalchemy import text

from lti_tool.extensions import db
from lti_tool.lti.tool_config import registration_for
from lti_tool.models import Platform
from lti_tool.models import ToolKey
from lti_tool.models.types import utcnow
from lti_tool.services import keys
from tests.support.platform import TestPlatform


def _published(client: FlaskClient) -> dict[str, dict[str, str]]:
    response = client.get("/lti/jwks")
    assert response.status_code == 200
    return {jwk["kid"]: jwk for jwk in response.get_json()["keys"]}


def _signed_kid(client: FlaskClient, platform: TestPlatform) -> str:
    """Sign a deep-linking response with pylti1p3, verify it as the platform would; its kid."""
    registration = registration_for(db.session.scalars(select(Platform)).one())
    token = DeepLink(registration, platform.deployment_id, {"data": "x"}).get_response_jwt([])
    kid = str(jwt.get_unverified_header(token)["kid"])
    public = jwt.PyJWK(_published(client)[kid]).key  # KeyError: the kid is not published
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=platform.issuer)
    assert claims["iss"] == platform.client_id
    return kid


def test_jwks_publishes_the_active_key_as_pylti1p3_names_it(client: FlaskClient) -> None:
    published = _published(client)
    key = db.session.scalars(select(ToolKey)).one()
    assert list(published) == [key.kid]
    jwk = published[key.kid]
    assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in jwk  # public half only
    assert Registration.get_jwk(key.public_pem)["kid"] == key.kid
    assert client.get("/.well-known/jwks.json").get_json() == client.get("/lti/jwks").get_json()


def test_platform_verifies_what_the_tool_signs_with_its_published_jwks(client: FlaskClient, platform: TestPlatform) -> None:
    assert _signed_kid(client, platform) in _published(client)


def test_rotated_key_signs_and_old_key_stays_published_until_its_overlap_ends(
    client: FlaskClient, platform: TestPlatform
) -> None:
    old = keys.active_key(db.session)
    new = keys.rotate(db.session, overlap_days=30)
    assert _signed_kid(client, platform) == new.kid
    assert set(_published(client)) == {old.kid, new.kid}

    # Time-travel: the overlap ended a minute ago.
    old_row = db.session.get(ToolKey, old.id)
    assert old_row is not None
    old_row.publish_until = utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert set(_published(client)) == {new.kid}
    assert _signed_kid(client, platform) == new.kid


def test_private_key_is_stored_encrypted(client: FlaskClient) -> None:
    key = keys.active_key(db.session)
    pem = keys.private_pem(key)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    row = db.session.execute(text("SELECT * FROM tool_key")).mappings().one()
    stored = " ".join(str(value) for value in row.values())
    assert "PRIVATE KEY" not in stored
    assert pem.splitlines()[1] not in stored  # not even one line of the key's base64


def test_private_key_cannot_be_read_with_another_secret_key(make_app) -> None:  # type: ignore[no-untyped-def]
    first = make_app()
    with first.app_context():
        key = keys.active_key(db.session)
        kid = key.kid
    other = make_app(SECRET_KEY="a-different-secret")
    with other.app_context():
        stored = db.session.scalars(select(ToolKey).filter_by(kid=kid)).one()
        with pytest.raises(InvalidToken):
            keys.private_pem(stored)
