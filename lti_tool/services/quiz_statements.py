"""xAPI statements for scenario quizzes: attempted, answered (per decision), passed or failed.

Each is emitted inside the transaction that stores the attempt or answer it speaks of, with
``ref="attempt:<id>"`` so resetting or erasing an attempt can void them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import QuizAttempt
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.services import catalogue
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import recording
from lti_tool.services.xapi import statements
from lti_tool.services.xapi.activities import Activity
from lti_tool.services.xapi.statements import Score
from lti_tool.services.xapi.statements import StatementContext
from quizzes import engine
from quizzes.attempt import Decision
from quizzes.engine import Result
from quizzes.engine import Step
from quizzes.model import Quiz


def _setting(session: Session, attempt: QuizAttempt) -> tuple[StatementContext, Activity]:
    user, context = session.get(User, attempt.user_id), session.get(Context, attempt.context_id)
    assert user is not None and context is not None
    link = session.get(ResourceLink, attempt.resource_link_id) if attempt.resource_link_id else None
    ctx = recording.context_for(session, user, context, resource_link=link)
    return ctx, _quiz_activity(attempt)


def _quiz_activity(attempt: QuizAttempt) -> Activity:
    quiz = catalogue.quiz(attempt.quiz_id)
    return activities.quiz(
        quiz.id,
        quiz.title.for_audience(attempt.audience),
        quiz.description.for_audience(attempt.audience),
    )


def _ref(attempt: QuizAttempt) -> str:
    return f"attempt:{attempt.id}"


def attempted(session: Session, attempt: QuizAttempt) -> None:
    """A new attempt began."""
    ctx, quiz = _setting(session, attempt)
    recording.emit(
        session, ctx, statements.quiz_attempted(ctx, quiz, str(attempt.id)), _ref(attempt)
    )


def answered(
    session: Session,
    attempt: QuizAttempt,
    quiz: Quiz,
    step: Step,
    decision: Decision,
    path: tuple[str, ...],
) -> None:
    """One decision: the choice(s), whether it was right, its points, the scenes so far."""
    ctx, quiz_activity = _setting(session, attempt)
    step_id = f"{decision.activity}/{decision.scene}" if decision.scene else decision.activity
    question = activities.question(
        quiz.id, step_id, step.text or step.title, [(o.id, o.text) for o in step.options]
    )
    available = engine.points_available(quiz, decision.activity, decision.scene)
    score = Score(raw=decision.points, max=max(available, decision.points))
    statement = statements.question_answered(
        ctx,
        quiz_activity,
        question,
        str(attempt.id),
        decision.response,
        decision.correct,
        score,
        path,
    )
    recording.emit(session, ctx, statement, _ref(attempt))


def finished(session: Session, attempt: QuizAttempt, result: Result, started_at: datetime) -> None:
    """The attempt ended: passed (every critical decision right and the pass mark) or failed."""
    ctx, quiz = _setting(session, attempt)
    ended = as_utc(attempt.finished_at) if attempt.finished_at else as_utc(started_at)
    statement = statements.quiz_finished(
        ctx,
        quiz,
        str(attempt.id),
        Score(raw=result.score, max=result.max_score),
        result.passed,
        ended - as_utc(started_at),
    )
    recording.emit(session, ctx, statement, _ref(attempt))
