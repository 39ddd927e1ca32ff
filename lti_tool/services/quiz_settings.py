"""A course's quiz settings: the content's defaults with the trainer's overrides on top."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import CourseQuizSettings
from quizzes import checks
from quizzes.model import GradingMethod
from quizzes.model import Quiz
from quizzes.model import Settings

GRADING_METHODS: tuple[GradingMethod, ...] = ("highest", "last", "first")


class SettingsProblem(ValueError):
    """Settings a trainer cannot save; the message says which value and why."""


@dataclass(frozen=True)
class CourseQuiz:
    """A quiz as one course runs it: ``quiz.settings`` are the effective settings."""

    quiz: Quiz
    is_required: bool
    content_settings: Settings

    @property
    def settings(self) -> Settings:
        return self.quiz.settings


def course_quiz(session: Session, context_id: int, quiz: Quiz) -> CourseQuiz:
    """``quiz`` with this course's overrides applied to its settings."""
    row = session.scalars(
        select(CourseQuizSettings).filter_by(context_id=context_id, quiz_id=quiz.id)
    ).first()
    return _apply(quiz, row)


def course_quizzes(session: Session, context_id: int, quizzes: list[Quiz]) -> list[CourseQuiz]:
    """Each of ``quizzes`` with this course's overrides (one query)."""
    rows = {
        row.quiz_id: row
        for row in session.scalars(select(CourseQuizSettings).filter_by(context_id=context_id))
    }
    return [_apply(quiz, rows.get(quiz.id)) for quiz in quizzes]


def highest_reachable_pass_mark(quiz: Quiz) -> float:
    """The best scaled score a learner can reach while getting every critical decision right."""
    safe = sum(checks.best_points(s, safe_only=True) or 0 for s in quiz.scenarios)
    safe += sum(q.points for q in quiz.questions)
    return round(safe / quiz.max_score, 4) if quiz.max_score else 0.0


def save_quiz_settings(
    session: Session,
    context: Context,
    quiz: Quiz,
    *,
    pass_mark: float,
    attempts_allowed: int,
    grading_method: str,
    is_required: bool,
) -> CourseQuiz:
    """Check and store a course's settings for ``quiz``, then commit.

    Raises SettingsProblem for a pass mark outside 0-1 or above what a learner who gets every
    critical decision right can reach, a negative attempt count or an unknown grading method.
    """
    if not 0 < pass_mark <= 1:
        raise SettingsProblem("The pass mark must be more than 0% and at most 100%.")
    reachable = highest_reachable_pass_mark(quiz)
    if pass_mark > reachable + 1e-9:
        raise SettingsProblem(
            f"Nobody could pass: getting every critical decision right allows at most"
            f" {reachable:.0%} in this quiz."
        )
    if attempts_allowed < 0:
        raise SettingsProblem("Attempts allowed must be 0 (unlimited) or more.")
    if grading_method not in GRADING_METHODS:
        raise SettingsProblem("Choose highest, last or first attempt.")
    row = session.scalars(
        select(CourseQuizSettings).filter_by(context_id=context.id, quiz_id=quiz.id)
    ).first() or CourseQuizSettings(context_id=context.id, quiz_id=quiz.id)
    row.pass_mark = pass_mark
    row.attempts_allowed = attempts_allowed
    row.grading_method = grading_method
    row.is_required = is_required
    session.add(row)
    session.commit()
    return _apply(quiz, row)


def _apply(quiz: Quiz, row: CourseQuizSettings | None) -> CourseQuiz:
    if row is None:
        return CourseQuiz(quiz=quiz, is_required=False, content_settings=quiz.settings)
    defaults = quiz.settings
    settings = replace(
        defaults,
        pass_mark=defaults.pass_mark if row.pass_mark is None else row.pass_mark,
        attempts_allowed=(
            defaults.attempts_allowed if row.attempts_allowed is None else row.attempts_allowed
        ),
        grading_method=cast(
            GradingMethod,
            row.grading_method if row.grading_method in GRADING_METHODS else defaults.grading_method,
        ),
    )
    return CourseQuiz(
        quiz=replace(quiz, settings=settings), is_required=row.is_required, content_settings=defaults
    )
