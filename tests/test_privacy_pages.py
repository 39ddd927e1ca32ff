"""The school's data page, exports, erasure with confirmation, the audit log and the notices."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEntry
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.services import certification
from tests.support.platform import TestPlatform
from tests.support.privacy import OTHER_COURSE
from tests.support.privacy import course_of
from tests.support.privacy import give_activity
from tests.support.privacy import launch
from tests.support.privacy import pupil_ids
from tests.support.privacy import references

OTHER_ISSUER = "https://other-school.test"


@pytest.fixture
def school(platform: TestPlatform) -> Platform:
    row = db.session.scalars(select(Platform).filter_by(issuer=platform.issuer)).one()
    row.settings = {certification.SIGNOFF_REQUIRED: False, certification.PRACTICE_REQUIRED: False}
    db.session.commit()
    return row


@pytest.fixture
def other_platform(platform: TestPlatform) -> TestPlatform:
    other = TestPlatform(issuer=OTHER_ISSUER, client_id="other-client", deployment_id="99")
    other.register()
    return other


@pytest.fixture
def alex(app: Flask, platform: TestPlatform, school: Platform) -> User:
    pupil = launch(app.test_client(), platform, "pupil-alex", "Alex Example")
    give_activity(pupil, course_of(pupil))
    return pupil


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _entries(action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    return list(db.session.scalars(query.filter_by(action=action) if action else query))


def test_school_admin_reads_the_data_map_with_every_field_and_the_retention(
    client: FlaskClient, platform: TestPlatform, school: Platform, other_platform: TestPlatform,
) -> None:
    assert platform.launch(client, role="Administrator").status_code == 303
    registration = client.get(f"/admin/platforms/{school.id}").get_data(as_text=True)
    assert f'href="/admin/platforms/{school.id}/privacy' in registration
    page = client.get(f"/admin/platforms/{school.id}/privacy").get_data(as_text=True)
    assert "Quiz answers" in page and "The options chosen." in page
    assert "Google sign-ins (Classroom add-on)" in page and "signing keys" not in page
    assert "Video events" in page and "the school&#39;s LRS, if it has one" in page
    assert "24 months after a person's last visit" in page
    other_id = db.session.scalars(select(Platform.id).filter_by(issuer=OTHER_ISSUER)).one()
    foreign = client.get(f"/admin/platforms/{other_id}/privacy")
    assert foreign.status_code == 403 and OTHER_ISSUER.encode() not in foreign.data


def test_school_admin_changes_retention_turns_names_off_and_it_is_logged(
    client: FlaskClient, platform: TestPlatform, school: Platform, alex: User,
) -> None:
    platform.launch(client, role="Administrator", sub="admin-1", name="Ms Admin")
    page = client.get(f"/admin/platforms/{school.id}/privacy").get_data(as_text=True)
    saved = client.post(f"/admin/platforms/{school.id}/privacy/settings", data={
        "csrf_token": _csrf(page), "retention_months": "12", "retention_action": "anonymise",
        "audit_months": "6"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert school.settings["retention_months"] == 12 and school.settings["store_display_names"] is False
    assert db.session.get(User, alex.id).display_name is None
    assert _entries("settings")


def test_school_admin_exports_a_pupil_and_the_export_is_in_the_audit_log(
    client: FlaskClient, platform: TestPlatform, school: Platform, alex: User,
) -> None:
    platform.launch(client, role="Administrator", sub="admin-1", name="Ms Admin")
    found = client.get(f"/admin/platforms/{school.id}/privacy/find?platform_user_id=pupil-alex")
    assert found.status_code == 303
    page = client.get(found.headers["Location"]).get_data(as_text=True)
    assert "Alex Example" in page and "Quiz attempts (1)" in page and "Kept by PeerReady" in page
    download = client.get(f"/admin/platforms/{school.id}/privacy/people/{alex.id}.json")
    assert download.json["person"]["platform_user_id"] == "pupil-alex"
    assert "attachment" in download.headers["Content-Disposition"]
    printable = client.get(f"/admin/platforms/{school.id}/privacy/people/{alex.id}.pdf")
    assert printable.mimetype == "application/pdf" and printable.data.startswith(b"%PDF")
    exports = _entries("export")
    assert len(exports) == 3 and {e.subject_user_id for e in exports} == {alex.id}
    log = client.get(f"/admin/platforms/{school.id}/privacy/audit").get_data(as_text=True)
    assert "Ms Admin" in log and "Alex Example" in log and "everything held (JSON)" in log


def test_erasure_needs_the_typed_confirmation(
    client: FlaskClient, platform: TestPlatform, school: Platform, alex: User,
) -> None:
    platform.launch(client, role="Administrator", sub="admin-1", name="Ms Admin")
    ids = pupil_ids(alex)
    url = f"/admin/platforms/{school.id}/privacy/erase/person/{ids.user_id}"
    page = client.get(url).get_data(as_text=True)
    assert "withdrawn" in page and "pupil-alex" in page
    wrong = client.post(url, data={"csrf_token": _csrf(page), "confirm": "yes"})
    assert wrong.status_code == 303 and references(ids)
    done = client.post(url, data={"csrf_token": _csrf(page), "confirm": "pupil-alex"})
    assert done.status_code == 303
    assert references(ids) == []
    assert client.get(f"/admin/platforms/{school.id}/privacy/people/{ids.user_id}").status_code == 404


def test_school_admin_cannot_export_another_schools_pupil(
    client: FlaskClient, platform: TestPlatform, other_platform: TestPlatform, school: Platform, alex: User,
) -> None:
    other_platform.launch(client, role="Administrator", sub="their-admin")
    other_id = db.session.scalars(select(Platform.id).filter_by(issuer=OTHER_ISSUER)).one()
    assert client.get(f"/admin/platforms/{school.id}/privacy/people/{alex.id}").status_code == 403
    assert client.get(f"/admin/platforms/{other_id}/privacy/people/{alex.id}").status_code == 404
    assert _entries("export") == []


def test_trainer_opens_a_pupils_data_from_their_course_and_it_is_logged(
    client: FlaskClient, platform: TestPlatform, school: Platform, alex: User,
) -> None:
    trainer = launch(client, platform, "teacher-1", "Ms Teacher", role="Instructor")
    learner_page = client.get(f"/trainer/certification/learners/{alex.id}")
    assert learner_page.status_code == 200 and b"Everything PeerReady holds" in learner_page.data
    page = client.get(f"/trainer/learners/{alex.id}/data")
    assert page.status_code == 200 and b"Quiz answers (1)" in page.data
    assert client.get(f"/trainer/learners/{alex.id}/data.json").json["person"]["platform_user_id"] == "pupil-alex"
    assert client.get(f"/trainer/learners/{alex.id}/data.pdf").data.startswith(b"%PDF")
    assert [(e.action, e.actor_user_id, e.subject_user_id) for e in _entries()] == [
        ("view", trainer.id, alex.id)] + [("export", trainer.id, alex.id)] * 3


@pytest.mark.parametrize("where", ["another course", "another school"])
def test_a_trainer_elsewhere_gets_403_for_a_pupils_data(
    client: FlaskClient, platform: TestPlatform, other_platform: TestPlatform, school: Platform,
    alex: User, where: str,
) -> None:
    if where == "another course":
        launch(client, platform, "teacher-2", "Mr Elsewhere", role="Instructor", context=OTHER_COURSE)
    else:
        other_platform.launch(client, role="Instructor", sub="their-teacher")
    for path in (f"/trainer/learners/{alex.id}/data", f"/trainer/learners/{alex.id}/data.json",
                 f"/trainer/learners/{alex.id}/data.pdf"):
        response = client.get(path)
        assert response.status_code == 403
        assert b"pupil-alex" not in response.data and b"Alex" not in response.data
    assert _entries() == []


def test_a_pupil_cannot_open_the_trainers_data_pages(
    client: FlaskClient, platform: TestPlatform, school: Platform, alex: User,
) -> None:
    launch(client, platform, "pupil-sam", "Sam Other")
    assert client.get(f"/trainer/learners/{alex.id}/data").status_code == 403


@pytest.mark.parametrize(("audience", "words"), [
    ("primary", "It is deleted about 24 months after you last use PeerReady"),
    ("secondary", "You can ask to see everything we keep about you"),
    ("staff", "public task"),
])
def test_privacy_notices_are_worded_for_each_audience_and_show_the_schools_choices(
    client: FlaskClient, school: Platform, audience: str, words: str,
) -> None:
    page = client.get(f"/privacy/{audience}?school={school.id}")
    assert page.status_code == 200
    assert words in page.get_data(as_text=True)


def test_every_learner_page_links_to_the_notice(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    launch(client, platform, "pupil-sam", "Sam Other")
    home = client.get("/mentor/")
    link = re.search(r'href="(/privacy/[^"]*)"', home.get_data(as_text=True))
    assert link, "no privacy notice link in the footer"
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200
