"""Quiz attempts, the answers in them, what the gradebook should show, and course settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.extensions import db
from lti_tool.models.types import utcnow

if TYPE_CHECKING:
    from lti_tool.models.course import Context
    from lti_tool.models.user import User

IN_PROGRESS = "in_progress"
FINISHED = "finished"


class QuizAttempt(db.Model):
    """One learner's attempt at one quiz in one course; ``state`` is the engine's AttemptState."""

    # The number is unique per learner, course and quiz, so two racing starts make one attempt.
    __table_args__ = (
        UniqueConstraint("user_id", "context_id", "quiz_id", "number"),
        # Trainers' pages look attempts up by course, quiz and status.
        Index("ix_quiz_attempt_course_quiz", "context_id", "quiz_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="SET NULL")
    )
    quiz_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    scaled: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical_all_right: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
    context: Mapped[Context] = relationship()
    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.id"
    )

    @property
    def is_finished(self) -> bool:
        """Whether the learner has answered the last step."""
        return self.status == FINISHED


class QuizAnswer(db.Model):
    """One answered step, as the engine scored it (analytics read these rows)."""

    # Step keys count the answers so far, so a replayed post can never be stored twice.
    __table_args__ = (UniqueConstraint("attempt_id", "step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True
    )
    step_key: Mapped[str] = mapped_column(String(255))
    activity_id: Mapped[str] = mapped_column(String(64))
    scene_id: Mapped[str | None] = mapped_column(String(64))
    response: Mapped[list[str]] = mapped_column(JSON)
    points: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    critical: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class QuizGrade(db.Model):
    """What the gradebook should show for a learner's quiz in a course (AGS score fields).

    Written by ``services.quiz_grades.on_attempt_finished``; the grade sender reads it.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "context_id", "quiz_id"),
        Index("ix_quiz_grade_course_quiz", "context_id", "quiz_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(String(64))
    # The link of the attempt that finished last: its line item is where the score belongs.
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="SET NULL")
    )
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="SET NULL")
    )
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(16))
    grading_progress: Mapped[str] = mapped_column(String(16))
    passed: Mapped[bool] = mapped_column(Boolean)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CourseQuizSettings(db.Model):
    """A course's overrides of a quiz's own settings; None keeps the content's default."""

    __table_args__ = (UniqueConstraint("context_id", "quiz_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(String(64))
    pass_mark: Mapped[float | None] = mapped_column(Float)
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    grading_method: Mapped[str | None] = mapped_column(String(16))
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class CourseSettings(db.Model):
    """Course-wide choices a trainer makes; for now, who the course's quizzes are worded for."""

    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), primary_key=True
    )
    # "primary", "secondary" or "staff"; None: decided by the link, else "secondary".
    audience: Mapped[str | None] = mapped_column(String(16))


class QuizAttemptReset(db.Model):
    """A trainer's reset of a learner's attempts at a quiz: the audit record that outlives them.

    The attempts themselves are deleted (they leave scoring and statistics, as Moodle's "delete
    attempts" does); ``attempts`` keeps what each one was, for the record.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[str] = mapped_column(String(64))
    # SET NULL when either person is erased: the record then no longer says who it was.
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    # One entry per attempt: number, status, score, max_score, passed, started_at, finished_at.
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    voided_statements: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    learner: Mapped[User | None] = relationship(foreign_keys=[learner_id])
