"""Privacy records: who looked at or exported a pupil's data, and certificates withdrawn on erasure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.extensions import db
from lti_tool.models.types import utcnow


class AuditEntry(db.Model):
    """One time a trainer or admin viewed, exported or erased people's data.

    ``subject_user_id`` is set to NULL when that pupil is erased: the entry then says only that
    someone's data was erased, and no longer who it was.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The school whose data it was; None for tool-wide actions of the tool's admin.
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # "trainer", "school admin", "tool admin" or "scheduled task".
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # "view", "export", "erase", "retention" or "settings".
    action: Mapped[str] = mapped_column(String(16))
    # What was looked at, in words without names ("certification record", "course 3").
    what: Mapped[str] = mapped_column(String(255), default="")
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="SET NULL"))


class WithdrawnCertificate(db.Model):
    """A certificate whose holder's data was erased: its code now verifies as "withdrawn".

    It keeps no link to a person: the random code, the school and the status-list bit (so Open
    Badges verifiers keep seeing it as revoked).
    """

    __tablename__ = "withdrawn_certificate"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    credential_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform.id", ondelete="SET NULL"), index=True
    )
    status_index: Mapped[int] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
