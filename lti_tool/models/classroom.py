"""Google Classroom add-on: signed-in Google accounts, attachments and pupils' submissions.

No raw Google user id is stored: ``user_key`` is a keyed hash of it (see classroom.accounts),
the same value as ``User.sub`` for Classroom users.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.extensions import db
from lti_tool.models.course import ResourceLink
from lti_tool.models.types import utcnow


class GoogleAccount(db.Model):
    """A Google user who signed in to the add-on, and their OAuth tokens (encrypted)."""

    __tablename__ = "google_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64), unique=True)  # keyed hash of the Google id
    # The Workspace domain (id_token ``hd``) picks the school's Platform row; "" if none.
    hosted_domain: Mapped[str] = mapped_column(String(255), default="")
    scopes: Mapped[str] = mapped_column(Text, default="")  # granted, space-separated
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when Google refused the refresh token (consent revoked): sign-in is needed again.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClassroomAttachment(db.Model):
    """An add-on attachment on a Classroom item: the resource link it stands for."""

    __tablename__ = "classroom_attachment"
    __table_args__ = (UniqueConstraint("course_id", "item_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), unique=True
    )
    course_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(32))  # courseWork, courseWorkMaterials, …
    attachment_id: Mapped[str] = mapped_column(String(64))
    max_points: Mapped[float | None] = mapped_column()  # None: not graded
    # The teacher who created it: grades are set later with their stored credentials, as
    # Google's grade-passback guide does ("offline teacher credentials").
    teacher_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("google_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    resource_link: Mapped[ResourceLink] = relationship()
    teacher_account: Mapped[GoogleAccount | None] = relationship()


class ClassroomSubmission(db.Model):
    """A pupil's submission id for one attachment (from getAddOnContext), for grades and review."""

    __tablename__ = "classroom_submission"
    __table_args__ = (
        UniqueConstraint("classroom_attachment_id", "user_id"),
        UniqueConstraint("classroom_attachment_id", "submission_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_attachment_id: Mapped[int] = mapped_column(
        ForeignKey("classroom_attachment.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attachment: Mapped[ClassroomAttachment] = relationship()
