"""What a teacher sees of one pupil's work on an attachment (the Student Work Review iframe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import ClassroomAttachment
from lti_tool.models import QuizAttempt
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import attempts
from lti_tool.services import catalogue
from lti_tool.services import certification
from lti_tool.services import programmes
from lti_tool.services import progress
from modules.certification import Status
from modules.model import Module
from quizzes.engine import Result
from quizzes.engine import Review


@dataclass(frozen=True)
class ModuleLine:
    """One module of the attachment, and how far the pupil got."""

    module: Module
    status: progress.Status


@dataclass(frozen=True)
class QuizLine:
    """One quiz of the attachment: the result that counts and the latest attempt's decisions.

    ``decisions`` are the engine's reviews of the latest finished attempt: every critical
    (safeguarding) decision and every answer that was not fully right, in the order answered.
    """

    quiz_id: str
    title: str
    finished_attempts: int
    in_progress: bool
    graded: Result | None
    decisions: tuple[Review, ...]


@dataclass(frozen=True)
class CertificateLine:
    """The pupil's latest certificate for the attachment's programme, and its standing now."""

    programme_title: str
    certificate: Certification | None
    status: Status | None


@dataclass(frozen=True)
class WorkReview:
    """The pupil's progress, quiz decisions and certificate for the attachment's target."""

    modules: tuple[ModuleLine, ...]
    quizzes: tuple[QuizLine, ...] = ()
    certificate: CertificateLine | None = None

    @property
    def completed(self) -> int:
        return sum(line.status.complete for line in self.modules)


def work_review(
    session: Session, attachment: ClassroomAttachment, user: User, now: datetime | None = None
) -> WorkReview:
    """The pupil's work on what the attachment opens: a programme's modules and quizzes, or one."""
    link = attachment.resource_link
    target = programmes.target_of(link)
    audience = str((link.custom or {}).get("audience", ""))
    programme = programmes.programme_for(link, link.context, audience)
    module_ids: tuple[str, ...] = ()
    quiz_ids: tuple[str, ...] = ()
    if target is not None and target.kind == "module":
        module_ids = (target.id,)
    elif target is not None and target.kind == "quiz":
        quiz_ids = (target.id,)
    elif programme is not None:
        module_ids, quiz_ids = tuple(programme.modules), tuple(programme.required_quizzes)
    rows = progress.progress_by_module(session, user.id, link.context_id, module_ids)
    lines = []
    for module_id in module_ids:
        module = programmes.module(module_id)
        lines.append(ModuleLine(module, progress.status_of(rows.get(module_id), module)))
    quizzes = tuple(_quiz_line(session, user, link.context_id, quiz_id) for quiz_id in quiz_ids)
    certificate = None
    if programme is not None and (target is None or target.kind == "programme"):
        found = certification.latest_certification(session, user.id, link.context_id, programme.id)
        certificate = CertificateLine(
            programme.title, found,
            certification.status_of(found, now or utcnow()) if found is not None else None,
        )
    return WorkReview(tuple(lines), quizzes, certificate)


def _quiz_line(session: Session, user: User, context_id: int, quiz_id: str) -> QuizLine:
    mine = list(session.scalars(
        select(QuizAttempt).filter_by(user_id=user.id, context_id=context_id, quiz_id=quiz_id)
        .order_by(QuizAttempt.number)
    ))
    finished = [attempt for attempt in mine if attempt.is_finished]
    quiz = catalogue.quiz(quiz_id)
    title = quiz.title.for_audience(quiz.audiences[0])
    if not finished:
        return QuizLine(quiz_id, title, 0, bool(mine), None, ())
    latest = attempts.review(session, finished[-1])
    return QuizLine(quiz_id, title, len(finished), len(finished) < len(mine), latest.graded,
                    latest.result.reviews)
