"""What the gradebook should show for a quiz, worked out when an attempt finishes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models.types import utcnow
from quizzes.engine import Result

ACTIVITY_COMPLETED = "Completed"
FULLY_GRADED = "FullyGraded"


def on_attempt_finished(session: Session, attempt: QuizAttempt, graded_result: Result) -> QuizGrade:
    """Store the course's graded result for ``attempt``'s learner and quiz, as AGS will send it.

    ``graded_result`` is ``engine.grade`` over the learner's finished attempts with the course's
    effective settings, so it may come from an earlier attempt than ``attempt``. The row holds
    scoreGiven/scoreMaximum (raw points, not a percentage: the platform rescales to its grade
    item), activityProgress ``Completed`` and gradingProgress ``FullyGraded``. Runs inside the
    caller's transaction and does not commit.

    Nothing is sent from here yet: at merge, ``lti_tool.services.grades.queue_score(...)`` (the
    AGS outbox) is to be called at the end of this function with the row, in the same
    transaction, so a finished attempt and its queued score are committed together.
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
    return grade
