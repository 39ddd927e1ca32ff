"""One-time sign-in links for the tool's own admin (printed by ``flask admin link``)."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

from lti_tool.errors import SessionExpired
from lti_tool.store import get_store

LINK_SECONDS = 15 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="peerready-admin-link")


def create_token() -> str:
    """A signed token valid once, for LINK_SECONDS."""
    return _serializer().dumps(secrets.token_urlsafe(16))


def check(token: str) -> str:
    """The token's one-time nonce; SessionExpired for a forged, expired or used token."""
    try:
        nonce: str = _serializer().loads(token, max_age=LINK_SECONDS)
    except BadSignature as exc:
        raise SessionExpired(
            "bad or expired admin link", message="This admin link is not valid or has expired."
        ) from exc
    if get_store().get(f"admin-link:{nonce}") is not None:
        raise SessionExpired("admin link used twice", message="This admin link was already used.")
    return nonce


def redeem(token: str) -> None:
    """Accept a token once; raise SessionExpired for a forged, expired or used one."""
    nonce = check(token)
    if not get_store().add(f"admin-link:{nonce}", 1, LINK_SECONDS):
        raise SessionExpired("admin link used twice", message="This admin link was already used.")
