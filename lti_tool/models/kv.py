"""Short-lived key/value entries: OIDC state and nonces, launch data, sessions, JWKS cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.extensions import db


class KeyValueEntry(db.Model):
    """One entry of the database-backed store (used when no Redis is configured)."""

    __tablename__ = "kv_entry"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
