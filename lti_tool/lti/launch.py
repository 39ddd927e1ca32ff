"""The OIDC login and the launch, on pylti1p3, with the checks pylti1p3 leaves to the tool.

pylti1p3 validates the signature, registration, deployment and message claims. It does not
consume nonces, bind the state to the nonce, check ``aud``/``azp`` strictly, allow clock skew,
refuse algorithms other than RS256 up front, cache platform keys with a timeout, or work
without cookies; this module adds each of those.

A launch's state is bound to the browser by the state cookie or, when the platform offers it,
by the LTI Platform Storage (client-side postMessage) that the browser asks on our behalf.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from typing import Any
from typing import NoReturn
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import jwt
import requests
from flask import Response
from flask import current_app
from flask import request
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import FlaskCookieService
from pylti1p3.contrib.flask import FlaskMessageLaunch
from pylti1p3.contrib.flask import FlaskOIDCLogin
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.exception import LtiException
from pylti1p3.exception import OIDCException

from lti_tool.lti import errors
from lti_tool.lti.launch_storage import StoreLaunchDataStorage
from lti_tool.lti.tool_config import DatabaseToolConfig
from lti_tool.lti.tool_config import find_deployment
from lti_tool.lti.tool_config import find_platform
from lti_tool.lti.tool_config import issuer_is_registered
from lti_tool.models import Platform
from lti_tool.security import origin_of
from lti_tool.store import get_store
from lti_tool.urls import base_url
from lti_tool.urls import external_url

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPES = frozenset({"LtiResourceLinkRequest", "LtiDeepLinkingRequest"})
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "lti_deployment_id",
    "client_id",
)
JWKS_TIMEOUT_SECONDS = 5
JWKS_REFETCH_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser after a login initiation, and how to bind the state."""

    auth_url: str
    state: str
    nonce: str
    storage_target: str | None
    platform_origin: str
    cookies: FlaskCookieService

    def apply_cookies(self, response: Response) -> Response:
        self.cookies.update_response(response)
        return response


@dataclass(frozen=True)
class StateRecord:
    """What the login remembered for the launch (kept server-side, one use)."""

    nonce: str
    issuer: str
    client_id: str
    storage_target: str | None
    platform_origin: str
    login_params: dict[str, str]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StateRecord:
        return cls(**data)


class _CookieService(FlaskCookieService):  # type: ignore[misc]
    """pylti1p3's state cookie, also ``Partitioned`` (CHIPS) so it survives in iframes."""

    def update_response(self, response: Response) -> None:
        secure = bool(self._request.is_secure())
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                secure=secure,
                path="/",
                httponly=True,
                samesite="None" if secure else "Lax",
                partitioned=secure,
            )


def _storage() -> StoreLaunchDataStorage:
    return StoreLaunchDataStorage(get_store())


def _state_key(state: str) -> str:
    return f"oidc-state:{state}"


# --- login ----------------------------------------------------------------------------------


def start_login(params: dict[str, str]) -> LoginStart:
    """Validate a third-party initiated login and prepare the redirect to the platform."""
    issuer, login_hint = params.get("iss"), params.get("login_hint")
    if not issuer or not login_hint:
        raise errors.LoginInvalid("login initiation without iss or login_hint")
    target = params.get("target_link_uri")
    if target and not _is_on_this_tool(target):
        raise errors.LoginInvalid(f"target_link_uri {target!r} is not on this tool")
    client_id = params.get("client_id")
    platform = find_platform(issuer, client_id)
    if platform is None:
        _raise_unregistered(issuer, client_id)

    flask_request = FlaskRequest(request_data=params, session={})
    cookies = _CookieService(flask_request)
    login = FlaskOIDCLogin(flask_request, DatabaseToolConfig(), cookie_service=cookies)
    login.set_launch_data_storage(_storage())
    login.set_launch_data_lifetime(current_app.config["LAUNCH_STATE_SECONDS"])
    try:
        auth_url = login.get_redirect_object(external_url("lti.launch")).get_redirect_url()
    except OIDCException as exc:
        raise errors.LoginInvalid(str(exc)) from exc
    query = parse_qs(urlsplit(auth_url).query)
    state, nonce = query["state"][0], query["nonce"][0]
    storage_target = params.get("lti_storage_target") or None
    record = StateRecord(
        nonce=nonce,
        issuer=platform.issuer,
        client_id=platform.client_id,
        storage_target=storage_target,
        platform_origin=origin_of(platform.auth_login_url) or "",
        login_params={k: params[k] for k in LOGIN_PARAMS if params.get(k)},
    )
    get_store().set(_state_key(state), record.__dict__, current_app.config["LAUNCH_STATE_SECONDS"])
    return LoginStart(auth_url, state, nonce, storage_target, record.platform_origin, cookies)


def _is_on_this_tool(url: str) -> bool:
    """True if ``url`` is on this tool's origin and under its base path.

    A plain prefix test would accept ``https://peerready.trust.org.evil.test/`` too.
    """
    base = base_url()
    return origin_of(url) == origin_of(base) and (url == base or url.startswith(base + "/"))


def _raise_unregistered(issuer: str, client_id: str | None) -> NoReturn:
    if issuer_is_registered(issuer):
        raise errors.UnknownClient(f"unknown client_id {client_id!r} for issuer {issuer!r}")
    raise errors.UnknownIssuer(f"unknown issuer {issuer!r}")


# --- launch ---------------------------------------------------------------------------------


def find_state(state: str | None) -> StateRecord:
    """The login's record for ``state``, or StateUnknown."""
    if not state:
        raise errors.StateUnknown("launch without state")
    data = get_store().get(_state_key(state))
    if data is None:
        raise errors.StateUnknown("state unknown, expired or already used")
    return StateRecord.from_json(data)


def state_cookie_matches(state: str) -> bool:
    """True when the browser sent back the state cookie set at login."""
    return request.cookies.get(f"lti1p3-{state}") == state


def new_window_login_url(record: StateRecord) -> str:
    """The login initiation again, for a new top-level window where cookies work."""
    return external_url("lti.login") + "?" + urlencode({**record.login_params, "new_window": "1"})


def stash_for_storage_check(id_token: str, state: str) -> str:
    """Keep a launch while the browser asks the platform's storage; return a one-use ticket."""
    ticket = secrets.token_urlsafe(32)
    get_store().set(f"launch-ticket:{ticket}", {"id_token": id_token, "state": state}, 120)
    return ticket


def redeem_ticket(ticket: str | None, stored_state: str | None) -> tuple[str, str]:
    """The stashed launch, if the platform storage gave back its state; else StateMismatch."""
    pending = get_store().pop(f"launch-ticket:{ticket}") if ticket else None
    if pending is None:
        raise errors.StateUnknown("launch ticket unknown, expired or already used")
    if not stored_state or not secrets.compare_digest(stored_state, pending["state"]):
        raise errors.StateMismatch("platform storage did not hold this launch's state")
    return pending["id_token"], pending["state"]


def complete_launch(id_token: str | None, state: str) -> tuple[PeerReadyMessageLaunch, Platform]:
    """Validate a launch whose state binding was already checked; consume its state and nonce."""
    header, body = _unverified_parts(id_token)
    assert id_token is not None
    if header.get("alg") != "RS256":
        raise errors.DisallowedAlgorithm(f"alg {header.get('alg')!r}")
    if not header.get("kid"):
        raise errors.BadSignature("no kid in the id_token header")
    platform = _platform_for(body)
    _check_message(body)

    record_data = get_store().pop(_state_key(state))  # one use: a replay finds nothing
    if record_data is None:
        raise errors.ReplayedLaunch("state already consumed")
    record = StateRecord.from_json(record_data)
    if not secrets.compare_digest(str(body.get("nonce", "")), record.nonce):
        raise errors.ReplayedLaunch("the id_token's nonce was not issued for this state")
    if record.issuer != platform.issuer or record.client_id != platform.client_id:
        raise errors.StateMismatch("the state was issued for another registration")

    flask_request = FlaskRequest(
        request_data={"id_token": id_token, "state": state},
        cookies={f"lti1p3-{state}": state},  # the binding was verified by the caller
        session={},
    )
    storage = _storage()
    launch = PeerReadyMessageLaunch(flask_request, DatabaseToolConfig())
    launch.set_launch_data_storage(storage)
    launch.platform = platform
    launch.set_launch_data_lifetime(current_app.config["SESSION_LIFETIME_SECONDS"])
    try:
        launch.validate()
    except errors.LaunchError:
        raise
    except LtiException as exc:
        raise _translate(exc) from exc
    finally:
        storage.delete_value(f"lti1p3-nonce-{record.nonce}")
    return launch, platform


def _unverified_parts(id_token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    if not id_token:
        raise errors.InvalidToken("no id_token")
    if len(id_token) > current_app.config["MAX_ID_TOKEN_BYTES"]:
        raise errors.TokenTooLarge(f"id_token of {len(id_token)} bytes")
    parts = id_token.split(".")
    if len(parts) != 3:
        raise errors.InvalidToken("id_token is not a JWS compact serialisation")
    try:
        header, body = (json.loads(_b64decode(part)) for part in parts[:2])
    except (ValueError, binascii.Error) as exc:
        raise errors.InvalidToken("id_token header or body is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(body, dict):
        raise errors.InvalidToken("id_token header or body is not an object")
    return header, body


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _platform_for(body: dict[str, Any]) -> Platform:
    issuer = body.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise errors.MissingClaim("no iss")
    aud = body.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    client_id = body.get("azp") or (audiences[0] if len(audiences) == 1 else None)
    if not isinstance(client_id, str) or not client_id:
        raise errors.WrongAudience("no usable aud/azp")
    platform = find_platform(issuer, client_id)
    if platform is None:
        _raise_unregistered(issuer, client_id)
    deployment_id = body.get(CLAIM + "deployment_id")
    if not isinstance(deployment_id, str) or not deployment_id:
        raise errors.MissingClaim("no deployment_id")
    if find_deployment(platform, deployment_id) is None:
        raise errors.UnknownDeployment(f"unknown deployment_id {deployment_id!r}")
    return platform


def _check_message(body: dict[str, Any]) -> None:
    message_type = body.get(CLAIM + "message_type")
    if message_type not in MESSAGE_TYPES:
        raise errors.WrongMessageType(f"message_type {message_type!r}")
    if body.get(CLAIM + "version") != "1.3.0":
        raise errors.WrongVersion(f"version {body.get(CLAIM + 'version')!r}")
    required = ["sub", "nonce", CLAIM + "roles"]
    if message_type == "LtiResourceLinkRequest":
        required.append(CLAIM + "resource_link")
    else:
        required.append("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    for claim in required:
        if body.get(claim) in (None, ""):
            raise errors.MissingClaim(f"missing {claim}")


def _translate(exc: LtiException) -> errors.LaunchError:
    text = str(exc)
    if "public key" in text or "decode" in text.lower():
        return errors.BadSignature(text)
    if "Nonce" in text:
        return errors.ReplayedLaunch(text)
    if "State" in text or "state" in text:
        return errors.StateMismatch(text)
    if "deployment" in text.lower():
        return errors.UnknownDeployment(text)
    if "Registration" in text or "Client id" in text:
        return errors.UnknownClient(text)
    return errors.MissingClaim(text)


class PeerReadyMessageLaunch(FlaskMessageLaunch):  # type: ignore[misc]
    """pylti1p3's launch with strict claim checks and cached, refreshable platform keys."""

    platform: Platform

    def validate_jwt_signature(self) -> PeerReadyMessageLaunch:
        public_key, _ = self.get_public_key()
        try:
            body = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=["RS256"],
                audience=self.platform.client_id,
                issuer=self.platform.issuer,
                leeway=current_app.config["JWT_LEEWAY_SECONDS"],
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise errors.TokenExpired(str(exc)) from exc
        except jwt.ImmatureSignatureError as exc:
            raise errors.TokenNotYetValid(str(exc)) from exc
        except jwt.InvalidAudienceError as exc:
            raise errors.WrongAudience(str(exc)) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise errors.MissingClaim(str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            raise errors.BadSignature(str(exc)) from exc
        audiences = body["aud"] if isinstance(body["aud"], list) else [body["aud"]]
        azp = body.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self.platform.client_id:
            raise errors.WrongAudience(f"azp {azp!r} is not the registered client_id")
        return self

    def get_public_key(self) -> tuple[str, str]:
        kid = self._jwt.get("header", {}).get("kid")
        key = _find_key(self._platform_keys(refresh=False), kid)
        if key is None and self._may_refetch_keys():
            key = _find_key(self._platform_keys(refresh=True), kid)
        if key is None:
            raise errors.BadSignature(f"no platform key with kid {kid!r}")
        try:
            return JWK.from_json(json.dumps(key)).export_to_pem().decode(), "RS256"
        except (ValueError, TypeError) as exc:
            raise errors.BadSignature("the platform's key could not be read") from exc

    def _may_refetch_keys(self) -> bool:
        """An unknown kid may mean the platform rotated its keys: refetch, at most once a
        minute per platform, so random kids cannot make PeerReady hammer the platform."""
        if not self.platform.key_set_url or self.platform.key_set:
            return False
        marker = f"jwks-refetch:{self.platform.id}"
        return get_store().add(marker, 1, JWKS_REFETCH_INTERVAL_SECONDS)

    def _platform_keys(self, refresh: bool) -> dict[str, Any]:
        if self.platform.key_set:
            return self.platform.key_set
        url = self.platform.key_set_url
        if not url:
            raise errors.BadSignature("the registration has neither a key set nor a key set URL")
        cache_key = f"platform-jwks:{self.platform.id}"
        cached = None if refresh else get_store().get(cache_key)
        if cached is not None:
            return dict(cached)
        try:
            response = requests.get(url, timeout=JWKS_TIMEOUT_SECONDS)
            response.raise_for_status()
            keys = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise errors.BadSignature(
                f"could not fetch the platform's keys from {url}: {exc}"
            ) from exc
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise errors.BadSignature(f"{url} did not return a JSON Web Key Set")
        get_store().set(cache_key, keys, current_app.config["PLATFORM_JWKS_CACHE_SECONDS"])
        return keys


def _find_key(key_set: dict[str, Any], kid: str | None) -> dict[str, Any] | None:
    for key in key_set.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid and key.get("alg", "RS256") == "RS256":
            return key
    return None
