"""Certificates, their history, sign-offs, supervised practice and the last eligibility check."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.extensions import db
from lti_tool.models.types import utcnow

if TYPE_CHECKING:
    from lti_tool.models.course import Context
    from lti_tool.models.user import User


class Certification(db.Model):
    """One certificate (first or renewed) for one learner, course and programme. Never deleted."""

    __table_args__ = (
        UniqueConstraint("platform_id", "status_index"),
        Index("ix_certification_learner", "user_id", "context_id", "programme_id"),
        Index("ix_certification_course", "context_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public verification code: 128 random bits, URL-safe. Unguessable, never reused.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # The OB 3.0 credential id (urn:uuid:…), stable for this certificate.
    credential_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    programme_id: Mapped[str] = mapped_column(String(64))
    # Snapshots, so the certificate reads the same even if the content changes later.
    programme_title: Mapped[str] = mapped_column(String(255))
    criteria: Mapped[str] = mapped_column(Text)
    earned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Bit in the issuer's revocation status list (random, for herd privacy).
    status_index: Mapped[int] = mapped_column(Integer)
    # Salt of the hashed recipient identity in the badges.
    recipient_salt: Mapped[str] = mapped_column(String(32))
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("certification.id"))
    # Set when a renewal replaced this certificate: it then verifies as expired.
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # For trainers only: the public page says just "revoked by the school".
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    context: Mapped[Context] = relationship()
    renewal_of: Mapped[Certification | None] = relationship(remote_side=[id])
    events: Mapped[list[CertificationEvent]] = relationship(
        back_populates="certification", order_by="CertificationEvent.id"
    )


class CertificationEvent(db.Model):
    """History: earned, renewed, signed off, practice recorded, revoked, expired."""

    __table_args__ = (Index("ix_certification_event_learner", "user_id", "context_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    programme_id: Mapped[str] = mapped_column(String(64))
    certification_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The trainer who acted (sign-off, revocation); None for what the learner or time did.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    certification: Mapped[Certification | None] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class SupervisedPractice(db.Model):
    """A session of supervised practice a trainer recorded for a learner."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    programme_id: Mapped[str] = mapped_column(String(64))
    practised_from: Mapped[date] = mapped_column(Date)
    practised_until: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CertificationCheck(db.Model):
    """The latest eligibility check of a learner: their evidence and what was still missing.

    Trainers' "close to certification" list and the mentor's to-do list read this; a sign-off
    re-checks with the stored evidence, so it can certify without waiting for the next launch.
    """

    __table_args__ = (UniqueConstraint("user_id", "context_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    programme_id: Mapped[str] = mapped_column(String(64))
    # {module_id: ISO time}, {quiz_id: ISO time}
    completed_modules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    passed_quizzes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"kind": ..., "item_id": ..., "label": ...}]
    missing: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class ReminderAddress(db.Model):
    """A mentor's e-mail address, encrypted, kept only for certificate expiry reminders.

    Stored only while the school has turned reminders on and the platform sends the address in
    the launch; deleted with the person (erasure, retention) and when the school turns them off.
    """

    __tablename__ = "reminder_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # Fernet token (services.crypto, its own derived key); never logged or shown to trainers.
    email_encrypted: Mapped[str] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExpiryReminder(db.Model):
    """A reminder e-mail sent for a certificate at one threshold (60, 30 or 7 days): sent once."""

    __tablename__ = "expiry_reminder"
    __table_args__ = (UniqueConstraint("certification_id", "days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certification.id", ondelete="CASCADE")
    )
    days: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
