"""Learning records (xAPI) and gradebook messages about people or courses: find, describe, withdraw.

They hold no foreign key to a person: a statement names its actor by the keyed pseudonym and
its course membership by the registration UUID, and an outbox row carries a ``ref``. So they
are found by those markers, in PeerReady's own store and in the outbox (sent or waiting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlalchemy import cast
from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Enrollment
from lti_tool.models import LrsEndpoint
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models import XapiRegistration
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.outbox import FAILED
from lti_tool.models.outbox import PENDING
from lti_tool.models.types import as_utc
from lti_tool.services import outbox
from lti_tool.services.xapi import recording
from lti_tool.services.xapi.actors import pseudonym
from lti_tool.services.xapi.endpoints import ENV_DESTINATION
from lti_tool.services.xapi.statements import voided

KEPT_HERE = "Kept by PeerReady (the school has no LRS)"
GRADEBOOK_KIND = "ags-score"


@dataclass(frozen=True)
class Markers:
    """What identifies someone's records: pseudonyms, registration UUIDs and outbox refs."""

    platform_id: int
    texts: frozenset[str]
    refs: frozenset[str]
    resource_link_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class HeldRecord:
    """One learning record or gradebook message, and where it is or went."""

    kind: str  # "xapi" or "ags-score"
    record_id: str
    where: str
    status: str  # "kept", "delivered", "waiting" or "refused"
    at: datetime | None
    data: dict[str, Any]


def markers_for_people(session: Session, platform: Platform, users: Iterable[User]) -> Markers:
    """Each person's pseudonym and registrations, and their gradebook refs."""
    people = list(users)
    texts = {pseudonym(platform.issuer, u.sub) for u in people}
    texts |= _registrations(session, Enrollment.user_id.in_([u.id for u in people]))
    refs = {f"user:{u.id}" for u in people}
    return Markers(platform.id, frozenset(texts), frozenset(refs))


def markers_for_course(session: Session, platform: Platform, context_id: int, link_ids: Iterable[int]) -> Markers:
    """The registrations of a course's memberships, and its activities (for gradebook messages)."""
    texts = _registrations(session, Enrollment.context_id == context_id)
    return Markers(platform.id, frozenset(texts), frozenset(), frozenset(link_ids))


def _registrations(session: Session, condition: Any) -> set[str]:
    return {
        str(r) for r in session.scalars(
            select(XapiRegistration.registration)
            .join(Enrollment, Enrollment.id == XapiRegistration.enrollment_id).where(condition)
        )
    }


def stored_statements(session: Session, markers: Markers) -> list[StoredStatement]:
    """Statements in PeerReady's own store that carry a marker, and the voids of them."""
    if not markers.texts and not markers.refs:
        return []
    text = cast(StoredStatement.data, Text)
    found = list(session.scalars(
        select(StoredStatement).where(
            StoredStatement.platform_id == markers.platform_id,
            or_(*[text.contains(t, autoescape=True) for t in markers.texts],
                StoredStatement.ref.in_(markers.refs)),
        ).order_by(StoredStatement.timestamp)
    ))
    refs = {s.ref for s in found if s.ref} | set(markers.refs)
    voids = session.scalars(select(StoredStatement).where(
        StoredStatement.platform_id == markers.platform_id,
        StoredStatement.ref.in_({f"void:{r}" for r in refs}),
    ))
    return found + [v for v in voids if v not in found]


def outbox_items(session: Session, markers: Markers) -> list[OutboxItem]:
    """Outbox rows (learning records, gradebook scores) that carry a marker, sent or not."""
    payload = cast(OutboxItem.payload, Text)
    conditions = [payload.contains(t, autoescape=True) for t in markers.texts]
    if markers.refs:
        conditions.append(OutboxItem.ref.in_(markers.refs))
    found = list(session.scalars(
        select(OutboxItem).where(OutboxItem.platform_id == markers.platform_id, or_(*conditions))
        .order_by(OutboxItem.id)
    )) if conditions else []
    if markers.resource_link_ids:
        grades = session.scalars(select(OutboxItem).where(
            OutboxItem.platform_id == markers.platform_id, OutboxItem.kind == GRADEBOOK_KIND,
        ).order_by(OutboxItem.id))
        found += [g for g in grades
                  if g not in found and g.payload.get("resource_link_id") in markers.resource_link_ids]
    refs = {i.ref for i in found if i.ref}
    if refs:
        voids = session.scalars(select(OutboxItem).where(
            OutboxItem.platform_id == markers.platform_id,
            OutboxItem.ref.in_({f"void:{r}" for r in refs}),
        ))
        found += [v for v in voids if v not in found]
    return found


def describe(session: Session, markers: Markers) -> list[HeldRecord]:
    """Every learning record and gradebook message carrying a marker, with where it went."""
    names = _destination_names(session, markers.platform_id)
    held = [
        HeldRecord("xapi", s.id, KEPT_HERE, "kept", as_utc(s.timestamp), s.data)
        for s in stored_statements(session, markers)
    ]
    for item in outbox_items(session, markers):
        status = {DELIVERED: "delivered", FAILED: "refused"}.get(item.status, "waiting")
        where = ("The school's gradebook" if item.kind == GRADEBOOK_KIND
                 else names.get(item.destination, item.destination))
        data = item.payload.get("statement") or item.payload.get("score") or item.payload
        when = item.delivered_at or item.created_at
        held.append(HeldRecord(item.kind, item.item_id, where, status, as_utc(when) if when else None, data))
    return held


def _destination_names(session: Session, platform_id: int) -> dict[str, str]:
    names = {
        f"lrs:{e.id}": f"LRS: {e.name or e.url}"
        for e in session.scalars(select(LrsEndpoint).where(LrsEndpoint.platform_id == platform_id))
    }
    names[ENV_DESTINATION] = "LRS: the default LRS set by PeerReady's operator"
    return names


@dataclass
class Withdrawal:
    """What withdrawing records did."""

    deleted_here: int = 0
    voided_at_lrs: int = 0
    unsent_dropped: int = 0


def withdraw(session: Session, markers: Markers, now: datetime) -> Withdrawal:
    """Delete the records here; ask each LRS that has (or may have) one to void it.

    A record still waiting and not being sent is simply dropped: no LRS ever saw it. Voiding
    statements carry no ref, so nothing left behind points back at the person. Grades already
    in the gradebook stay there: they are the school's own record, managed in the platform.
    """
    result = Withdrawal()
    statements = stored_statements(session, markers)
    for chunk in _chunks([s.id for s in statements]):
        session.execute(delete(StoredStatement).where(StoredStatement.id.in_(chunk)))
    result.deleted_here = len(statements)
    authority = recording.tool_authority()
    items = outbox_items(session, markers)
    for item in items:
        if item.kind == recording.KIND and _may_have_arrived(item, now):
            void = voided(item.item_id, authority)
            outbox.enqueue(session, kind=recording.KIND, destination=item.destination,
                           item_id=str(void.id), payload={"statement": void.data},
                           platform_id=item.platform_id)
            result.voided_at_lrs += 1
        elif item.status == PENDING:
            result.unsent_dropped += 1
    for chunk in _chunks([i.id for i in items]):
        session.execute(delete(OutboxItem).where(OutboxItem.id.in_(chunk)))
    session.flush()
    return result


def _may_have_arrived(item: OutboxItem, now: datetime) -> bool:
    if item.status == DELIVERED:
        return True
    being_sent = item.claimed_until is not None and as_utc(item.claimed_until) > now
    return item.status == PENDING and being_sent


def _chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
