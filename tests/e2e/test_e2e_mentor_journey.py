"""A mentor's training in the course's iframe: a video played to the end, a quiz failed then
passed (the grade reaching the LMS), and the last requirement done, certificate and badge in hand.

Each test asserts on the pages, on PeerReady's database (progress, attempts, certificates, the
xAPI statements in its own store) and on what the LMS received (AGS scores).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import Context
from lti_tool.models import ModuleProgress
from lti_tool.models import QuizAttempt
from lti_tool.models import User
from lti_tool.services import catalogue
from lti_tool.services import programmes
from tests.e2e.e2e_journeys import look
from tests.e2e.e2e_journeys import open_module
from tests.e2e.e2e_journeys import play_video
from tests.e2e.e2e_journeys import right_choice
from tests.e2e.e2e_journeys import seed_all_but_the_last_quiz
from tests.e2e.e2e_journeys import start_quiz
from tests.e2e.e2e_journeys import take_quiz
from tests.e2e.e2e_journeys import user_id
from tests.e2e.e2e_journeys import verbs
from tests.e2e.e2e_journeys import wait_until
from tests.e2e.e2e_journeys import wrong_at_first_critical_scene
from tests.e2e.e2e_lms import COURSE
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_lms import sub_for
from tests.e2e.e2e_tool import ToolServer

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("content")]

PROGRAMME = "becoming-a-peer-mentor-secondary"
FIRST_MODULE = "secondary-what-a-peer-mentor-does"


def test_mentor_watches_a_video_to_the_end_and_answers_its_checkpoints(
    page: Page, launch_as: Any, tool_db: Session
) -> None:
    frame = launch_as(page, "player")
    look(page, "journey-video-1-mentor-home")
    module = open_module(page, frame, FIRST_MODULE, "journey-video-2")

    feedback = play_video(page, frame, module, shots="journey-video-3")

    expect(frame.locator("#player-status")).to_contain_text("Complete")
    questions = [p for p in module.checkpoints if p.kind == "question"]
    assert len(feedback) == 2 * len(questions) + len(module.checkpoints) - len(questions)
    look(page, "journey-video-4-complete")
    learner = user_id(tool_db, "player")
    row = tool_db.scalars(select(ModuleProgress).filter_by(
        user_id=learner, module_id=module.id)).one()
    assert row.completed_at is not None
    assert row.share >= module.settings.completion_threshold
    assert sorted(row.answered_checkpoints) == sorted(p.id for p in module.checkpoints)
    stored = verbs(tool_db, f"module:{learner}:%:{module.id}")
    assert {"initialized", "played", "completed", "answered"} <= set(stored), stored

    page.goto(page.url)  # back to the course page: the home now counts the video as done
    frame = launch_as(page, "player")
    expect(frame.locator(".programme-count")).to_contain_text("You have completed 1 of 6")
    look(page, "journey-video-5-home-after")


def test_mentor_fails_a_quiz_on_a_safety_decision_retries_passes_and_the_lms_gets_the_grade(
    page: Page, launch_as: Any, lms: SchoolLMS, tool_db: Session
) -> None:
    quiz = catalogue.quiz("boundaries")
    frame = launch_as(page, "quizzer", link="boundaries-quiz", expect="/mentor/quizzes")
    expect(frame.locator("h1")).to_have_text("Scenario quizzes")
    look(page, "journey-quiz-1-list")

    start_quiz(frame, quiz.id, "Start")
    first = take_quiz(page, frame, quiz, wrong_at_first_critical_scene, shots="journey-quiz-2")
    assert first[0] == "Let's think about that one" and "Good choice" in first[1:]
    result = frame.locator(".quiz-result")
    expect(result).to_contain_text("Not passed yet")
    expect(frame.locator(".quiz-review")).to_contain_text("Safety decision")
    look(page, "journey-quiz-3-failed-result")
    failed = wait_until(lambda: lms.scores_for("quizzer", "boundaries-quiz"),
                        "the first attempt's score in the LMS gradebook")
    assert failed[0]["scoreGiven"] < failed[0]["scoreMaximum"] == quiz.max_score
    assert (failed[0]["activityProgress"], failed[0]["gradingProgress"]) == (
        "Completed", "FullyGraded")

    frame.get_by_role("button", name="Try again").click()
    expect(frame.locator("input[name=step_key]")).to_have_count(1)
    second = take_quiz(page, frame, quiz, right_choice)
    assert set(second) == {"Good choice"}
    expect(result).to_contain_text("You passed.")
    look(page, "journey-quiz-4-passed-result")

    scores = wait_until(lambda: lms.scores_for("quizzer", "boundaries-quiz")[1:] and
                        lms.scores_for("quizzer", "boundaries-quiz"), "the passing score")
    assert [s["scoreGiven"] for s in scores] == [failed[0]["scoreGiven"], quiz.max_score]
    learner = user_id(tool_db, "quizzer")
    tries = tool_db.scalars(select(QuizAttempt).filter_by(user_id=learner, quiz_id=quiz.id)
                            .order_by(QuizAttempt.id)).all()
    assert [t.passed for t in tries] == [False, True]
    assert "failed" in verbs(tool_db, f"attempt:{tries[0].id}")
    assert "passed" in verbs(tool_db, f"attempt:{tries[1].id}")


def seed_the_finisher(last_quiz: str) -> None:
    """The finisher's training but ``last_quiz``, on the course's training link."""
    from lti_tool.extensions import db

    learner = db.session.scalars(select(User).where(User.sub == sub_for("finisher"))).one()
    trainer = db.session.scalars(select(User).where(User.sub == sub_for("trainer"))).one()
    context = db.session.scalars(select(Context).filter_by(lti_context_id=COURSE["id"])).one()
    link_id = next(link.id for link in context.resource_links
                   if link.lti_resource_link_id == "e2e-link-1")
    seed_all_but_the_last_quiz(learner, trainer, link_id, PROGRAMME, last_quiz)


def test_mentor_finishes_the_programme_gets_certified_and_downloads_certificate_and_badge(
    page: Page, make_page: Any, launch_as: Any, lms: SchoolLMS, tool: ToolServer,
    tool_db: Session, tmp_path: Path, seeding: Any,
) -> None:
    last_quiz = programmes.programme(PROGRAMME).required_quizzes[-1]
    launch_as(page, "finisher")
    launch_as(make_page(), "trainer")  # signs the mentor off (below, through the services)
    with seeding():
        seed_the_finisher(last_quiz)

    frame = launch_as(page, "finisher")
    expect(frame.locator(".programme-count")).to_contain_text("You have completed 6 of 6")
    frame.get_by_role("link", name="Go to your scenario quizzes").click()
    start_quiz(frame, last_quiz, "Start")
    take_quiz(page, frame, catalogue.quiz(last_quiz), right_choice)
    expect(frame.locator(".quiz-result")).to_contain_text("You passed.")

    frame.get_by_role("link", name="Back to your quizzes").click()
    frame.get_by_role("link", name="Back to your training").click()
    expect(frame.locator(".notice-ok").first).to_contain_text("You are certified")
    look(page, "journey-certificate-1-home-certified")
    frame.get_by_role("link", name="see your certificate and badge").click()
    expect(frame.locator("h1")).to_have_text("Your certificate")
    # Names stay off certificates unless the school turns them on (the privacy default).
    expect(frame.locator(".certificate-name")).to_have_text("the holder of this certificate")
    look(page, "journey-certificate-2-certificate")

    learner = user_id(tool_db, "finisher")
    cert = tool_db.scalars(select(Certification).filter_by(user_id=learner)).one()
    expect(frame.locator(".certificate-code code")).to_have_text(cert.code)
    assert cert.programme_id == PROGRAMME
    assert "earned" in verbs(tool_db, f"certificate:{cert.id}")
    (score,) = wait_until(lambda: lms.scores_for("finisher", "training"),
                          "the programme's score in the LMS gradebook")
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100, 100)

    pdf = download(page, frame.get_by_role("link", name="Certificate (PDF)"), tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert cert.code in text and "Becoming a peer mentor" in text and "Alex" not in text, text
    png = download(page, frame.get_by_role("link", name="Badge image (PNG)"), tmp_path)
    baked = baked_assertion(png)
    assert baked["type"] == "Assertion" and baked["id"].endswith(f"/badges/assertions/{cert.code}")
    assert baked["recipient"]["hashed"] is True and "@" not in json.dumps(baked["recipient"])

    public = make_page()  # someone the pupil gave the link to (an employer, another school)
    public.goto(frame.locator(".verify-share a").get_attribute("href") or "")
    assert public.url == f"{tool.url}/verify/{cert.code}"
    expect(public.locator("main")).to_contain_text("valid")
    look(public, "journey-certificate-3-public-verification")


def download(page: Page, link: Any, folder: Path) -> Path:
    """Follow a download link; return the saved file's path."""
    with page.expect_download() as started:
        link.click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def baked_assertion(png: Path) -> dict[str, Any]:
    """The Open Badges 2.0 assertion baked into a PNG (read with openbadges-bakery)."""
    from openbadges_bakery import unbake

    with png.open("rb") as image:
        baked = unbake(image)
    assert baked, "no Open Badges assertion baked into the PNG"
    return dict(json.loads(baked))
