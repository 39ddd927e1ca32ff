"""Retention: delete or anonymise people's activity a set time after it ends; trim the audit log.

A person is due when both their last visit and the expiry of their latest certificate lie
more than the school's ``retention_months`` in the past. ``flask privacy enforce`` runs this
on a schedule; with ``dry_run`` it only reports what it would do.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import erasure
from lti_tool.services.privacy.policy import ANONYMISE
from lti_tool.services.privacy.policy import months_before
from lti_tool.services.privacy.policy import policy_of


@dataclass
class SchoolRetention:
    """What retention found (and, unless a dry run, did) at one school."""

    platform_id: int
    school: str
    action: str
    activity_cutoff: datetime
    audit_cutoff: datetime
    due_people: list[int] = field(default_factory=list)
    due_audit_entries: int = 0
    erased: erasure.ErasureReport | None = None

    def summary(self, dry_run: bool) -> str:
        verb = "would" if dry_run else "did"
        people = len(self.due_people)
        return (f"{self.school}: {verb} {self.action} {people} "
                f"{'person' if people == 1 else 'people'} inactive since before "
                f"{self.activity_cutoff:%d %b %Y}; {verb} delete {self.due_audit_entries} audit "
                f"entries from before {self.audit_cutoff:%d %b %Y}")


def due_people(session: Session, platform: Platform, cutoff: datetime) -> list[int]:
    """Ids of the school's people whose last visit and latest certificate expiry are before ``cutoff``."""
    latest_expiry = (
        select(Certification.user_id, func.max(Certification.expires_at).label("expires_at"))
        .group_by(Certification.user_id).subquery()
    )
    candidates = session.execute(
        select(User.id, User.sub, User.last_seen_at, latest_expiry.c.expires_at)
        .outerjoin(latest_expiry, latest_expiry.c.user_id == User.id)
        .where(User.platform_id == platform.id, User.last_seen_at < cutoff)
        .order_by(User.id)
    )
    return [
        row.id for row in candidates
        if not row.sub.startswith(erasure.ANONYMISED_PREFIX)
        and (row.expires_at is None or as_utc(row.expires_at) < cutoff)
    ]


def enforce(session: Session, metadata: MetaData, now: datetime, *, dry_run: bool,
            platform_ids: list[int] | None = None) -> list[SchoolRetention]:
    """Apply every school's retention settings at ``now`` (or only report, with ``dry_run``)."""
    query = select(Platform).order_by(Platform.id)
    if platform_ids:
        query = query.where(Platform.id.in_(platform_ids))
    results = []
    actor = audit.Actor(audit.SCHEDULE)
    for platform in session.scalars(query).all():
        policy = policy_of(platform)
        found = SchoolRetention(
            platform.id, platform.name or platform.issuer, policy.retention_action,
            months_before(now, policy.retention_months), months_before(now, policy.audit_months),
        )
        found.due_people = due_people(session, platform, found.activity_cutoff)
        expired = audit.expired(session, platform.id, found.audit_cutoff)
        found.due_audit_entries = len(expired)
        if not dry_run:
            audit.purge(session, expired)
            act = erasure.anonymise_people if policy.retention_action == ANONYMISE else erasure.erase_people
            found.erased = act(session, metadata, platform, found.due_people, actor, now, commit=False)
            if found.due_people or expired:
                audit.record(session, actor, audit.RETENTION, found.summary(dry_run=False)[:255],
                             platform_id=platform.id)
            session.commit()
        results.append(found)
    return results
