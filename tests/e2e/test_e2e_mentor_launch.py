"""A mentor opens PeerReady from the course page, inside the LMS's cross-site iframe.

The LMS is on 127.0.0.1 and PeerReady on localhost, so the browser treats PeerReady as a
third-party site and (Playwright's default, like Chrome's phase-out) keeps none of its cookies.
The launch must therefore go through LTI Platform Storage, and the session must travel as the
signed token in PeerReady's URLs.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import User
from tests.e2e.e2e_browser import Traffic
from tests.e2e.e2e_browser import auth_request_for
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import launched_frame
from tests.e2e.e2e_browser import overflows_horizontally
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_lms import COURSE
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_lms import sub_for
from tests.e2e.e2e_tool import ToolServer

pytestmark = pytest.mark.e2e


def assert_mentor_home(frame: Any) -> None:
    expect(frame.locator("h1")).to_have_text("Your peer mentor training")
    expect(frame.locator("main")).to_contain_text("Welcome, Sam Taylor")
    expect(frame.locator("main")).to_contain_text(COURSE["title"])


def assert_mentor_enrolled(tool_db: Session, since: datetime) -> None:
    """The launch stored the pupil (by the platform's opaque id, no e-mail) in the course."""
    rows = tool_db.execute(
        select(User, Enrollment, Context)
        .join(Enrollment, Enrollment.user_id == User.id)
        .join(Context, Context.id == Enrollment.context_id)
        .where(User.sub == sub_for("mentor"))
    ).all()
    assert len(rows) == 1, rows
    user, enrollment, context = rows[0]
    assert user.display_name == "Sam Taylor"
    assert (enrollment.role, context.lti_context_id, context.title) == (
        "mentor", COURSE["id"], COURSE["title"]
    )
    last = enrollment.last_launch_at
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    assert last >= since - timedelta(seconds=2), "this launch did not update the enrolment"


def test_mentor_launch_in_cross_site_iframe_goes_through_platform_storage(
    page: Any, traffic: Traffic, launch_as: Any, lms: SchoolLMS, tool: ToolServer, tool_db: Session
) -> None:
    since = datetime.now(UTC)
    auth_before = len(lms.received.auth_requests)

    frame = launch_as(page, "mentor")

    assert_mentor_home(frame)
    assert urlsplit(page.url).hostname == "127.0.0.1"  # the LMS: another site than the tool's
    assert urlsplit(frame.url).hostname == "localhost"
    launch = traffic.last_launch(tool.host)
    steps = [e.step for e in launch]
    # login page that stores the state in the LMS, then the launch answered by the storage
    # check page (not a redirect: no state cookie came back), then the verify POST.
    assert steps == [
        ("GET", "/lti/login", 200),
        ("POST", "/lti/launch", 200),
        ("POST", "/lti/launch/verify", 303),
        ("GET", "/mentor/", 200),
    ], steps
    launch_post, verify_post, home = launch[1:]
    state = launch_post.form()["state"]
    assert verify_post.form()["stored_state"] == state  # read back from the LMS's storage

    # The LMS was asked to keep the state and gave it back to the tool's frame.
    auth = auth_request_for(lms.received.auth_requests[auth_before:], state)
    assert auth["login_hint"] == "mentor|resource|training"
    messages = page.evaluate("() => window.lmsStorageMessages")
    assert {"subject": "lti.put_data", "key": f"peerready-state-{state}", "value": state,
            "origin": tool.url} in messages
    assert {"subject": "lti.get_data", "key": f"peerready-state-{state}", "value": None,
            "origin": tool.url} in messages

    # No cookie of PeerReady's was kept, so none was sent: the token in the URL carried the session.
    assert page.context.cookies(tool.url) == []
    assert home.cookie_header() == ""
    assert parse_qs(urlsplit(home.url).query).get("s"), home.url

    assert_mentor_enrolled(tool_db, since)
    shot(page, "mentor-home-in-course-iframe")
    audit(page, name="mentor home in the course iframe")


def test_mentor_launch_on_a_phone_fits_the_screen(
    make_page: Any, launch_as: Any, tool_db: Session
) -> None:
    since = datetime.now(UTC)
    phone = make_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                      device_scale_factor=2)

    frame = launch_as(phone, "mentor")

    assert_mentor_home(frame)
    heading = frame.locator("h1").bounding_box()
    assert heading is not None and heading["x"] >= 0 and heading["x"] + heading["width"] <= 390
    assert not overflows_horizontally(frame), "PeerReady scrolls sideways in a phone-sized iframe"
    assert not overflows_horizontally(phone.main_frame), "the course page scrolls sideways"
    assert_mentor_enrolled(tool_db, since)
    shot(phone, "mentor-home-phone-390x844")
    audit(phone, name="mentor home on a phone")


def test_mentor_launches_and_reaches_peerready_by_keyboard_alone(
    page: Any, lms: SchoolLMS, tool_db: Session
) -> None:
    since = datetime.now(UTC)

    def open_by_keyboard() -> None:
        page.goto(lms.course_url("mentor"))
        for _ in range(10):  # Tab to the activity link, as a keyboard user would
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.textContent") == "PeerReady training":
                break
        else:
            pytest.fail("Tab never reached the 'PeerReady training' link on the course page")
        page.keyboard.press("Enter")

    frame = launched_frame(page, open_by_keyboard, "/mentor/")
    assert_mentor_home(frame)
    assert_mentor_enrolled(tool_db, since)

    # Onward into PeerReady: past the course page's own links, focus enters the iframe at
    # PeerReady's skip link, and Enter moves focus to its main content.
    for _ in range(5):
        page.keyboard.press("Tab")
        if frame.evaluate("() => document.hasFocus() && document.activeElement.tagName") == "A":
            break
    assert frame.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    shot(page, "mentor-home-keyboard-skip-link-focused")
    page.keyboard.press("Enter")
    assert frame.evaluate("() => document.activeElement.id") == "main"
    audit(page, name="mentor home reached by keyboard")
