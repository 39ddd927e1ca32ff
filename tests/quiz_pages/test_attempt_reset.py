"""A trainer resets a mentor's quiz attempts: audit record, voided xAPI, gradebook put right.

The LRS is Ralph's real server (tests/support/ralph_lrs.py). Ralph 5.1.0 stores voiding
statements but does not implement voiding on its GET API ("Not implemented" in its router), so
"the originals are voided" is checked as: Ralph holds, for every statement of the reset attempt,
one voiding statement whose StatementRef names it. The gradebook is a Moodle-like AGS server on
127.0.0.1 (tests/support/servers.py), standing in for the school's Moodle.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import OutboxItem
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizAttemptReset
from lti_tool.models import QuizGrade
from lti_tool.services import grades
from lti_tool.services.xapi import vocabulary as v
from tests.quiz_pages.conftest import Person
from tests.quiz_pages.conftest import launch
from tests.quiz_pages.test_mentor_quiz import start
from tests.quiz_pages.test_mentor_quiz import walk_right
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import RalphLrs
from tests.support.servers import AgsPlatform
from tests.support.servers import served_gradebook
from tests.test_xapi_delivery import connect_school_lrs
from tests.test_xapi_delivery import deliver_all

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def gradebook(app: Flask, platform: TestPlatform) -> Iterator[AgsPlatform]:
    with served_gradebook(platform) as fake:
        yield fake


def graded_mentor(app: Flask, platform: TestPlatform, gradebook: AgsPlatform) -> Person:
    """A mentor launched from a link that grades the tiny quiz in the platform's gradebook."""
    client = app.test_client()
    response = platform.launch(
        client, custom={"peerready_target": "quiz:tiny"},
        context={"id": "course-1", "label": "PEER", "title": "Peer mentors course-1"},
        **{AGS: {"scope": [grades.SCORE_SCOPE, grades.LINEITEM_SCOPE],
                 "lineitems": gradebook.base + "/lineitems"}},
    )
    assert response.status_code == 303
    return Person(client, response.headers["Location"].split("s=", 1)[1])


def next_second() -> None:
    """Moodle keeps a score only if its timestamp is a later whole second than the last one."""
    time.sleep(1.05)


def reset_page(trainer: Person, user_id: int) -> str:
    return f"/trainer/quizzes/tiny/attempts/{user_id}/reset"


def test_reset_voids_the_attempts_statements_in_ralph_and_regrades_then_clears(
    app: Flask, platform: TestPlatform, quiz_dir: Path, ralph: RalphLrs, gradebook: AgsPlatform
) -> None:
    connect_school_lrs(app, ralph.url)
    trainer = launch(app, platform, role="Instructor", sub="teacher-1")
    mentor = graded_mentor(app, platform, gradebook)  # after: a launch sets the link's custom
    failed_id = start(mentor)
    walk_right(mentor, failed_id, last="never")
    next_second()
    passed_id = start(mentor)
    walk_right(mentor, passed_id)
    deliver_all()
    passed_refs = {i.item_id for i in db.session.scalars(
        select(OutboxItem).where(OutboxItem.ref == f"attempt:{passed_id}"))}
    assert len(passed_refs) == 7  # attempted, five answered, passed
    assert gradebook.scores[-1]["scoreGiven"] == db.session.get(QuizAttempt, passed_id).score
    user_id = db.session.get(QuizAttempt, passed_id).user_id
    next_second()

    page = trainer.get(reset_page(trainer, user_id)).get_data(as_text=True)
    assert "Attempt 1" in page and "Attempt 2" in page and "can't be undone" in page
    response = trainer.post(reset_page(trainer, user_id),
                            {"attempt": [str(passed_id)], "reason": "Took it with a friend's help"})
    assert response.status_code == 303
    listing = trainer.get("/trainer/quizzes/tiny/attempts").get_data(as_text=True)
    assert "Reset 1 attempt; 7 learning records withdrawn" in listing
    assert "Took it with a friend" in listing
    assert db.session.get(QuizAttempt, passed_id) is None
    assert db.session.scalar(select(func.count()).select_from(QuizAnswer).join(QuizAttempt).where(
        QuizAttempt.id == passed_id)) == 0
    record = db.session.scalars(select(QuizAttemptReset)).one()
    assert record.learner_id == user_id and record.reason == "Took it with a friend's help"
    assert [a["number"] for a in record.attempts] == [2] and record.attempts[0]["passed"] is True

    deliver_all()
    voiding = ralph.statements(verb=v.VOIDED.id)
    targets = [s["object"]["id"] for s in voiding if s["object"]["id"] in passed_refs]
    assert sorted(targets) == sorted(passed_refs)  # each original voided exactly once
    for statement in voiding:
        assert statement["object"]["objectType"] == "StatementRef"
        BaseXapiStatement(**statement)
    failed_score = db.session.get(QuizAttempt, failed_id).score
    assert gradebook.scores[-1]["scoreGiven"] == failed_score  # highest of what is left
    assert db.session.scalars(select(QuizGrade)).one().attempt_id == failed_id

    next_second()
    trainer.get(reset_page(trainer, user_id))
    trainer.post(reset_page(trainer, user_id),
                 {"attempt": [str(failed_id)], "reason": "Start over"})
    deliver_all()
    cleared = gradebook.scores[-1]
    assert "scoreGiven" not in cleared
    assert (cleared["activityProgress"], cleared["gradingProgress"]) == ("Initialized", "NotReady")
    assert db.session.scalar(select(func.count(QuizGrade.id))) == 0
    assert len([s for s in ralph.statements(verb=v.VOIDED.id)
                if s["object"]["id"] in passed_refs]) == 7  # nothing voided twice
    quizzes = mentor.get("/mentor/quizzes").get_data(as_text=True)
    assert "0 used" in quizzes
    again = start(mentor)
    assert db.session.get(QuizAttempt, again).number == 1


def test_reset_needs_a_reason_a_trainer_and_a_csrf_token(
    trainer: Person, mentor: Person
) -> None:
    attempt_id = start(mentor)
    walk_right(mentor, attempt_id)
    user_id = db.session.get(QuizAttempt, attempt_id).user_id
    url = reset_page(trainer, user_id)
    trainer.get(url)
    response = trainer.post(url, {"attempt": [str(attempt_id)], "reason": "   "})
    assert response.status_code == 400 and b"Give a reason for the reset" in response.data
    response = trainer.post(url, {"reason": "no attempt chosen"})
    assert response.status_code == 400 and b"Choose at least one attempt" in response.data
    response = trainer.post(url, {"attempt": [str(attempt_id)], "reason": "x"}, csrf=False)
    assert response.status_code == 400 and b"This form has expired" in response.data
    mentor.get("/mentor/quizzes")
    assert mentor.get(url).status_code == 403
    assert trainer.get(reset_page(trainer, user_id + 999)).status_code == 404
    assert db.session.get(QuizAttempt, attempt_id) is not None
    assert db.session.scalar(select(func.count(QuizAttemptReset.id))) == 0
