"""Trainers reset a learner's quiz attempts (Moodle's "delete attempts"), with a reason.

A reset, in one transaction: voids the attempts' xAPI statements wherever they went, keeps an
audit record of what the attempts were, deletes them (so they leave scoring, the attempt count
and the course statistics), and puts the gradebook right: the grade is worked out again from
the attempts left by the course's grading method and re-sent, or cleared if none are left.
The learner can then start again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.errors import NotFound
from lti_tool.models import Context
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizAttemptReset
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import catalogue
from lti_tool.services import quiz_grades
from lti_tool.services.quiz_settings import course_quiz
from lti_tool.services.xapi import recording
from quizzes import engine
from quizzes.attempt import AttemptState

MAX_REASON = 500


class ResetProblem(ValueError):
    """A reset that can't be done as asked; the message is shown to the trainer."""


@dataclass(frozen=True)
class LearnerAttempts:
    """One learner's attempts at a quiz in a course, as the trainer's list shows them."""

    learner: User
    attempts: list[QuizAttempt]


@dataclass(frozen=True)
class ResetDone:
    """What a reset did: the audit record, and whether the grade was re-sent or cleared."""

    record: QuizAttemptReset
    regraded: bool
    cleared: bool


def attempts_by_learner(session: Session, context: Context, quiz_id: str) -> list[LearnerAttempts]:
    """Everyone with attempts at ``quiz_id`` in this course, with their attempts in order."""
    catalogue.quiz(quiz_id)  # NotFound for a quiz that isn't installed
    rows = session.scalars(
        select(QuizAttempt)
        .filter_by(context_id=context.id, quiz_id=quiz_id)
        .order_by(QuizAttempt.user_id, QuizAttempt.number)
    ).all()
    found: dict[int, list[QuizAttempt]] = {}
    for attempt in rows:
        found.setdefault(attempt.user_id, []).append(attempt)
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(found)))}
    listed = [LearnerAttempts(people[user_id], attempts) for user_id, attempts in found.items()]
    return sorted(listed, key=lambda e: ((e.learner.display_name or "").casefold(), e.learner.id))


def learner_attempts(
    session: Session, context: Context, quiz_id: str, learner_id: int
) -> LearnerAttempts:
    """One learner's attempts at ``quiz_id`` in this course; NotFound if they have none."""
    for entry in attempts_by_learner(session, context, quiz_id):
        if entry.learner.id == learner_id:
            return entry
    raise NotFound(f"user {learner_id} has no attempts at {quiz_id!r} in context {context.id}")


def history(session: Session, context: Context, quiz_id: str) -> list[QuizAttemptReset]:
    """Earlier resets of this quiz in this course, newest first."""
    return list(
        session.scalars(
            select(QuizAttemptReset)
            .filter_by(context_id=context.id, quiz_id=quiz_id)
            .order_by(QuizAttemptReset.at.desc(), QuizAttemptReset.id.desc())
        )
    )


def reset_attempts(
    session: Session,
    context: Context,
    trainer: User,
    quiz_id: str,
    learner_id: int,
    attempt_ids: list[int],
    reason: str,
) -> ResetDone:
    """Reset the chosen attempts of one learner at one quiz (see the module docstring).

    Raises ResetProblem (nothing changed) without a reason, without attempts chosen, or when a
    chosen attempt is not this learner's at this quiz in this course.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ResetProblem("Give a reason for the reset: it is kept in the course's records.")
    if len(reason) > MAX_REASON:
        raise ResetProblem(f"Keep the reason to {MAX_REASON} characters.")
    if not attempt_ids:
        raise ResetProblem("Choose at least one attempt to reset.")
    entry = learner_attempts(session, context, quiz_id, learner_id)
    chosen = [a for a in entry.attempts if a.id in set(attempt_ids)]
    if len(chosen) != len(set(attempt_ids)):
        raise ResetProblem("One of the chosen attempts is not this learner's. Reload the page.")
    authority = recording.tool_authority()
    voided = sum(recording.void(session, f"attempt:{a.id}", authority) for a in chosen)
    record = QuizAttemptReset(
        context_id=context.id,
        quiz_id=quiz_id,
        learner_id=learner_id,
        trainer_id=trainer.id,
        reason=reason,
        attempts=[_summary(a) for a in chosen],
        voided_statements=voided,
        at=utcnow(),
    )
    session.add(record)
    for attempt in chosen:
        session.delete(attempt)
    session.flush()
    left = [a for a in entry.attempts if a not in chosen and a.is_finished]
    regraded = cleared = False
    if left:
        cq = course_quiz(session, context.id, catalogue.quiz(quiz_id))
        results = [engine.result(cq.quiz, AttemptState.from_json(a.state)) for a in left]
        latest = max(left, key=lambda a: a.finished_at or a.started_at)
        quiz_grades.on_attempt_finished(session, latest, engine.grade(cq.settings, results))
        regraded = True
    else:
        cleared = quiz_grades.clear(session, learner_id, context.id, quiz_id)
    session.commit()
    return ResetDone(record, regraded, cleared)


def _summary(attempt: QuizAttempt) -> dict[str, object]:
    return {
        "number": attempt.number,
        "status": attempt.status,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "passed": attempt.passed,
        "started_at": attempt.started_at.isoformat() if attempt.started_at else None,
        "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
    }
