"""What a new or revoked certificate sends out: the gradebook score and xAPI statements.

Called inside the certification service's transaction, so a certificate never exists without
its queued score and statement (and a revocation never without its statements).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.classroom import grading as classroom_grading
from lti_tool.models import Certification
from lti_tool.models import Context
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.services import grades
from lti_tool.services import programmes
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import recording
from lti_tool.services.xapi import statements
from lti_tool.urls import external_url

if TYPE_CHECKING:
    from lti_tool.services.certification import GradebookScore


def _ref(certification: Certification) -> str:
    return f"certificate:{certification.id}"


def earned(session: Session, certification: Certification, score: GradebookScore) -> None:
    """Queue 100% wherever the course grades the programme (LTI, Classroom); record ``earned``."""
    user = session.get(User, certification.user_id)
    context = session.get(Context, certification.context_id)
    assert user is not None and context is not None
    for link in session.scalars(select(ResourceLink).filter_by(context_id=context.id)):
        if programmes.grades_item(link, "programme", certification.programme_id):
            grades.queue_score(
                session,
                user,
                link,
                score.score_given,
                score.score_maximum,
                score.activity_progress,
                score.grading_progress,
                score.timestamp,
                tag=f"programme:{certification.programme_id}",
            )
    classroom_grading.on_certified(session, user.id, context.id, certification.programme_id)
    ctx = recording.context_for(session, user, context)
    statement = statements.badge_earned(ctx, _badge(certification), _assertion_url(certification))
    recording.emit(session, ctx, statement, _ref(certification))


def revoked(session: Session, certification: Certification, reason: str) -> None:
    """Void the ``earned`` statement where it went and record ``revoked``."""
    user = session.get(User, certification.user_id)
    context = session.get(Context, certification.context_id)
    assert user is not None and context is not None
    recording.void(session, _ref(certification), recording.tool_authority())
    ctx = recording.context_for(session, user, context)
    statement = statements.badge_revoked(
        ctx, _badge(certification), _assertion_url(certification), reason
    )
    recording.emit(session, ctx, statement, f"{_ref(certification)}:revoked")


def _badge(certification: Certification) -> activities.Activity:
    return activities.badge(certification.programme_id, certification.programme_title)


def _assertion_url(certification: Certification) -> str:
    """The hosted Open Badges 2.0 Assertion (see views.verify)."""
    return external_url("verify.assertion", code=certification.code)
