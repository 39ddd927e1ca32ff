"""cmi5-style session statements for a launch: ``launched`` then ``initialized``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import statements
from lti_tool.services.xapi.recording import context_for
from lti_tool.services.xapi.recording import emit_all


def session_id_for(launch_id: str) -> uuid.UUID:
    """The cmi5 session id of a launch; later statements of the launch derive the same one."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"peerready:launch:{launch_id}")


def emit_launch(
    session: Session,
    user: User,
    context: Context,
    link: ResourceLink | None,
    launch_id: str,
    enrollment: Enrollment | None = None,
) -> None:
    """Add the launch's ``launched`` and ``initialized`` statements to ``session``."""
    ctx = context_for(
        session, user, context, resource_link=link, session_id=session_id_for(launch_id),
        enrollment=enrollment,
    )
    target = (
        activities.resource_link(ctx.course, link.lti_resource_link_id, link.title)
        if link is not None
        else ctx.course
    )
    emit_all(session, ctx, [statements.launched(ctx, target), statements.initialized(ctx, target)])
