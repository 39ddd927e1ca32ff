"""xAPI: LRS endpoints per school, the built-in statement store, and registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Uuid
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.extensions import db
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.types import utcnow


class LrsEndpoint(db.Model):
    """A Learning Record Store that receives one school's statements (all or one deployment)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    # None: every deployment of the platform.
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("deployment.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str] = mapped_column(String(1024))  # the xAPI base, e.g. https://lrs/xAPI/
    auth: Mapped[str] = mapped_column(String(16), default="basic")  # "basic" or "oauth2"
    username: Mapped[str] = mapped_column(String(255), default="")  # or the OAuth2 client id
    # The password or OAuth2 client secret, encrypted (services.crypto).
    secret_encrypted: Mapped[str] = mapped_column(String(1024), default="")
    token_url: Mapped[str] = mapped_column(String(1024), default="")
    scope: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    platform: Mapped[Platform] = relationship()
    deployment: Mapped[Deployment | None] = relationship()


class StoredStatement(db.Model):
    """A statement kept by PeerReady itself, when the school has no LRS (the embedded default)."""

    __tablename__ = "statement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the statement id
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    context_id: Mapped[int | None] = mapped_column(
        ForeignKey("context.id", ondelete="SET NULL"), index=True
    )
    ref: Mapped[str | None] = mapped_column(String(128), index=True)
    verb: Mapped[str] = mapped_column(String(255))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    stored: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class XapiRegistration(db.Model):
    """The xAPI ``registration`` UUID of one enrolment: it groups a pupil's statements."""

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True
    )
    registration: Mapped[Any] = mapped_column(Uuid(as_uuid=True), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LaunchSession(db.Model):
    """One launch as a cmi5-style session: when it started, was last active, and ended.

    ``terminated_at`` is set exactly once, in the transaction that records ``terminated``.
    """

    __tablename__ = "launch_session"
    __table_args__ = (Index("ix_launch_session_open", "terminated_at", "last_active_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the cmi5 session id
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The page said it was being left (pagehide); cleared when another page opens.
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The browser's clock (ms) on the latest presence beacon: beacons may arrive out of order.
    presence_ms: Mapped[int | None] = mapped_column(BigInteger)
    terminated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
