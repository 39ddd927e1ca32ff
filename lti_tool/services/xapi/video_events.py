"""Turn the player's stored events into xAPI Video Profile statements (one per new event).

Called by the progress service inside the transaction that stores the events, so a statement
exists exactly when its event does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import User
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import recording
from lti_tool.services.xapi import video
from lti_tool.services.xapi.statements import Statement
from modules.model import Module

PLAYER_SESSION_NAMESPACE = uuid.UUID("6f1de3c4-54a1-4c5e-9c59-2b7f4b0f6a10")

Segments = Sequence[tuple[float, float]]


def video_session(
    session: Session, user: User, context: Context, module: Module, player_session: str
) -> video.VideoSession:
    """The Video Profile session of one page load of the player."""
    module_activity = activities.module(module.id, module.title, module.summary)
    session_id = uuid.uuid5(PLAYER_SESSION_NAMESPACE, f"{user.id}:{player_session}")
    ctx = recording.context_for(
        session, user, context, module=module_activity, session_id=session_id
    )
    return video.VideoSession(
        ctx,
        activities.video(module.id, module.title, module.summary),
        module.duration_seconds,
        session_id,
        completion_threshold=module.settings.completion_threshold,
    )


def statement_for(
    viewing: video.VideoSession,
    event_type: str,
    position: float | None,
    time_from: float | None,
    time_to: float | None,
    detail: dict[str, object],
    played: Segments,
    progress: float,
) -> Statement | None:
    """The statement for one player event, or None for events the profile has no verb for."""
    time = position or 0.0
    if event_type == "initialized":
        return video.video_initialized(viewing, cc_language=str(detail.get("lang") or "") or None)
    if event_type == "played":
        return video.video_played(viewing, time)
    if event_type == "paused":
        return video.video_paused(viewing, time, played, progress)
    if event_type == "seeked" and time_from is not None and time_to is not None:
        return video.video_seeked(viewing, time_from, time_to)
    if event_type == "captions":
        enabled = bool(detail.get("enabled"))
        return video.video_captions_toggled(viewing, time, enabled, str(detail.get("lang") or "en"))
    if event_type == "terminated":
        return video.video_terminated(viewing, time, played, progress)
    return None  # ratechange, ended, checkpoint: kept as events for analytics only


def completed(
    viewing: video.VideoSession, time: float, played: Segments, progress: float, watched: float
) -> Statement:
    """The statement for reaching the module's completion threshold."""
    return video.video_completed(viewing, time, played, progress, timedelta(seconds=watched))
