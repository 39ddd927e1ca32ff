"""What each learner watched of each training video, every player event, and checkpoint answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.extensions import db
from lti_tool.models.types import utcnow


class Coverage:
    """What one viewing of a module covered (the first viewing's, or a re-watch's)."""

    # Disjoint, sorted [[start, end], ...] in video seconds (modules.progress.segments_to_json).
    segments: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    covered_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    share: Mapped[float] = mapped_column(Float, default=0.0)
    furthest: Mapped[float] = mapped_column(Float, default=0.0)
    last_position: Mapped[float | None] = mapped_column(Float)
    answered_checkpoints: Mapped[list[str]] = mapped_column(JSON, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ModuleProgress(Coverage, db.Model):
    """One learner's viewing of one module in one course: merged segments and completion."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "context_id", "module_id"),
        # The dashboard reads a course's rows; the school roll-up counts learners and
        # completions per course from this index alone.
        Index("ix_module_progress_course", "context_id", "user_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    playback_speed: Mapped[float] = mapped_column(Float, default=1.0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VideoEvent(db.Model):
    """A player event, kept for analytics and xAPI; a user's ``(player_session, event_id)`` is unique.

    The browser makes both ids, so a retried or duplicated post stores nothing twice; the user is
    part of the key so that one learner cannot block another's events by reusing their ids.
    """

    __tablename__ = "video_event"
    __table_args__ = (
        UniqueConstraint("user_id", "player_session", "event_id"),
        Index("ix_video_event_user_module", "user_id", "context_id", "module_id"),
        Index("ix_video_event_course_module", "context_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    # Random per page load (the xAPI Video Profile's session id); the browser makes both ids.
    player_session: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    # played, paused, seeked, ratechange, ended, interacted, captions, checkpoint
    type: Mapped[str] = mapped_column(String(16))
    position: Mapped[float | None] = mapped_column(Float)
    from_position: Mapped[float | None] = mapped_column(Float)
    to_position: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    # Extra facts for the statement: caption language, checkpoint id, whether captions are on.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the browser's clock
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CheckpointAnswer(db.Model):
    """A learner's answer to an in-video checkpoint; each change is kept, the latest counts."""

    __tablename__ = "checkpoint_answer"
    __table_args__ = (Index("ix_checkpoint_answer_user_module", "user_id", "context_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    checkpoint_id: Mapped[str] = mapped_column(String(64))
    choice_id: Mapped[str | None] = mapped_column(String(64))  # None for a reflection
    correct: Mapped[bool | None] = mapped_column()  # None for a reflection
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModuleCompletion(db.Model):
    """Each time a learner completed a module: the first viewing and every re-watch after it.

    Certification reads this history, so a renewal can ask for a module completed again since the
    renewal window opened while the first completion (``ModuleProgress.completed_at``) stays.
    """

    __tablename__ = "module_completion"
    __table_args__ = (
        UniqueConstraint("user_id", "context_id", "module_id", "viewing"),
        Index("ix_module_completion_learner", "user_id", "context_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    # 1 for the first viewing, 2, 3, … for each re-watch (ModuleRewatch.number).
    viewing: Mapped[int] = mapped_column(Integer, default=1)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModuleRewatch(Coverage, db.Model):
    """A learner watching a module they completed again (a refresher): its own coverage.

    The first viewing's progress (``ModuleProgress``) is never reset; what the learner watches
    now also counts here, from zero, and completing it adds a ``ModuleCompletion``.
    """

    __tablename__ = "module_rewatch"
    __table_args__ = (UniqueConstraint("user_id", "context_id", "module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)  # 2 for the first re-watch
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
