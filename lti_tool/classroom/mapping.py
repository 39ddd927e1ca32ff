"""Record a Classroom visit as a launch: the same rows ``services.launches`` makes for LTI.

A Platform per Workspace tenant (issuer ``https://classroom.google.com``, client id = the domain), one
Deployment under it, Context = course, ResourceLink = attachment (custom parameters as Deep
Linking sets them), User keyed by the pseudonymous ``user_key``, Enrollment with the role
Classroom reported. The session then holds an ordinary ``Launch``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.access import Launch
from lti_tool.classroom.api import AddOnContext
from lti_tool.classroom.errors import AttachmentUnknown
from lti_tool.classroom.errors import NotInCourse
from lti_tool.classroom.params import AddOnParams
from lti_tool.lti.roles import Role
from lti_tool.models import ClassroomAttachment
from lti_tool.models import ClassroomSubmission
from lti_tool.models import Context
from lti_tool.models import Deployment
from lti_tool.models import Enrollment
from lti_tool.models import GoogleAccount
from lti_tool.models import Platform
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services.deep_linking import Item
from lti_tool.services.launches import _get_or_create
from lti_tool.services.programmes import TARGET_PARAM
from lti_tool.services.xapi.launch_statements import emit_launch

# The issuer doubles as the xAPI account homePage, so it is Classroom's address. Classroom
# platforms are left out of the registered frame-ancestors (security.FrameAncestors): Classroom
# may frame only the pages of a Classroom visit.
ISSUER = "https://classroom.google.com"
REGISTERED_VIA = "classroom"
DEPLOYMENT_ID = "classroom-addon"
NO_DOMAIN = "no-workspace-domain"  # personal Google accounts have no ``hd``
ROLE_LABELS = {Role.TRAINER: "classroom:teacher", Role.MENTOR: "classroom:student"}


def platform_for(session: Session, hosted_domain: str) -> Platform:
    """The tenant's Platform row (and its one Deployment), created at first use."""
    tenant = hosted_domain or NO_DOMAIN
    platform = _get_or_create(session, Platform, issuer=ISSUER, client_id=tenant, defaults={
        "name": f"Google Classroom ({tenant})", "auth_login_url": "", "registered_via": REGISTERED_VIA,
    })
    _get_or_create(session, Deployment, platform_id=platform.id, deployment_id=DEPLOYMENT_ID)
    return platform


def find_attachment(session: Session, params: AddOnParams) -> ClassroomAttachment:
    """The attachment the iframe names; AttachmentUnknown if this PeerReady never made it."""
    found = session.scalars(select(ClassroomAttachment).filter_by(
        course_id=params.course_id, item_id=params.item_id, attachment_id=params.attachment_id,
    )).first()
    if found is None:
        raise AttachmentUnknown(f"no attachment {params.attachment_id} on item {params.item_id}")
    return found


def course_context(session: Session, account: GoogleAccount, course_id: str) -> Context:
    """The course's Context: the one PeerReady already has, else a new one in the tenant."""
    existing = session.scalars(
        select(Context).join(Deployment).join(Platform)
        .where(Platform.issuer == ISSUER, Context.lti_context_id == course_id)
        .order_by(Context.id)
    ).first()
    if existing is not None:
        return existing
    platform = platform_for(session, account.hosted_domain)
    deployment = session.scalars(select(Deployment).filter_by(platform_id=platform.id)).one()
    return _get_or_create(session, Context, deployment_id=deployment.id, lti_context_id=course_id)


def record_visit(
    session: Session, account: GoogleAccount, context: Context, role: Role,
    link: ResourceLink | None,
) -> Launch:
    """Upsert the user and enrolment, emit the launch statements, commit, describe the launch."""
    platform = context.deployment.platform
    user = _get_or_create(session, User, platform_id=platform.id, sub=account.user_key)
    user.last_seen_at = utcnow()
    enrollment = _get_or_create(session, Enrollment, user_id=user.id, context_id=context.id,
                                defaults={"role": role.value})
    enrollment.role, enrollment.lti_roles = role.value, [ROLE_LABELS[role]]
    enrollment.last_launch_at = utcnow()
    launch_id = f"classroom-{uuid.uuid4()}"
    emit_launch(session, user, context, link, launch_id, enrollment)
    session.commit()
    return Launch(user_id=user.id, context_id=context.id, platform_id=platform.id, role=role,
                  resource_link_id=link.id if link else None, launch_id=launch_id)


def role_from(addon: AddOnContext) -> Role:
    """Teacher -> trainer, pupil -> mentor; NotInCourse for anyone else."""
    if addon.is_teacher:
        return Role.TRAINER
    if addon.is_student:
        return Role.MENTOR
    raise NotInCourse("getAddOnContext named neither a teacher nor a student")


def remember_submission(
    session: Session, attachment: ClassroomAttachment, user_id: int, submission_id: str | None
) -> None:
    """Keep the pupil's submission id for this attachment (grades and the review view use it)."""
    if not submission_id:
        return
    row = _get_or_create(session, ClassroomSubmission, classroom_attachment_id=attachment.id,
                         user_id=user_id, defaults={"submission_id": submission_id})
    row.submission_id = submission_id
    session.commit()


def add_attachment(
    session: Session, context: Context, params: AddOnParams, attachment_id: str, item: Item,
    max_points: float | None, teacher: GoogleAccount,
) -> ClassroomAttachment:
    """Record a created attachment as a resource link opening ``item`` (the caller commits)."""
    custom = {TARGET_PARAM: item.target, "audience": item.audience}
    return link_attachment(session, context, params, attachment_id, item.title, custom,
                           max_points, teacher.id)


def link_attachment(
    session: Session, context: Context, params: AddOnParams, attachment_id: str, title: str,
    custom: dict[str, Any], max_points: float | None, teacher_account_id: int | None,
) -> ClassroomAttachment:
    """The attachment's row and resource link, created if missing (safe when two visits race)."""
    link = _get_or_create(
        session, ResourceLink, context_id=context.id,
        lti_resource_link_id=f"classroom:{attachment_id}",
        defaults={"title": title, "custom": custom},
    )
    session.flush()
    return _get_or_create(
        session, ClassroomAttachment, course_id=params.course_id, item_id=params.item_id,
        attachment_id=attachment_id, defaults={
            "resource_link_id": link.id, "item_type": params.item_type, "max_points": max_points,
            "teacher_account_id": teacher_account_id,
        },
    )


def submission_user(session: Session, attachment: ClassroomAttachment, submission_id: str) -> User | None:
    """The pupil whose submission this is, if they have opened the attachment."""
    return session.scalars(
        select(User).join(ClassroomSubmission, ClassroomSubmission.user_id == User.id).where(
            ClassroomSubmission.classroom_attachment_id == attachment.id,
            ClassroomSubmission.submission_id == submission_id,
        )
    ).first()
