"""A school's identity provider, faked on 127.0.0.1: OAuth2 client credentials for an LRS.

It stands in for the school's (or trust's) real identity provider, which can't run here. It
publishes OpenID discovery and a JWKS, and its token endpoint issues RS256 JWT access tokens to
one client. Ralph's OIDC auth checks those tokens offline against the JWKS (signature, expiry,
audience), so Ralph itself is the LRS that checks the bearer token.

``advertised_lifetime`` is the ``expires_in`` the endpoint announces; ``token_lifetime`` is the
token's real ``exp``: setting it shorter makes the LRS refuse a token the client still trusts,
as when an IdP rotates or revokes tokens early.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

AUDIENCE = "https://lrs.school.test"
KID = "idp-key-1"


class FakeIdentityProvider:
    """Discovery, JWKS and a client-credentials token endpoint for ``client_id``/``secret``."""

    def __init__(self, client_id: str, secret: str) -> None:
        self.client_id = client_id
        self.secret = secret
        self.base = ""  # set once served
        self.ca_file: Path | None = None  # the certificate to trust when served over HTTPS
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.advertised_lifetime = 3600
        self.token_lifetime = 3600
        self.issued: list[dict[str, Any]] = []  # the claims of every token issued
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        # Ralph joins its issuer setting and the discovery path with a doubled slash.
        if request.path.endswith("/.well-known/openid-configuration"):
            return _json({
                "issuer": self.base, "jwks_uri": self.base + "/jwks",
                "token_endpoint": self.base + "/token",
                "id_token_signing_alg_values_supported": ["RS256"],
                "grant_types_supported": ["client_credentials"],
            })
        if request.path == "/jwks":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return _json({"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]})
        if request.path == "/token" and request.method == "POST":
            return self.token(request)
        return Response("not found", 404)

    def token(self, request: Request) -> Response:
        client_id, secret = _client_credentials(request)
        if request.form.get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type"}, 400)
        if (client_id, secret) != (self.client_id, self.secret):
            self.refused += 1
            return _json({"error": "invalid_client"}, 401)
        now = int(time.time())
        claims = {"iss": self.base, "sub": client_id, "aud": AUDIENCE, "iat": now,
                  "exp": now + self.token_lifetime, "scope": "all", "jti": f"t{len(self.issued)}"}
        self.issued.append(claims)
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})
        return _json({"access_token": token, "token_type": "Bearer",
                      "expires_in": self.advertised_lifetime})


def _client_credentials(request: Request) -> tuple[str, str]:
    """client_secret_basic (the Authorization header) or client_secret_post (the form)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")
