"""When a mentor finishes something, see whether it completes their programme and certify them.

Called by the module progress and quiz services at the end of their transaction, when a module
becomes complete (first viewing or a re-watch) or a quiz is passed. The evidence is read from the
database (each module's latest completion, each quiz's latest pass), so it never depends on what
the browser says, and a renewal can ask for work done again since its window opened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import ModuleCompletion
from lti_tool.models import QuizAttempt
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.services import certification
from lti_tool.services import programmes
from lti_tool.services.audience import audience_for


def check_certification(
    session: Session, user_id: int, context_id: int, resource_link_id: int | None, now: datetime
) -> certification.CheckResult | None:
    """Check the learner against their programme; certify them when everything is done.

    Returns None when the course has no programme for the learner. Commits (the caller's work
    and the check together).
    """
    user, context = session.get(User, user_id), session.get(Context, context_id)
    assert user is not None and context is not None
    link = session.get(ResourceLink, resource_link_id) if resource_link_id else None
    programme = programmes.programme_for(link, context, audience_for(session, link, context))
    if programme is None:
        return None
    completed = {
        module_id: as_utc(at)
        for module_id, at in session.execute(
            select(ModuleCompletion.module_id, func.max(ModuleCompletion.completed_at))
            .where(ModuleCompletion.user_id == user_id, ModuleCompletion.context_id == context_id)
            .group_by(ModuleCompletion.module_id)
        )
    }
    passed = {
        quiz_id: as_utc(at)
        for quiz_id, at in session.execute(
            select(QuizAttempt.quiz_id, func.max(QuizAttempt.finished_at))
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.context_id == context_id,
                QuizAttempt.passed.is_(True),
            )
            .group_by(QuizAttempt.quiz_id)
        )
    }
    return certification.certify_if_eligible(
        session, user, context, programme, completed, passed, now,
        titles=certification.titles_for(programme),
    )
