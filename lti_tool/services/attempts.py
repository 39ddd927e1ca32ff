"""Quiz attempts: start or resume, answer, finish and review. One use case, one transaction.

The quiz engine does every piece of scoring; this module loads and stores its state. Learners
reach only their own attempts in the course they launched into: anything else is NotFound.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.errors import NotFound
from lti_tool.models import Context
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import User
from lti_tool.models.quiz import FINISHED
from lti_tool.models.quiz import IN_PROGRESS
from lti_tool.models.types import utcnow
from lti_tool.services import achievements
from lti_tool.services import catalogue
from lti_tool.services import quiz_grades
from lti_tool.services import quiz_statements
from lti_tool.services.quiz_settings import CourseQuiz
from lti_tool.services.quiz_settings import course_quiz
from lti_tool.services.quiz_settings import course_quizzes
from quizzes import engine
from quizzes.attempt import AttemptState
from quizzes.engine import Feedback
from quizzes.engine import Response
from quizzes.engine import Result
from quizzes.engine import Step
from quizzes.errors import QuizError
from quizzes.model import Audience
from quizzes.model import Quiz


@dataclass(frozen=True)
class QuizSummary:
    """A quiz on the learner's list: settings, attempts used and the result that counts."""

    course_quiz: CourseQuiz
    finished_attempts: int
    resume_attempt_id: int | None
    graded: Result | None
    can_start: bool

    @property
    def quiz(self) -> Quiz:
        return self.course_quiz.quiz


@dataclass(frozen=True)
class Answered:
    """An answer stored: the attempt, the engine's feedback and the answer's number (from 1)."""

    attempt: QuizAttempt
    feedback: Feedback
    number: int


@dataclass(frozen=True)
class AttemptReview:
    """An attempt's end page: its result, the course's graded result and whether to retry."""

    attempt: QuizAttempt
    course_quiz: CourseQuiz
    result: Result
    graded: Result | None
    can_retry: bool
    attempts_left: int | None


def summaries(session: Session, user: User, context: Context, audience: Audience) -> list[QuizSummary]:
    """The quizzes for ``audience`` with this learner's attempts in this course."""
    quizzes = course_quizzes(session, context.id, catalogue.quizzes_for(audience))
    attempts = _attempts(session, user.id, context.id)
    found = []
    for cq in quizzes:
        mine = [a for a in attempts if a.quiz_id == cq.quiz.id]
        finished = [a for a in mine if a.is_finished]
        unfinished = next((a for a in mine if not a.is_finished), None)
        found.append(
            QuizSummary(
                course_quiz=cq,
                finished_attempts=len(finished),
                resume_attempt_id=unfinished.id if unfinished else None,
                graded=_graded(cq, finished),
                can_start=unfinished is not None or engine.can_retry(cq.settings, len(finished)),
            )
        )
    return found


def start_or_resume(
    session: Session,
    user: User,
    context: Context,
    quiz_id: str,
    audience: Audience,
    now: datetime,
    resource_link_id: int | None = None,
) -> QuizAttempt:
    """The learner's unfinished attempt at ``quiz_id``, or a new one if the course allows it.

    Raises NotFound for a quiz not written for ``audience`` and NoAttemptsLeft when the course's
    attempts are used up.
    """
    quiz = catalogue.quiz(quiz_id)
    if audience not in quiz.audiences:
        raise NotFound(f"quiz {quiz_id!r} is not for {audience!r}")
    cq = course_quiz(session, context.id, quiz)
    mine = [a for a in _attempts(session, user.id, context.id) if a.quiz_id == quiz_id]
    unfinished = next((a for a in mine if not a.is_finished), None)
    if unfinished is not None:
        return unfinished
    finished = sum(1 for a in mine if a.is_finished)
    seed = secrets.randbelow(2**31)
    state = engine.start_attempt(cq.quiz, audience, seed, now, finished_attempts=finished)
    attempt = QuizAttempt(
        user_id=user.id,
        context_id=context.id,
        resource_link_id=resource_link_id,
        quiz_id=quiz_id,
        number=max((a.number for a in mine), default=0) + 1,
        audience=audience,
        seed=seed,
        state=state.to_json(),
        status=IN_PROGRESS,
        started_at=now,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # a second tab started the same attempt a moment earlier
        session.rollback()
        return start_or_resume(session, user, context, quiz_id, audience, now, resource_link_id)
    quiz_statements.attempted(session, attempt)
    session.commit()
    return attempt


def own_attempt(
    session: Session, attempt_id: int, user: User, context: Context, *, for_update: bool = False
) -> QuizAttempt:
    """The learner's own attempt in this course; NotFound for anyone else's.

    ``for_update`` locks the row until commit (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers), so two posts cannot both score.
    """
    query = select(QuizAttempt).filter_by(id=attempt_id, user_id=user.id, context_id=context.id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    attempt = session.scalars(query).first()
    if attempt is None:
        raise NotFound(f"attempt {attempt_id} is not user {user.id}'s in context {context.id}")
    return attempt


def current_step(session: Session, attempt: QuizAttempt) -> tuple[CourseQuiz, Step | None]:
    """The step the learner should see now (None once finished)."""
    cq = _course_quiz_of(session, attempt)
    return cq, engine.current_step(cq.quiz, _state(attempt))


def record_answer(
    session: Session,
    attempt_id: int,
    user: User,
    context: Context,
    step_key: str,
    response: Response,
    now: datetime,
) -> Answered:
    """Score ``response`` to step ``step_key``, store it, finish the attempt at the last step.

    Raises the engine's QuizError (StaleAnswer for a replayed or double post, InvalidChoice,
    IncompleteAnswer, AttemptFinished) after rolling back: nothing is changed.
    """
    attempt = own_attempt(session, attempt_id, user, context, for_update=True)
    cq = _course_quiz_of(session, attempt)
    before = _state(attempt)
    try:
        state, feedback = engine.answer(cq.quiz, before, step_key, response, now)
    except QuizError:
        session.rollback()
        raise
    decision = state.decisions[-1]
    step = engine.current_step(cq.quiz, before)
    assert step is not None  # answering succeeded, so there was a step
    quiz_statements.answered(session, attempt, cq.quiz, step, decision, state.path)
    session.add(
        QuizAnswer(
            attempt_id=attempt.id,
            step_key=decision.key,
            activity_id=decision.activity,
            scene_id=decision.scene,
            response=list(decision.response),
            points=decision.points,
            correct=decision.correct,
            critical=decision.critical,
            answered_at=decision.at,
        )
    )
    attempt.state = state.to_json()
    if state.is_finished:
        _finish(session, attempt, cq, state)
    session.commit()
    return Answered(attempt=attempt, feedback=feedback, number=len(state.decisions))


def feedback_for(session: Session, attempt: QuizAttempt, number: int) -> Feedback:
    """The feedback the learner was given for their ``number``-th answer (from 1).

    The engine is deterministic, so replaying the stored answers gives the same feedback without
    storing its text. NotFound if the attempt has no such answer.
    """
    cq = _course_quiz_of(session, attempt)
    state = _state(attempt)
    if not 1 <= number <= len(state.decisions):
        raise NotFound(f"attempt {attempt.id} has no answer {number}")
    replay = engine.start_attempt(
        cq.quiz, state.audience, state.seed, state.started_at, finished_attempts=0
    )
    replay = replace(replay, order=state.order)
    feedback: Feedback | None = None
    for decision in state.decisions[:number]:
        replay, feedback = engine.answer(cq.quiz, replay, decision.key, decision.response, decision.at)
    assert feedback is not None
    return feedback


def review(session: Session, attempt: QuizAttempt) -> AttemptReview:
    """The end page of a finished attempt; NotFound while it is unfinished."""
    if not attempt.is_finished:
        raise NotFound(f"attempt {attempt.id} is not finished")
    cq = _course_quiz_of(session, attempt)
    finished = [
        a for a in _attempts(session, attempt.user_id, attempt.context_id)
        if a.quiz_id == attempt.quiz_id and a.is_finished
    ]
    allowed = cq.settings.attempts_allowed
    return AttemptReview(
        attempt=attempt,
        course_quiz=cq,
        result=engine.result(cq.quiz, _state(attempt)),
        graded=_graded(cq, finished),
        can_retry=engine.can_retry(cq.settings, len(finished)),
        attempts_left=None if allowed == 0 else max(allowed - len(finished), 0),
    )


def _finish(session: Session, attempt: QuizAttempt, cq: CourseQuiz, state: AttemptState) -> None:
    result = engine.result(cq.quiz, state)
    attempt.status = FINISHED
    attempt.finished_at = state.finished_at
    attempt.score = result.score
    attempt.max_score = result.max_score
    attempt.scaled = result.scaled
    attempt.passed = result.passed
    attempt.critical_all_right = result.critical_all_right
    session.flush()
    finished = [
        a for a in _attempts(session, attempt.user_id, attempt.context_id)
        if a.quiz_id == attempt.quiz_id and a.is_finished
    ]
    graded = _graded(cq, finished)
    assert graded is not None  # this attempt is finished
    quiz_grades.on_attempt_finished(session, attempt, graded)
    quiz_statements.finished(session, attempt, result, state.started_at)
    if result.passed:
        achievements.check_certification(session, attempt.user_id, attempt.context_id,
                                         attempt.resource_link_id, state.finished_at or utcnow())


def _graded(cq: CourseQuiz, finished: list[QuizAttempt]) -> Result | None:
    """The result that counts, by the course's grading method and pass mark."""
    if not finished:
        return None
    return engine.grade(cq.settings, [engine.result(cq.quiz, _state(a)) for a in finished])


def _attempts(session: Session, user_id: int, context_id: int) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .filter_by(user_id=user_id, context_id=context_id)
            .order_by(QuizAttempt.quiz_id, QuizAttempt.number)
        )
    )


def _course_quiz_of(session: Session, attempt: QuizAttempt) -> CourseQuiz:
    return course_quiz(session, attempt.context_id, catalogue.quiz(attempt.quiz_id))


def _state(attempt: QuizAttempt) -> AttemptState:
    return AttemptState.from_json(attempt.state)
