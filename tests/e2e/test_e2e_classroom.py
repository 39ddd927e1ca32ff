"""The mentor journey through the Google Classroom add-on, in a real browser.

Nothing here reaches Google. Two fakes run on 127.0.0.1, as real HTTP servers:

- ``FakeGoogle`` (tests/support/fake_google.py): Google's OAuth 2.0/OpenID endpoints and the
  Classroom REST API, shaped as Google's references describe (see that module);
- ``FakeClassroomPage`` (below): the part of classroom.google.com that matters to an add-on, a
  page that embeds PeerReady's add-on iframe with the query parameters Classroom adds
  (courseId, itemId, itemType, addOnToken or attachmentId, submissionId, login_hint) and
  listens for the iframe's ``closeIframe`` message, as the add-on iframe guide describes.

PeerReady runs in gunicorn on ``localhost``, so its iframe is cross-site to the "Classroom" page
and the browser keeps none of its cookies; Google's sign-in opens in a pop-up, as in Classroom.
The teacher adds a quiz from the picker, a pupil takes it, the fake Classroom API receives the
pupil's pointsEarned, and the teacher's student-work review shows the pupil's decisions.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from lti_tool.models import ClassroomAttachment
from lti_tool.models import ClassroomSubmission
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import overflows_horizontally
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_browser import tool_frame
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_tool import ToolServer
from tests.e2e.e2e_tool import database
from tests.e2e.e2e_tool import running_tool
from tests.support.fake_google import STUDENT_SCOPE
from tests.support.fake_google import TEACHER_SCOPE
from tests.support.fake_google import FakeGoogle
from tests.support.http_server import running

pytestmark = pytest.mark.e2e

TEACHER, PUPIL = "71001", "72002"
COURSE, ITEM = "course-8", "work-21"
QUIZ = "confidentiality"


class FakeClassroomPage:
    """classroom.google.com's side of an add-on: a page with the add-on's iframe in it."""

    def __init__(self) -> None:
        self.base_url = ""
        self.tool_url = ""

    def url(self, view: str, **params: str) -> str:
        """The Classroom page that opens PeerReady's ``view`` iframe with these parameters."""
        return f"{self.base_url}/addon?{urlencode({'view': view, **params})}"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path != "/addon":
            return Response("not found", 404)(environ, start_response)
        params = {k: v for k, v in request.args.items() if k != "view"}
        src = f"{self.tool_url}/classroom/{request.args['view']}?{urlencode(params)}"
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Classroom</title>
<script>window.classroomMessages = [];
addEventListener("message", e => window.classroomMessages.push({{origin: e.origin, data: e.data}}));
</script></head><body><a href="#main">Skip to main content</a>
<main id="main" tabindex="-1"><h1>Assignment: peer mentor training</h1>
<iframe id="tool-frame" title="PeerReady add-on" src="{html.escape(src)}"
 style="width: 100%; height: 760px; border: 0"></iframe></main></body></html>"""
        return Response(page, mimetype="text/html")(environ, start_response)


@dataclass
class Journey:
    """The running fakes and PeerReady, configured for the add-on."""

    google: FakeGoogle
    classroom: FakeClassroomPage
    tool: ToolServer


@pytest.fixture(scope="module")
def journey(
    browser: Any, lms: SchoolLMS, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Journey]:
    """Fake Google, a fake Classroom page, and PeerReady configured to use them."""
    tmp = tmp_path_factory.mktemp("e2e-classroom")
    with running(FakeGoogle()) as google, running(FakeClassroomPage()) as classroom, \
            pytest.MonkeyPatch.context() as env:
        google.course(COURSE, teachers=(TEACHER,), students={PUPIL: "Pat Pupil"}, items=(ITEM,))
        google.domains[TEACHER] = google.domains[PUPIL] = "school.example.org"
        env.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake token endpoint is plain http
        for name, value in google.config().items():
            env.setenv(f"PEERREADY_{name}", value)
        env.setenv("PEERREADY_CLASSROOM_FRAME_ANCESTORS", json.dumps([classroom.base_url]))
        # Grades go out from a worker thread in the web process, on PostgreSQL too (no cron here).
        env.setenv("PEERREADY_OUTBOX_IN_PROCESS_WORKER", "true")
        with database(tmp) as url, running_tool(tmp, url, lms.registration_args()) as tool:
            classroom.tool_url = tool.url
            yield Journey(google, classroom, tool)


@pytest.fixture
def new_page(
    make_page: Callable[..., Any], journey: Journey, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Any]]:
    """``new_page()``: a tab in a fresh profile (a different person's browser each time).

    ``make_page`` saves each tab's screenshot on failure; this adds the add-on PeerReady's log.
    """
    yield make_page
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        print("---- the Classroom PeerReady's log (last 60 lines) ----")
        print("\n".join(journey.tool.log_text().splitlines()[-60:]))


def sign_in_with_google(
    page: Any, google: FakeGoogle, user: str, view: str, expect_path: str
) -> Any:
    """Press 'Sign in with Google' in the iframe; Google's pop-up consents and closes itself."""
    frame = tool_frame(page, f"/classroom/{view}")
    expect(frame.locator("h1")).to_have_text("Sign in to PeerReady")
    google.browser_user = user
    with page.expect_popup() as opened:
        frame.get_by_role("link", name="Sign in with Google").click()
    popup = opened.value
    popup.wait_for_event("close")  # it handed its one-time code to the iframe and closed
    return tool_frame(page, expect_path)


def take_quiz(frame: Any, quiz_id: str) -> None:
    """Answer every step with its first option (ordering: as shown) until the result page."""

    def follow(control: Any) -> None:
        with frame.expect_navigation():
            control.click()

    follow(frame.locator(f'button[aria-describedby="quiz-{quiz_id}"]'))
    for _ in range(80):
        if frame.locator("h1", has_text="Your result").count():
            return
        for name in ("See your result", "Carry on"):
            link = frame.get_by_role("link", name=name)
            if link.count():
                follow(link)
                break
        else:
            options = frame.locator(".quiz-form input[name=answer]")
            if options.count():
                options.first.check()
            follow(frame.get_by_role("button", name="Check my answer"))
    raise AssertionError(f"the quiz never reached its result page (at {frame.url})")


def wait_for(check: Callable[[], Any], what: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"gave up waiting for {what}")


def test_teacher_adds_a_quiz_pupil_takes_it_grade_reaches_classroom_and_teacher_reviews(
    journey: Journey, new_page: Callable[[], Any]
) -> None:
    google, classroom, tool = journey.google, journey.classroom, journey.tool
    base = {"courseId": COURSE, "itemId": ITEM, "itemType": "courseWork"}

    # 1. The teacher adds PeerReady to an assignment: attachment discovery, sign-in, picker.
    teacher = new_page()
    teacher.goto(classroom.url("discovery", **base, addOnToken=google.add_on_token(),
                               login_hint=TEACHER))
    tool_frame(teacher, "/classroom/discovery")
    shot(teacher, "classroom-teacher-sign-in")
    audit(teacher, name="Classroom sign-in (teacher)")
    picker = sign_in_with_google(teacher, google, TEACHER, "discovery", "/classroom/picker")
    expect(picker.locator("h1")).to_have_text("Add PeerReady training to your course")
    expect(picker.locator(f'.picker-item:has(input[value="quiz:{QUIZ}"])')).to_contain_text(
        "Graded out of")
    shot(teacher, "classroom-picker")
    audit(teacher, name="Classroom attachment picker")
    picker.locator(f'input[value="quiz:{QUIZ}"]').check()
    picker.get_by_role("button", name="Add to the course").click()
    done = tool_frame(teacher, "/classroom/picker")
    expect(done.locator("h1")).to_have_text("Added to your assignment")
    wait_for(lambda: any(m["data"] == {"type": "Classroom", "action": "closeIframe"}
                         and m["origin"] == tool.url
                         for m in teacher.evaluate("() => window.classroomMessages")),
             "the picker to ask Classroom to close it")
    shot(teacher, "classroom-attached")
    audit(teacher, name="Classroom attachment added")

    (attachment_id, sent), = google.attachments.items()
    assert sent["title"] and sent["maxPoints"] > 0
    assert sent["studentViewUri"]["uri"] == f"{tool.url}/classroom/student"
    assert sent["studentWorkReviewUri"]["uri"] == f"{tool.url}/classroom/review"
    with Session(tool.engine) as db:
        row = db.scalars(select(ClassroomAttachment)).one()
        assert (row.course_id, row.item_id, row.attachment_id) == (COURSE, ITEM, attachment_id)
        assert row.max_points == sent["maxPoints"]
        assert row.resource_link.custom["peerready_target"] == f"quiz:{QUIZ}"

    # 2. A pupil opens the attachment (student view), signs in and takes the quiz.
    pupil = new_page()
    pupil.goto(classroom.url("student", **base, attachmentId=attachment_id, login_hint=PUPIL))
    quizzes = sign_in_with_google(pupil, google, PUPIL, "student", "/mentor/quizzes")
    assert pupil.context.cookies(tool.url) == []  # cross-site: the session travels in the URL
    shot(pupil, "classroom-pupil-quizzes")
    audit(pupil, name="Classroom student view: quizzes")
    quizzes.locator(f"#quiz-{QUIZ}").scroll_into_view_if_needed()
    take_quiz(quizzes, QUIZ)
    shot(pupil, "classroom-pupil-quiz-result")
    audit(pupil, name="Classroom student view: quiz result")

    submission_id = google.submission_id(attachment_id, PUPIL)
    patch = wait_for(lambda: next(iter(google.patches), None), "the grade to reach Classroom")
    with Session(tool.engine) as db:
        grade = db.scalars(select(QuizGrade).filter_by(quiz_id=QUIZ)).one()
        attempt = db.scalars(select(QuizAttempt).filter_by(quiz_id=QUIZ)).one()
        stored = db.scalars(select(ClassroomSubmission)).one()
        assert attempt.is_finished and stored.submission_id == submission_id
    assert patch == {"attachment": attachment_id, "submission": submission_id,
                     "points": grade.score_given}
    assert google.points[(attachment_id, submission_id)] == grade.score_given
    time.sleep(1)
    assert len(google.patches) == 1  # sent exactly once
    # Each person was asked only for their own scopes (the fake's record of the consent).
    assert google._granted[PUPIL] == {"openid", STUDENT_SCOPE}
    assert TEACHER_SCOPE in google._granted[TEACHER]

    # 3. The teacher opens the pupil's work in Classroom's grading view (student work review).
    review_page = new_page()
    review_page.goto(classroom.url("review", **base, attachmentId=attachment_id,
                                   submissionId=submission_id, login_hint=TEACHER))
    review = sign_in_with_google(review_page, google, TEACHER, "review", "/classroom/review/work")
    main = review.locator("main")
    expect(main).to_contain_text("Quiz decisions")
    expect(main).to_contain_text("1 attempt finished")
    expect(main).to_contain_text(f"{grade.score_given:g} of")
    shot(review_page, "classroom-teacher-review")
    audit(review_page, name="Classroom student work review")



def test_add_on_sign_in_fits_a_phone_and_is_reached_by_keyboard(
    journey: Journey, make_page: Callable[..., Any]
) -> None:
    """Classroom's mobile app opens the same iframes: the first page must fit and be usable."""
    phone = make_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(journey.classroom.url("student", courseId=COURSE, itemId=ITEM,
                                     itemType="courseWork", attachmentId="att-1",
                                     login_hint=PUPIL))
    frame = tool_frame(phone, "/classroom/student")
    expect(frame.locator("main")).to_contain_text("PeerReady doesn't read your e-mail address")
    assert not overflows_horizontally(frame), "the sign-in page scrolls sideways on a phone"
    for _ in range(12):  # past the Classroom page's own links, into PeerReady's frame
        phone.keyboard.press("Tab")
        if frame.evaluate("() => document.hasFocus() && document.activeElement.textContent") \
                == "Sign in with Google":
            break
    else:
        pytest.fail("Tab never reached 'Sign in with Google'")
    shot(phone, "classroom-sign-in-phone-390x844")
    audit(phone, name="Classroom sign-in on a phone")
