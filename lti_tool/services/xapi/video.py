"""xAPI Video Profile statements for the player: one ``VideoSession`` per opening of a video.

Times are seconds into the video; ``played_segments`` uses the profile's ``start[.]end`` pairs
joined by ``[,]``; progress is the share watched (0..1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lti_tool.services.xapi import validation as models
from lti_tool.services.xapi import vocabulary as v
from lti_tool.services.xapi.activities import Activity
from lti_tool.services.xapi.statements import Statement
from lti_tool.services.xapi.statements import StatementContext
from lti_tool.services.xapi.statements import build
from lti_tool.services.xapi.statements import iso_duration


@dataclass(frozen=True)
class VideoSession:
    """A video opened in the player: the statements of one viewing share its ``session_id``."""

    ctx: StatementContext
    video: Activity
    length: float  # seconds
    session_id: uuid.UUID
    completion_threshold: float | None = None


def segments(pairs: Sequence[tuple[float, float]]) -> str:
    """``[(0, 12.5), (30, 41)]`` -> ``"0[.]12.5[,]30[.]41"``."""
    return "[,]".join(f"{_t(start)}[.]{_t(end)}" for start, end in pairs)


def _t(seconds: float) -> str:
    return f"{round(seconds, 3):g}"


def _context(session: VideoSession, **extensions: Any) -> dict[str, Any]:
    found = {v.VIDEO_SESSION_ID: str(session.session_id), **extensions}
    return session.ctx.as_json([v.VIDEO_PROFILE], found)


def _browsing(session: VideoSession) -> dict[str, Any]:
    extensions: dict[str, Any] = {v.VIDEO_LENGTH: session.length}
    if session.completion_threshold is not None:
        extensions[v.VIDEO_COMPLETION_THRESHOLD] = session.completion_threshold
    return _context(session, **extensions)


def _browsing_with(session: VideoSession, extra: dict[str, Any]) -> dict[str, Any]:
    context = _browsing(session)
    context["extensions"].update(extra)
    return context


def _position(
    time: float, played: Sequence[tuple[float, float]], progress: float
) -> dict[str, Any]:
    return {
        v.VIDEO_TIME: time,
        v.VIDEO_PLAYED_SEGMENTS: segments(played),
        v.VIDEO_PROGRESS: progress,
    }


def video_initialized(session: VideoSession, cc_language: str | None = None) -> Statement:
    """The player loaded the video."""
    extra: dict[str, Any] = {}
    if cc_language:
        extra[v.VIDEO_CC_LANGUAGE] = cc_language
    return build(
        session.ctx,
        v.INITIALIZED,
        session.video.as_json(),
        context=_browsing_with(session, extra),
        model=models.VIDEO_INITIALIZED,
    )


def video_played(session: VideoSession, time: float) -> Statement:
    """Playback started or resumed at ``time``."""
    return build(
        session.ctx,
        v.PLAYED,
        session.video.as_json(),
        result={"extensions": {v.VIDEO_TIME: time}},
        context=_context(session),
        model=models.VIDEO_PLAYED,
    )


def video_paused(
    session: VideoSession, time: float, played: Sequence[tuple[float, float]], progress: float
) -> Statement:
    """Playback paused at ``time``."""
    return build(
        session.ctx,
        v.PAUSED,
        session.video.as_json(),
        result={"extensions": _position(time, played, progress)},
        context=_browsing(session),
        model=models.VIDEO_PAUSED,
    )


def video_seeked(session: VideoSession, time_from: float, time_to: float) -> Statement:
    """The viewer moved from ``time_from`` to ``time_to``."""
    result = {"extensions": {v.VIDEO_TIME_FROM: time_from, v.VIDEO_TIME_TO: time_to}}
    return build(
        session.ctx,
        v.SEEKED,
        session.video.as_json(),
        result=result,
        context=_context(session),
        model=models.VIDEO_SEEKED,
    )


def video_captions_toggled(
    session: VideoSession, time: float, enabled: bool, language: str
) -> Statement:
    """The viewer turned captions on or off (``interacted``)."""
    result = {"extensions": {v.VIDEO_TIME: time, v.VIDEO_CC_ENABLED: enabled}}
    return build(
        session.ctx,
        v.INTERACTED,
        session.video.as_json(),
        result=result,
        context=_context(session, **{v.VIDEO_CC_LANGUAGE: language}),
        model=models.VIDEO_CAPTIONS,
    )


def video_completed(
    session: VideoSession,
    time: float,
    played: Sequence[tuple[float, float]],
    progress: float,
    watched: timedelta,
) -> Statement:
    """The viewer watched enough of the video to complete it."""
    result = {
        "completion": True,
        "duration": iso_duration(watched),
        "extensions": _position(time, played, progress),
    }
    return build(
        session.ctx,
        v.COMPLETED,
        session.video.as_json(),
        result=result,
        context=_browsing(session),
        model=models.VIDEO_COMPLETED,
    )


def video_terminated(
    session: VideoSession, time: float, played: Sequence[tuple[float, float]], progress: float
) -> Statement:
    """The viewer left the player."""
    return build(
        session.ctx,
        v.TERMINATED,
        session.video.as_json(),
        result={"extensions": _position(time, played, progress)},
        context=_browsing(session),
        model=models.VIDEO_TERMINATED,
    )
