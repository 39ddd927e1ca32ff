"""The mentor journey the way some pupils make it: keyboard only on a phone-sized screen, and
from a course page that offers no Platform Storage, through PeerReady's own window.

Third-party cookies are blocked throughout (Playwright's default for the cross-site iframe), so
inside the course the session can only travel as the signed token in PeerReady's URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import ModuleProgress
from lti_tool.models import QuizAttempt
from lti_tool.services import catalogue
from lti_tool.services import programmes
from tests.e2e.e2e_browser import overflows_horizontally
from tests.e2e.e2e_browser import tool_frame
from tests.e2e.e2e_journeys import captions_showing
from tests.e2e.e2e_journeys import look
from tests.e2e.e2e_journeys import play_video
from tests.e2e.e2e_journeys import right_choice
from tests.e2e.e2e_journeys import tab_to_named
from tests.e2e.e2e_journeys import take_quiz
from tests.e2e.e2e_journeys import user_id
from tests.e2e.e2e_journeys import verbs
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_tool import ToolServer

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("content")]

MODULE = "secondary-what-a-peer-mentor-does"
QUIZ = "boundaries"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


def test_mentor_watches_and_passes_a_quiz_by_keyboard_alone_on_a_phone_sized_screen(
    make_page: Any, lms: SchoolLMS, tool: ToolServer, tool_db: Session
) -> None:
    page = make_page(**PHONE)
    page.goto(lms.course_url("keyboard"))
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == "PeerReady training":
            break
    page.keyboard.press("Enter")
    frame = tool_frame(page, "/mentor/")
    assert not overflows_horizontally(frame)
    look(page, "keyboard-phone-1-home")

    module = programmes.module(MODULE)
    tab_to_named(page, frame, module.title)
    page.keyboard.press("Enter")
    expect(frame.locator("h1")).to_have_text(module.title)
    frame.wait_for_function("() => document.getElementById('video').readyState >= 1")
    assert ("captions", "en", "showing") in captions_showing(frame)
    assert not overflows_horizontally(frame), "the player scrolls sideways on a phone"
    look(page, "keyboard-phone-2-player")
    play_video(page, frame, module, keyboard=True, shots="keyboard-phone-3")
    expect(frame.locator("#player-status")).to_contain_text("Complete")

    tab_to_named(page, frame, "Scenario quizzes")
    page.keyboard.press("Enter")
    expect(frame.locator("h1")).to_have_text("Scenario quizzes")
    look(page, "keyboard-phone-4-quizzes")
    tab_to_named(page, frame, "Start")  # the first card's button: the Boundaries quiz's
    page.keyboard.press("Enter")
    quiz = catalogue.quiz(QUIZ)
    take_quiz(page, frame, quiz, right_choice, keyboard=True, shots="keyboard-phone-5")
    expect(frame.locator(".quiz-result")).to_contain_text("You passed.")
    assert not overflows_horizontally(frame)
    look(page, "keyboard-phone-6-result")

    # No cookie of PeerReady's was kept: the session travelled in the frame's URLs.
    assert page.context.cookies(tool.url) == []
    assert parse_qs(urlsplit(frame.url).query).get("s"), frame.url
    learner = user_id(tool_db, "keyboard")
    row = tool_db.scalars(select(ModuleProgress).filter_by(user_id=learner, module_id=MODULE)).one()
    assert row.completed_at is not None
    attempt = tool_db.scalars(select(QuizAttempt).filter_by(user_id=learner, quiz_id=QUIZ)).one()
    assert attempt.passed
    assert "passed" in verbs(tool_db, f"attempt:{attempt.id}")


def test_without_platform_storage_or_cookies_the_course_iframe_offers_a_new_window(
    page: Page, launch_as: Any, lms: SchoolLMS, tool: ToolServer,
) -> None:
    """No Platform Storage, and the state cookie is not sent back inside the cross-site iframe.

    The tool here is plain HTTP, so its state cookie is SameSite=Lax and never returns with the
    platform's cross-site form_post: the launch in PeerReady's own window works only over HTTPS
    (SameSite=None), which this test server does not have. This checks the offer and its link.
    """
    frame = launch_as(page, "windowed", storage=False, expect="/lti/launch")
    offer = frame.get_by_role("link", name="Open PeerReady in a new window")
    expect(offer).to_be_visible()
    expect(offer).to_have_attribute("target", "_blank")
    look(page, "no-storage-1-new-window-offer")

    with page.expect_popup() as opened:
        offer.click()
    window = opened.value
    window.wait_for_load_state()
    # The new window went through the platform's sign-in again, at the top level this time.
    login = next(r for r in reversed(lms.received.auth_requests) if r["login_hint"].startswith(
        "windowed|"))
    assert login["redirect_uri"] == f"{tool.url}/lti/launch"
    assert urlsplit(window.url).netloc == tool.host
    look(window, "no-storage-2-new-window")
