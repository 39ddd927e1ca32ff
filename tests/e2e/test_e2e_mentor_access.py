"""The mentor journey the way some pupils make it: keyboard only on a phone-sized screen, and
from a course page that offers no Platform Storage, through PeerReady's own window.

Third-party cookies are blocked throughout (Playwright's default for the cross-site iframe), so
inside the course the session can only travel as the signed token in PeerReady's URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
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


def test_without_platform_storage_the_mentor_still_gets_in_and_the_new_window_works(
    page: Page, make_page: Any, launch_as: Any, lms: SchoolLMS, tool: ToolServer,
    tool_db: Session,
) -> None:
    # In the course's iframe: Chromium keeps PeerReady's Partitioned state cookie, so a course
    # page without Platform Storage still launches PeerReady in place.
    frame = launch_as(page, "windowed", storage=False)
    expect(frame.locator("h1")).to_have_text("Your peer mentor training")
    look(page, "no-storage-1-mentor-home-in-course")

    # Where even that cookie is refused (Safari), the page offers PeerReady's own window:
    # the same login with ``new_window=1`` opened at the top level. It must work end to end.
    login = urlsplit(lms.activity_url("windowed", storage=False))
    window = make_page()
    window.goto(f"{tool.url}/lti/login?" + new_window_query(lms, login.query))
    expect(window.locator("h1")).to_have_text("Your peer mentor training")
    assert urlsplit(window.url).netloc == tool.host
    look(window, "no-storage-2-new-window-home")

    module = programmes.module(MODULE)
    window.locator("main").get_by_role("link", name=module.title).first.click()
    expect(window.locator("h1")).to_have_text(module.title)
    window.wait_for_function("() => document.getElementById('video').readyState >= 1")
    assert ("captions", "en", "showing") in captions_showing(window.main_frame)
    look(window, "no-storage-3-new-window-player")
    play_video(window, window.main_frame, module)
    expect(window.locator("#player-status")).to_contain_text("Complete")

    learner = user_id(tool_db, "windowed")
    row = tool_db.scalars(select(ModuleProgress).filter_by(user_id=learner, module_id=MODULE)).one()
    assert row.completed_at is not None


def new_window_query(lms: SchoolLMS, activity_query: str) -> str:
    """The login parameters the "Open PeerReady in a new window" link carries."""
    person = parse_qs(activity_query)["as"][0]
    return urlencode({
        "iss": lms.base_url, "client_id": lms.client_id, "lti_deployment_id": lms.deployment_id,
        "login_hint": f"{person}|resource|training", "lti_message_hint": "resource",
        "target_link_uri": f"{lms.tool_url}/lti/launch", "new_window": "1",
    })
