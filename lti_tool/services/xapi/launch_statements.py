"""cmi5-style session statements for a launch: ``launched``, ``initialized`` and ``terminated``.

Each launch is a session (a ``LaunchSession`` row). It ends exactly once, with ``terminated``
and the session's duration in ``result.duration``, in one of three ways:

- the learner presses "Finish" (``finish``): at once;
- the page is closed: pagehide sends a beacon (``record_presence``), and because pagehide also
  fires on every move between PeerReady's own pages (whose pageshow then says "shown"), the
  sweep (``close_sessions``) ends the session only when no page showed within
  ``XAPI_SESSION_LEAVE_GRACE_SECONDS`` after it;
- nothing at all happened for ``XAPI_SESSION_IDLE_SECONDS``: the sweep ends it, with the
  duration up to the last activity.

The row's ``terminated_at`` is set by a conditional UPDATE in the transaction that records the
statement, so two workers (or a beacon racing the sweep) can never record it twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import LaunchSession
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import statements
from lti_tool.services.xapi.recording import context_for
from lti_tool.services.xapi.recording import emit
from lti_tool.services.xapi.recording import emit_all

TOUCH_EVERY = timedelta(seconds=30)  # activity is written at most this often per session


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
    """Add the launch's session row and its ``launched`` and ``initialized`` statements."""
    session_id = session_id_for(launch_id)
    ctx = context_for(
        session, user, context, resource_link=link, session_id=session_id, enrollment=enrollment
    )
    target = _target(ctx.course, link)
    now = utcnow()
    session.add(LaunchSession(
        id=str(session_id), user_id=user.id, context_id=context.id,
        resource_link_id=link.id if link is not None else None,
        started_at=now, last_active_at=now,
    ))
    emit_all(session, ctx, [statements.launched(ctx, target), statements.initialized(ctx, target)])


def touch(session: Session, launch_id: str, *, is_page: bool) -> bool:
    """Note activity in the launch's session; a page view also cancels a pending 'left'.

    Cheap on purpose (runs on every request): one indexed read, and a write only when the last
    one is older than ``TOUCH_EVERY`` or the session was marked as left. Returns False when a
    page is asked for in a session that has already ended (the learner must launch again).
    """
    session_id = str(session_id_for(launch_id))
    found = session.execute(
        select(LaunchSession.terminated_at, LaunchSession.last_active_at, LaunchSession.left_at)
        .where(LaunchSession.id == session_id)
    ).first()
    if found is None:  # launched before sessions were kept
        return True
    if found.terminated_at is not None:
        return not is_page
    now = utcnow()
    if as_utc(found.last_active_at) < now - TOUCH_EVERY or (is_page and found.left_at):
        values: dict[str, object] = {"last_active_at": now}
        if is_page:
            values["left_at"] = None
        session.execute(
            update(LaunchSession)
            .where(LaunchSession.id == session_id, LaunchSession.terminated_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return True


def record_presence(session: Session, launch_id: str, is_left: bool, client_ms: int) -> None:
    """A page was left (pagehide) or shown (pageshow), at ``client_ms`` on the browser's clock.

    Moving between pages sends "left" from the old page and "shown" from the new one, and the
    two beacons may arrive in either order: the browser's clock decides which came last.
    """
    now = utcnow()
    newer = or_(LaunchSession.presence_ms.is_(None), LaunchSession.presence_ms < client_ms)
    session.execute(
        update(LaunchSession)
        .where(LaunchSession.id == str(session_id_for(launch_id)),
               LaunchSession.terminated_at.is_(None), newer)
        .values(left_at=now if is_left else None, presence_ms=client_ms, last_active_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def finish(session: Session, launch_id: str) -> bool:
    """End the launch's session now ("Finish"); False if it had already ended."""
    row = session.get(LaunchSession, str(session_id_for(launch_id)))
    return row is not None and _terminate(session, row, utcnow())


def close_sessions(session: Session, now: datetime | None = None) -> int:
    """End sessions left (past the grace) or idle (past the timeout); return how many."""
    now = now or utcnow()
    config = current_app.config
    idle = timedelta(seconds=float(config.get("XAPI_SESSION_IDLE_SECONDS", 1800)))
    grace = timedelta(seconds=float(config.get("XAPI_SESSION_LEAVE_GRACE_SECONDS", 120)))
    rows = session.scalars(
        select(LaunchSession)
        .where(LaunchSession.terminated_at.is_(None),
               or_(LaunchSession.last_active_at < now - idle,
                   and_(LaunchSession.left_at.is_not(None),
                        LaunchSession.left_at < now - grace)))
        .order_by(LaunchSession.last_active_at)
        .limit(500)
    ).all()
    session.commit()
    ended = 0
    for row in rows:
        end = as_utc(row.left_at or row.last_active_at)
        ended += _terminate(session, row, max(end, as_utc(row.last_active_at)))
    return ended


def _terminate(session: Session, row: LaunchSession, end: datetime) -> bool:
    claimed = session.execute(
        update(LaunchSession)
        .where(LaunchSession.id == row.id, LaunchSession.terminated_at.is_(None))
        .values(terminated_at=end)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        session.rollback()
        return False
    user, context = session.get(User, row.user_id), session.get(Context, row.context_id)
    if user is None or context is None:  # erased meanwhile: nothing to say, about no one
        session.commit()
        return False
    link = session.get(ResourceLink, row.resource_link_id) if row.resource_link_id else None
    ctx = context_for(session, user, context, resource_link=link, session_id=uuid.UUID(row.id))
    duration = end - as_utc(row.started_at)
    emit(session, ctx, statements.terminated(ctx, _target(ctx.course, link), duration))
    session.commit()
    return True


def _target(course: activities.Activity, link: ResourceLink | None) -> activities.Activity:
    if link is None:
        return course
    return activities.resource_link(course, link.lti_resource_link_id, link.title)
