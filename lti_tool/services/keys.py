"""The tool's signing keys: generate, rotate, publish (JWKS) and use.

Private keys are stored in the database encrypted with a key derived from the app's secret key
(or ``KEY_ENCRYPTION_KEY`` when set), so every worker on every machine signs with the same key.
The ``kid`` is the RFC 7638 thumbprint, which is what pylti1p3 puts in the headers it signs.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from jwcrypto.jwk import JWK
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import ToolKey
from lti_tool.models.types import utcnow
from lti_tool.services.crypto import decrypt_text
from lti_tool.services.crypto import encrypt_text

KEY_SIZE = 2048
DEFAULT_OVERLAP_DAYS = 30
KEY_SALT = b"peerready-tool-keys"  # changing it would make stored private keys unreadable


def generate_key(session: Session) -> ToolKey:
    """Create a new RSA key pair and make it the active signing key."""
    jwk = JWK.generate(kty="RSA", size=KEY_SIZE)
    private_pem = jwk.export_to_pem(private_key=True, password=None).decode()
    key = ToolKey(
        kid=jwk.thumbprint(),
        public_pem=jwk.export_to_pem().decode(),
        private_pem_encrypted=encrypt_text(KEY_SALT, private_pem),
    )
    session.add(key)
    session.flush()
    return key


def active_key(session: Session) -> ToolKey:
    """The key that signs now; one is generated on first use (the embedded default)."""
    key = session.scalars(
        select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc())
    ).first()
    if key is None:
        key = generate_key(session)
        session.commit()
        key = _settle_first_keys(session)
    return key


def _settle_first_keys(session: Session) -> ToolKey:
    """Several workers starting on an empty database may each have made a key: keep the
    newest as the signing key and retire the others (still published for the overlap, as
    they may have signed something already)."""
    active = list(
        session.scalars(
            select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc())
        )
    )
    now = utcnow()
    for extra in active[1:]:
        extra.retired_at = now
        extra.publish_until = now + timedelta(days=DEFAULT_OVERLAP_DAYS)
    session.commit()
    return active[0]


def private_pem(key: ToolKey) -> str:
    """Decrypt a key's private half (PEM)."""
    return decrypt_text(KEY_SALT, key.private_pem_encrypted)


def rotate(session: Session, overlap_days: int = DEFAULT_OVERLAP_DAYS) -> ToolKey:
    """Make a new active key; the old one stops signing but stays published for a while.

    Platforms cache the tool's JWKS, so the old key must stay verifiable until their cache
    has surely expired.
    """
    now = utcnow()
    for old in session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))):
        old.retired_at = now
        old.publish_until = now + timedelta(days=overlap_days)
    new = generate_key(session)
    session.commit()
    return new


def published_keys(session: Session) -> list[ToolKey]:
    """Keys in the JWKS: the active one and retired ones still within their overlap."""
    active_key(session)
    return list(
        session.scalars(
            select(ToolKey)
            .where(or_(ToolKey.publish_until.is_(None), ToolKey.publish_until > utcnow()))
            .order_by(ToolKey.id)
        )
    )


def jwk_for(key: ToolKey) -> dict[str, Any]:
    """The public JWK, with ``kid``, ``alg`` and ``use`` set."""
    jwk: dict[str, Any] = json.loads(JWK.from_pem(key.public_pem.encode()).export_public())
    jwk.update({"kid": key.kid, "alg": "RS256", "use": "sig"})
    return jwk


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The tool's JSON Web Key Set."""
    return {"keys": [jwk_for(key) for key in published_keys(session)]}
