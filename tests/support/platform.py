"""A test LMS: it signs id_tokens with its own RSA key and drives the real OIDC flow.

It does not use pylti1p3 or PeerReady's code to sign: PyJWT and cryptography only, as an
independent platform would.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from jwt.algorithms import RSAAlgorithm
from werkzeug.test import TestResponse

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
ROLES = {
    "Learner": [MEMBERSHIP + "Learner"],
    "Instructor": [MEMBERSHIP + "Instructor"],
    "TeachingAssistant": [MEMBERSHIP + "Instructor#TeachingAssistant"],
    "ContentDeveloper": [MEMBERSHIP + "ContentDeveloper"],
    "Administrator": [MEMBERSHIP + "Administrator", INSTITUTION + "Administrator"],
}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class SigningKey:
    """An RSA private key with its kid."""

    private: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class LoginResult:
    response: TestResponse
    state: str
    nonce: str
    redirect_uri: str


@dataclass
class TestPlatform:
    """A Moodle-like platform registered with the tool."""

    __test__ = False  # not a test class

    issuer: str = "https://moodle.school.test"
    client_id: str = "client-abc"
    deployment_id: str = "1"
    key: SigningKey = field(default_factory=SigningKey)
    unregistered_key: SigningKey = field(default_factory=SigningKey)
    key_set_url: str | None = None

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk()]}

    def register(self) -> None:
        """Register through the tool's own service, as the CLI does."""
        from lti_tool.extensions import db
        from lti_tool.services import platforms

        platforms.add_platform(
            db.session,
            issuer=self.issuer,
            client_id=self.client_id,
            auth_login_url=self.issuer + "/mod/lti/auth.php",
            auth_token_url=self.issuer + "/mod/lti/token.php",
            key_set_url=self.key_set_url,
            key_set=None if self.key_set_url else self.jwks(),
            deployment_ids=[self.deployment_id],
            name="Test school Moodle",
        )

    def login(self, client: FlaskClient, method: str = "POST", **params: str) -> LoginResult:
        """Third-party initiated login, as Moodle posts it; returns the state and nonce."""
        data = {
            "iss": self.issuer,
            "login_hint": "42",
            "target_link_uri": "http://tool.test/lti/launch",
            "lti_message_hint": "resource-7",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
            **params,
        }
        data = {k: v for k, v in data.items() if v is not None}
        if method == "POST":
            response = client.post("/lti/login", data=data)
        else:
            response = client.get("/lti/login", query_string=data)
        state = nonce = redirect_uri = ""
        if response.status_code == 302:
            query = parse_qs(urlsplit(response.headers["Location"]).query)
            state, nonce = query["state"][0], query["nonce"][0]
            redirect_uri = query["redirect_uri"][0]
        elif response.status_code == 200 and b"data-state" in response.data:
            page = response.get_data(as_text=True)
            state = re.search(r'data-state="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            nonce = re.search(r'data-nonce="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return LoginResult(response, state, nonce, redirect_uri)

    def claims(self, login_nonce: str, role: str = "Learner", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": "user-42",
            "iat": now,
            "exp": now + 60,
            "nonce": login_nonce,
            "name": "Alex Example",
            "given_name": "Alex",
            "family_name": "Example",
            "email": "alex@example.test",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": "http://tool.test/lti/launch",
            CLAIM + "roles": ROLES.get(role, [role]),
            CLAIM + "context": {"id": "course-1", "label": "PEER", "title": "Peer mentors 2026"},
            CLAIM + "resource_link": {"id": "resource-7", "title": "PeerReady training"},
            CLAIM + "custom": {},
        }
        for name, value in overrides.items():
            claims[_claim_name(name)] = value
        return {k: v for k, v in claims.items() if v is not None}

    def sign(
        self,
        claims: dict[str, Any],
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        signing = key or self.key
        return jwt.encode(
            claims,
            signing.pem(),
            algorithm="RS256",
            headers={"kid": signing.kid, **(headers or {})},
        )

    def launch(
        self,
        client: FlaskClient,
        role: str = "Learner",
        key: SigningKey | None = None,
        **overrides: Any,
    ) -> TestResponse:
        """The whole flow: login, then post a signed id_token with the state."""
        login = self.login(client)
        token = self.sign(self.claims(login.nonce, role=role, **overrides), key=key)
        return client.post("/lti/launch", data={"id_token": token, "state": login.state})


def _claim_name(name: str) -> str:
    """Python-friendly names for LTI claims: ``message_type`` -> the full claim URI."""
    short = {
        "message_type",
        "version",
        "deployment_id",
        "target_link_uri",
        "roles",
        "context",
        "resource_link",
        "custom",
        "launch_presentation",
        "tool_platform",
    }
    return CLAIM + name if name in short else name
