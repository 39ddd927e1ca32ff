"""The trainer dashboard in the demo course, on a phone: every page fits, reads and passes axe.

The demo platform (development only) launches the trainer and serves the course's class list
by NRPS to PeerReady running in gunicorn (two workers), so the roster is the platform's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import overflows_horizontally
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_browser import tool_frame
from tests.e2e.e2e_tool import ToolServer

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
PAGES = (  # name, path, heading
    ("roster", "/trainer/dashboard", "Course dashboard"),
    ("quiz", "/trainer/dashboard/quizzes/confidentiality",
     "Quiz statistics: Keeping things private"),
    ("video", "/trainer/dashboard/videos/secondary-listening-well", "Video: Listening well"),
    ("summary", "/trainer/dashboard/summary",
     "Peer mentor training: Peer Mentor Training (demo) summary"),
)


def open_demo_as(page: Any, tool: ToolServer, person: str) -> tuple[Any, str]:
    """Launch from the demo course page; return the tool's frame and its session token."""
    page.goto(f"{tool.url}/demo/course?as={person}")
    frame = tool_frame(page, "/trainer/")
    return frame, parse_qs(urlsplit(frame.url).query)["s"][0]


def check(page: Any, frame: Any, name: str, heading: str) -> None:
    expect(frame.locator("h1")).to_have_text(heading)
    assert not overflows_horizontally(frame), f"the {name} page scrolls sideways on a phone"
    for chart in frame.locator("svg.chart-svg").all():
        box = chart.bounding_box()
        assert box is not None and box["width"] <= 390, f"a chart on the {name} page is too wide"
    shot(page, f"dashboard-{name}-phone-390x844")
    audit(page, name=f"dashboard {name} on a phone")


def test_every_dashboard_page_fits_a_phone_in_the_demo_course(
    make_page: Any, tool: ToolServer
) -> None:
    tool.flask("seed", "demo-course", "--learners", "40", "--seed", "3")
    phone = make_page(**PHONE)
    frame, token = open_demo_as(phone, tool, "trainer")
    for name, path, heading in PAGES:
        frame.goto(f"{tool.url}{path}?s={token}")
        check(phone, frame, name, heading)
        if name == "roster":  # the platform's class list: a pupil who never opened PeerReady
            row = frame.locator("tr", has=frame.locator("th", has_text="Aisha Begum"))
            expect(row).to_contain_text("Not started")
            expect(frame.locator("main")).to_contain_text("Class list from your platform")

    frame, token = open_demo_as(phone, tool, "admin")  # the roll-up is for the school's admin
    frame.goto(f"{tool.url}/trainer/dashboard/school?s={token}")
    check(phone, frame, "school", "All courses in PeerReady demo school")
