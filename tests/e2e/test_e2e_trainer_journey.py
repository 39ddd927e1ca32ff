"""A trainer's and a teacher's journeys: the dashboard shows a mentor's progress, the quiz
statistics and the video drop-off; the content picker sends the LMS a signed content item.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from lti_tool.models import Context
from lti_tool.models import User
from lti_tool.services import catalogue
from lti_tool.services import progress
from tests.e2e.e2e_journeys import look
from tests.e2e.e2e_lms import CLAIM
from tests.e2e.e2e_lms import COURSE
from tests.e2e.e2e_lms import DEEP_LINKING
from tests.e2e.e2e_lms import LINKS
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_lms import sub_for
from tests.e2e.e2e_tool import ToolServer
from tests.support.training import pass_quiz

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("content")]

MODULE = "secondary-listening-well"
QUIZ = "confidentiality"


def seed_watched_part_and_passed_quiz() -> None:
    """Ellis watched the first 40% of one video (then left) and passed one quiz."""
    from lti_tool.extensions import db
    from lti_tool.services import programmes

    learner = db.session.scalars(select(User).where(User.sub == sub_for("watched"))).one()
    context = db.session.scalars(select(Context).filter_by(lti_context_id=COURSE["id"])).one()
    link_id = next(link.id for link in context.resource_links
                   if link.lti_resource_link_id == LINKS["training"].id)
    module = programmes.module(MODULE)
    report = progress.parse_report({"player_session": "ellis-1", "events": [],
                                    "segments": [[0, round(module.duration_seconds * 0.4, 1)]]})
    progress.record_report(db.session, learner.id, context.id, module, report, link_id)
    pass_quiz(learner, context, QUIZ, link_id)


def test_trainer_sees_a_mentors_progress_quiz_statistics_and_video_drop_off(
    page: Page, launch_as: Any, seeding: Any
) -> None:
    launch_as(page, "watched")
    with seeding():
        seed_watched_part_and_passed_quiz()

    frame = launch_as(page, "trainer")
    frame.get_by_role("navigation", name="PeerReady").get_by_role(
        "link", name="Dashboard", exact=True).click()
    expect(frame.locator("h1")).to_contain_text("dashboard")
    row = frame.locator("table.roster tbody tr").filter(has_text="Ellis Reid")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("0/6")  # modules complete
    expect(row).to_contain_text("40%")  # the video Ellis left part-way
    expect(row).to_contain_text("pass")
    look(page, "trainer-dashboard-1-roster")

    frame.get_by_role("link", name="Where viewers drop off: Listening well").click()
    expect(frame.locator("h1")).to_have_text("Video: Listening well")
    expect(frame.locator("figure.chart svg[role=img] title")).to_contain_text("still watching")
    table = frame.locator("table.data").first
    expect(table.locator("caption")).not_to_be_empty()
    assert table.locator("tbody tr").count() > 2  # the drop-off curve as numbers too
    look(page, "trainer-dashboard-2-video-drop-off")

    frame.get_by_role("navigation", name="PeerReady").get_by_role(
        "link", name="Dashboard", exact=True).click()
    frame.locator(f"a[href*='/dashboard/quizzes/{QUIZ}']").first.click()
    expect(frame.locator("h1")).to_contain_text("Quiz statistics")
    expect(frame.locator("main")).to_contain_text("Each question and decision")
    assert frame.locator("table.data").count() >= 2
    look(page, "trainer-dashboard-3-quiz-statistics")


def test_teacher_adds_a_quiz_through_deep_linking_and_the_lms_gets_a_signed_content_item(
    page: Page, launch_as: Any, lms: SchoolLMS, tool: ToolServer
) -> None:
    before = len(lms.received.deep_link_responses)
    frame = launch_as(page, "teacher", "deep-link")
    look(page, "deep-link-1-picker")
    frame.locator("input[name=item][value='quiz:boundaries']").check()
    frame.get_by_role("button", name="Add to the course").click()

    expect(frame.locator("h1")).to_have_text("Content added to the course")
    look(page, "deep-link-2-back-in-the-course")
    (claims,) = lms.received.deep_link_responses[before:]  # verified against the tool's JWKS
    titles = {catalogue.quiz("boundaries").title.for_audience(a) for a in ("primary", "secondary")}
    shown = [item["title"] for item in claims[DEEP_LINKING + "content_items"]]
    expect(frame.locator("main li")).to_have_text(shown)
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == lms.deployment_id
    assert claims["iss"] == lms.client_id and claims["aud"] in (lms.base_url, [lms.base_url])
    (item,) = claims[DEEP_LINKING + "content_items"]
    assert item["title"] in titles
    assert item["type"] == "ltiResourceLink" and item["url"] == f"{tool.url}/lti/launch"
    # The link the course now has opens that quiz and grades it in a column of its own.
    assert item["custom"].items() >= LINKS["boundaries-quiz"].custom.items()
    assert item["lineItem"]["resourceId"] == "quiz:boundaries"
    assert item["lineItem"]["scoreMaximum"] > 0
