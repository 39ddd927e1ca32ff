"""Courses (LTI contexts) and the resource links placed in them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.extensions import db
from lti_tool.models.types import utcnow

if TYPE_CHECKING:
    from lti_tool.models.platform import Deployment
    from lti_tool.models.user import Enrollment


class Context(db.Model):
    """A course (or Classroom class) within one deployment."""

    __table_args__ = (UniqueConstraint("deployment_id", "lti_context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    lti_context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    deployment: Mapped[Deployment] = relationship(back_populates="contexts")
    resource_links: Mapped[list[ResourceLink]] = relationship(
        back_populates="context", cascade="all, delete-orphan"
    )
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="context", cascade="all, delete-orphan"
    )


class ResourceLink(db.Model):
    """An activity placed in a course; its custom parameters say what it opens."""

    __table_args__ = (UniqueConstraint("context_id", "lti_resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    lti_resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The AGS line item URL the platform gave for this link, when it has one.
    lineitem_url: Mapped[str | None] = mapped_column(String(1024))
    # The AGS line items container URL, to find or create a line item when none was given.
    lineitems_url: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    context: Mapped[Context] = relationship(back_populates="resource_links")
