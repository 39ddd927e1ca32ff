"""A learning platform (Moodle, Canvas, a Classroom add-on tenant) and its deployments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
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


class Platform(db.Model):
    """One registration: an issuer and the client id it gave PeerReady."""

    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024), default="")
    auth_audience: Mapped[str | None] = mapped_column(String(1024))
    key_set_url: Mapped[str | None] = mapped_column(String(1024))
    # A JWKS given inline (the demo platform, a platform without a JWKS URL).
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # How it was registered: "dynamic", "manual", "import" or "demo".
    registered_via: Mapped[str] = mapped_column(String(16), default="manual")
    product_family_code: Mapped[str] = mapped_column(String(64), default="")
    # School-level settings (privacy switches and the like), edited on the admin page.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    def setting(self, name: str, default: Any = None) -> Any:
        """A school setting, or ``default`` when the school has not set it."""
        return (self.settings or {}).get(name, default)

    def __repr__(self) -> str:
        return f"<Platform {self.id} {self.issuer} client={self.client_id}>"


class Deployment(db.Model):
    """A deployment id under a platform: one placement of the tool (a site, a category)."""

    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")
    contexts: Mapped[list[Context]] = relationship(
        back_populates="deployment", cascade="all, delete-orphan"
    )
