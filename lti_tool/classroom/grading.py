"""Grades to Classroom: ``pointsEarned`` on a pupil's attachment submission, through the outbox.

A grade is queued (kind ``classroom-grade``) in the transaction that earned it, so it is sent
or retried but never lost; the sender patches the submission with the credentials of the
teacher who created the attachment (Google's "offline teacher credentials" approach: pupils
can't set their own grades). Patching ``pointsEarned`` sets a value, so a repeat is harmless.

What earns a grade, as through LTI: a module attachment gets full points when its module is
complete; a quiz attachment the quiz's score; a programme attachment full points when the pupil
is certified (the same rule as the programme's gradebook column in Moodle).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
from flask import current_app
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.classroom import accounts
from lti_tool.classroom.api import NETWORK_ERRORS
from lti_tool.classroom.api import ClassroomApi
from lti_tool.classroom.errors import ConsentRevoked
from lti_tool.models import ClassroomAttachment
from lti_tool.models import ClassroomSubmission
from lti_tool.models import GoogleAccount
from lti_tool.models import ModuleProgress
from lti_tool.models import OutboxItem
from lti_tool.models import ResourceLink
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.outbox import PENDING
from lti_tool.services import outbox
from lti_tool.services import programmes
from lti_tool.services.deep_linking import Item
from lti_tool.services.grades import GradeSync
from lti_tool.services.outbox import Outcome
from lti_tool.services.outbox import Parcel

KIND = "classroom-grade"
MODULE_POINTS = 100  # a module attachment on an assignment: full points once it is complete
RETRY_STATUSES = frozenset({401, 408, 429})


def max_points_for(item: Item) -> float:
    """The attachment's maximum grade: the item's score maximum, else full module points."""
    return float(item.score_maximum or MODULE_POINTS)


def destination_for(teacher_account_id: int) -> str:
    return f"classroom:{teacher_account_id}"


def queue_grade(session: Session, submission: ClassroomSubmission, points: float) -> OutboxItem | None:
    """Queue ``points`` for a pupil's submission (the caller commits); None if not graded."""
    attachment = submission.attachment
    if attachment.max_points is None or attachment.teacher_account_id is None:
        return None
    # Two decimals, as Classroom shows grades: 0.15 * 100 must not reach it as 14.999999999999998.
    points = round(max(0.0, min(float(points), attachment.max_points)), 2)
    link = attachment.resource_link
    return outbox.enqueue(
        session, kind=KIND, destination=destination_for(attachment.teacher_account_id),
        item_id=str(uuid.uuid4()), platform_id=link.context.deployment.platform_id,
        ref=f"user:{submission.user_id}",
        payload={
            "course_id": attachment.course_id, "item_id": attachment.item_id,
            "attachment_id": attachment.attachment_id, "submission_id": submission.submission_id,
            "points": points, "max_points": attachment.max_points,
            "resource_link_id": link.id, "context_id": link.context_id,
        },
    )


def on_module_completed(session: Session, row: ModuleProgress) -> None:
    """Queue full points on the pupil's attachments for that module (the caller commits)."""
    _grade_target(session, row.user_id, row.context_id, "module", row.module_id, 1.0)


def on_quiz_graded(
    session: Session, user_id: int, context_id: int, quiz_id: str, scaled: float
) -> None:
    """Queue the quiz's grade on every Classroom attachment for that quiz (the caller commits)."""
    _grade_target(session, user_id, context_id, "quiz", quiz_id, scaled)


def on_certified(session: Session, user_id: int, context_id: int, programme_id: str) -> None:
    """Queue full points on every Classroom attachment for the programme (the caller commits)."""
    _grade_target(session, user_id, context_id, "programme", programme_id, 1.0)


def _grade_target(
    session: Session, user_id: int, context_id: int, kind: str, item_id: str, scaled: float
) -> None:
    """Queue ``scaled`` of the maximum on the pupil's graded attachments for ``kind:item_id``."""
    for submission in _graded_submissions(session, user_id, context_id):
        target = programmes.target_of(submission.attachment.resource_link)
        if target is not None and (target.kind, target.id) == (kind, item_id):
            assert submission.attachment.max_points is not None
            queue_grade(session, submission, scaled * submission.attachment.max_points)


def _graded_submissions(session: Session, user_id: int, context_id: int) -> list[ClassroomSubmission]:
    return list(session.scalars(
        select(ClassroomSubmission)
        .join(ClassroomAttachment, ClassroomSubmission.classroom_attachment_id == ClassroomAttachment.id)
        .join(ResourceLink, ClassroomAttachment.resource_link_id == ResourceLink.id)
        .where(ClassroomSubmission.user_id == user_id, ResourceLink.context_id == context_id,
               ClassroomAttachment.max_points.is_not(None))
    ))


@dataclass(frozen=True)
class Prepared:
    """A teacher's credentials for one batch, read from the database by ``prepare``."""

    account_id: int
    credentials: Credentials | None  # None: consent revoked, waiting for a new sign-in
    endpoint: str | None
    timeout: float


class ClassroomGradeSender:
    """The outbox sender for ``classroom-grade`` items (one destination per teacher account)."""

    def prepare(self, session: Session, destination: str) -> Prepared | None:
        account = session.get(GoogleAccount, int(destination.removeprefix("classroom:")))
        if account is None:
            return None
        try:
            credentials: Credentials | None = accounts.credentials_for(account)
        except ConsentRevoked:
            credentials = None
        config = current_app.config
        return Prepared(account.id, credentials, config.get("CLASSROOM_API_ENDPOINT"),
                        float(config.get("CLASSROOM_TIMEOUT_SECONDS", 10)))

    def send(self, prepared: Prepared | None, parcels: list[Parcel]) -> list[Outcome]:
        if prepared is None:
            return [Outcome.rejected("The teacher's Google account is gone from PeerReady.")] * len(parcels)
        if prepared.credentials is None:
            return [Outcome.retry("The teacher's Google consent was revoked: waiting for them "
                                  "to sign in to PeerReady in Classroom again.")] * len(parcels)
        api = ClassroomApi(prepared.credentials, endpoint=prepared.endpoint, timeout=prepared.timeout)
        outcomes: list[Outcome] = []
        for parcel in parcels:
            if outcomes and outcomes[-1].status == PENDING:
                outcomes.append(outcomes[-1])  # keep the order: nothing overtakes a retry
                continue
            outcomes.append(self._send_one(api, parcel.payload))
        return outcomes

    @staticmethod
    def _send_one(api: ClassroomApi, payload: dict[str, Any]) -> Outcome:
        try:
            api.set_points(payload["course_id"], payload["item_id"], payload["attachment_id"],
                           payload["submission_id"], float(payload["points"]))
        except google.auth.exceptions.RefreshError as exc:
            return Outcome.retry(f"the teacher's Google token was refused: {exc}")
        except HttpError as exc:
            status = int(exc.resp.status)
            if status >= 500 or status in RETRY_STATUSES:
                return Outcome.retry(f"Classroom said {status}: {exc.reason}")
            return Outcome.rejected(f"Classroom refused the grade ({status}): {exc.reason}")
        except NETWORK_ERRORS as exc:
            return Outcome.retry(f"Classroom unreachable: {type(exc).__name__}")
        return Outcome.delivered()


def pending_grade_syncs(session: Session, platform_id: int, context_id: int | None = None) -> list[GradeSync]:
    """Classroom grades still waiting (or refused) for a school, optionally one course."""
    query = select(OutboxItem).where(OutboxItem.kind == KIND, OutboxItem.platform_id == platform_id,
                                     OutboxItem.status != DELIVERED).order_by(OutboxItem.id)
    return [
        GradeSync(
            user_id=int(item.ref.removeprefix("user:")) if item.ref else 0,
            resource_link_id=item.payload["resource_link_id"], score_given=item.payload["points"],
            score_maximum=item.payload["max_points"], attempts=item.attempts, status=item.status,
            last_error=item.last_error, queued_at=item.created_at,
        )
        for item in session.scalars(query)
        if context_id is None or item.payload["context_id"] == context_id
    ]
