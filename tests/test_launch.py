"""A Moodle-style launch: login, signed id_token, role routing, and what gets stored."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import User
from tests.support.platform import TestPlatform


def test_learner_launch_opens_mentor_home_and_records_course_and_role(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, role="Learner")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/mentor/?s=")
    home = client.get(response.headers["Location"])
    assert home.status_code == 200
    assert b"Your peer mentor training" in home.data
    enrollment = db.session.scalars(select(Enrollment)).one()
    assert enrollment.role == "mentor"
    assert enrollment.context.title == "Peer mentors 2026"
    assert enrollment.user.sub == "user-42"


def test_instructor_launch_opens_trainer_home(client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.launch(client, role="Instructor")
    assert response.headers["Location"].startswith("/trainer/?s=")
    assert b"Trainer home" in client.get(response.headers["Location"]).data


def test_user_stores_no_email(client: FlaskClient, platform: TestPlatform) -> None:
    platform.launch(client)
    user = db.session.scalars(select(User)).one()
    assert user.display_name == "Alex Example"
    columns = {c.name for c in User.__table__.columns}
    assert not any("mail" in name for name in columns)


def test_second_launch_reuses_user_and_course(client: FlaskClient, platform: TestPlatform) -> None:
    platform.launch(client)
    platform.launch(client)
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert db.session.scalar(select(func.count(Context.id))) == 1
