"""Record a validated launch: the course, resource link, user and role it speaks of."""

from __future__ import annotations

from typing import Any
from typing import TypeVar

from flask import current_app
from sqlalchemy import and_
from sqlalchemy import false
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.access import Launch
from lti_tool.durability import commit_without_disk_wait
from lti_tool.extensions import Base
from lti_tool.lti.roles import Role
from lti_tool.lti.roles import is_school_admin
from lti_tool.lti.roles import role_for
from lti_tool.lti.tool_config import find_deployment
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import Platform
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models import XapiRegistration
from lti_tool.models.types import utcnow
from lti_tool.services import reminders
from lti_tool.services.xapi.launch_statements import emit_launch

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NO_CONTEXT = "__no-context__"  # a launch without a context claim still needs a course row

M = TypeVar("M", bound=Base)


def record_launch(
    session: Session, platform: Platform, claims: dict[str, Any], launch_id: str
) -> Launch:
    """Create or update the rows a launch speaks of, commit, and describe the launch."""
    deployment = find_deployment(platform, claims[CLAIM + "deployment_id"])
    assert deployment is not None  # checked by the launch before it got here
    context_claim = claims.get(CLAIM + "context") or {"id": NO_CONTEXT}
    link_claim = claims.get(CLAIM + "resource_link")
    link_id = str(link_claim["id"]) if link_claim and link_claim.get("id") else None
    known = _known_rows(session, deployment.id, str(context_claim["id"]), platform.id,
                        str(claims["sub"]), link_id)
    context = known.get(Context) or _get_or_create(
        session, Context, deployment_id=deployment.id, lti_context_id=str(context_claim["id"])
    )
    context.title = str(context_claim.get("title") or context.title or "")
    context.label = str(context_claim.get("label") or context.label or "")

    user = known.get(User) or _get_or_create(
        session, User, platform_id=platform.id, sub=str(claims["sub"])
    )
    user.last_seen_at = utcnow()
    user.display_name = display_name_for(platform, claims) or user.display_name

    lti_roles = [str(role) for role in claims.get(CLAIM + "roles", [])]
    enrollment = known.get(Enrollment) or _get_or_create(
        session, Enrollment, user_id=user.id, context_id=context.id,
        defaults={"role": role_for(lti_roles).value},
    )
    enrollment.role = role_for(lti_roles).value
    enrollment.lti_roles = lti_roles
    enrollment.last_launch_at = utcnow()
    if enrollment.role == Role.MENTOR.value:  # only mentors hold certificates to remind about
        reminders.keep_address(session, platform, user, claims)

    resource_link_id = link = None
    if link_claim and link_id is not None:
        link = known.get(ResourceLink) or _get_or_create(
            session, ResourceLink, context_id=context.id, lti_resource_link_id=link_id
        )
        link.title = str(link_claim.get("title") or link.title or "")
        link.custom = dict(claims.get(CLAIM + "custom") or {})
        ags = claims.get(AGS_CLAIM) or {}
        link.lineitem_url = ags.get("lineitem") or link.lineitem_url
        link.lineitems_url = ags.get("lineitems") or link.lineitems_url
        resource_link_id = link.id
    emit_launch(session, user, context, link, launch_id, enrollment)  # committed with it
    # A launch lost in a database crash is opened again by the pupil: no disk wait (its
    # fsync was the slowest step of a launch on a busy server).
    commit_without_disk_wait(session)
    session.flush()
    # Described before the commit: afterwards every row is expired, and reading an id would
    # reload the user, course and platform (three more round trips on every launch).
    launch = Launch(
        user_id=user.id,
        context_id=context.id,
        platform_id=platform.id,
        role=role_for(lti_roles),
        resource_link_id=resource_link_id,
        launch_id=launch_id,
        is_school_admin=is_school_admin(lti_roles),
    )
    session.commit()
    return launch


def _known_rows(
    session: Session, deployment_id: int, context_id: str, platform_id: int, sub: str,
    link_id: str | None,
) -> dict[type[Base], Base]:
    """A returning pupil's course, user, enrolment, link and xAPI registration, in one query.

    Most launches are returning pupils: one round trip instead of five. Rows that do not exist
    yet are missing from the result and are created by the caller.
    """
    link_on = (
        and_(ResourceLink.context_id == Context.id, ResourceLink.lti_resource_link_id == link_id)
        if link_id is not None else false()
    )
    row = session.execute(
        select(Context, User, Enrollment, ResourceLink, XapiRegistration)
        .select_from(Context)
        .outerjoin(User, and_(User.platform_id == platform_id, User.sub == sub))
        .outerjoin(
            Enrollment, and_(Enrollment.user_id == User.id, Enrollment.context_id == Context.id)
        )
        .outerjoin(ResourceLink, link_on)
        .outerjoin(XapiRegistration, XapiRegistration.enrollment_id == Enrollment.id)
        .where(Context.deployment_id == deployment_id, Context.lti_context_id == context_id)
    ).first()
    # The registration is only loaded into the session: recording.registration_for finds it
    # there by primary key without a query.
    return {type(found): found for found in (row or ()) if found is not None}


def display_name_for(platform: Platform, claims: dict[str, Any]) -> str | None:
    """The name to keep, if the platform sent one and the school allows keeping names."""
    allowed = platform.setting("store_display_names", current_app.config["STORE_DISPLAY_NAMES"])
    if not allowed:
        return None
    name = claims.get("name") or " ".join(
        str(part) for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return str(name)[:255] or None


def _get_or_create(
    session: Session, model: type[M], defaults: dict[str, Any] | None = None, **keys: Any
) -> M:
    """The row with ``keys``, inserting it if missing; safe when two launches race."""
    found = session.scalars(select(model).filter_by(**keys)).first()
    if found is not None:
        return found
    row = model(**keys, **(defaults or {}))
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another worker inserted the same row first
        return session.scalars(select(model).filter_by(**keys)).one()
    return row
