"""Pupils with a bit of everything, and a scan of every table for anything that names one."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Text
from sqlalchemy import cast
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import CheckpointAnswer
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import KeyValueEntry
from lti_tool.models import ModuleProgress
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models import SupervisedPractice
from lti_tool.models import User
from lti_tool.models import VideoEvent
from lti_tool.models import XapiRegistration
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services.xapi.actors import pseudonym
from lti_tool.store import DatabaseStore
from lti_tool.store import get_store
from tests.support.platform import TestPlatform

PROGRAMME = "becoming-a-peer-mentor-secondary"
COURSE = {"id": "course-1", "label": "PEER", "title": "Peer mentors 2026"}
OTHER_COURSE = {"id": "course-2", "label": "PEER2", "title": "Peer mentors, second group"}


@dataclass(frozen=True)
class Pupil:
    """A pupil's ids: everything that could name them in a table."""

    user_id: int
    sub: str
    name: str
    pseudonym: str
    registrations: tuple[str, ...]

    def texts(self) -> list[str]:
        return [self.sub, self.name, self.pseudonym, *self.registrations,
                f"user:{self.user_id}", f"module:{self.user_id}:"]


def launch(client: FlaskClient, platform: TestPlatform, sub: str, name: str, role: str = "Learner",
           context: dict[str, str] | None = None) -> User:
    """Launch as ``sub`` (the client keeps their session) and return the user."""
    response = platform.launch(client, role=role, sub=sub, name=name, context=context or COURSE)
    assert response.status_code == 303, response.data
    return db.session.scalars(select(User).filter_by(sub=sub)).one()


def course_of(user: User, lti_context_id: str = "course-1") -> Context:
    return next(e.context for e in user.enrollments if e.context.lti_context_id == lti_context_id)


def give_activity(user: User, context: Context, at: datetime | None = None, certify: bool = True) -> None:
    """Progress, video events, answers, a quiz attempt and grade, practice and a certificate."""
    at = at or utcnow()
    db.session.add_all([
        ModuleProgress(user_id=user.id, context_id=context.id, module_id="what-peer-mentors-do",
                       segments=[[0, 30]], covered_seconds=30, share=0.5, completed_at=at, updated_at=at),
        VideoEvent(user_id=user.id, context_id=context.id, module_id="what-peer-mentors-do",
                   player_session=str(uuid.uuid4()), event_id=str(uuid.uuid4()), type="played",
                   position=0.0, occurred_at=at, received_at=at),
        CheckpointAnswer(user_id=user.id, context_id=context.id, module_id="what-peer-mentors-do",
                         checkpoint_id="c1", choice_id="a", correct=True, answered_at=at),
        SupervisedPractice(user_id=user.id, context_id=context.id, programme_id=PROGRAMME,
                           practised_from=at.date(), practised_until=at.date(), note="Lunch club",
                           recorded_at=at),
    ])
    attempt = QuizAttempt(user_id=user.id, context_id=context.id, quiz_id="promise-not-to-tell",
                          number=1, audience="secondary", seed=1, state={}, status="finished",
                          score=2, max_score=2, scaled=1.0, passed=True, started_at=at, finished_at=at)
    attempt.answers.append(QuizAnswer(step_key="1", activity_id="ask", response=["be-honest"],
                                      points=2, correct=True, critical=True, answered_at=at))
    db.session.add(attempt)
    db.session.flush()
    db.session.add(QuizGrade(user_id=user.id, context_id=context.id, quiz_id="promise-not-to-tell",
                             attempt_id=attempt.id, score_given=2, score_maximum=2,
                             activity_progress="Completed", grading_progress="FullyGraded",
                             passed=True, timestamp=at))
    db.session.commit()
    if certify:
        programme = certification.programme(PROGRAMME)
        result = certification.certify_if_eligible(
            db.session, user, context, programme,
            {m: at for m in programme.required_modules}, {q: at for q in programme.required_quizzes}, at,
        )
        assert result.certification is not None
        db.session.commit()


def pupil_ids(user: User) -> Pupil:
    registrations = tuple(str(r) for r in db.session.scalars(
        select(XapiRegistration.registration).join(Enrollment, Enrollment.id == XapiRegistration.enrollment_id)
        .where(Enrollment.user_id == user.id)))
    return Pupil(user.id, user.sub, user.display_name or "", pseudonym(user.platform.issuer, user.sub),
                 registrations)


def references(pupil: Pupil) -> list[str]:
    """Every place in the database (and the database key-value store) that still names ``pupil``."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "user" for fk in column.foreign_keys):
                hits = db.session.scalar(select(db.func.count()).where(column == pupil.user_id))
                if hits:
                    found.append(f"{table.name}.{column.name} = {pupil.user_id}")
                continue
            if not _is_text(column):
                continue
            for text in pupil.texts():
                hits = db.session.scalar(
                    select(db.func.count()).select_from(table)
                    .where(cast(column, Text).contains(text, autoescape=True)))
                if hits:
                    found.append(f"{table.name}.{column.name} contains {text!r}")
    store = get_store()
    if isinstance(store, DatabaseStore):
        with store.engine.connect() as connection:
            for (key, value) in connection.execute(select(KeyValueEntry.key, KeyValueEntry.value)):
                for text in (json.dumps(pupil.sub), pupil.name, f'"user_id": {pupil.user_id},'):
                    if text in value:
                        found.append(f"kv_entry {key} contains {text!r}")
    return found


def _is_text(column: Any) -> bool:
    name = type(column.type).__name__
    return name in {"String", "Text", "JSON", "Uuid", "UUID"}


def ago(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)
