"""Mentors' quiz pages: the list, a step, the feedback after each answer, and the end page.

These routes join the ``mentor`` blueprint (endpoints ``mentor.quizzes`` and so on); they turn
form posts into engine responses and call ``services.attempts``, which does all the scoring.
"""

from __future__ import annotations

from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from lti_tool.access import requires_role
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import QuizAttempt
from lti_tool.models import ResourceLink
from lti_tool.models.types import utcnow
from lti_tool.services import attempts
from lti_tool.services.audience import audience_for
from lti_tool.views.mentor import bp
from quizzes.engine import Response
from quizzes.engine import Step
from quizzes.errors import AttemptFinished
from quizzes.errors import IncompleteAnswer
from quizzes.errors import InvalidChoice
from quizzes.errors import QuizError
from quizzes.errors import StaleAnswer
from quizzes.model import Audience
from quizzes.model import Quiz

POSITION_PREFIX = "position-"
# The engine's refusals that are the learner's input, not a conflict with stored state.
_BAD_INPUT = (InvalidChoice, IncompleteAnswer)


@bp.errorhandler(QuizError)
def quiz_problem(error: QuizError) -> ResponseReturnValue:
    """A refusal from the quiz engine: its pupil-safe message and a way back to the quizzes."""
    db.session.rollback()
    status = 400 if isinstance(error, _BAD_INPUT) else 409
    page = render_template(
        "mentor/quiz_problem.html",
        message=error.message,
        back_url=url_for("mentor.quizzes"),
        back_text="Back to your quizzes",
    )
    return page, status


@bp.app_template_filter("points")
def points(value: float) -> str:
    """Points without trailing zeros: 2, 1.5, 0.67."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@bp.get("/quizzes")
@requires_role(Role.MENTOR)
def quizzes() -> ResponseReturnValue:
    """The quizzes for this learner's group, with attempts used and the result that counts."""
    summaries = attempts.summaries(db.session, g.user, g.context, _audience())
    return render_template("mentor/quizzes.html", summaries=summaries, audience=_audience())


@bp.post("/quizzes/<quiz_id>/start")
@requires_role(Role.MENTOR)
def quiz_start(quiz_id: str) -> ResponseReturnValue:
    """Resume the unfinished attempt or start a new one, then show its current step."""
    attempt = attempts.start_or_resume(
        db.session, g.user, g.context, quiz_id, _audience(), utcnow(), g.launch.resource_link_id
    )
    return redirect(url_for("mentor.attempt", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>")
@requires_role(Role.MENTOR)
def attempt(attempt_id: int) -> ResponseReturnValue:
    """The step the learner is on (the end page once the attempt is finished)."""
    found = attempts.own_attempt(db.session, attempt_id, g.user, g.context)
    course_quiz, step = attempts.current_step(db.session, found)
    if step is None:
        return redirect(url_for("mentor.result", attempt_id=found.id), 303)
    return render_template(
        "mentor/step.html", attempt=found, quiz=course_quiz.quiz, step=step, note=None
    )


@bp.post("/attempts/<int:attempt_id>/answer")
@requires_role(Role.MENTOR)
def answer(attempt_id: int) -> ResponseReturnValue:
    """Score one answer; then the feedback page. A replayed post shows the current step again."""
    found = attempts.own_attempt(db.session, attempt_id, g.user, g.context)
    course_quiz, step = attempts.current_step(db.session, found)
    if step is None:
        raise AttemptFinished(f"attempt {found.id} is finished")
    step_key = request.form.get("step_key", "")
    if step_key != step.key:
        return _stale(found, step, course_quiz.quiz)
    try:
        answered = attempts.record_answer(
            db.session, found.id, g.user, g.context, step_key, _response(step, request.form), utcnow()
        )
    except StaleAnswer:  # another post for this step won the race
        found = attempts.own_attempt(db.session, attempt_id, g.user, g.context)
        course_quiz, step = attempts.current_step(db.session, found)
        if step is None:
            return redirect(url_for("mentor.result", attempt_id=found.id), 303)
        return _stale(found, step, course_quiz.quiz)
    except _BAD_INPUT as error:
        db.session.rollback()
        page = render_template(
            "mentor/quiz_problem.html",
            message=error.message,
            back_url=url_for("mentor.attempt", attempt_id=found.id),
            back_text="Back to the question",
        )
        return page, 400
    return redirect(
        url_for("mentor.feedback", attempt_id=found.id, number=answered.number), 303
    )


@bp.get("/attempts/<int:attempt_id>/feedback/<int:number>")
@requires_role(Role.MENTOR)
def feedback(attempt_id: int, number: int) -> ResponseReturnValue:
    """Why the learner's answer was right or risky, and where to get help."""
    found = attempts.own_attempt(db.session, attempt_id, g.user, g.context)
    course_quiz = attempts.current_step(db.session, found)[0]
    return render_template(
        "mentor/feedback.html",
        attempt=found,
        quiz=course_quiz.quiz,
        feedback=attempts.feedback_for(db.session, found, number),
        number=number,
    )


@bp.get("/attempts/<int:attempt_id>/result")
@requires_role(Role.MENTOR)
def result(attempt_id: int) -> ResponseReturnValue:
    """The end page: result, pass or not and why, the decisions that mattered, try again."""
    found = attempts.own_attempt(db.session, attempt_id, g.user, g.context)
    return render_template("mentor/result.html", review=attempts.review(db.session, found))


def _audience() -> Audience:
    link_id = g.launch.resource_link_id
    link = db.session.get(ResourceLink, link_id) if link_id is not None else None
    return audience_for(db.session, link, g.context)


def _stale(found: QuizAttempt, step: Step, quiz: Quiz) -> ResponseReturnValue:
    page = render_template(
        "mentor/step.html", attempt=found, quiz=quiz, step=step, note=StaleAnswer.message
    )
    return page, 409


def _response(step: Step, form: MultiDict[str, str]) -> Response:
    """The engine's response from the posted form; InvalidChoice/IncompleteAnswer if malformed."""
    if step.kind == "ordering":
        return _ordering(step, form)
    chosen = form.getlist("answer")
    if step.kind == "multiple-response":
        return tuple(chosen)
    if len(chosen) != 1:
        raise InvalidChoice(f"expected one answer, got {chosen!r}")
    return chosen[0]


def _ordering(step: Step, form: MultiDict[str, str]) -> tuple[str, ...]:
    """Steps sorted by the position each was given; every position 1..n used once."""
    positions: dict[str, int] = {}
    for name in form:
        if name.startswith(POSITION_PREFIX):
            values = form.getlist(name)
            if len(values) != 1 or not values[0].isdigit():
                raise IncompleteAnswer(f"{name}={values!r} is not one position")
            positions[name[len(POSITION_PREFIX):]] = int(values[0])
    if sorted(positions.values()) != list(range(1, len(step.options) + 1)):
        raise IncompleteAnswer(f"positions {positions!r} are not 1..{len(step.options)} once each")
    return tuple(sorted(positions, key=positions.__getitem__))
