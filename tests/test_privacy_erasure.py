"""Erasing a pupil, a course or a school leaves nothing in PeerReady that names them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEntry
from lti_tool.models import Certification
from lti_tool.models import ClassroomAttachment
from lti_tool.models import ClassroomSubmission
from lti_tool.models import Context
from lti_tool.models import GoogleAccount
from lti_tool.models import LrsEndpoint
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models import WithdrawnCertificate
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services import open_badges
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import erasure
from tests.support.platform import TestPlatform
from tests.support.privacy import OTHER_COURSE
from tests.support.privacy import course_of
from tests.support.privacy import give_activity
from tests.support.privacy import launch
from tests.support.privacy import pupil_ids
from tests.support.privacy import references

ADMIN = audit.Actor(audit.TOOL_ADMIN)


@pytest.fixture
def school(platform: TestPlatform) -> Platform:
    row = db.session.scalars(select(Platform).filter_by(issuer=platform.issuer)).one()
    row.settings = {certification.SIGNOFF_REQUIRED: False, certification.PRACTICE_REQUIRED: False}
    db.session.commit()
    return row


def _two_pupils(client: FlaskClient, platform: TestPlatform) -> tuple[User, User]:
    alex = launch(client, platform, "pupil-alex", "Alex Example")
    sam = launch(client, platform, "pupil-sam", "Sam Other")
    give_activity(alex, course_of(alex))
    give_activity(sam, course_of(sam))
    return alex, sam


def _rows_of(user_id: int) -> int:
    return sum(
        db.session.scalar(select(func.count()).select_from(t).where(c == user_id)) or 0
        for t in db.metadata.sorted_tables for c in t.columns
        if any(fk.column.table.name == "user" for fk in c.foreign_keys)
    )


def test_erasing_a_pupil_leaves_no_row_or_record_naming_them(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex, sam = _two_pupils(client, platform)
    alex_ids, sam_ids = pupil_ids(alex), pupil_ids(sam)
    assert references(alex_ids), "the seeded pupil should be found before erasure"
    sam_rows = _rows_of(sam.id)

    report = erasure.erase_people(db.session, db.metadata, school, [alex.id], ADMIN, utcnow())

    assert references(alex_ids) == []
    assert report.people == 1 and report.certificates_withdrawn == 1
    assert report.records.deleted_here >= 2  # the launch statements kept by PeerReady
    assert _rows_of(sam.id) == sam_rows
    assert references(sam_ids)  # the other pupil is untouched
    entry = db.session.scalars(select(AuditEntry).filter_by(action="erase")).one()
    assert entry.subject_user_id is None and "Alex" not in entry.what


def test_an_erased_pupils_certificate_verifies_as_withdrawn_without_details(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex, _ = _two_pupils(client, platform)
    cert = db.session.scalars(select(Certification).filter_by(user_id=alex.id)).one()
    code, index = cert.code, cert.status_index

    erasure.erase_people(db.session, db.metadata, school, [alex.id], ADMIN, utcnow())

    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "withdrawn" in text and "Alex" not in text and "Peer mentors" not in text
    assertion = client.get(f"/badges/assertions/{code}")
    assert assertion.status_code == 410 and assertion.json["revoked"] is True
    revocations = open_badges.revocation_list(db.session, school)["revokedAssertions"]
    assert any(code in r["id"] for r in revocations)
    assert db.session.get(WithdrawnCertificate, code).status_index == index


def test_erasure_voids_statements_an_lrs_received_and_drops_unsent_ones(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    db.session.add(LrsEndpoint(platform_id=school.id, url="https://lrs.example/xapi/", name="Trust LRS"))
    db.session.commit()
    alex, sam = _two_pupils(client, platform)
    alex_items = [i for i in db.session.scalars(select(OutboxItem).filter_by(kind="xapi"))
                  if pupil_ids(alex).pseudonym in str(i.payload)]
    assert len(alex_items) >= 2  # launched and initialized at least
    alex_items[0].status = DELIVERED
    delivered_id = alex_items[0].item_id
    db.session.commit()
    alex_ids = pupil_ids(alex)

    report = erasure.erase_people(db.session, db.metadata, school, [alex.id], ADMIN, utcnow())

    assert report.records.voided_at_lrs == 1
    assert report.records.unsent_dropped == len(alex_items) - 1
    voids = [i for i in db.session.scalars(select(OutboxItem).filter_by(kind="xapi"))
             if i.payload["statement"]["verb"]["id"].endswith("/voided")]
    assert [v.payload["statement"]["object"]["id"] for v in voids] == [delivered_id]
    assert voids[0].destination == alex_items[0].destination and voids[0].ref is None
    assert references(alex_ids) == []
    assert any(pupil_ids(sam).pseudonym in str(i.payload) for i in db.session.scalars(select(OutboxItem)))


def test_erasing_a_course_keeps_pupils_who_are_in_another_course(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex, sam = _two_pupils(client, platform)
    launch(client, platform, "pupil-sam", "Sam Other", context=OTHER_COURSE)
    course_id = course_of(alex).id
    alex_ids = pupil_ids(alex)

    report = erasure.erase_course(db.session, db.metadata, school, course_id, ADMIN, utcnow())

    assert db.session.get(Context, course_id) is None
    assert references(alex_ids) == []  # Alex was only in this course
    remaining = db.session.get(User, sam.id)
    assert remaining is not None and [e.context.lti_context_id for e in remaining.enrollments] == ["course-2"]
    assert report.courses == 1 and report.people == 1
    assert db.session.scalar(select(func.count()).select_from(StoredStatement)
                             .where(StoredStatement.context_id == course_id)) == 0


def test_erasing_a_school_leaves_only_its_registration(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    alex, sam = _two_pupils(client, platform)
    every = [pupil_ids(alex), pupil_ids(sam)]

    erasure.erase_school(db.session, db.metadata, school, ADMIN, utcnow())

    for pupil in every:
        assert references(pupil) == []
    counts: dict[str, Any] = {
        t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
    }
    assert counts["user"] == counts["context"] == counts["statement"] == counts["certification"] == 0
    assert counts["platform"] == 1 and counts["withdrawn_certificate"] == 2


def test_erasing_a_classroom_pupil_removes_their_google_sign_in_and_submissions(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    key = "a" * 64  # Classroom users' sub is the keyed code of their Google id
    alex = launch(client, platform, key, "Alex Example")
    link = course_of(alex).resource_links[0]
    db.session.add(GoogleAccount(user_key=key, hosted_domain="hillside.example",
                                 refresh_token_encrypted="secret"))
    attachment = ClassroomAttachment(resource_link_id=link.id, course_id="c", item_id="i",
                                     item_type="courseWork", attachment_id="a")
    db.session.add(attachment)
    db.session.flush()
    db.session.add(ClassroomSubmission(classroom_attachment_id=attachment.id, user_id=alex.id,
                                       submission_id="s-1"))
    db.session.commit()
    ids = pupil_ids(alex)

    erasure.erase_people(db.session, db.metadata, school, [alex.id], ADMIN, utcnow())

    assert references(ids) == []
    assert db.session.scalar(select(func.count()).select_from(GoogleAccount)) == 0
    assert db.session.scalar(select(func.count()).select_from(ClassroomAttachment)) == 1
