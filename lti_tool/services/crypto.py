"""Keys derived from the app's secret: one derivation for every purpose, each with its own salt."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def derived_key(salt: bytes, info: bytes, length: int = 32) -> bytes:
    """A key for one purpose, from ``KEY_ENCRYPTION_KEY`` (or the secret key when unset).

    Distinct salts give independent keys, so the key that encrypts LRS passwords cannot be used
    to re-identify pupils' pseudonyms, and the other way round.
    """
    secret = current_app.config.get("KEY_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(
        str(secret).encode()
    )


def fernet_for(salt: bytes) -> Fernet:
    """A Fernet cipher whose key is derived for the purpose that ``salt`` names."""
    return Fernet(base64.urlsafe_b64encode(derived_key(salt, b"fernet")))


def encrypt_text(salt: bytes, plain: str) -> str:
    """Encrypt ``plain`` for storage in the database."""
    return fernet_for(salt).encrypt(plain.encode()).decode()


def decrypt_text(salt: bytes, token: str) -> str:
    """Decrypt what ``encrypt_text`` stored under the same salt."""
    return fernet_for(salt).decrypt(token.encode()).decode()
