"""IMS LTI Dynamic Registration 1.0: the tool's side.

The platform opens ``/lti/register?openid_configuration=…&registration_token=…``. PeerReady
fetches the platform's OpenID configuration, checks it, posts its client registration (the
messages and the few claims it needs) and stores the platform with the client id and
deployment id the platform returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy.orm import Session

from lti_tool.models import Platform
from lti_tool.services import platforms
from lti_tool.services.platforms import RegistrationProblem
from lti_tool.urls import external_url

TIMEOUT_SECONDS = 10
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
# Least data: no e-mail. Names let trainers recognise their pupils (schools can turn storing
# names off, and platforms such as Moodle let the admin withhold them).
CLAIMS = ("iss", "sub", "name", "given_name", "family_name")


@dataclass(frozen=True)
class PlatformConfiguration:
    """The parts of a platform's OpenID configuration PeerReady uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    product_family_code: str
    version: str
    messages_supported: tuple[str, ...]
    scopes_supported: tuple[str, ...]


def fetch_configuration(openid_configuration_url: str) -> PlatformConfiguration:
    """Fetch and check the platform's OpenID configuration."""
    platforms.check_url("openid_configuration", openid_configuration_url)
    try:
        response = requests.get(openid_configuration_url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationProblem(
            f"could not read the platform's configuration at {openid_configuration_url}: "
            f"{_why(exc)}"
        ) from exc
    if not isinstance(data, dict):
        raise RegistrationProblem("the platform's configuration is not a JSON object")
    missing = [
        name
        for name in ("issuer", "authorization_endpoint", "jwks_uri", "registration_endpoint",
                     "token_endpoint")
        if not isinstance(data.get(name), str) or not data.get(name)
    ]
    if missing:
        raise RegistrationProblem(f"the platform's configuration lacks {', '.join(missing)}")
    issuer = data["issuer"]
    # LTI-DR §3.5.1: the configuration must come from the issuer it names.
    if not _is_under(openid_configuration_url, issuer):
        raise RegistrationProblem(
            f"the issuer {issuer!r} does not match the configuration URL {openid_configuration_url!r}"
        )
    if "RS256" not in _strings(data, "id_token_signing_alg_values_supported", ["RS256"]):
        raise RegistrationProblem("the platform does not sign id_tokens with RS256")
    lti = data.get(PLATFORM_CONFIG) or {}
    if not isinstance(lti, dict):
        raise RegistrationProblem(f"the platform's {PLATFORM_CONFIG} is not a JSON object")
    listed = lti.get("messages_supported") or []
    if not isinstance(listed, list):
        raise RegistrationProblem("the platform's messages_supported is not a list")
    messages = tuple(str(m.get("type", "")) for m in listed if isinstance(m, dict))
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=data["jwks_uri"],
        registration_endpoint=data["registration_endpoint"],
        authorization_server=data.get("authorization_server"),
        product_family_code=str(lti.get("product_family_code", "")),
        version=str(lti.get("version", "")),
        messages_supported=messages,
        scopes_supported=tuple(_strings(data, "scopes_supported", [])),
    )


def _why(exc: Exception) -> str:
    """A plain reason for a failed request; the page is read by a platform admin, not a coder."""
    current_app.logger.warning("Dynamic registration request failed: %r", exc)
    if isinstance(exc, ValueError):  # requests' JSONDecodeError is one too
        return "its answer is not JSON"
    if isinstance(exc, requests.Timeout):
        return f"it did not answer within {TIMEOUT_SECONDS} seconds"
    if isinstance(exc, requests.ConnectionError):
        return "nothing answered at that address"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"it answered HTTP {exc.response.status_code}"
    return type(exc).__name__


def _strings(data: dict[str, Any], name: str, default: list[str]) -> list[str]:
    """A list of strings from the configuration; a string or object there is a problem."""
    value = data.get(name, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RegistrationProblem(f"the platform's {name} is not a list of strings")
    return value


def _is_under(url: str, issuer: str) -> bool:
    """True if ``url`` has the issuer's scheme and host and lies under its path.

    A plain string prefix is not enough: ``https://moodle.school`` would then vouch for
    ``https://moodle.school.example.net/…`` and ``http://127.0.0.1:4123`` for port 41234.
    """
    given, own = urlsplit(url), urlsplit(issuer)
    if (given.scheme, given.netloc) != (own.scheme, own.netloc):
        return False
    base = own.path.rstrip("/")
    return given.path == base or given.path.startswith(base + "/")


def client_registration(config: PlatformConfiguration) -> dict[str, Any]:
    """The tool's registration request (LTI-DR §3.6 and OpenID Connect registration)."""
    launch = external_url("lti.launch")
    messages: list[dict[str, Any]] = [
        {"type": "LtiResourceLinkRequest", "target_link_uri": launch, "label": "PeerReady"}
    ]
    if not config.messages_supported or "LtiDeepLinkingRequest" in config.messages_supported:
        messages.append(
            {
                "type": "LtiDeepLinkingRequest",
                "target_link_uri": launch,
                "label": "PeerReady training",
                "placements": ["ContentArea"],
                "supported_types": ["ltiResourceLink"],
            }
        )
    scopes = [s for s in SCOPES if not config.scopes_supported or s in config.scopes_supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": external_url("lti.login"),
        "redirect_uris": [launch],
        "client_name": "PeerReady",
        "jwks_uri": external_url("lti.jwks"),
        "logo_uri": external_url("static", filename="logo.svg"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIG: {
            "domain": platforms.tool_urls().domain,
            "description": "Peer mentor training: confidentiality, boundaries and safeguarding.",
            "target_link_uri": launch,
            "claims": list(CLAIMS),
            "messages": messages,
        },
    }


def register(
    session: Session, openid_configuration_url: str, registration_token: str | None
) -> Platform:
    """Run the whole registration; return the stored platform."""
    config = fetch_configuration(openid_configuration_url)
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = requests.post(
            config.registration_endpoint,
            json=client_registration(config),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise RegistrationProblem(f"could not reach the platform to register: {_why(exc)}") from exc
    if not response.ok:
        raise RegistrationProblem(
            f"the platform refused the registration ({response.status_code}): {response.text[:300]}"
        )
    try:
        answer = response.json()
    except ValueError as exc:
        raise RegistrationProblem("the platform's registration answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise RegistrationProblem("the platform's registration answer is not a JSON object")
    client_id = str(answer.get("client_id") or "")
    if not client_id:
        raise RegistrationProblem("the platform's registration answer has no client_id")
    tool_config = answer.get(TOOL_CONFIG) or {}
    deployment_id = tool_config.get("deployment_id") if isinstance(tool_config, dict) else None
    current_app.logger.info("Registered %s (client %s) by dynamic registration", config.issuer, client_id)
    return platforms.add_platform(
        session,
        issuer=config.issuer,
        client_id=client_id,
        auth_login_url=config.authorization_endpoint,
        auth_token_url=config.token_endpoint,
        key_set_url=config.jwks_uri,
        auth_audience=config.authorization_server,
        deployment_ids=[str(deployment_id)] if deployment_id else [],
        registered_via="dynamic",
        product_family_code=config.product_family_code,
    )
