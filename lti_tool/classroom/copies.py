"""Copied attachments: a course copy, a reused post or a post to several classes.

Classroom copies add-on attachments with their item: the copy has new ``courseId``, ``itemId``
and ``attachmentId`` values, and its ``copyHistory`` lists the attachments it came from (oldest
first). Google's guide to copied content asks add-ons to treat each copy as its own attachment:
the same content, but pupils' work starting afresh. So a copy PeerReady has not seen is found
through its history and recorded as a new resource link opening the same target, in the new
course's context. The teacher's choices for the course (quiz settings, wording) come along when
the copy starts a new course in PeerReady; progress, attempts, grades and submissions never do.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.classroom import accounts
from lti_tool.classroom import mapping
from lti_tool.classroom.api import AttachmentCopy
from lti_tool.classroom.api import ClassroomApi
from lti_tool.classroom.api import answering_user
from lti_tool.classroom.errors import AttachmentUnknown
from lti_tool.classroom.errors import NotInCourse
from lti_tool.classroom.params import AddOnParams
from lti_tool.lti.roles import Role
from lti_tool.models import ClassroomAttachment
from lti_tool.models import Context
from lti_tool.models import CourseQuizSettings
from lti_tool.models import CourseSettings
from lti_tool.models import GoogleAccount

QUIZ_SETTING_COLUMNS = ("pass_mark", "attempts_allowed", "grading_method", "is_required")


def adopt(
    session: Session, account: GoogleAccount, params: AddOnParams, role: Role
) -> ClassroomAttachment:
    """Record the copy ``params`` names; AttachmentUnknown if it copies nothing of ours.

    Grades on the copy are set with the credentials of the teacher who opens it first, or,
    when a pupil is first, of the original's teacher (in Classroom the teacher who copies a
    course or reuses a post owns the copy). Commits.
    """
    credentials = accounts.credentials_for(account)
    try:
        with answering_user():
            found = ClassroomApi.for_app(credentials).get_attachment(params)
    except NotInCourse as exc:  # Classroom shows an attachment only to the add-on that made it
        raise AttachmentUnknown(f"attachment {params.attachment_id}: {exc}") from exc
    accounts.remember_refresh(account, credentials)
    original = _latest_known(session, found.copied_from)
    if original is None:
        session.commit()
        raise AttachmentUnknown(f"attachment {params.attachment_id}: no known copy history")
    old_link = original.resource_link
    context = mapping.course_context(session, account, params.course_id)
    # A course PeerReady meets for the first time through this copy takes the teacher's choices.
    is_new_course = not context.resource_links and not _has_settings(session, context)
    teacher = account.id if role is Role.TRAINER else original.teacher_account_id
    points = found.max_points if params.takes_grades else None
    copy = mapping.link_attachment(
        session, context, params, str(params.attachment_id), old_link.title or found.title,
        dict(old_link.custom or {}), points, teacher,
    )
    if is_new_course:
        _copy_course_settings(session, old_link.context, context)
    session.commit()
    return copy


def _latest_known(
    session: Session, history: tuple[AttachmentCopy, ...]
) -> ClassroomAttachment | None:
    """The most recent attachment in ``history`` that PeerReady recorded."""
    for entry in reversed(history):
        found = session.scalars(select(ClassroomAttachment).filter_by(
            course_id=entry.course_id, item_id=entry.item_id, attachment_id=entry.attachment_id,
        )).first()
        if found is not None:
            return found
    return None


def _has_settings(session: Session, context: Context) -> bool:
    return (session.get(CourseSettings, context.id) is not None or session.scalars(
        select(CourseQuizSettings.id).filter_by(context_id=context.id)).first() is not None)


def _copy_course_settings(session: Session, source: Context, target: Context) -> None:
    """The teacher's course choices (quiz settings, wording), never anything about pupils.

    A class opening the new assignment at once races here: the first visit copies, the others
    find the rows there (the unique keys refuse a second copy) and carry on.
    """
    wording = session.get(CourseSettings, source.id)
    rows = list(session.scalars(select(CourseQuizSettings).filter_by(context_id=source.id)))
    try:
        with session.begin_nested():
            if wording is not None:
                session.add(CourseSettings(context_id=target.id, audience=wording.audience))
            for row in rows:
                values = {name: getattr(row, name) for name in QUIZ_SETTING_COLUMNS}
                session.add(CourseQuizSettings(context_id=target.id, quiz_id=row.quiz_id, **values))
    except IntegrityError:
        pass  # another visit copied them first
