"""The Classroom add-on end to end, against a fake Google on 127.0.0.1 (tests/support/fake_google.py).

The official clients (google-auth-oauthlib, google-api-python-client) talk to the fake over HTTP;
nothing reaches Google.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.classroom import accounts
from lti_tool.classroom import grading
from lti_tool.classroom import roster
from lti_tool.extensions import db
from lti_tool.models import ClassroomAttachment
from lti_tool.models import ClassroomSubmission
from lti_tool.models import Context
from lti_tool.models import CourseQuizSettings
from lti_tool.models import GoogleAccount
from lti_tool.models import ModuleProgress
from lti_tool.models import OutboxItem
from lti_tool.models import User
from lti_tool.services import attempts
from lti_tool.services import catalogue
from lti_tool.services import certification
from lti_tool.services import outbox
from lti_tool.services import programmes
from quizzes import engine
from quizzes.model import Quiz
from tests.support.fake_google import FakeGoogle
from tests.support.http_server import running
from tests.support.training import right_answer
from tests.test_video_tracking import LISTENING
from tests.test_video_tracking import report

TEACHER, PUPIL, OTHER_PUPIL = "1001", "2002", "3003"
COURSE, ITEM, OTHER_COURSE = "c-501", "cw-77", "c-999"


@pytest.fixture
def google(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake token endpoint is http
    with running(FakeGoogle()) as fake:
        app.config.update(fake.config())
        fake.domains[TEACHER] = fake.domains[PUPIL] = "school.example.org"
        fake.course(COURSE, teachers=(TEACHER,), students={PUPIL: "Pat Pupil", "2100": "Never Opened"},
                    items=(ITEM,))
        fake.course(OTHER_COURSE, students={OTHER_PUPIL: "Olly Other"}, items=("cw-1",))
        yield fake


def sign_in_through_popup(client: FlaskClient, google: FakeGoogle, page: str, user: str) -> Any:
    """Press 'Sign in with Google' in the iframe page, consent in the pop-up, resume the iframe."""
    google.browser_user = user
    sign_in = html.unescape(re.search(r'href="([^"]*/classroom/sign-in[^"]*)"', page)[1])
    resume = html.unescape(re.search(r'data-classroom-resume="([^"]*)"', page)[1])
    to_google = client.get(sign_in)
    assert to_google.status_code == 302
    back = requests.get(to_google.headers["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(back.headers["Location"])
    popup = client.get(f"{callback.path}?{callback.query}").get_data(as_text=True)
    code = re.search(r'data-classroom-code="([^"]*)"', popup)[1]
    return client.get(f"{resume}&code={code}")


def open_iframe(client: FlaskClient, google: FakeGoogle, view: str, user: str, **params: str) -> Any:
    query = {"courseId": COURSE, "itemId": ITEM, "itemType": "courseWork", "login_hint": user, **params}
    entry = client.get(f"/classroom/{view}", query_string=query)
    if entry.status_code != 200 or b"Sign in with Google" not in entry.data:
        return entry  # signed in without a prompt (or refused)
    return sign_in_through_popup(client, google, entry.get_data(as_text=True), user)


def add_attachment(client: FlaskClient, google: FakeGoogle, target: str) -> ClassroomAttachment:
    landed = open_iframe(client, google, "discovery", TEACHER, addOnToken=google.add_on_token())
    assert landed.status_code == 303 and "/classroom/picker" in landed.headers["Location"]
    picker = client.get(landed.headers["Location"]).get_data(as_text=True)
    assert 'action="/classroom/picker?s=' in picker
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', picker)[1]
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', picker)[1])
    done = client.post(action, data={"csrf_token": csrf, "item": target})
    assert done.status_code == 200 and b"data-classroom-close" in done.data
    return db.session.scalars(select(ClassroomAttachment).order_by(ClassroomAttachment.id.desc())).first()


def deliver(app: Flask) -> outbox.DeliveryReport:
    return outbox.deliver_due(db.session, outbox.DeliverySettings(backoff_base_seconds=0.001,
                                                                  backoff_cap_seconds=0.001))


def deliver_until_settled(app: Flask, passes: int = 50) -> None:
    """Deliver until no Classroom grade waits, sleeping out each retry's (1 ms) backoff.

    A pass right after a retry can find nothing due yet (the backoff counts from before the
    retry was committed), so "stop at the first pass that handled nothing" could stop early.
    """
    waiting = select(OutboxItem.id).filter_by(kind=grading.KIND, status="pending")
    for _ in range(passes):
        if db.session.scalars(waiting).first() is None:
            return
        deliver(app)
        time.sleep(0.002)
    raise AssertionError(f"grades still waiting after {passes} delivery passes")


def token_of(response: Any) -> str:
    return response.headers["Location"].split("s=", 1)[1]


def test_teacher_adds_a_graded_programme_attachment_from_the_deep_linking_picker(
    client: FlaskClient, google: FakeGoogle
) -> None:
    attachment = add_attachment(client, google, "programme:becoming-a-peer-mentor-secondary")
    sent = google.attachments[attachment.attachment_id]
    assert sent["title"] == "Becoming a peer mentor" and sent["maxPoints"] == 100
    assert sent["studentViewUri"]["uri"] == "http://tool.test/classroom/student"
    assert sent["studentWorkReviewUri"]["uri"] == "http://tool.test/classroom/review"
    assert "s=" not in sent["teacherViewUri"]["uri"]  # never a teacher's session in a URI
    link = attachment.resource_link
    assert link.custom == {"peerready_target": "programme:becoming-a-peer-mentor-secondary", "audience": "secondary"}
    assert link.context.lti_context_id == COURSE
    platform = link.context.deployment.platform
    assert (platform.issuer, platform.client_id) == ("https://classroom.google.com", "school.example.org")


def test_no_raw_google_id_is_stored_only_a_keyed_hash(client: FlaskClient, google: FakeGoogle) -> None:
    add_attachment(client, google, f"module:{LISTENING}")
    account = db.session.scalars(select(GoogleAccount)).one()
    user = db.session.scalars(select(User)).one()
    assert account.user_key == user.sub == accounts.user_key(TEACHER) and TEACHER not in user.sub
    assert account.refresh_token_encrypted and "refresh" not in account.refresh_token_encrypted
    assert set(account.scopes.split()) == {"openid", grading_scope("teacher"), grading_scope("rosters")}


def grading_scope(name: str) -> str:
    return {"teacher": "https://www.googleapis.com/auth/classroom.addons.teacher",
            "rosters": "https://www.googleapis.com/auth/classroom.rosters.readonly"}[name]


def test_add_on_pages_may_be_framed_by_classroom_only(client: FlaskClient, google: FakeGoogle) -> None:
    entry = client.get("/classroom/student", query_string={
        "courseId": COURSE, "itemId": ITEM, "itemType": "courseWork", "attachmentId": "att-1"})
    policy = entry.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://classroom.google.com" in policy
    assert policy.rstrip(";").endswith("https://classroom.google.com")


def test_pupil_trains_and_the_module_grade_is_patched_on_their_submission(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    pupil = app.test_client()
    landed = open_iframe(pupil, google, "student", PUPIL, attachmentId=attachment.attachment_id)
    assert landed.status_code == 303 and "/mentor/start" in landed.headers["Location"]
    module = pupil.get(landed.headers["Location"])
    assert module.headers["Location"].startswith(f"/mentor/modules/{LISTENING}")
    assert "https://classroom.google.com" in pupil.get(module.headers["Location"]).headers["Content-Security-Policy"]
    token = token_of(landed)
    assert pupil.post(f"/mentor/modules/{LISTENING}/progress?s={token}", json=report([[0, 86.4]])).json["complete"]
    assert deliver(app).delivered >= 1
    submission = google.submission_id(attachment.attachment_id, PUPIL)
    assert google.patches == [{"attachment": attachment.attachment_id, "submission": submission, "points": 100.0}]


def test_teacher_reviews_a_pupils_progress_in_the_student_work_view(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    attachment = add_attachment(client, google, "programme:becoming-a-peer-mentor-secondary")
    pupil = app.test_client()
    landed = open_iframe(pupil, google, "student", PUPIL, attachmentId=attachment.attachment_id)
    pupil.post(f"/mentor/modules/{LISTENING}/progress?s={token_of(landed)}", json=report([[0, 86.4]]))
    review = open_iframe(client, google, "review", TEACHER, attachmentId=attachment.attachment_id,
                         submissionId=google.submission_id(attachment.attachment_id, PUPIL))
    page = client.get(review.headers["Location"]).get_data(as_text=True)
    assert "1 of 6 complete" in page and "Listening well" in page
    assert "Confidentiality" in page and "Not started yet" in page  # the programme's quizzes
    assert "No certificate for Becoming a peer mentor yet" in page
    deliver(app)
    assert google.patches == []  # a programme is graded on certification, as in Moodle


def test_a_programme_attachment_gets_full_points_when_the_pupil_is_certified(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    attachment = add_attachment(client, google, "programme:becoming-a-peer-mentor-secondary")
    open_iframe(app.test_client(), google, "student", PUPIL, attachmentId=attachment.attachment_id)
    pupil = db.session.scalars(select(User).filter_by(sub=accounts.user_key(PUPIL))).one()
    context = attachment.resource_link.context
    school = context.deployment.platform
    school.settings = {**(school.settings or {}), certification.SIGNOFF_REQUIRED: False,
                       certification.PRACTICE_REQUIRED: False}
    db.session.commit()
    programme = programmes.programme("becoming-a-peer-mentor-secondary")
    now = datetime.now(UTC)
    result = certification.certify_if_eligible(
        db.session, pupil, context, programme, dict.fromkeys(programme.required_modules, now),
        dict.fromkeys(programme.required_quizzes, now), now,
    )
    assert result.certification is not None
    deliver_until_settled(app)
    submission = google.submission_id(attachment.attachment_id, PUPIL)
    assert google.patches == [
        {"attachment": attachment.attachment_id, "submission": submission, "points": 100.0}
    ]


def test_teacher_signs_in_once_and_is_remembered_by_login_hint(client: FlaskClient, google: FakeGoogle) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    again = client.get("/classroom/teacher", query_string={
        "courseId": COURSE, "itemId": ITEM, "itemType": "courseWork",
        "attachmentId": attachment.attachment_id, "login_hint": TEACHER})
    assert again.status_code == 303 and "/trainer/" in again.headers["Location"]
    other_user = client.get("/classroom/teacher", query_string={
        "courseId": COURSE, "itemId": ITEM, "itemType": "courseWork",
        "attachmentId": attachment.attachment_id, "login_hint": PUPIL})
    assert b"Sign in with Google" in other_user.data  # a hint alone never signs anyone in


def test_roster_lists_every_pupil_across_pages_including_those_who_never_opened(
    app: Flask, client: FlaskClient, google: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    open_iframe(app.test_client(), google, "student", PUPIL, attachmentId=attachment.attachment_id)
    google.course(COURSE, students={f"4{n:03d}": f"Pupil {n}" for n in range(150)})
    teacher = db.session.scalars(select(GoogleAccount).filter_by(user_key=accounts.user_key(TEACHER))).one()
    context = db.session.scalars(select(Context)).one()
    entries = roster.course_roster(db.session, context, teacher)
    assert len(entries) == 152  # two pages of 100
    opened = [entry for entry in entries if entry.has_opened]
    assert [entry.name for entry in opened] == ["Pat Pupil"]
    assert "Never Opened" in {entry.name for entry in entries}


def test_expired_access_token_is_refreshed_and_kept(client: FlaskClient, google: FakeGoogle) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    teacher = db.session.scalars(select(GoogleAccount)).one()
    before = teacher.access_token_encrypted
    google.expire_access_tokens()
    again = client.get("/classroom/teacher", query_string={
        "courseId": COURSE, "itemId": ITEM, "itemType": "courseWork",
        "attachmentId": attachment.attachment_id, "login_hint": TEACHER})
    assert again.status_code == 303 and google.refreshes == 1
    db.session.refresh(teacher)
    assert teacher.access_token_encrypted != before


def test_revoked_consent_shows_a_clear_sign_in_again_page(client: FlaskClient, google: FakeGoogle) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    google.revoke(TEACHER)
    google.expire_access_tokens()
    query = {"courseId": COURSE, "itemId": ITEM, "itemType": "courseWork",
             "attachmentId": attachment.attachment_id, "login_hint": TEACHER}
    page = client.get("/classroom/teacher", query_string=query)
    assert page.status_code == 401
    assert b"Please sign in with Google again" in page.data and b"Sign in with Google" in page.data
    account = db.session.scalars(select(GoogleAccount)).one()
    assert account.revoked_at is not None and account.refresh_token_encrypted is None
    again = client.get("/classroom/teacher", query_string=query)
    back = sign_in_through_popup(client, google, again.get_data(as_text=True), TEACHER)
    assert back.status_code == 303 and "/trainer/" in back.headers["Location"]


def test_classroom_outage_delays_grades_and_each_arrives_exactly_once(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    google.course(COURSE, students={"2003": "Sam", "2004": "Kim"})
    for pupil_id in (PUPIL, "2003", "2004"):
        pupil = app.test_client()
        landed = open_iframe(pupil, google, "student", pupil_id, attachmentId=attachment.attachment_id)
        pupil.post(f"/mentor/modules/{LISTENING}/progress?s={token_of(landed)}", json=report([[0, 86.4]]))
    google.outage = 3
    first = deliver(app)
    assert first.delivered == 0 and first.retrying == 3  # the head waits; nothing overtakes it
    syncs = grading.pending_grade_syncs(db.session, attachment.resource_link.context.deployment.platform_id)
    assert len(syncs) == 3 and "503" in (syncs[0].last_error or "")
    deliver_until_settled(app)
    submissions = sorted(p["submission"] for p in google.patches)
    assert submissions == sorted(google.submission_id(attachment.attachment_id, u) for u in (PUPIL, "2003", "2004"))
    assert db.session.scalars(select(OutboxItem).filter_by(kind=grading.KIND, status="pending")).all() == []


def test_pupil_of_another_course_is_refused(app: Flask, client: FlaskClient, google: FakeGoogle) -> None:
    attachment = add_attachment(client, google, f"module:{LISTENING}")
    outsider = app.test_client()
    refused = open_iframe(outsider, google, "student", OTHER_PUPIL, attachmentId=attachment.attachment_id)
    assert refused.status_code == 403
    assert b"in your class" in refused.data
    assert db.session.scalars(select(User).filter_by(sub=accounts.user_key(OTHER_PUPIL))).first() is None


def test_pupil_cannot_open_the_attachment_discovery_picker(app: Flask, google: FakeGoogle) -> None:
    refused = open_iframe(app.test_client(), google, "discovery", PUPIL, addOnToken=google.add_on_token())
    assert refused.status_code == 403


def test_pupils_quiz_score_is_patched_and_the_teacher_reviews_their_decisions(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    attachment = add_attachment(client, google, "quiz:confidentiality")
    quiz = catalogue.quiz("confidentiality")
    assert google.attachments[attachment.attachment_id]["maxPoints"] == quiz.max_score
    landed = open_iframe(app.test_client(), google, "student", PUPIL,
                         attachmentId=attachment.attachment_id)
    assert landed.status_code == 303
    pupil = db.session.scalars(select(User).filter_by(sub=accounts.user_key(PUPIL))).one()
    context = attachment.resource_link.context
    now = datetime.now(UTC)
    attempt = attempts.start_or_resume(db.session, pupil, context, quiz.id, "secondary", now,
                                       attachment.resource_link_id)
    first = True
    while (step := attempts.current_step(db.session, attempt)[1]) is not None:
        answer = wrong_answer(quiz, step) if first else right_answer(quiz, step)
        attempts.record_answer(db.session, attempt.id, pupil, context, step.key, answer, now)
        first = False
    deliver(app)
    (patch,) = google.patches
    assert patch["submission"] == google.submission_id(attachment.attachment_id, PUPIL)
    assert patch["points"] == attempt.score and 0 < attempt.score < quiz.max_score

    review = open_iframe(client, google, "review", TEACHER, attachmentId=attachment.attachment_id,
                         submissionId=patch["submission"])
    page = html.unescape(client.get(review.headers["Location"]).get_data(as_text=True))
    assert "Quiz decisions" in page and "1 attempt finished" in page
    assert f"{attempt.score:g} of {quiz.max_score:g} points" in page
    assert "Not right" in page  # the first, wrong decision is shown with the right action
    assert "Videos" not in page and "Certificate" not in page  # a quiz attachment: only the quiz


def wrong_answer(quiz: Quiz, step: engine.Step) -> Any:
    """An answer the content marks as not the best one (a scene's least-points choice)."""
    scenario = next(s for s in quiz.scenarios if s.id == step.activity)
    scene = next(s for s in scenario.scenes if s.id == step.scene)
    return min(scene.choices, key=lambda c: (c.correct is not False, c.points)).id


@pytest.mark.parametrize(("item_type", "module_tag", "sent_points"), [
    ("courseWork", "Graded out of 100", 100), ("courseWorkMaterials", "Not graded", None),
])
def test_picker_says_what_each_item_will_be_graded_out_of_and_classroom_gets_that(
    client: FlaskClient, google: FakeGoogle, item_type: str, module_tag: str,
    sent_points: int | None,
) -> None:
    landed = open_iframe(client, google, "discovery", TEACHER, itemType=item_type,
                         addOnToken=google.add_on_token())
    picker = html.unescape(client.get(landed.headers["Location"]).get_data(as_text=True))
    module = re.search(rf'value="module:{LISTENING}".*?</label>', picker, re.S)[0]
    assert f'<span class="tag">{module_tag}</span>' in module
    assert ("full marks once the pupil has watched" in picker) is (sent_points is not None)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', picker)[1]
    action = re.search(r'<form method="post" action="([^"]+)"', picker)[1]
    client.post(action, data={"csrf_token": csrf, "item": f"module:{LISTENING}"})
    (sent,) = google.attachments.values()
    assert sent.get("maxPoints") == sent_points


NEW_COURSE, NEW_ITEM = "c-2027", "cw-2027"


def test_a_copied_attachment_opens_the_same_training_in_the_new_course_with_no_pupils_work(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    original = add_attachment(client, google, f"module:{LISTENING}")
    old_context = original.resource_link.context
    db.session.add(CourseQuizSettings(context_id=old_context.id, quiz_id="confidentiality",
                                      pass_mark=0.9, attempts_allowed=2))
    db.session.commit()
    landed = open_iframe(app.test_client(), google, "student", PUPIL,
                         attachmentId=original.attachment_id)
    pupil = app.test_client()
    watched = report([[0, 86.4]])
    pupil.post(f"/mentor/modules/{LISTENING}/progress?s={token_of(landed)}", json=watched)
    deliver(app)
    assert len(google.patches) == 1
    # Next year the teacher copies the course; Classroom copies the attachment with it.
    google.course(NEW_COURSE, teachers=(TEACHER,), students={PUPIL: "Pat Pupil"}, items=(NEW_ITEM,))
    copy_id = google.copy_attachment(original.attachment_id, NEW_COURSE, NEW_ITEM)

    again = open_iframe(app.test_client(), google, "student", PUPIL, courseId=NEW_COURSE,
                        itemId=NEW_ITEM, attachmentId=copy_id)
    assert again.status_code == 303 and "/mentor/start" in again.headers["Location"]
    copy = db.session.scalars(select(ClassroomAttachment).filter_by(attachment_id=copy_id)).one()
    new_context = copy.resource_link.context
    assert (copy.course_id, copy.item_id) == (NEW_COURSE, NEW_ITEM)
    assert new_context.lti_context_id == NEW_COURSE
    assert new_context.id != old_context.id
    assert copy.resource_link.custom == original.resource_link.custom
    assert copy.max_points == 100 and copy.teacher_account_id == original.teacher_account_id
    # Nothing of the pupil's crossed over: no progress and only the copy's own submission.
    progress = select(ModuleProgress).filter_by(context_id=new_context.id)
    assert db.session.scalars(progress).all() == []
    submissions = db.session.scalars(select(ClassroomSubmission).filter_by(
        classroom_attachment_id=copy.id)).all()
    assert [s.submission_id for s in submissions] == [google.submission_id(copy_id, PUPIL)]
    # The teacher's choices for the course came along.
    settings = db.session.scalars(
        select(CourseQuizSettings).filter_by(context_id=new_context.id)).one()
    assert (settings.quiz_id, settings.pass_mark, settings.attempts_allowed) == (
        "confidentiality", 0.9, 2)

    pupil.post(f"/mentor/modules/{LISTENING}/progress?s={token_of(again)}", json=watched)
    deliver(app)
    copy_submission = google.submission_id(copy_id, PUPIL)
    assert google.patches[1:] == [{"attachment": copy_id, "submission": copy_submission,
                                   "points": 100.0}]


def test_teacher_opening_a_copy_first_becomes_its_grading_teacher(
    client: FlaskClient, google: FakeGoogle
) -> None:
    original = add_attachment(client, google, "quiz:confidentiality")
    google.course(NEW_COURSE, teachers=("1999",), items=(NEW_ITEM,))
    google.domains["1999"] = "school.example.org"
    copy_id = google.copy_attachment(original.attachment_id, NEW_COURSE, NEW_ITEM)
    colleague = open_iframe(client, google, "teacher", "1999", courseId=NEW_COURSE, itemId=NEW_ITEM,
                            attachmentId=copy_id)
    assert colleague.status_code == 303 and "/trainer/" in colleague.headers["Location"]
    copy = db.session.scalars(select(ClassroomAttachment).filter_by(attachment_id=copy_id)).one()
    assert copy.teacher_account.user_key == accounts.user_key("1999")


def test_an_attachment_that_copies_nothing_of_ours_is_refused_with_a_clear_page(
    app: Flask, client: FlaskClient, google: FakeGoogle
) -> None:
    add_attachment(client, google, f"module:{LISTENING}")
    stranger = open_iframe(app.test_client(), google, "student", PUPIL, attachmentId="att-404")
    assert stranger.status_code == 404 and b"doesn&#39;t know this attachment" in stranger.data
    assert len(db.session.scalars(select(ClassroomAttachment)).all()) == 1
