"""The audit log: who viewed, exported or erased people's data, shown to the school's admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import AuditEntry

TRAINER = "trainer"
SCHOOL_ADMIN = "school admin"
TOOL_ADMIN = "tool admin"
SCHEDULE = "scheduled task"

VIEW = "view"
EXPORT = "export"
ERASE = "erase"
RETENTION = "retention"
SETTINGS = "settings"


@dataclass(frozen=True)
class Actor:
    """Who is acting: their kind, and their user row when they signed in through a platform."""

    kind: str
    user_id: int | None = None


def record(
    session: Session, actor: Actor, action: str, what: str, *, platform_id: int | None,
    subject_user_id: int | None = None, context_id: int | None = None,
) -> AuditEntry:
    """Add an entry to ``session``; the caller commits (with the work, or alone for a view)."""
    entry = AuditEntry(
        platform_id=platform_id, actor_kind=actor.kind, actor_user_id=actor.user_id,
        action=action, what=what[:255], subject_user_id=subject_user_id, context_id=context_id,
    )
    session.add(entry)
    return entry


def record_view(
    session: Session, actor: Actor, what: str, *, platform_id: int, subject_user_id: int,
    context_id: int | None = None, action: str = VIEW,
) -> None:
    """Log that staff looked at (or exported) one person's data, and commit it now."""
    record(session, actor, action, what, platform_id=platform_id,
           subject_user_id=subject_user_id, context_id=context_id)
    session.commit()


def record_course_view(
    session: Session, actor: Actor, what: str, *, platform_id: int, context_id: int,
    action: str = VIEW,
) -> None:
    """Log that staff looked at (or exported) a list of a course's learners, and commit it now.

    One entry per page or download, not one per learner listed: ``what`` says which list.
    """
    record(session, actor, action, what, platform_id=platform_id, context_id=context_id)
    session.commit()


def entries(session: Session, platform_id: int | None, limit: int = 500) -> list[AuditEntry]:
    """The newest entries of a school (``None``: the tool admin's own, school-less entries)."""
    query = select(AuditEntry).where(
        AuditEntry.platform_id.is_(None) if platform_id is None else AuditEntry.platform_id == platform_id
    )
    return list(session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))


def expired(session: Session, platform_id: int, before: datetime) -> list[int]:
    """Ids of a school's entries older than ``before``."""
    return list(session.scalars(
        select(AuditEntry.id).where(AuditEntry.platform_id == platform_id, AuditEntry.at < before)
    ))


def purge(session: Session, ids: list[int]) -> int:
    """Delete these entries; the caller commits."""
    for start in range(0, len(ids), 500):
        session.execute(delete(AuditEntry).where(AuditEntry.id.in_(ids[start:start + 500])))
    return len(ids)
