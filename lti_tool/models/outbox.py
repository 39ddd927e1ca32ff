"""The durable outbox: messages to other systems, written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.extensions import db
from lti_tool.models.types import utcnow

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"  # refused for good by the receiver (a 4xx): shown to admins, never retried alone


class OutboxItem(db.Model):
    """One message for one destination (an LRS endpoint, a platform's gradebook).

    ``id`` is the delivery sequence: a destination's items go out in ``id`` order. ``item_id``
    is the message's own stable id (the xAPI statement id), unique per destination, so queueing
    the same message twice is refused by the database.
    """

    __tablename__ = "outbox_item"
    __table_args__ = (
        UniqueConstraint("destination", "item_id"),
        Index("ix_outbox_item_due", "status", "destination", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # "xapi", "ags-score": picks the sender
    destination: Mapped[str] = mapped_column(String(64))  # "lrs:3", "lrs:env", "ags:1"
    item_id: Mapped[str] = mapped_column(String(64))
    # The school it belongs to, so a school's admin sees only their own queue.
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    # What it is about ("attempt:12", "certificate:ab3"), to void or list related items.
    ref: Mapped[str | None] = mapped_column(String(128), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A worker's lease: it alone sends the item until ``claimed_until``.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
