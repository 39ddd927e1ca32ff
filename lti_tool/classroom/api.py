"""The Classroom REST API through google-api-python-client, with the calls PeerReady makes.

Every call names a course, item, attachment or submission; the credentials say who is asking.
``client_options`` points the official client elsewhere (``CLASSROOM_API_ENDPOINT``: the fake
Classroom in tests); the discovery document is the one the client ships (no network fetch).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from flask import current_app
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from lti_tool.classroom.errors import ClassroomUnavailable
from lti_tool.classroom.errors import ConsentRevoked
from lti_tool.classroom.errors import NotInCourse
from lti_tool.classroom.params import AddOnParams

# Network trouble reaching Google: worth retrying later.
NETWORK_ERRORS = (httplib2.HttpLib2Error, socket.timeout, ConnectionError, OSError)
ROSTER_PAGE_SIZE = 100


@dataclass(frozen=True)
class AddOnContext:
    """Who the signed-in user is on this item, as Classroom says (getAddOnContext)."""

    is_teacher: bool
    is_student: bool
    submission_id: str | None  # the pupil's, when the item supports student work


@dataclass(frozen=True)
class Attachment:
    """What to attach: a title, PeerReady's three iframe URIs, and points for graded items."""

    title: str
    teacher_view_uri: str
    student_view_uri: str
    student_work_review_uri: str
    max_points: float | None


@dataclass(frozen=True)
class AttachmentCopy:
    """Where an attachment was copied from (one entry of the attachment's ``copyHistory``)."""

    course_id: str
    item_id: str
    attachment_id: str


@dataclass(frozen=True)
class AttachmentFound:
    """An attachment as Classroom has it now: its grade maximum and what it is a copy of."""

    title: str
    max_points: float | None
    copied_from: tuple[AttachmentCopy, ...]  # oldest first, as Classroom lists them


@dataclass(frozen=True)
class RosterPupil:
    """One pupil on a course's Classroom roster (the id is hashed by the caller, never stored)."""

    google_user_id: str
    full_name: str


class ClassroomApi:
    """One user's view of the Classroom API."""

    def __init__(self, credentials: Credentials, *, endpoint: str | None = None,
                 timeout: float = 10) -> None:
        self.credentials = credentials
        http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
        options = {"api_endpoint": endpoint} if endpoint else None
        # Imported here: the discovery client is large, and only Classroom schools need it.
        from googleapiclient.discovery import build

        self.service = build("classroom", "v1", http=http, static_discovery=True,
                             cache_discovery=False, client_options=options)

    @classmethod
    def for_app(cls, credentials: Credentials) -> ClassroomApi:
        config = current_app.config
        return cls(credentials, endpoint=config.get("CLASSROOM_API_ENDPOINT"),
                   timeout=float(config.get("CLASSROOM_TIMEOUT_SECONDS", 10)))

    def _item(self, params: AddOnParams) -> Any:
        return getattr(self.service.courses(), params.collection)()

    def addon_context(self, params: AddOnParams) -> AddOnContext:
        """getAddOnContext: the user's role on the item and, for a pupil, their submission id."""
        extra = {"attachmentId": params.attachment_id} if params.attachment_id else {}
        if params.add_on_token:
            extra["addOnToken"] = params.add_on_token
        body = self._item(params).getAddOnContext(
            courseId=params.course_id, itemId=params.item_id, **extra
        ).execute()
        student = body.get("studentContext")
        return AddOnContext(
            is_teacher="teacherContext" in body, is_student=student is not None,
            submission_id=(student or {}).get("submissionId") or None,
        )

    def create_attachment(self, params: AddOnParams, attachment: Attachment) -> str:
        """addOnAttachments.create with the discovery iframe's addOnToken; return its id."""
        body: dict[str, Any] = {
            "title": attachment.title,
            "teacherViewUri": {"uri": attachment.teacher_view_uri},
            "studentViewUri": {"uri": attachment.student_view_uri},
        }
        if params.takes_grades:  # activity-type: pupils' work can be reviewed and graded
            body["studentWorkReviewUri"] = {"uri": attachment.student_work_review_uri}
            if attachment.max_points:
                body["maxPoints"] = attachment.max_points
        created = self._item(params).addOnAttachments().create(
            courseId=params.course_id, itemId=params.item_id, addOnToken=params.add_on_token,
            body=body,
        ).execute()
        return str(created["id"])

    def get_attachment(self, params: AddOnParams) -> AttachmentFound:
        """addOnAttachments.get: the attachment named by the iframe, with its ``copyHistory``."""
        body = self._item(params).addOnAttachments().get(
            courseId=params.course_id, itemId=params.item_id, attachmentId=params.attachment_id,
        ).execute()
        history = tuple(
            AttachmentCopy(str(entry.get("courseId") or ""),
                           str(entry.get("itemId") or entry.get("postId") or ""),
                           str(entry.get("attachmentId") or ""))
            for entry in body.get("copyHistory") or ()
        )
        points = body.get("maxPoints")
        return AttachmentFound(str(body.get("title") or ""),
                               float(points) if points else None, history)

    def set_points(self, course_id: str, item_id: str, attachment_id: str, submission_id: str,
                   points: float) -> None:
        """Patch the attachment submission's pointsEarned (only assignments take grades)."""
        self.service.courses().courseWork().addOnAttachments().studentSubmissions().patch(
            courseId=course_id, itemId=item_id, attachmentId=attachment_id,
            submissionId=submission_id, updateMask="pointsEarned", body={"pointsEarned": points},
        ).execute()

    def roster(self, course_id: str) -> Iterator[RosterPupil]:
        """Every pupil on the course's roster, following nextPageToken to the last page."""
        students = self.service.courses().students()
        request = students.list(courseId=course_id, pageSize=ROSTER_PAGE_SIZE)
        while request is not None:
            page = request.execute()
            for student in page.get("students", []):
                name = (student.get("profile") or {}).get("name") or {}
                yield RosterPupil(str(student["userId"]), str(name.get("fullName") or ""))
            request = students.list_next(request, page)


@contextmanager
def answering_user() -> Iterator[None]:
    """Turn API failures during a page view into pages that say what to do next."""
    try:
        yield
    except google.auth.exceptions.RefreshError as exc:
        raise ConsentRevoked(f"refresh refused: {exc}") from exc
    except HttpError as exc:
        status = int(exc.resp.status)
        if status in (401,):
            raise ConsentRevoked(f"Classroom said 401: {exc.reason}") from exc
        if status in (403, 404):
            raise NotInCourse(f"Classroom said {status}: {exc.reason}") from exc
        raise ClassroomUnavailable(f"Classroom said {status}: {exc.reason}") from exc
    except NETWORK_ERRORS as exc:
        raise ClassroomUnavailable(f"Classroom unreachable: {type(exc).__name__}") from exc
