"""A real signed launch records cmi5-style ``launched`` and ``initialized`` statements."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.models import XapiRegistration
from lti_tool.services.xapi import vocabulary as v
from lti_tool.services.xapi.actors import pseudonym
from lti_tool.services.xapi.validation import validate
from tests.support.platform import TestPlatform


def test_launch_keeps_launched_and_initialized_with_a_pseudonymous_actor(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, role="Learner")
    assert response.status_code == 303
    rows = db.session.scalars(select(StoredStatement).order_by(StoredStatement.timestamp)).all()
    assert [row.verb for row in rows] == [v.LAUNCHED.id, v.INITIALIZED.id]
    registration = db.session.scalars(select(XapiRegistration)).one().registration
    for row in rows:
        validate(row.data)
        assert row.data["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": platform.issuer, "name": pseudonym(platform.issuer, "user-42")},
        }
        assert "Alex" not in str(row.data) and "alex@" not in str(row.data)
        assert row.data["context"]["registration"] == str(registration)
        assert row.data["object"]["id"] == (
            f"http://tool.test/xapi/courses/{db.session.scalars(select(User)).one().platform_id}"
            "/course-1/links/resource-7"
        )
    assert rows[0].data["context"]["extensions"][v.CMI5_SESSION_ID] == (
        rows[1].data["context"]["extensions"][v.CMI5_SESSION_ID]
    )


def test_second_launch_keeps_the_registration_but_starts_a_new_session(
    client: FlaskClient, platform: TestPlatform
) -> None:
    platform.launch(client)
    platform.launch(client)
    rows = db.session.scalars(select(StoredStatement)).all()
    assert len(rows) == 4
    assert len({row.data["context"]["registration"] for row in rows}) == 1
    assert len({row.data["context"]["extensions"][v.CMI5_SESSION_ID] for row in rows}) == 2
