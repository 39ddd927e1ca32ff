"""Erasure: one person, one course, one deployment or a whole school, and anonymisation.

Each erasure, in one transaction: withdraws the learning records (deleted here, voided at each
LRS that may hold them), turns issued certificates into "withdrawn" codes, deletes every row
the schema walk finds, clears mentions, ends the people's sessions in the database store, and
logs what was done without saying who it was about.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy import Text
from sqlalchemy import cast
from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import Context
from lti_tool.models import Deployment
from lti_tool.models import Enrollment
from lti_tool.models import KeyValueEntry
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import ResourceLink
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models import WithdrawnCertificate
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import records
from lti_tool.services.privacy import rows
from lti_tool.services.privacy.registry import KEPT_WHEN_ANONYMISED
from lti_tool.store import DatabaseStore
from lti_tool.store import get_store

ANONYMISED_PREFIX = "anonymised-"


@dataclass
class ErasureReport:
    """What an erasure did, in counts (it names no one)."""

    people: int = 0
    courses: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    mentions_cleared: int = 0
    records: records.Withdrawal = field(default_factory=records.Withdrawal)
    certificates_withdrawn: int = 0
    sessions_ended: int = 0

    def add(self, other: ErasureReport) -> None:
        self.people += other.people
        self.courses += other.courses
        for table, count in other.rows.items():
            self.rows[table] = self.rows.get(table, 0) + count
        self.mentions_cleared += other.mentions_cleared
        self.records.deleted_here += other.records.deleted_here
        self.records.voided_at_lrs += other.records.voided_at_lrs
        self.records.unsent_dropped += other.records.unsent_dropped
        self.certificates_withdrawn += other.certificates_withdrawn
        self.sessions_ended += other.sessions_ended

    def summary(self) -> str:
        return (f"{self.people} people and {self.courses} courses: {sum(self.rows.values())} rows "
                f"deleted, {self.records.deleted_here} learning records deleted here, "
                f"{self.records.voided_at_lrs} voided at the LRS, {self.certificates_withdrawn} "
                f"certificates withdrawn")


def erase_people(session: Session, metadata: MetaData, platform: Platform, user_ids: Iterable[int],
                 actor: audit.Actor, now: datetime, *, commit: bool = True) -> ErasureReport:
    """Delete everything about these people of ``platform``."""
    people = _people(session, platform, user_ids)
    report = ErasureReport(people=len(people))
    if not people:
        return report
    markers = records.markers_for_people(session, platform, people)
    report.records = records.withdraw(session, markers, now)
    selection = rows.select_rows(session, metadata, "user", {p.id for p in people})
    report.certificates_withdrawn = _withdraw_certificates(session, selection.ids("certification"), now)
    report.sessions_ended = _end_sessions(people)
    report.mentions_cleared = len(selection.mentions)
    report.rows = rows.remove(session, metadata, selection)
    what = "one person's data" if len(people) == 1 else f"{len(people)} people's data"
    audit.record(session, actor, audit.ERASE, what, platform_id=platform.id)
    if commit:
        session.commit()
    return report


def erase_course(session: Session, metadata: MetaData, platform: Platform, context_id: int,
                 actor: audit.Actor, now: datetime, *, commit: bool = True) -> ErasureReport:
    """Delete a course with everything in it; its members who belong to no other course go too."""
    context = _course(session, platform, context_id)
    members = set(session.scalars(select(Enrollment.user_id).where(Enrollment.context_id == context.id)))
    elsewhere = set(session.scalars(select(Enrollment.user_id).where(
        Enrollment.user_id.in_(members), Enrollment.context_id != context.id)))
    report = ErasureReport(courses=1)
    report.add(erase_people(session, metadata, platform, members - elsewhere, actor, now, commit=False))
    links = session.scalars(select(ResourceLink.id).where(ResourceLink.context_id == context.id))
    markers = records.markers_for_course(session, platform, context.id, links)
    withdrawn = records.withdraw(session, markers, now)
    report.records.deleted_here += withdrawn.deleted_here
    report.records.voided_at_lrs += withdrawn.voided_at_lrs
    report.records.unsent_dropped += withdrawn.unsent_dropped
    selection = rows.select_rows(session, metadata, "context", {context.id})
    report.certificates_withdrawn += _withdraw_certificates(session, selection.ids("certification"), now)
    report.mentions_cleared += len(selection.mentions)
    for table, count in rows.remove(session, metadata, selection).items():
        report.rows[table] = report.rows.get(table, 0) + count
    audit.record(session, actor, audit.ERASE, "one course and its records", platform_id=platform.id)
    if commit:
        session.commit()
    return report


def erase_deployment(session: Session, metadata: MetaData, platform: Platform, deployment_id: int,
                     actor: audit.Actor, now: datetime) -> ErasureReport:
    """Erase every course of one deployment (the deployment itself stays registered)."""
    deployment = session.get(Deployment, deployment_id)
    if deployment is None or deployment.platform_id != platform.id:
        raise LookupError("no such deployment at this school")
    report = ErasureReport()
    for context_id in list(session.scalars(select(Context.id).where(Context.deployment_id == deployment.id))):
        report.add(erase_course(session, metadata, platform, context_id, actor, now, commit=False))
    session.commit()
    return report


def erase_school(session: Session, metadata: MetaData, platform: Platform, actor: audit.Actor,
                 now: datetime) -> ErasureReport:
    """Erase every person and course of a school, and every record left in its store.

    The registration and LRS settings stay, so the voiding statements can still be delivered;
    the tool's admin removes the registration afterwards if the school is leaving.
    """
    report = ErasureReport()
    user_ids = set(session.scalars(select(User.id).where(User.platform_id == platform.id)))
    report.add(erase_people(session, metadata, platform, user_ids, actor, now, commit=False))
    context_ids = session.scalars(
        select(Context.id).join(Deployment).where(Deployment.platform_id == platform.id))
    for context_id in list(context_ids):
        report.add(erase_course(session, metadata, platform, context_id, actor, now, commit=False))
    left = session.scalars(select(StoredStatement.id).where(StoredStatement.platform_id == platform.id)).all()
    session.execute(delete(StoredStatement).where(StoredStatement.platform_id == platform.id))
    report.records.deleted_here += len(left)
    grades = session.scalars(select(OutboxItem.id).where(
        OutboxItem.platform_id == platform.id, OutboxItem.kind == records.GRADEBOOK_KIND)).all()
    session.execute(delete(OutboxItem).where(OutboxItem.id.in_(grades)))
    audit.record(session, actor, audit.ERASE, "the whole school's data", platform_id=platform.id)
    session.commit()
    return report


def anonymise_people(session: Session, metadata: MetaData, platform: Platform, user_ids: Iterable[int],
                     actor: audit.Actor, now: datetime, *, commit: bool = True) -> ErasureReport:
    """Keep activity for course statistics, but cut every link to the person.

    Their platform id and name are replaced, their learning records withdrawn, their
    certificates withdrawn, and every table not listed as kept when anonymised is deleted.
    """
    people = _people(session, platform, user_ids)
    report = ErasureReport(people=len(people))
    if not people:
        return report
    markers = records.markers_for_people(session, platform, people)
    report.records = records.withdraw(session, markers, now)
    selection = rows.select_rows(session, metadata, "user", {p.id for p in people})
    report.certificates_withdrawn = _withdraw_certificates(session, selection.ids("certification"), now)
    report.sessions_ended = _end_sessions(people)
    dropped = rows.Selection(
        owned={t: ids for t, ids in selection.owned.items() if t not in KEPT_WHEN_ANONYMISED},
        mentions=selection.mentions,
    )
    report.mentions_cleared = len(dropped.mentions)
    report.rows = rows.remove(session, metadata, dropped)
    for person in _people(session, platform, {p.id for p in people}):
        person.sub = f"{ANONYMISED_PREFIX}{uuid.uuid4().hex}"
        person.display_name = None
    audit.record(session, actor, audit.RETENTION, f"{len(people)} people anonymised", platform_id=platform.id)
    if commit:
        session.commit()
    return report


def is_anonymised(person: User) -> bool:
    return person.sub.startswith(ANONYMISED_PREFIX)


def _people(session: Session, platform: Platform, user_ids: Iterable[int]) -> list[User]:
    ids = set(user_ids)
    if not ids:
        return []
    return list(session.scalars(
        select(User).where(User.platform_id == platform.id, User.id.in_(ids)).order_by(User.id)))


def _course(session: Session, platform: Platform, context_id: int) -> Context:
    context = session.get(Context, context_id)
    if context is None or context.deployment.platform_id != platform.id:
        raise LookupError("no such course at this school")
    return context


def _withdraw_certificates(session: Session, certification_ids: set[int], now: datetime) -> int:
    if not certification_ids:
        return 0
    found = session.scalars(select(Certification).where(Certification.id.in_(certification_ids))).all()
    for certificate in found:
        session.add(WithdrawnCertificate(
            code=certificate.code, credential_uuid=certificate.credential_uuid,
            platform_id=certificate.platform_id, status_index=certificate.status_index, withdrawn_at=now,
        ))
    session.flush()
    return len(found)


def _end_sessions(people: list[User]) -> int:
    """Delete sign-in sessions and cached launches that name these people (database store only).

    With Redis they expire on their own within ``SESSION_LIFETIME_SECONDS`` (4 hours).
    """
    store = get_store()
    if not isinstance(store, DatabaseStore):
        return 0
    table = KeyValueEntry.__table__
    value = cast(table.c.value, Text)
    patterns = []
    for person in people:
        patterns += [f'"sub": {json.dumps(person.sub)}', f'"user_id": {person.id},', f'"user_id": {person.id}}}']
    with store.engine.begin() as connection:
        result = connection.execute(delete(table).where(or_(*[value.contains(p, autoescape=True) for p in patterns])))
    return int(result.rowcount or 0)

