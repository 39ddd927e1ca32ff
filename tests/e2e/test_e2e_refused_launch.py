"""A launch PeerReady must refuse: the pupil sees what to do next, inside the course's iframe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import User
from tests.e2e.e2e_browser import Traffic
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_lms import sub_for
from tests.e2e.e2e_tool import ToolServer

pytestmark = pytest.mark.e2e


def test_tampered_launch_shows_open_peerready_again_in_the_iframe_and_stores_nobody(
    page: Any, traffic: Traffic, launch_as: Any, tool: ToolServer, tool_db: Session
) -> None:
    # The LMS signs a pupil's launch, then the id_token's roles are changed to a teacher's.
    frame = launch_as(page, "intruder", "tampered", expect="/lti/launch/verify")

    expect(frame.locator("h1")).to_have_text("PeerReady couldn't start")
    expect(frame.get_by_role("alert")).to_contain_text("Open PeerReady again from your course")
    assert traffic.steps(tool.host)[-1] == ("POST", "/lti/launch/verify", 401)
    assert tool_db.scalar(select(func.count(User.id)).where(User.sub == sub_for("intruder"))) == 0
    # The reference code shown for the school's admin leads to the refusal in PeerReady's log.
    frame.get_by_text("Details for your school's IT admin").click()
    code = frame.locator("details code").inner_text()
    assert f"BadSignature [{code}]" in tool.log_text()
    shot(page, "refused-tampered-launch-in-course-iframe")
    audit(page, name="refused launch page")
