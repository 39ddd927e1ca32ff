"""Subject access: the export holds every record of the pupil and nothing of anyone else."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import Platform
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services.privacy import export
from lti_tool.services.privacy import rows
from tests.support.platform import TestPlatform
from tests.support.privacy import OTHER_COURSE
from tests.support.privacy import course_of
from tests.support.privacy import give_activity
from tests.support.privacy import launch
from tests.support.privacy import pupil_ids


@pytest.fixture
def school(platform: TestPlatform) -> Platform:
    row = db.session.scalars(select(Platform).filter_by(issuer=platform.issuer)).one()
    row.settings = {certification.SIGNOFF_REQUIRED: False, certification.PRACTICE_REQUIRED: False}
    db.session.commit()
    return row


def _direct_rows(user_id: int) -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name == "user_id" and any(fk.column.table.name == "user" for fk in column.foreign_keys):
                counts[table.name] = db.session.scalar(
                    select(func.count()).select_from(table).where(column == user_id))
    return {t: n for t, n in counts.items() if n}


def _statements_about(user: User, context_id: int | None = None) -> set[str]:
    """Ids of stored statements whose actor is ``user`` (optionally in one course)."""
    actor = pupil_ids(user).pseudonym
    return {s.id for s in db.session.scalars(select(StoredStatement))
            if actor in json.dumps(s.data) and context_id in (None, s.context_id)}


def test_export_holds_every_row_and_record_of_the_pupil_and_nothing_of_another(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex = launch(client, platform, "pupil-alex", "Alex Example")
    sam = launch(client, platform, "pupil-sam", "Sam Other")
    give_activity(alex, course_of(alex))
    give_activity(sam, course_of(sam))

    found = export.export_person(db.session, db.metadata, alex).as_json()
    text = json.dumps(found)

    for table, count in _direct_rows(alex.id).items():
        assert len(found["tables"][table]["rows"]) == count, table
    assert len(found["tables"]["quiz_answer"]["rows"]) == 1
    assert len(found["tables"]["xapi_registration"]["rows"]) == 1
    assert found["person"] == {"platform_user_id": "pupil-alex", "name": "Alex Example"}
    held = found["learning_records_and_grades"]
    assert {r["id"] for r in held} == _statements_about(alex) and len(held) >= 2
    assert all(r["where"].startswith("Kept by PeerReady") for r in held)
    sam_ids = pupil_ids(sam)
    for marker in ("pupil-sam", "Sam Other", sam_ids.pseudonym, *sam_ids.registrations):
        assert marker not in text


def test_a_trainers_export_is_limited_to_their_course(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex = launch(client, platform, "pupil-alex", "Alex Example")
    launch(client, platform, "pupil-alex", "Alex Example", context=OTHER_COURSE)
    give_activity(alex, course_of(alex))
    give_activity(alex, course_of(alex, "course-2"), certify=False)
    first = course_of(alex)

    found = export.export_person(db.session, db.metadata, alex, course=first).as_json()

    assert {r["context_id"] for r in found["tables"]["quiz_attempt"]["rows"]} == {first.id}
    assert {r["context_id"] for r in found["tables"]["enrollment"]["rows"]} == {first.id}
    held = {r["id"] for r in found["learning_records_and_grades"]}
    assert held == _statements_about(alex, first.id) and held != _statements_about(alex)


def test_a_trainer_who_revoked_a_certificate_sees_only_that_they_are_mentioned(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex = launch(client, platform, "pupil-alex", "Alex Example")
    give_activity(alex, course_of(alex))
    trainer = launch(client, platform, "teacher-1", "Ms Teacher", role="Instructor")
    cert = db.session.scalars(select(Certification).filter_by(user_id=alex.id)).one()
    certification.revoke(db.session, cert, trainer, "Left the scheme", utcnow())
    db.session.commit()

    found = export.export_person(db.session, db.metadata, db.session.get(User, trainer.id)).as_json()

    assert found["mentioned_in"] == {"Certificates": 1, "Certificate history": 1}
    assert "pupil-alex" not in json.dumps(found) and "Left the scheme" not in json.dumps(found)


def test_the_schema_walk_finds_answers_through_their_attempt(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex = launch(client, platform, "pupil-alex", "Alex Example")
    give_activity(alex, course_of(alex), certify=False)
    selection = rows.select_rows(db.session, db.metadata, "user", {alex.id})
    assert len(selection.ids("quiz_answer")) == 1 and len(selection.ids("xapi_registration")) == 1
