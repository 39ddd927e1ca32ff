"""Google sign-in: OAuth 2.0 authorization code with PKCE (google-auth-oauthlib), OpenID id_token.

Scopes are the fewest that work, per view (incremental authorisation, ``include_granted_scopes``):

- ``openid``: an id_token whose ``sub`` says who signed in (no e-mail, no profile: not needed).
- ``classroom.addons.teacher``: create attachments, read the add-on context as a teacher, and
  set ``pointsEarned`` on attachment submissions (grade passback).
- ``classroom.rosters.readonly`` (teachers only): list a course's pupils for the trainer
  dashboard, including those who never opened PeerReady.
- ``classroom.addons.student``: read the add-on context as a pupil (role and submission id).

The authorisation request's state is kept server-side with the PKCE verifier and the iframe's
session id, so the sign-in window (a top-level popup: Google can't be framed) completes the
sign-in of the iframe that opened it, whatever the browser's cookie policy.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from flask import current_app
from google.oauth2 import id_token as google_id_token
from jwt import PyJWTError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from lti_tool.classroom.accounts import Tokens
from lti_tool.classroom.accounts import expiry_from
from lti_tool.classroom.errors import NotConfigured
from lti_tool.classroom.errors import SignInFailed
from lti_tool.store import get_store
from lti_tool.urls import external_url

if TYPE_CHECKING:
    from google_auth_oauthlib.flow import Flow

# Google returns every scope granted so far (include_granted_scopes); that is expected, so
# oauthlib must not treat a wider scope as an error. We check the scopes we need ourselves.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")

OPENID = "openid"
TEACHER = "https://www.googleapis.com/auth/classroom.addons.teacher"
STUDENT = "https://www.googleapis.com/auth/classroom.addons.student"
ROSTER = "https://www.googleapis.com/auth/classroom.rosters.readonly"
TEACHER_SCOPES = frozenset({OPENID, TEACHER, ROSTER})
STUDENT_SCOPES = frozenset({OPENID, STUDENT})
STATE_TTL_SECONDS = 600


@dataclass(frozen=True)
class SignIn:
    """A finished sign-in: who (Google's ``sub``), their tokens, and the iframe session."""

    google_user_id: str
    requested: frozenset[str]  # the scopes this sign-in asked for
    hosted_domain: str  # the Workspace domain (``hd``), "" for a personal account
    tokens: Tokens
    session_id: str


def _flow(scopes: frozenset[str], **kwargs: Any) -> Flow:
    # Imported here: only sign-in needs it, so web workers of LTI-only schools start without it.
    from google_auth_oauthlib.flow import Flow

    config = current_app.config
    if not (config.get("GOOGLE_CLIENT_ID") and config.get("GOOGLE_CLIENT_SECRET")):
        raise NotConfigured("GOOGLE_CLIENT_ID or GOOGLE_CLIENT_SECRET is not set")
    client = {"web": {
        "client_id": config["GOOGLE_CLIENT_ID"], "client_secret": config["GOOGLE_CLIENT_SECRET"],
        "auth_uri": config["GOOGLE_AUTH_URI"], "token_uri": config["GOOGLE_TOKEN_URI"],
    }}
    return Flow.from_client_config(client, scopes=sorted(scopes),
                                   redirect_uri=redirect_uri(), **kwargs)


def redirect_uri() -> str:
    """The OAuth redirect URI to register in the Cloud project (never with a session token)."""
    return external_url("classroom.oauth_callback", s=None)


def authorization_url(scopes: frozenset[str], session_id: str, login_hint: str | None) -> str:
    """Where to send the sign-in window; remembers state, PKCE verifier and session server-side."""
    state = secrets.token_urlsafe(32)
    flow = _flow(scopes, autogenerate_code_verifier=True)
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _ = flow.authorization_url(
        state=state, access_type="offline", include_granted_scopes="true", **extra
    )
    get_store().set(f"classroom-oauth:{state}", {
        "verifier": flow.code_verifier, "scopes": sorted(scopes), "sid": session_id,
    }, STATE_TTL_SECONDS)
    return str(url)


def finish(state: str | None, code: str | None, error: str | None) -> SignIn:
    """Redeem the code (once: the state is consumed) and verify the id_token."""
    pending = get_store().pop(f"classroom-oauth:{state}") if state else None
    if pending is None:
        raise SignInFailed("unknown or expired OAuth state")
    if error or not code:
        raise SignInFailed(f"Google returned error={error!r}")
    flow = _flow(frozenset(pending["scopes"]), state=state, code_verifier=pending["verifier"])
    try:
        token = flow.fetch_token(code=code)
    except (OAuth2Error, requests.RequestException) as exc:
        raise SignInFailed(f"token request failed: {exc}") from exc
    claims = verify_id_token(str(token.get("id_token") or ""))
    scope = token.get("scope") or []
    scopes = frozenset(scope.split() if isinstance(scope, str) else scope)
    tokens = Tokens(str(token["access_token"]), token.get("refresh_token"),
                    expiry_from(token.get("expires_in")), scopes)
    return SignIn(str(claims["sub"]), frozenset(pending["scopes"]), str(claims.get("hd") or ""),
                  tokens, str(pending["sid"]))


def verify_id_token(token: str) -> dict[str, Any]:
    """Check the id_token's signature (Google's published keys), audience, issuer and expiry."""
    config = current_app.config
    if not token:
        raise SignInFailed("no id_token: the openid scope was not granted")
    try:
        claims = dict(google_id_token.verify_token(
            token, google.auth.transport.requests.Request(), audience=config["GOOGLE_CLIENT_ID"],
            certs_url=config["GOOGLE_CERTS_URI"], clock_skew_in_seconds=10,
        ))
    except (ValueError, PyJWTError, google.auth.exceptions.GoogleAuthError) as exc:
        raise SignInFailed(f"id_token refused: {exc}") from exc
    if claims.get("iss") not in config["GOOGLE_ISSUERS"] or not claims.get("sub"):
        raise SignInFailed(f"id_token from an unexpected issuer {claims.get('iss')!r}")
    return claims
