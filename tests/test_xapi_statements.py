"""Every statement builder, with realistic inputs, passes Ralph's base model (and its profile's)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import recording
from lti_tool.services.xapi import statements as s
from lti_tool.services.xapi import video
from lti_tool.services.xapi import vocabulary as v
from lti_tool.services.xapi.endpoints import add_endpoint
from lti_tool.services.xapi.export import stored_statements
from lti_tool.services.xapi.statements import StatementContext
from lti_tool.services.xapi.validation import validate
from tests.support.platform import TestPlatform

QUIZ = "promise-not-to-tell"


@pytest.fixture
def ctx(client: FlaskClient, platform: TestPlatform) -> StatementContext:
    platform.launch(client)
    user = db.session.scalars(select(User)).one()
    module = activities.module("keeping-confidences", "Keeping confidences")
    return recording.context_for(db.session, user, db.session.scalars(select(Context)).one(),
                                 module=module, session_id=uuid.uuid4())


def test_quiz_statements_carry_response_score_and_scene_path(ctx: StatementContext) -> None:
    quiz = activities.quiz(QUIZ, "Promise you won't tell?")
    question = activities.question(QUIZ, "ask", "Sam says: 'Promise you won't tell?'",
                                   [("promise", "I promise."), ("be-honest", "I can't promise that.")])
    answered = s.question_answered(ctx, quiz, question, "17", ["be-honest"], True, s.Score(2, 2),
                                   ["ask"])
    assert answered.data["result"] == {"response": "be-honest", "success": True,
                                       "score": {"scaled": 1.0, "raw": 2, "min": 0.0, "max": 2}}
    assert answered.data["object"]["definition"]["interactionType"] == "choice"
    assert answered.data["context"]["contextActivities"]["parent"][0]["id"] == quiz.id
    assert answered.data["context"]["extensions"][activities.extension("scene-path")] == ["ask"]
    failed = s.quiz_finished(ctx, quiz, "17", s.Score(3, 10), passed=False,
                             duration=timedelta(minutes=4, seconds=5.5))
    assert failed.verb == v.FAILED.id
    assert failed.data["result"]["score"]["scaled"] == 0.3
    assert failed.data["result"]["duration"] == "PT4M5.5S"
    assert s.quiz_attempted(ctx, quiz, "17").verb == v.ATTEMPTED.id


def test_session_and_certification_statements_validate(ctx: StatementContext) -> None:
    link = activities.resource_link(ctx.course, "resource-7", "PeerReady training")
    built = [
        s.launched(ctx, link), s.initialized(ctx, link),
        s.terminated(ctx, link, timedelta(minutes=25)),
        s.completed(ctx, activities.module("boundaries", "Boundaries"), timedelta(hours=1)),
        s.badge_earned(ctx, activities.badge("peer-mentor", "Peer mentor"),
                       "https://tool.test/badges/assertions/ab3"),
        s.badge_revoked(ctx, activities.badge("peer-mentor", "Peer mentor"),
                        "https://tool.test/badges/assertions/ab3", "Issued in error"),
    ]
    for statement in built:
        validate(statement.data)
        assert statement.data["context"]["registration"] == str(ctx.registration)
        assert statement.data["context"]["platform"] == "Test school Moodle"
    assert built[4].data["result"]["extensions"][v.BADGE_ASSERTION] == {
        "@id": "https://tool.test/badges/assertions/ab3"}


def test_video_statements_pass_the_video_profile_models(ctx: StatementContext) -> None:
    viewing = video.VideoSession(ctx, activities.video("what-is-safeguarding", "What is safeguarding?"),
                                 length=184.2, session_id=uuid.uuid4(), completion_threshold=0.9)
    played = [(0.0, 61.5), (70.0, 184.2)]
    built = [
        video.video_initialized(viewing, cc_language="en-GB"),
        video.video_played(viewing, 0.0),
        video.video_paused(viewing, 61.5, played[:1], 0.334),
        video.video_seeked(viewing, 61.5, 70.0),
        video.video_captions_toggled(viewing, 70.0, True, "en-GB"),
        video.video_completed(viewing, 184.2, played, 0.954, timedelta(minutes=3, seconds=10)),
        video.video_terminated(viewing, 184.2, played, 0.954),
    ]
    for statement in built:
        assert statement.model.startswith("ralph.models.xapi.video.")
        validate(statement.data, statement.model)
        assert statement.data["context"]["extensions"][v.VIDEO_SESSION_ID] == str(viewing.session_id)
    assert built[5].data["result"]["extensions"][v.VIDEO_PLAYED_SEGMENTS] == "0[.]61.5[,]70[.]184.2"


def test_voiding_an_attempt_sends_voided_to_each_lrs_that_got_it(
    app: Flask, ctx: StatementContext
) -> None:
    quiz = activities.quiz(QUIZ, "Promise you won't tell?")
    kept = s.quiz_attempted(ctx, quiz, "5")
    recording.emit(db.session, ctx, kept, ref="attempt:5")  # no LRS yet: kept by PeerReady
    app.config["LRS_ALLOW_HTTP"] = True
    school = db.session.scalars(select(Platform)).one()
    for name in ("School", "Trust"):
        add_endpoint(db.session, school, {"name": name, "url": f"http://127.0.0.1:9/{name}",
                                          "auth": "basic"})
    sent = s.quiz_finished(ctx, quiz, "5", s.Score(8, 10), True, timedelta(minutes=3))
    recording.emit(db.session, ctx, sent, ref="attempt:5")
    assert recording.void(db.session, "attempt:5", recording.tool_authority()) == 2
    db.session.commit()
    voids = db.session.scalars(select(OutboxItem).where(OutboxItem.ref == "void:attempt:5")).all()
    assert len(voids) == 2
    assert {i.payload["statement"]["object"]["id"] for i in voids} == {str(sent.id)}
    assert {i.destination for i in voids} == {i.destination for i in db.session.scalars(
        select(OutboxItem).where(OutboxItem.item_id == str(sent.id)))}
    local = db.session.scalars(select(StoredStatement).where(StoredStatement.verb == v.VOIDED.id)).one()
    assert local.data["object"] == {"objectType": "StatementRef", "id": str(kept.id)}


def test_export_filters_by_course_and_time(ctx: StatementContext) -> None:
    db.session.commit()
    rows = list(stored_statements(db.session, course="course-1"))
    assert [r["verb"]["id"] for r in rows] == [v.LAUNCHED.id, v.INITIALIZED.id]
    assert list(stored_statements(db.session, course="another-course")) == []
    latest = db.session.scalars(select(StoredStatement)).all()[-1].timestamp
    assert len(list(stored_statements(db.session, until=latest))) <= 1


def test_flask_xapi_export_writes_json_lines(app: Flask, ctx: StatementContext) -> None:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["xapi", "export", "--course", "course-1"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 2 and '"verb":{"display":{"en-US":"launched"}' in lines[0]
