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
Three journeys start from the teacher's picker: a quiz (a pupil takes it, Classroom receives the
pupil's pointsEarned, the teacher's student-work review shows the pupil's decisions); a video
module (the pupil plays it to the end, answering its checkpoints); and the whole programme (the
pupil's earlier training seeded through the services, the last quiz taken in the iframe, the
certificate shown and full points sent). Each grade must reach the fake Classroom exactly once.
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

from lti_tool.models import Certification
from lti_tool.models import ClassroomAttachment
from lti_tool.models import ClassroomSubmission
from lti_tool.models import ModuleProgress
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models import User
from lti_tool.services import catalogue
from lti_tool.services import programmes
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import overflows_horizontally
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_browser import tool_frame
from tests.e2e.e2e_journeys import look
from tests.e2e.e2e_journeys import play_video
from tests.e2e.e2e_journeys import player_ready
from tests.e2e.e2e_journeys import right_choice
from tests.e2e.e2e_journeys import seed_all_but_the_last_quiz
from tests.e2e.e2e_journeys import start_quiz
from tests.e2e.e2e_journeys import take_quiz
from tests.e2e.e2e_journeys import verbs
from tests.e2e.e2e_journeys import wait_until
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_tool import ToolServer
from tests.e2e.e2e_tool import database
from tests.e2e.e2e_tool import in_process_app
from tests.e2e.e2e_tool import running_tool
from tests.e2e.e2e_tool import seeding_requests
from tests.support.fake_google import STUDENT_SCOPE
from tests.support.fake_google import TEACHER_SCOPE
from tests.support.fake_google import FakeGoogle
from tests.support.http_server import running

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("addon_app")]

TEACHER, PUPIL, FINISHER = "71001", "72002", "72003"
COURSE, ITEM = "course-8", "work-21"
BASE = {"courseId": COURSE, "itemId": ITEM, "itemType": "courseWork"}
QUIZ = "confidentiality"
MODULE = "secondary-listening-well"
PROGRAMME = "becoming-a-peer-mentor-secondary"


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
        google.course(COURSE, teachers=(TEACHER,),
                      students={PUPIL: "Pat Pupil", FINISHER: "Fran Finisher"}, items=(ITEM,))
        for user in (TEACHER, PUPIL, FINISHER):
            google.domains[user] = "school.example.org"
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


@pytest.fixture(scope="module")
def addon_app(journey: Journey) -> Iterator[Any]:
    """The add-on PeerReady's app in the test process, on its database (as ``tool_app`` is)."""
    with in_process_app(journey.tool) as app, app.app_context():  # the content, as ``content``
        yield app


@pytest.fixture
def addon_seeding(addon_app: Any, journey: Journey) -> Callable[[], Any]:
    """``with addon_seeding():`` the services on the add-on PeerReady's database and URLs."""
    return lambda: seeding_requests(addon_app, journey.tool)


def add_from_picker(page: Any, journey: Journey, target: str, shots: str = "") -> str:
    """The teacher adds the picker's ``target`` (``quiz:…``, ``module:…``, ``programme:…``).

    Through attachment discovery, Google sign-in and the picker, until the picker asks Classroom
    to close it. Returns the new attachment's id; screenshots and audits when ``shots`` is set.
    """
    google, classroom, tool = journey.google, journey.classroom, journey.tool
    before = set(google.attachments)
    page.goto(classroom.url("discovery", **BASE, addOnToken=google.add_on_token(),
                            login_hint=TEACHER))
    tool_frame(page, "/classroom/discovery")
    if shots:
        look(page, f"{shots}-teacher-sign-in")
    picker = sign_in_with_google(page, google, TEACHER, "discovery", "/classroom/picker")
    expect(picker.locator("h1")).to_have_text("Add PeerReady training to your course")
    expect(picker.locator(f'.picker-item:has(input[value="{target}"])')).to_contain_text(
        "Graded out of")
    if shots:
        look(page, f"{shots}-picker")
    picker.locator(f'input[value="{target}"]').check()
    picker.get_by_role("button", name="Add to the course").click()
    done = tool_frame(page, "/classroom/picker")
    expect(done.locator("h1")).to_have_text("Added to your assignment")
    wait_until(lambda: any(m["data"] == {"type": "Classroom", "action": "closeIframe"}
                           and m["origin"] == tool.url
                           for m in page.evaluate("() => window.classroomMessages")),
               "the picker to ask Classroom to close it", timeout_s=60)
    if shots:
        look(page, f"{shots}-attached")
    (attachment_id,) = set(google.attachments) - before
    with Session(tool.engine) as db:
        row = db.scalars(select(ClassroomAttachment).filter_by(attachment_id=attachment_id)).one()
        assert (row.course_id, row.item_id) == (COURSE, ITEM)
        assert row.resource_link.custom["peerready_target"] == target
        assert row.max_points == google.attachments[attachment_id]["maxPoints"]
    return attachment_id


def patches_for(google: FakeGoogle, attachment_id: str) -> list[dict[str, Any]]:
    """The grades Classroom accepted for ``attachment_id``, in order."""
    return [patch for patch in google.patches if patch["attachment"] == attachment_id]


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


def test_teacher_adds_a_quiz_pupil_takes_it_grade_reaches_classroom_and_teacher_reviews(
    journey: Journey, new_page: Callable[[], Any]
) -> None:
    google, classroom, tool = journey.google, journey.classroom, journey.tool

    # 1. The teacher adds PeerReady to an assignment: attachment discovery, sign-in, picker.
    attachment_id = add_from_picker(new_page(), journey, f"quiz:{QUIZ}", shots="classroom")
    sent = google.attachments[attachment_id]
    assert sent["title"] and sent["maxPoints"] > 0
    assert sent["studentViewUri"]["uri"] == f"{tool.url}/classroom/student"
    assert sent["studentWorkReviewUri"]["uri"] == f"{tool.url}/classroom/review"

    # 2. A pupil opens the attachment (student view), signs in and takes the quiz.
    pupil = new_page()
    pupil.goto(classroom.url("student", **BASE, attachmentId=attachment_id, login_hint=PUPIL))
    quizzes = sign_in_with_google(pupil, google, PUPIL, "student", "/mentor/quizzes")
    assert pupil.context.cookies(tool.url) == []  # cross-site: the session travels in the URL
    shot(pupil, "classroom-pupil-quizzes")
    audit(pupil, name="Classroom student view: quizzes")
    start_quiz(quizzes, QUIZ, "Start")
    take_quiz(pupil, quizzes, catalogue.quiz(QUIZ), right_choice)
    shot(pupil, "classroom-pupil-quiz-result")
    audit(pupil, name="Classroom student view: quiz result")

    submission_id = google.submission_id(attachment_id, PUPIL)
    patch = wait_until(lambda: next(iter(patches_for(google, attachment_id)), None),
                       "the grade to reach Classroom", timeout_s=60)
    with Session(tool.engine) as db:
        stored = db.scalars(select(ClassroomSubmission).filter_by(
            submission_id=submission_id)).one()
        grade = db.scalars(select(QuizGrade).filter_by(quiz_id=QUIZ,
                                                       user_id=stored.user_id)).one()
        attempt = db.scalars(select(QuizAttempt).filter_by(quiz_id=QUIZ,
                                                           user_id=stored.user_id)).one()
        assert attempt.is_finished
    assert patch == {"attachment": attachment_id, "submission": submission_id,
                     "points": grade.score_given}
    assert google.points[(attachment_id, submission_id)] == grade.score_given
    time.sleep(1)
    assert len(patches_for(google, attachment_id)) == 1  # sent exactly once
    # Each person was asked only for their own scopes (the fake's record of the consent).
    assert google._granted[PUPIL] == {"openid", STUDENT_SCOPE}
    assert TEACHER_SCOPE in google._granted[TEACHER]

    # 3. The teacher opens the pupil's work in Classroom's grading view (student work review).
    review_page = new_page()
    review_page.goto(classroom.url("review", **BASE, attachmentId=attachment_id,
                                   submissionId=submission_id, login_hint=TEACHER))
    review = sign_in_with_google(review_page, google, TEACHER, "review", "/classroom/review/work")
    main = review.locator("main")
    expect(main).to_contain_text("Quiz decisions")
    expect(main).to_contain_text("1 attempt finished")
    expect(main).to_contain_text(f"{grade.score_given:g} of")
    shot(review_page, "classroom-teacher-review")
    audit(review_page, name="Classroom student work review")


def test_pupil_plays_an_attached_video_module_to_the_end_and_classroom_gets_full_points_once(
    journey: Journey, new_page: Callable[[], Any]
) -> None:
    google, classroom, tool = journey.google, journey.classroom, journey.tool
    attachment_id = add_from_picker(new_page(), journey, f"module:{MODULE}")
    assert google.attachments[attachment_id]["maxPoints"] == 100
    sent_before = len(google.patches)

    # The pupil opens the attachment: the student view goes straight to the module's player.
    pupil = new_page()
    pupil.goto(classroom.url("student", **BASE, attachmentId=attachment_id, login_hint=PUPIL))
    frame = sign_in_with_google(pupil, google, PUPIL, "student", f"/mentor/modules/{MODULE}")
    module = player_ready(pupil, frame, MODULE, "classroom-video-1")
    feedback = play_video(pupil, frame, module, shots="classroom-video-2")

    expect(frame.locator("#player-status")).to_contain_text("Complete")
    questions = [p for p in module.checkpoints if p.kind == "question"]
    assert len(feedback) == 2 * len(questions) + len(module.checkpoints) - len(questions)
    look(pupil, "classroom-video-3-complete")

    submission_id = google.submission_id(attachment_id, PUPIL)
    expected = {"attachment": attachment_id, "submission": submission_id, "points": 100.0}
    wait_until(lambda: patches_for(google, attachment_id), "the module's grade in Classroom",
               timeout_s=60)
    with Session(tool.engine) as db:
        attachment = db.scalars(select(ClassroomAttachment).filter_by(
            attachment_id=attachment_id)).one()
        stored = db.scalars(select(ClassroomSubmission).filter_by(
            classroom_attachment_id=attachment.id)).one()
        assert stored.submission_id == submission_id
        row = db.scalars(select(ModuleProgress).filter_by(
            user_id=stored.user_id, context_id=attachment.resource_link.context_id,
            module_id=MODULE)).one()
        assert row.completed_at is not None
        assert row.share >= module.settings.completion_threshold
        assert sorted(row.answered_checkpoints) == sorted(p.id for p in module.checkpoints)
        stored_verbs = verbs(db, f"module:{stored.user_id}:%:{MODULE}")
        assert {"initialized", "played", "completed", "answered"} <= set(stored_verbs)
    time.sleep(1)
    # Exactly once, for this attachment only (not the pupil's quiz attachment as well).
    assert google.patches[sent_before:] == [expected]
    assert google.points[(attachment_id, submission_id)] == 100.0


def test_pupil_finishes_an_attached_programme_is_certified_and_classroom_gets_full_points(
    journey: Journey, new_page: Callable[[], Any], addon_seeding: Any
) -> None:
    google, classroom, tool = journey.google, journey.classroom, journey.tool
    attachment_id = add_from_picker(new_page(), journey, f"programme:{PROGRAMME}")
    assert google.attachments[attachment_id]["maxPoints"] == 100
    programme = programmes.programme(PROGRAMME)
    last_quiz = programme.required_quizzes[-1]

    pupil = new_page()
    pupil.goto(classroom.url("student", **BASE, attachmentId=attachment_id,
                             login_hint=FINISHER))
    frame = sign_in_with_google(pupil, google, FINISHER, "student", "/mentor/")
    expect(frame.locator(".programme-count")).to_contain_text("You have completed 0 of 6")
    submission_id = google.submission_id(attachment_id, FINISHER)

    # Term so far, through the services: every video, the other quizzes, practice, sign-off.
    with addon_seeding():
        from lti_tool.extensions import db

        attachment = db.session.scalars(select(ClassroomAttachment).filter_by(
            attachment_id=attachment_id)).one()
        learner = db.session.scalars(select(User).join(
            ClassroomSubmission, ClassroomSubmission.user_id == User.id).where(
            ClassroomSubmission.submission_id == submission_id)).one()
        assert attachment.teacher_account is not None
        teacher = db.session.scalars(select(User).where(
            User.sub == attachment.teacher_account.user_key)).one()
        seed_all_but_the_last_quiz(learner, teacher, attachment.resource_link_id, PROGRAMME,
                                   last_quiz)
        learner_id, context_id = learner.id, attachment.resource_link.context_id

    frame.goto(str(frame.evaluate("() => location.href")))  # the pupil's home again
    expect(frame.locator(".programme-count")).to_contain_text("You have completed 6 of 6")
    look(pupil, "classroom-programme-1-home-seeded")
    frame.get_by_role("link", name="Go to your scenario quizzes").click()
    start_quiz(frame, last_quiz, "Start")
    take_quiz(pupil, frame, catalogue.quiz(last_quiz), right_choice,
              shots="classroom-programme-2")
    expect(frame.locator(".quiz-result")).to_contain_text("You passed.")

    frame.get_by_role("link", name="Back to your quizzes").click()
    frame.get_by_role("link", name="Back to your training").click()
    expect(frame.locator(".notice-ok").first).to_contain_text("You are certified")
    look(pupil, "classroom-programme-3-home-certified")
    frame.get_by_role("link", name="see your certificate and badge").click()
    expect(frame.locator("h1")).to_have_text("Your certificate")
    look(pupil, "classroom-programme-4-certificate")

    with Session(tool.engine) as db:
        cert = db.scalars(select(Certification).filter_by(user_id=learner_id)).one()
        assert cert.programme_id == PROGRAMME
        assert cert.context_id == context_id
        expect(frame.locator(".certificate-code code")).to_have_text(cert.code)
        assert "earned" in verbs(db, f"certificate:{cert.id}")
    expected = {"attachment": attachment_id, "submission": submission_id, "points": 100.0}
    wait_until(lambda: patches_for(google, attachment_id), "the programme's grade in Classroom",
               timeout_s=60)
    time.sleep(1)
    # Graded on certification only: the seeded videos and quizzes sent nothing on their own.
    assert patches_for(google, attachment_id) == [expected]



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
