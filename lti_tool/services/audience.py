"""Who a course's quizzes are worded for: primary pupils, secondary pupils or staff."""

from __future__ import annotations

from typing import Final
from typing import cast

from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session

from lti_tool.models import Context
from lti_tool.models import CourseSettings
from lti_tool.models import ResourceLink
from quizzes.model import AUDIENCES
from quizzes.model import Audience

DEFAULT_AUDIENCE: Final[Audience] = "secondary"
_MEMO = "peerready.course_audience"


def audience_for(
    session: Session, resource_link: ResourceLink | None, context: Context
) -> Audience:
    """The link's custom ``audience`` parameter, else the course's setting, else secondary."""
    if resource_link is not None:
        custom = (resource_link.custom or {}).get("audience")
        if isinstance(custom, str) and custom.strip().lower() in AUDIENCES:
            return cast(Audience, custom.strip().lower())
    return course_audience(session, context) or DEFAULT_AUDIENCE


def course_audience(session: Session, context: Context) -> Audience | None:
    """The audience a trainer chose for the whole course, or None if they have not."""
    # Remembered within the transaction: a page asks twice (its content and the privacy
    # notice link), and a course without settings would be a query each time.
    real = session() if isinstance(session, scoped_session) else session  # db.session
    transaction = real.get_transaction()
    remembered = session.info.get(_MEMO)
    if transaction is None or remembered is None or remembered[0] is not transaction:
        remembered = session.info[_MEMO] = (transaction, {})
    memo: dict[int, Audience | None] = remembered[1]
    if context.id not in memo:
        settings = session.get(CourseSettings, context.id)
        found = settings.audience if settings is not None else None
        memo[context.id] = cast(Audience, found) if found in AUDIENCES else None
    return memo[context.id]


def set_course_audience(session: Session, context: Context, audience: Audience | None) -> None:
    """Save the course's audience (None: back to the default) and commit."""
    if audience is not None and audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    settings = session.get(CourseSettings, context.id) or CourseSettings(context_id=context.id)
    settings.audience = audience
    session.add(settings)
    session.commit()
