"""Record what a learner watched and answered, and decide when a module is complete.

The player posts a *report*: the segments it played since its last report and the events that
happened (see ``parse_report``). Whose progress it is comes from the session, never the body.
Reports may repeat, overlap and arrive out of order: segments merge (``modules.progress``) and
each event is stored once per ``(user, player_session, event id)``, so a retried post changes
nothing. Completion is only ever granted here, on the server, and never taken back.

A learner who completed a module may watch it again (``start_rewatch``), for a refresher: the
first viewing's progress stays as it was, the re-watch is measured from zero in its own row, and
completing it adds another ``ModuleCompletion`` (the history certification reads).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.classroom import grading as classroom_grading
from lti_tool.models import CheckpointAnswer
from lti_tool.models import Context
from lti_tool.models import ModuleCompletion
from lti_tool.models import ModuleProgress
from lti_tool.models import ModuleRewatch
from lti_tool.models import User
from lti_tool.models import VideoEvent
from lti_tool.models.progress import Coverage
from lti_tool.models.types import utcnow
from lti_tool.services import achievements
from lti_tool.services.xapi import recording
from lti_tool.services.xapi import video_events
from modules import progress as core
from modules.checkpoints import Answer
from modules.checkpoints import answer_checkpoint
from modules.errors import InvalidProgress
from modules.errors import ModuleError
from modules.model import Module

EVENT_TYPES = frozenset(
    {
        "initialized",
        "played",
        "paused",
        "seeked",
        "ratechange",
        "ended",
        "interacted",
        "captions",
        "checkpoint",
        "terminated",
    }
)
MAX_EVENTS = 500  # per report; a player sends a handful every few seconds
MAX_DETAIL_KEYS = 8
# The range browsers play at (Chromium and Firefox: 1/16 to 16). A narrower range refused the
# whole report, with every segment in it, from pupils whose browser extension plays faster.
MIN_SPEED, MAX_SPEED = 0.0625, 16.0
# With skipping ahead prevented, a segment must start within this many seconds of the furthest
# point watched to count: timeupdate fires every 250 ms or so, and a seek lands near its target.
SKIP_TOLERANCE = 2.0
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Segment = core.Segment


@dataclass(frozen=True)
class PlayerEvent:
    """One thing the learner did with the player (xAPI Video Profile vocabulary)."""

    id: str
    type: str
    occurred_at: datetime
    position: float | None = None
    from_position: float | None = None
    to_position: float | None = None
    speed: float | None = None
    detail: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Report:
    """A checked progress post from the player."""

    player_session: str
    segments: tuple[Segment, ...]
    events: tuple[PlayerEvent, ...]


@dataclass(frozen=True)
class Status:
    """Where a learner stands with one module, as the player and the home page show it."""

    seconds: float
    share: float
    furthest: float
    resume: float
    speed: float
    answered: frozenset[str]
    complete: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "share": round(self.share, 4),
            "furthest": round(self.furthest, 3),
            "resume": round(self.resume, 3),
            "speed": self.speed,
            "answered": sorted(self.answered),
            "complete": self.complete,
        }


# --- reading a report -----------------------------------------------------------------------


def parse_report(body: Any) -> Report:
    """Check a progress post; raise InvalidProgress naming the first problem.

    ``{"player_session": "…", "segments": [[start, end], …], "events": [{…}, …]}``; any other
    key (a user id, say) is ignored.
    """
    if not isinstance(body, dict):
        raise InvalidProgress("the body must be a JSON object")
    session_id = body.get("player_session")
    if not isinstance(session_id, str) or not _ID.match(session_id):
        raise InvalidProgress("player_session must be 1 to 64 letters, digits, '-' or '_'")
    segments = core.segments_from_json(body.get("segments", []))
    events = body.get("events", [])
    if not isinstance(events, list):
        raise InvalidProgress("events must be a list")
    if len(events) > MAX_EVENTS:
        raise InvalidProgress(f"more than {MAX_EVENTS} events in one report")
    parsed = tuple(_event(item, index) for index, item in enumerate(events))
    return Report(session_id, segments, parsed)


def _event(item: Any, index: int) -> PlayerEvent:
    where = f"events[{index}]"
    if not isinstance(item, dict):
        raise InvalidProgress(f"{where} must be an object")
    event_id, kind = item.get("id"), item.get("type")
    if not isinstance(event_id, str) or not _ID.match(event_id):
        raise InvalidProgress(f"{where}.id must be 1 to 64 letters, digits, '-' or '_'")
    if kind not in EVENT_TYPES:
        raise InvalidProgress(f"{where}.type must be one of {', '.join(sorted(EVENT_TYPES))}")
    speed = _number(item, "speed", where)
    if speed is not None and not MIN_SPEED <= speed <= MAX_SPEED:
        raise InvalidProgress(f"{where}.speed must be between {MIN_SPEED} and {MAX_SPEED}")
    return PlayerEvent(
        id=event_id,
        type=kind,
        occurred_at=_timestamp(item.get("at"), where),
        position=_number(item, "position", where),
        from_position=_number(item, "from", where),
        to_position=_number(item, "to", where),
        speed=speed,
        detail=_detail(item.get("detail"), where),
    )


def _number(item: dict[str, Any], key: str, where: str) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidProgress(f"{where}.{key} must be a finite number")
    if value < 0:
        raise InvalidProgress(f"{where}.{key} must not be negative")
    return float(value)


def _timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidProgress(f"{where}.at must be an ISO 8601 time such as 2026-01-31T10:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidProgress(f"{where}.at is not an ISO 8601 time: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise InvalidProgress(f"{where}.at needs a time zone (end it with Z)")
    return parsed


def _detail(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_DETAIL_KEYS:
        raise InvalidProgress(
            f"{where}.detail must be an object with at most {MAX_DETAIL_KEYS} keys"
        )
    for key, item in value.items():
        ok = isinstance(item, bool | int | float) or (isinstance(item, str) and len(item) <= 64)
        if not (_ID.match(key) and ok):
            raise InvalidProgress(
                f"{where}.detail.{key[:20]} must be a short text, number or true/false"
            )
    return dict(value)


# --- recording ------------------------------------------------------------------------------


def find(session: Session, user_id: int, context_id: int, module_id: str) -> ModuleProgress | None:
    """The learner's progress row for a module in a course, if they have started it."""
    return session.scalars(
        select(ModuleProgress).filter_by(
            user_id=user_id, context_id=context_id, module_id=module_id
        )
    ).first()


def progress_by_module(
    session: Session, user_id: int, context_id: int, module_ids: Iterable[str]
) -> dict[str, ModuleProgress]:
    """The learner's progress rows in a course, by module id."""
    rows = session.scalars(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user_id,
            ModuleProgress.context_id == context_id,
            ModuleProgress.module_id.in_(list(module_ids)),
        )
    )
    return {row.module_id: row for row in rows}


def status_of(
    row: ModuleProgress | None, module: Module, rewatch: ModuleRewatch | None = None
) -> Status:
    """The learner's standing with ``module`` (all zeros before they start).

    During a re-watch the player works with the re-watch's own coverage, from zero.
    """
    viewing: Coverage | None = rewatch or row
    if viewing is None or row is None:
        return Status(0.0, 0.0, 0.0, 0.0, 1.0, frozenset(), False)
    limit = viewing.furthest if module.settings.prevent_skipping_ahead else None
    return Status(
        seconds=viewing.covered_seconds,
        share=viewing.share,
        furthest=viewing.furthest,
        resume=core.resume_position(viewing.last_position, module.duration_seconds, limit),
        speed=row.playback_speed,
        answered=frozenset(viewing.answered_checkpoints or ()),
        complete=viewing.completed_at is not None,
    )


class NotCompletedYet(ModuleError):
    """Watching again is for modules the learner has completed."""

    message = "You can watch this video again once you have completed it."


def open_rewatch(
    session: Session, user_id: int, context_id: int, module_id: str
) -> ModuleRewatch | None:
    """The learner's unfinished re-watch of a module, if they started one."""
    return session.scalars(
        select(ModuleRewatch)
        .filter_by(user_id=user_id, context_id=context_id, module_id=module_id, completed_at=None)
        .order_by(ModuleRewatch.number.desc())
    ).first()


def start_rewatch(session: Session, user_id: int, context_id: int, module: Module) -> ModuleRewatch:
    """Start watching a completed module again (an open re-watch is returned as it is)."""
    row = _locked_row(session, user_id, context_id, module.id)
    if row.completed_at is None:
        raise NotCompletedYet()
    rewatch = open_rewatch(session, user_id, context_id, module.id)
    if rewatch is None:
        numbers = select(ModuleCompletion.viewing).filter_by(
            user_id=user_id, context_id=context_id, module_id=module.id
        )
        highest = max([1, *session.scalars(numbers)])
        rewatch = ModuleRewatch(
            user_id=user_id, context_id=context_id, module_id=module.id, number=highest + 1,
            segments=[], answered_checkpoints=[], covered_seconds=0.0, share=0.0, furthest=0.0,
            started_at=utcnow(),
        )
        session.add(rewatch)
    session.commit()
    return rewatch


def record_report(
    session: Session,
    user_id: int,
    context_id: int,
    module: Module,
    report: Report,
    resource_link_id: int | None = None,
) -> Status:
    """Store a report's new events and merge its segments into the learner's progress.

    When the module becomes complete, the learner's programme is checked for certification.
    """
    row = _locked_row(session, user_id, context_id, module.id)
    new_events = _store_new_events(session, user_id, context_id, module.id, report)
    stored = core.segments_from_json(row.segments or [])
    counted = countable_segments(stored, report.segments, module)
    coverage = core.measure(counted, module.duration_seconds)
    row.segments = core.segments_to_json(coverage.segments)
    row.covered_seconds, row.share, row.furthest = (
        coverage.seconds,
        coverage.share,
        coverage.furthest,
    )
    latest = sorted(new_events, key=lambda event: event.occurred_at)
    positions = [e.position for e in latest if e.position is not None]
    if positions:
        row.last_position = min(positions[-1], module.duration_seconds)
    speeds = [e.speed for e in latest if e.speed is not None]
    if speeds:
        row.playback_speed = speeds[-1]
    was_complete = row.completed_at is not None
    _complete_if_due(row, module)
    rewatch = open_rewatch(session, user_id, context_id, module.id) if was_complete else None
    if rewatch is not None:
        _record_rewatch(rewatch, report.segments, positions, module)
    row.updated_at = utcnow()
    _emit_statements(session, row, module, report.player_session, new_events, was_complete, rewatch)
    _count_completion(session, row, was_complete, rewatch, resource_link_id)
    session.commit()
    return status_of(row, module, rewatch)


def _record_rewatch(
    rewatch: ModuleRewatch, segments: Iterable[Segment], positions: list[float], module: Module
) -> None:
    """Measure a re-watch on its own: only what is played from now on counts."""
    stored = core.segments_from_json(rewatch.segments or [])
    coverage = core.measure(countable_segments(stored, segments, module), module.duration_seconds)
    rewatch.segments = core.segments_to_json(coverage.segments)
    rewatch.covered_seconds, rewatch.share = coverage.seconds, coverage.share
    rewatch.furthest = coverage.furthest
    if positions:
        rewatch.last_position = min(positions[-1], module.duration_seconds)
    _complete_if_due(rewatch, module)


def _count_completion(
    session: Session,
    row: ModuleProgress,
    was_complete: bool,
    rewatch: ModuleRewatch | None,
    resource_link_id: int | None,
) -> None:
    """Add to the completion history when a viewing finishes, then check certification."""
    if row.completed_at is not None and not was_complete:
        viewing, completed_at = 1, row.completed_at
        classroom_grading.on_module_completed(session, row)
    elif rewatch is not None and rewatch.completed_at is not None:
        viewing, completed_at = rewatch.number, rewatch.completed_at
    else:
        return
    session.add(ModuleCompletion(
        user_id=row.user_id, context_id=row.context_id, module_id=row.module_id,
        viewing=viewing, completed_at=completed_at,
    ))
    session.flush()
    achievements.check_certification(
        session, row.user_id, row.context_id, resource_link_id, completed_at
    )


def _emit_statements(
    session: Session,
    row: ModuleProgress,
    module: Module,
    player_session: str,
    new_events: list[PlayerEvent],
    was_complete: bool,
    rewatch: ModuleRewatch | None = None,
) -> None:
    """xAPI Video Profile statements for the new events, in the same transaction."""
    viewing = _viewing(session, row, module, player_session)
    played = [tuple(pair) for pair in row.segments or []]
    measured: Coverage = row
    if rewatch is not None:  # the re-watch is the viewing the statements describe
        played, measured = [tuple(pair) for pair in rewatch.segments or []], rewatch
    ref = _statement_ref(row, module)
    for event in sorted(new_events, key=lambda e: e.occurred_at):
        statement = video_events.statement_for(
            viewing,
            event.type,
            event.position,
            event.from_position,
            event.to_position,
            dict(event.detail or {}),
            played,
            measured.share,
        )
        if statement is not None:
            recording.emit(session, viewing.ctx, statement, ref=ref)
    rewatched = rewatch is not None and rewatch.completed_at is not None
    if (row.completed_at is not None and not was_complete) or rewatched:
        statement = video_events.completed(
            viewing, measured.last_position or 0.0, played, measured.share, measured.covered_seconds
        )
        recording.emit(session, viewing.ctx, statement, ref=ref)


def countable_segments(
    stored: Iterable[Segment], new: Iterable[Segment], module: Module
) -> list[Segment]:
    """The segments that count as watched: all of them, or with skipping ahead prevented, only
    those that start within SKIP_TOLERANCE of the furthest point watched before them.
    """
    counted = list(stored)
    if not module.settings.prevent_skipping_ahead:
        return [*counted, *new]
    for segment in sorted(new):
        reached = core.furthest_watched(core.merge_segments(counted, module.duration_seconds))
        if segment[0] <= reached + SKIP_TOLERANCE:
            counted.append(segment)
    return counted


def answer(
    session: Session,
    user_id: int,
    context_id: int,
    module: Module,
    checkpoint_id: str,
    choice_id: str | None,
    resource_link_id: int | None = None,
) -> tuple[Answer, Status]:
    """Check and keep a checkpoint answer; raise InvalidAnswer for an unknown checkpoint/choice.

    Every change of answer is kept (the latest counts), and a re-watch answers afresh. The same
    answer again in the same viewing (a form posted twice, a replay) is acknowledged but stores
    nothing and sends no second statement.
    """
    result = answer_checkpoint(module, checkpoint_id, choice_id)
    row = _locked_row(session, user_id, context_id, module.id)  # serialises the learner's posts
    was_complete = row.completed_at is not None
    rewatch = open_rewatch(session, user_id, context_id, module.id) if was_complete else None
    viewing: Coverage = rewatch or row
    answered = set(viewing.answered_checkpoints or ())
    if result.checkpoint_id in answered and _latest_choice(session, row, result.checkpoint_id) == (
        result.choice_id,
    ):
        session.commit()  # a repeat in this viewing; ends the transaction that holds the lock
        return result, status_of(row, module, rewatch)
    session.add(
        CheckpointAnswer(
            user_id=user_id,
            context_id=context_id,
            module_id=module.id,
            checkpoint_id=result.checkpoint_id,
            choice_id=result.choice_id,
            correct=result.correct,
        )
    )
    if result.checkpoint_id not in answered:
        viewing.answered_checkpoints = sorted(answered | {result.checkpoint_id})
    _complete_if_due(viewing, module)
    row.updated_at = utcnow()
    _emit_checkpoint_statement(session, row, module, result)
    _count_completion(session, row, was_complete, rewatch, resource_link_id)
    session.commit()
    return result, status_of(row, module, rewatch)


def _latest_choice(
    session: Session, row: ModuleProgress, checkpoint_id: str
) -> tuple[str | None] | None:
    """The learner's latest answer to a checkpoint, as ``(choice_id,)``; None if unanswered."""
    latest = session.execute(
        select(CheckpointAnswer.choice_id)
        .filter_by(user_id=row.user_id, context_id=row.context_id, module_id=row.module_id,
                   checkpoint_id=checkpoint_id)
        .order_by(CheckpointAnswer.id.desc())
        .limit(1)
    ).first()
    return None if latest is None else (latest.choice_id,)


def _emit_checkpoint_statement(
    session: Session, row: ModuleProgress, module: Module, result: Answer
) -> None:
    viewing = _viewing(session, row, module, "checkpoints")
    statement = video_events.checkpoint_answered(
        viewing, module, result.checkpoint_id, result.choice_id, result.correct
    )
    recording.emit(session, viewing.ctx, statement, ref=_statement_ref(row, module))


def _viewing(
    session: Session, row: ModuleProgress, module: Module, player_session: str
) -> video_events.video.VideoSession:
    """The xAPI Video Profile session of the learner whose progress ``row`` is."""
    user, context = session.get(User, row.user_id), session.get(Context, row.context_id)
    assert user is not None and context is not None
    return video_events.video_session(session, user, context, module, player_session)


def _statement_ref(row: ModuleProgress, module: Module) -> str:
    """The ref of every statement about this learner's module (for voiding and erasure)."""
    return f"module:{row.user_id}:{row.context_id}:{module.id}"


def _complete_if_due(row: Coverage, module: Module) -> None:
    if row.completed_at is None and core.is_complete(
        row.share,
        module.settings.completion_threshold,
        frozenset(row.answered_checkpoints or ()),
        module.required_checkpoint_ids,
    ):
        row.completed_at = utcnow()


def _locked_row(session: Session, user_id: int, context_id: int, module_id: str) -> ModuleProgress:
    """The progress row, created if missing, locked until commit (the beacon and a fetch race)."""
    keys = {"user_id": user_id, "context_id": context_id, "module_id": module_id}
    query = select(ModuleProgress).filter_by(**keys).with_for_update()
    row = session.scalars(query).first()
    if row is not None:
        return row
    row = ModuleProgress(
        **keys,
        segments=[],
        answered_checkpoints=[],
        covered_seconds=0.0,
        share=0.0,
        furthest=0.0,
        playback_speed=1.0,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the other request created it first
        return session.scalars(query).one()
    return row


def _store_new_events(
    session: Session, user_id: int, context_id: int, module_id: str, report: Report
) -> list[PlayerEvent]:
    if not report.events:
        return []
    seen = set(
        session.scalars(
            select(VideoEvent.event_id).where(
                VideoEvent.user_id == user_id,
                VideoEvent.player_session == report.player_session,
                VideoEvent.event_id.in_([event.id for event in report.events]),
            )
        )
    )
    new: list[PlayerEvent] = []
    for event in report.events:
        if event.id in seen:
            continue
        seen.add(event.id)
        try:
            with session.begin_nested():
                session.add(
                    VideoEvent(
                        user_id=user_id,
                        context_id=context_id,
                        module_id=module_id,
                        player_session=report.player_session,
                        event_id=event.id,
                        type=event.type,
                        position=event.position,
                        from_position=event.from_position,
                        to_position=event.to_position,
                        speed=event.speed,
                        detail=dict(event.detail or {}),
                        occurred_at=event.occurred_at,
                    )
                )
        except IntegrityError:  # a concurrent retry of the same post stored it first
            continue
        new.append(event)
    return new
