"""Create attachments from the picker's choices: the Deep Linking catalogue, placed by the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lti_tool.classroom import accounts
from lti_tool.classroom.api import Attachment
from lti_tool.classroom.api import ClassroomApi
from lti_tool.classroom.api import answering_user
from lti_tool.classroom.grading import max_points_for
from lti_tool.classroom.mapping import add_attachment
from lti_tool.classroom.params import AddOnParams
from lti_tool.models import ClassroomAttachment
from lti_tool.models import Context
from lti_tool.models import GoogleAccount
from lti_tool.services import deep_linking
from lti_tool.urls import external_url


# What each kind earns on a Classroom assignment (``grading.max_points_for`` and the grading rules).
ASSIGNMENT_GRADE_NOTES = {
    "programme": "Graded out of 100: full marks when the pupil is certified.",
    "module": "Graded out of 100: full marks once the pupil has watched the video.",
    "quiz": "Graded: the pupil's quiz score, out of the quiz's points.",
}
NOT_GRADED_NOTE = "Not graded: in Classroom only assignments take grades."


def picker_grading(params: AddOnParams, items: Sequence[deep_linking.Item]) -> tuple[
    dict[str, float | None], dict[str, str]
]:
    """The maximum grade each item would get here, and the picker's note per kind of item."""
    if not params.takes_grades:
        return ({item.target: None for item in items},
                dict.fromkeys(ASSIGNMENT_GRADE_NOTES, NOT_GRADED_NOTE))
    return {item.target: max_points_for(item) for item in items}, dict(ASSIGNMENT_GRADE_NOTES)


def create(
    session: Session, account: GoogleAccount, context: Context, params: AddOnParams,
    targets: Sequence[str],
) -> list[ClassroomAttachment]:
    """Attach each chosen item to the Classroom item; graded items get a maximum on assignments."""
    by_target = {item.target: item for item in deep_linking.items()}
    chosen = [by_target[target] for target in dict.fromkeys(targets) if target in by_target]
    if not chosen:
        raise deep_linking.InvalidChoice("no valid item chosen")
    credentials = accounts.credentials_for(account)
    api = ClassroomApi.for_app(credentials)
    created = []
    for item in chosen:
        points = max_points_for(item) if params.takes_grades else None
        uris = Attachment(
            title=item.title, teacher_view_uri=external_url("classroom.teacher_view", s=None),
            student_view_uri=external_url("classroom.student_view", s=None),
            student_work_review_uri=external_url("classroom.review_view", s=None), max_points=points,
        )
        with answering_user():
            attachment_id = api.create_attachment(params, uris)
        # Commit each at once: the attachment exists in Classroom now, whatever happens next.
        created.append(add_attachment(session, context, params, attachment_id, item, points, account))
        session.commit()
    accounts.remember_refresh(account, credentials)
    session.commit()
    return created
