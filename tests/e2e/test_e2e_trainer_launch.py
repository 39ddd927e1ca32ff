"""Teachers open PeerReady from the course: the trainer home, and the content picker."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Enrollment
from lti_tool.models import User
from tests.e2e.e2e_browser import Traffic
from tests.e2e.e2e_browser import auth_request_for
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_lms import COURSE
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_lms import sub_for
from tests.e2e.e2e_tool import ToolServer

pytestmark = pytest.mark.e2e


def roles_of(tool_db: Session, person: str) -> list[str]:
    query = (
        select(Enrollment.role)
        .join(User, User.id == Enrollment.user_id)
        .where(User.sub == sub_for(person))
    )
    return list(tool_db.scalars(query))


def test_trainer_launch_shows_the_trainer_home(
    page: Any, launch_as: Any, tool_db: Session
) -> None:
    frame = launch_as(page, "trainer")

    expect(frame.locator("h1")).to_have_text("Trainer home")
    expect(frame.locator("main")).to_contain_text(
        f"You are a trainer in {COURSE['title']} ({COURSE['label']})"
    )
    assert roles_of(tool_db, "trainer") == ["trainer"]
    shot(page, "trainer-home-in-course-iframe")
    audit(page, name="trainer home")


def test_teachers_deep_linking_launch_reaches_the_content_picker(
    page: Any, traffic: Traffic, launch_as: Any, lms: SchoolLMS, tool: ToolServer,
    tool_db: Session,
) -> None:
    auth_before = len(lms.received.auth_requests)

    frame = launch_as(page, "teacher", "deep-link")

    expect(frame.locator("h1")).to_have_text("Add PeerReady training to your course")
    launch = next(e for e in traffic.last_launch(tool.host) if e.path == "/lti/launch")
    auth = auth_request_for(lms.received.auth_requests[auth_before:], launch.form()["state"])
    assert auth["lti_message_hint"] == "deep-link"  # the tool passed the platform's hint back
    assert roles_of(tool_db, "teacher") == ["trainer"]
    shot(page, "teacher-deep-linking-picker")
    audit(page, name="deep-linking picker")
