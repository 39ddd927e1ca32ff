"""The whole training, wired end to end: when the last requirement is met the mentor is
certified, 100% goes to the programme's gradebook column and the badge is recorded in xAPI.

Modules are completed and quizzes passed through the real services (progress reports and the
quiz engine), choosing the right answers from the shipped content itself.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import CertificationCheck
from lti_tool.models import Context
from lti_tool.models import OutboxItem
from lti_tool.models import StoredStatement
from lti_tool.models import User
from lti_tool.services import certification
from lti_tool.services import programmes
from tests.support.platform import TestPlatform
from tests.support.training import complete_module
from tests.support.training import pass_quiz

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
PROGRAMME = "becoming-a-peer-mentor-secondary"


def test_the_last_requirement_certifies_and_reaches_gradebook_and_lrs(
    app: Flask, client: FlaskClient, platform: TestPlatform
) -> None:
    ags = {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitem": "https://moodle.school.test/mod/lti/services.php/2/lineitems/9/lineitem",
    }
    response = platform.launch(
        client, custom={"peerready_target": f"programme:{PROGRAMME}"}, **{AGS: ags}
    )
    assert response.status_code == 303
    user = db.session.scalars(select(User)).one()
    context = db.session.scalars(select(Context)).one()
    link_id = context.resource_links[0].id
    programme = programmes.programme(PROGRAMME)

    for module_id in programme.required_modules:
        complete_module(user, context, module_id, link_id)
    quizzes = list(programme.required_quizzes)
    for quiz_id in quizzes:
        pass_quiz(user, context, quiz_id, link_id)
    # The secondary programme also asks for supervised practice and a trainer's sign-off.
    assert programme.signoff_required and programme.supervised_practice_required
    assert db.session.scalars(select(Certification)).first() is None
    check = db.session.scalars(select(CertificationCheck)).one()
    assert [item["kind"] for item in check.missing] == ["practice", "signoff"]

    platform.launch(client, role="Instructor", sub="trainer-1")
    trainer = db.session.scalars(select(User).filter_by(sub="trainer-1")).one()
    today = datetime.now(UTC)
    certification.record_practice(
        db.session,
        trainer,
        user,
        context,
        PROGRAMME,
        today.date(),
        today.date(),
        "Two lunchtime sessions with a Year 7 mentee",
        today,
    )
    assert db.session.scalars(select(Certification)).first() is None
    certification.sign_off(db.session, trainer, user, context, PROGRAMME, datetime.now(UTC))

    certificate = db.session.scalars(select(Certification)).one()
    assert certificate.programme_id == PROGRAMME and certificate.user_id == user.id
    scores = [
        item.payload["score"]
        for item in db.session.scalars(select(OutboxItem))
        if item.kind == "ags-score"
    ]
    assert scores == [
        {
            "userId": "user-42",
            "scoreGiven": 100.0,
            "scoreMaximum": 100.0,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": scores[0]["timestamp"],
        }
    ]
    verbs = [row.verb.rsplit("/", 1)[-1] for row in db.session.scalars(select(StoredStatement))]
    assert verbs.count("earned") == 1
    assert verbs.count("passed") == len(quizzes)
    assert verbs.count("answered") >= 3 * len(quizzes)

    # A trainer revokes it: the earned statement is voided and a revoked one recorded.
    certification.revoke(
        db.session, certificate, trainer, "Shared a mentee's secret", datetime.now(UTC)
    )
    rows = list(db.session.scalars(select(StoredStatement)))
    earned = next(row for row in rows if row.verb.endswith("/earned"))
    voids = [row for row in rows if row.verb.endswith("/voided")]
    assert [row.data["object"]["id"] for row in voids] == [earned.id]
    assert sum(row.verb.endswith("/revoked") for row in rows) == 1


def test_a_quiz_link_sends_that_quizs_score_and_a_plain_link_does_not(
    app: Flask, client: FlaskClient, platform: TestPlatform
) -> None:
    ags = {"lineitem": "https://moodle.school.test/mod/lti/services.php/2/lineitems/5/lineitem"}
    platform.launch(client, custom={"peerready_target": "quiz:boundaries"}, **{AGS: ags})
    user = db.session.scalars(select(User)).one()
    context = db.session.scalars(select(Context)).one()
    quiz_link = context.resource_links[0]
    pass_quiz(user, context, "boundaries", quiz_link.id)
    pass_quiz(user, context, "confidentiality", quiz_link.id)  # opened from the quiz list
    items = [i for i in db.session.scalars(select(OutboxItem)) if i.kind == "ags-score"]
    assert [i.payload["tag"] for i in items] == ["quiz:boundaries"]
    score = items[0].payload["score"]
    assert score["scoreGiven"] == score["scoreMaximum"] > 0
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
