"""In a real browser, PeerReady's pages report being shown and left, and "Finish" ends the session.

The page runs inside the LMS's cross-site iframe (no third-party cookies), so the beacons reach
PeerReady only through the session token in their URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import LaunchSession
from lti_tool.models import StoredStatement
from lti_tool.services.xapi import vocabulary as v
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_lms import SchoolLMS

pytestmark = pytest.mark.e2e


def latest_session(tool_db: Session) -> LaunchSession:
    tool_db.expire_all()
    tool_db.commit()  # a fresh snapshot on the next read
    return tool_db.scalars(select(LaunchSession).order_by(LaunchSession.started_at.desc())).first()


def eventually(check: Callable[[], bool], seconds: float = 15) -> None:
    """Wait for the browser's beacon to reach the server (not a speed target)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the server never saw the beacon")
        time.sleep(0.1)


def test_pages_say_when_they_are_shown_and_left(
    page: Any, launch_as: Callable[..., Any], tool_db: Session, lms: SchoolLMS
) -> None:
    frame = launch_as(page, "mentor")
    eventually(lambda: latest_session(tool_db).presence_ms is not None)
    first = latest_session(tool_db).presence_ms
    frame.get_by_role("link", name="Go to your scenario quizzes").click()
    expect(frame.locator("h1")).to_contain_text("quizzes")
    # The old page's "left" and the new page's "shown": the latest by the browser's clock wins.
    eventually(lambda: (latest_session(tool_db).presence_ms or 0) > (first or 0))
    time.sleep(0.5)
    assert latest_session(tool_db).left_at is None
    page.goto(lms.course_url("mentor"))  # back to the course page: PeerReady is gone
    eventually(lambda: latest_session(tool_db).left_at is not None)
    assert latest_session(tool_db).terminated_at is None  # the worker ends it after the grace


def test_finish_button_ends_the_session_at_once(
    page: Any, launch_as: Callable[..., Any], tool_db: Session
) -> None:
    frame = launch_as(page, "mentor")
    finish = frame.get_by_role("button", name="Finish and sign out of PeerReady")
    finish.focus()
    page.keyboard.press("Enter")
    expect(frame.locator("h1")).to_have_text("You've finished for now")
    audit(page)
    row = latest_session(tool_db)
    assert row.terminated_at is not None
    ended = [s for s in tool_db.scalars(
        select(StoredStatement).where(StoredStatement.verb == v.TERMINATED.id))
        if s.data["context"]["extensions"][v.CMI5_SESSION_ID] == row.id]
    assert len(ended) == 1 and ended[0].data["result"]["duration"].startswith("PT")
