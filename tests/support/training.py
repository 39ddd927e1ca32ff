"""Do a learner's training through the real services, answering from the shipped content.

Used where a test needs a learner who has already done part of the programme: modules completed
through progress reports (checkpoints answered rightly), quizzes passed through the quiz engine.
Call inside an app context.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import User
from lti_tool.services import attempts
from lti_tool.services import catalogue
from lti_tool.services import programmes
from lti_tool.services import progress
from quizzes import engine
from quizzes.model import Quiz


def right_answer(quiz: Quiz, step: engine.Step) -> Any:
    """The answer the content marks as right (best points, correct) for ``step``."""
    if step.kind == "scene":
        scenario = next(s for s in quiz.scenarios if s.id == step.activity)
        scene = next(s for s in scenario.scenes if s.id == step.scene)
        best = max(scene.choices, key=lambda c: (c.correct is not False, c.points))
        return best.id
    question = next(q for q in quiz.questions if q.id == step.activity)
    if step.kind == "single-choice":
        return next(o.id for o in question.options if o.correct)
    if step.kind == "multiple-response":
        return [o.id for o in question.options if o.correct]
    return [o.id for o in question.options]  # ordering: the authored order is the right one


def complete_module(user: User, context: Context, module_id: str, link_id: int) -> None:
    module = programmes.module(module_id)
    report = progress.parse_report(
        {
            "player_session": f"p-{module_id}",
            "segments": [[0, module.duration_seconds]],
            "events": [],
        }
    )
    progress.record_report(db.session, user.id, context.id, module, report, link_id)
    for checkpoint in module.checkpoints:
        choice = next((c.id for c in checkpoint.choices if c.correct), None)
        progress.answer(db.session, user.id, context.id, module, checkpoint.id, choice, link_id)


def pass_quiz(user: User, context: Context, quiz_id: str, link_id: int) -> None:
    now = datetime.now(UTC)
    attempt = attempts.start_or_resume(
        db.session, user, context, quiz_id, "secondary", now, link_id
    )
    quiz = catalogue.quiz(quiz_id)
    while True:
        _, step = attempts.current_step(db.session, attempt)
        if step is None:
            break
        attempts.record_answer(
            db.session, attempt.id, user, context, step.key, right_answer(quiz, step), now
        )
    assert attempt.passed, f"{quiz_id} was not passed with the content's right answers"
