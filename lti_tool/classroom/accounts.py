"""Google users as PeerReady keeps them: a keyed hash of their id, and encrypted tokens.

The Google user id is personal data of a child, so it is never stored: ``user_key`` is an
HMAC-SHA256 of it under a key derived from the app's secret (its own salt, so it is independent of
every other derived key). Every API call PeerReady makes names courses, items, attachments and
submissions, never users, so the raw id is not needed later; roster entries are matched by
hashing the ids Classroom returns.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from google.oauth2.credentials import Credentials
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.classroom.errors import ConsentRevoked
from lti_tool.models import GoogleAccount
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services.crypto import decrypt_text
from lti_tool.services.crypto import derived_key
from lti_tool.services.crypto import encrypt_text

PSEUDONYM_SALT = b"peerready-classroom-user-key"
TOKEN_SALT = b"peerready-google-tokens"


def user_key(google_user_id: str) -> str:
    """The pseudonymous key for a Google user id (64 hex characters, stable per install)."""
    key = derived_key(PSEUDONYM_SALT, b"hmac-sha256")
    return hmac.new(key, google_user_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Tokens:
    """What Google's token endpoint gave for one user."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: frozenset[str]


def find(session: Session, key: str) -> GoogleAccount | None:
    """The account with pseudonymous ``key``, if it ever signed in."""
    return session.scalars(select(GoogleAccount).filter_by(user_key=key)).first()


def save_tokens(session: Session, key: str, tokens: Tokens) -> GoogleAccount:
    """Create or update the account after a sign-in; keeps the old refresh token if none came."""
    account = find(session, key) or GoogleAccount(user_key=key, scopes="")
    session.add(account)
    account.access_token_encrypted = encrypt_text(TOKEN_SALT, tokens.access_token)
    account.access_token_expires_at = tokens.expires_at
    if tokens.refresh_token:
        account.refresh_token_encrypted = encrypt_text(TOKEN_SALT, tokens.refresh_token)
    # include_granted_scopes: Google returns everything granted so far; keep the union.
    account.scopes = " ".join(sorted(set(account.scopes.split()) | tokens.scopes))
    account.revoked_at = None
    account.updated_at = utcnow()
    return account


def has_scopes(account: GoogleAccount, needed: frozenset[str]) -> bool:
    """True when the account can be used without asking: not revoked, refreshable, all scopes."""
    return (
        account.revoked_at is None
        and account.refresh_token_encrypted is not None
        and needed <= set(account.scopes.split())
    )


def credentials_for(account: GoogleAccount) -> Credentials:
    """google-auth credentials that refresh themselves at Google's token endpoint."""
    if account.revoked_at is not None or not account.refresh_token_encrypted:
        raise ConsentRevoked(f"account {account.id} has no usable refresh token")
    try:
        refresh = decrypt_text(TOKEN_SALT, account.refresh_token_encrypted)
        access = (decrypt_text(TOKEN_SALT, account.access_token_encrypted)
                  if account.access_token_encrypted else None)
    except InvalidToken as exc:  # the secret key changed: the tokens can't be read any more
        raise ConsentRevoked(f"account {account.id}: stored tokens unreadable") from exc
    config = current_app.config
    expiry = account.access_token_expires_at
    return Credentials(
        token=access,
        refresh_token=refresh,
        # google-auth compares with a naive UTC datetime.
        expiry=as_utc(expiry).astimezone(UTC).replace(tzinfo=None) if expiry else None,
        token_uri=config["GOOGLE_TOKEN_URI"],
        client_id=config["GOOGLE_CLIENT_ID"],
        client_secret=config["GOOGLE_CLIENT_SECRET"],
        scopes=account.scopes.split(),
    )


def remember_refresh(account: GoogleAccount, credentials: Credentials) -> None:
    """Keep an access token that google-auth refreshed during a request (the caller commits)."""
    if not credentials.token:
        return
    account.access_token_encrypted = encrypt_text(TOKEN_SALT, credentials.token)
    account.access_token_expires_at = (
        credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
    )
    account.updated_at = utcnow()


def mark_revoked(account: GoogleAccount) -> None:
    """Google refused the refresh token: forget the tokens; the next visit asks to sign in."""
    account.revoked_at = utcnow()
    account.refresh_token_encrypted = None
    account.access_token_encrypted = None
    account.access_token_expires_at = None


def expiry_from(expires_in: float | None) -> datetime | None:
    """The moment an access token with ``expires_in`` seconds left expires."""
    return utcnow() + timedelta(seconds=float(expires_in)) if expires_in else None
