"""The tool's own RSA key pairs, published in its JWKS and used to sign messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.extensions import db
from lti_tool.models.types import utcnow


class ToolKey(db.Model):
    """An RSA key pair. The private half is stored encrypted (see services.keys)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # RFC 7638 thumbprint of the public key: what pylti1p3 puts in the JWT header.
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_pem: Mapped[str] = mapped_column(Text)
    private_pem_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When it stopped signing (a newer key took over); None for the active key.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After this moment it is no longer published in the JWKS.
    publish_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
