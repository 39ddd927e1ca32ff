"""A fake Moodle on a real HTTP server (127.0.0.1, a free port) for Dynamic Registration tests.

It stands in for a school's Moodle, which can't run here. It copies what Moodle 4.1+ does in
``mod/lti``: ``openid-configuration.php`` names the site URL as issuer, ``auth.php``,
``token.php``, ``certs.php`` and ``openid-registration.php`` as endpoints and lists the LTI
messages it supports; ``openid-registration.php`` answers 401 ``missing_registration_token``
without a ``Bearer`` token, otherwise 200 with the registration it stored, including the
``client_id`` and, under the tool-configuration claim, the ``deployment_id``; ``certs.php``
publishes the site's public key, with which it signs id_tokens.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from tests.support.http_server import running  # noqa: F401  (re-exported for tests)
from tests.support.platform import SigningKey

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"


@dataclass
class FakeMoodle:
    """Moodle's LTI endpoints; what it received is kept in ``registrations`` and ``requests``."""

    registration_token: str = field(default_factory=lambda: uuid.uuid4().hex)
    client_id: str = field(default_factory=lambda: uuid.uuid4().hex[:15])
    deployment_id: str = "7"
    key: SigningKey = field(default_factory=SigningKey)
    # Knobs for failures: replace or extend the configuration, answer registration otherwise.
    config_overrides: dict[str, Any] = field(default_factory=dict)
    config_body: str | None = None  # raw body for openid-configuration (e.g. not JSON)
    registration_status: int = 200
    registration_body: str | None = None
    registrations: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def configuration(self) -> dict[str, Any]:
        base = self.base_url
        config = {
            "issuer": base,
            "token_endpoint": f"{base}/mod/lti/token.php",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": f"{base}/mod/lti/certs.php",
            "authorization_endpoint": f"{base}/mod/lti/auth.php",
            "registration_endpoint": f"{base}/mod/lti/openid-registration.php",
            "scopes_supported": [
                "https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
                "openid",
            ],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIG: {
                "product_family_code": "moodle",
                "version": "4.1.9 (Build: 20240212)",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
                ],
                "variables": ["basic-lti-launch-request", "ContentItemSelectionRequest"],
            },
        }
        config.update(self.config_overrides)
        return config

    @property
    def configuration_url(self) -> str:
        return f"{self.base_url}/mod/lti/openid-configuration.php"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(f"{request.method} {request.path}")
        return self._answer(request)(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.path == "/mod/lti/openid-configuration.php":
            body = (
                self.config_body
                if self.config_body is not None
                else json.dumps(self.configuration())
            )
            return Response(body, content_type="application/json")
        if request.path == "/mod/lti/certs.php":
            return Response(
                json.dumps({"keys": [self.key.public_jwk()]}), content_type="application/json"
            )
        if request.path == "/mod/lti/openid-registration.php" and request.method == "POST":
            return self._register(request)
        return Response("not found", status=404)

    def _register(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:].strip() != self.registration_token:
            return Response("missing_registration_token", status=401)
        if self.registration_status != 200 or self.registration_body is not None:
            return Response(
                self.registration_body or "Internal error", status=self.registration_status
            )
        payload = request.get_json(force=True)
        self.registrations.append(payload)
        tool = dict(payload.get(TOOL_CONFIG, {}))
        tool["deployment_id"] = self.deployment_id
        answer = {**payload, "client_id": self.client_id, TOOL_CONFIG: tool}
        return Response(json.dumps(answer), content_type="application/json; charset=utf-8")
