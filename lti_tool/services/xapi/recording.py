"""Record statements: into the outbox for each of the school's LRSs, or into PeerReady's store.

``emit`` only adds rows to the caller's session: they are committed with the caller's work (the
answer, the launch, the badge), so a crash can never keep the work and lose its statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import ResourceLink
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models import XapiRegistration
from lti_tool.models.outbox import FAILED
from lti_tool.services import outbox
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import vocabulary as v
from lti_tool.services.xapi.activities import Activity
from lti_tool.services.xapi.actors import actor_for
from lti_tool.services.xapi.endpoints import destinations_for
from lti_tool.services.xapi.statements import Statement
from lti_tool.services.xapi.statements import StatementContext
from lti_tool.services.xapi.statements import voided

KIND = "xapi"


def registration_for(session: Session, enrollment: Enrollment) -> uuid.UUID:
    """The enrolment's registration UUID, created (and kept) on first use."""
    found = session.get(XapiRegistration, enrollment.id)
    if found is not None:
        return uuid.UUID(str(found.registration))
    row = XapiRegistration(enrollment_id=enrollment.id, registration=uuid.uuid4())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a concurrent launch created it first
        found = session.get(XapiRegistration, enrollment.id, populate_existing=True)
        assert found is not None
        return uuid.UUID(str(found.registration))
    return uuid.UUID(str(row.registration))


def context_for(
    session: Session,
    user: User,
    context: Context,
    *,
    resource_link: ResourceLink | None = None,
    module: Activity | None = None,
    session_id: uuid.UUID | None = None,
    enrollment: Enrollment | None = None,
) -> StatementContext:
    """The ``StatementContext`` for ``user`` in course ``context`` (optionally a link, a module).

    Pass ``enrollment`` when the caller has it (a launch does): it saves a query.
    """
    platform: Platform = user.platform
    if enrollment is None:
        enrollment = session.scalars(
            select(Enrollment).filter_by(user_id=user.id, context_id=context.id)
        ).one()
    lti: dict[str, Any] = {
        v.LTI_DEPLOYMENT: context.deployment.deployment_id,
        v.LTI_CONTEXT: {"id": context.lti_context_id},
    }
    if resource_link is not None:
        lti[v.LTI_RESOURCE_LINK] = {"id": resource_link.lti_resource_link_id}
    return StatementContext(
        actor=actor_for(user, platform),
        registration=registration_for(session, enrollment),
        platform_name=platform.name or platform.issuer,
        course=activities.course(platform.id, context.lti_context_id, context.title),
        lti=lti,
        platform_id=platform.id,
        deployment_id=context.deployment_id,
        context_id=context.id,
        module=module,
        session_id=session_id,
    )


def emit(
    session: Session, ctx: StatementContext, statement: Statement, ref: str | None = None
) -> None:
    """Queue ``statement`` for each of the school's LRSs, or keep it in PeerReady's store."""
    _record(session, statement, ctx.platform_id, ctx.deployment_id, ctx.context_id, ref)


def emit_all(session: Session, ctx: StatementContext, statements: Iterable[Statement]) -> None:
    """``emit`` each of ``statements``, finding the school's LRS destinations once."""
    destinations = (
        destinations_for(session, ctx.platform_id, ctx.deployment_id) if ctx.platform_id else []
    )
    for statement in statements:
        _record(session, statement, ctx.platform_id, ctx.deployment_id, ctx.context_id, None,
                destinations=destinations)


def _record(
    session: Session,
    statement: Statement,
    platform_id: int | None,
    deployment_id: int | None,
    context_id: int | None,
    ref: str | None,
    destinations: Iterable[str] | None = None,
) -> None:
    if destinations is None:
        destinations = destinations_for(session, platform_id, deployment_id) if platform_id else []
    targets = list(destinations)
    if not targets:
        session.add(
            StoredStatement(
                id=str(statement.id),
                platform_id=platform_id,
                context_id=context_id,
                ref=ref,
                verb=statement.verb,
                timestamp=statement.timestamp,
                data=statement.data,
            )
        )
        return
    for destination in targets:
        outbox.enqueue(
            session,
            kind=KIND,
            destination=destination,
            item_id=str(statement.id),
            payload={"statement": statement.data},
            platform_id=platform_id,
            ref=ref,
        )


def void(session: Session, ref: str, authority: dict[str, Any]) -> int:
    """Void every statement recorded with ``ref`` (an attempt, a certificate), where it went.

    A voiding statement goes to each LRS that has (or will have) the original, and to
    PeerReady's store for originals kept there. Originals an LRS refused need no voiding.
    The caller commits. Returns how many voiding statements were made.
    """
    made = 0
    done = _already_voided(session, ref)
    stored = session.scalars(
        select(StoredStatement).where(
            StoredStatement.ref == ref, StoredStatement.verb != v.VOIDED.id
        )
    ).all()
    for original in (s for s in stored if s.id not in done):
        _record(
            session,
            voided(original.id, authority),
            original.platform_id,
            None,
            original.context_id,
            f"void:{ref}",
            destinations=(),
        )
        made += 1
    queued = session.scalars(
        select(OutboxItem)
        .where(OutboxItem.kind == KIND, OutboxItem.ref == ref, OutboxItem.status != FAILED)
        .order_by(OutboxItem.id)
    ).all()
    by_statement: dict[str, list[OutboxItem]] = {}
    for item in queued:
        by_statement.setdefault(item.item_id, []).append(item)
    for statement_id, items in by_statement.items():
        if statement_id in done:
            continue
        _record(
            session,
            voided(statement_id, authority),
            items[0].platform_id,
            None,
            None,
            f"void:{ref}",
            destinations=[i.destination for i in items],
        )
        made += 1
    return made


def _already_voided(session: Session, ref: str) -> set[str]:
    """Ids of ``ref``'s statements voided before: voiding twice would only add noise.

    (An attempt id can come back on SQLite once the attempt is deleted, so a later reset of the
    new attempt finds the old, voided statements under the same ref.)
    """
    marker = f"void:{ref}"
    kept = session.scalars(select(StoredStatement.data).where(StoredStatement.ref == marker))
    queued = session.scalars(
        select(OutboxItem.payload).where(OutboxItem.kind == KIND, OutboxItem.ref == marker)
    )
    return {d["object"]["id"] for d in kept} | {p["statement"]["object"]["id"] for p in queued}


def tool_authority() -> dict[str, Any]:
    """PeerReady itself as an xAPI Agent: the actor of voiding statements."""
    return {
        "objectType": "Agent",
        "account": {"homePage": activities.activity_base(), "name": "peerready"},
    }
