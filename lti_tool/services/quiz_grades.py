"""What the gradebook should show for a quiz, worked out when an attempt finishes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.classroom import grading as classroom_grading
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import grades
from lti_tool.services import programmes
from quizzes.engine import Result

ACTIVITY_COMPLETED = "Completed"
FULLY_GRADED = "FullyGraded"
ACTIVITY_INITIALIZED = "Initialized"
NOT_READY = "NotReady"


def on_attempt_finished(session: Session, attempt: QuizAttempt, graded_result: Result) -> QuizGrade:
    """Store the course's graded result for ``attempt``'s learner and quiz, as AGS will send it.

    ``graded_result`` is ``engine.grade`` over the learner's finished attempts with the course's
    effective settings, so it may come from an earlier attempt than ``attempt``. The row holds
    scoreGiven/scoreMaximum (raw points, not a percentage: the platform rescales to its grade
    item), activityProgress ``Completed`` and gradingProgress ``FullyGraded``. Runs inside the
    caller's transaction and does not commit.

    When the attempt's link grades this quiz, the score is queued for the platform (the AGS
    outbox) in the same transaction, so a finished attempt and its score are committed together.
    """
    grade = session.scalars(
        select(QuizGrade).filter_by(
            user_id=attempt.user_id, context_id=attempt.context_id, quiz_id=attempt.quiz_id
        )
    ).first() or QuizGrade(
        user_id=attempt.user_id, context_id=attempt.context_id, quiz_id=attempt.quiz_id
    )
    grade.resource_link_id = attempt.resource_link_id
    grade.attempt_id = attempt.id
    grade.score_given = graded_result.score
    grade.score_maximum = graded_result.max_score
    grade.passed = graded_result.passed
    grade.activity_progress = ACTIVITY_COMPLETED
    grade.grading_progress = FULLY_GRADED
    grade.timestamp = utcnow()
    session.add(grade)
    link = session.get(ResourceLink, attempt.resource_link_id) if attempt.resource_link_id else None
    if link is not None and programmes.grades_item(link, "quiz", attempt.quiz_id):
        user = session.get(User, attempt.user_id)
        assert user is not None
        grades.queue_score(
            session, user, link, grade.score_given, grade.score_maximum, grade.activity_progress,
            grade.grading_progress, grade.timestamp, tag=f"quiz:{attempt.quiz_id}",
        )
    scaled = graded_result.score / graded_result.max_score if graded_result.max_score else 0.0
    classroom_grading.on_quiz_graded(
        session, attempt.user_id, attempt.context_id, attempt.quiz_id, scaled
    )
    return grade


def clear(session: Session, user_id: int, context_id: int, quiz_id: str) -> bool:
    """Forget the quiz's grade (no attempts left) and clear it in the gradebook; True if it was.

    AGS has no delete: a score without ``scoreGiven``, activityProgress ``Initialized`` and
    gradingProgress ``NotReady`` tells the platform there is no grade (Moodle then empties the
    cell). The caller commits.
    """
    grade = session.scalars(
        select(QuizGrade).filter_by(user_id=user_id, context_id=context_id, quiz_id=quiz_id)
    ).first()
    if grade is None:
        return False
    link = session.get(ResourceLink, grade.resource_link_id) if grade.resource_link_id else None
    session.delete(grade)
    if link is not None and programmes.grades_item(link, "quiz", quiz_id):
        user = session.get(User, user_id)
        assert user is not None
        grades.queue_score(
            session, user, link, None, grade.score_maximum, ACTIVITY_INITIALIZED, NOT_READY,
            utcnow(), tag=f"quiz:{quiz_id}",
        )
    return True
