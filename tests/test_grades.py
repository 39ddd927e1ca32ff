"""AGS score delivery against a Moodle-like gradebook served on 127.0.0.1 (tests/support/servers.py).

The platform can't run here, so a small fake stands in for it: it verifies the tool's client
assertion against the tool's JWKS, keeps line items and scores, and refuses like Moodle (409 for
a score not newer by a whole second, 400 for a non-student, 500 when told to fail).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import OutboxItem
from lti_tool.models import ResourceLink
from lti_tool.models import User
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.outbox import FAILED
from lti_tool.models.outbox import PENDING
from lti_tool.services import grades
from lti_tool.services import outbox
from lti_tool.services.outbox import DeliverySettings
from tests.support.platform import TestPlatform
from tests.support.servers import AgsPlatform
from tests.support.servers import served_gradebook

FAST = DeliverySettings(backoff_base_seconds=0.05, backoff_cap_seconds=0.05)
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def gradebook(app: Flask, client: FlaskClient, platform: TestPlatform) -> Iterator[AgsPlatform]:
    """The platform's gradebook served for real; the launch points AGS at it."""
    with served_gradebook(platform) as fake:
        platform.launch(client, **{AGS: {"scope": [grades.SCORE_SCOPE, grades.LINEITEM_SCOPE],
                                         "lineitems": fake.base + "/lineitems"}})
        yield fake


def queue(score: float, when: datetime, sub: str = "user-42") -> None:
    user = db.session.scalars(select(User).where(User.sub == sub)).one()
    link = db.session.scalars(select(ResourceLink)).one()
    grades.queue_score(db.session, user, link, score, 10, "Completed", "FullyGraded", when)
    db.session.commit()


def deliver_until_done(rounds: int = 40) -> None:
    for _ in range(rounds):
        outbox.deliver_due(db.session, FAST)
        if not db.session.scalars(select(OutboxItem).where(OutboxItem.status == PENDING)).first():
            return
        time.sleep(0.06)
    raise AssertionError("scores still pending")


def test_score_is_posted_after_a_verified_token_and_a_new_line_item(gradebook: AgsPlatform) -> None:
    assert db.session.scalars(select(ResourceLink)).one().lineitems_url == gradebook.base + "/lineitems"
    when = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
    queue(8, when)
    deliver_until_done()
    assert len(gradebook.token_requests) == 1
    assert grades.SCORE_SCOPE in gradebook.token_requests[0]["scope"]
    assert gradebook.lineitems == [{
        "scoreMaximum": 10, "label": "PeerReady training", "resourceLinkId": "resource-7",
        "resourceId": "peerready", "id": gradebook.base + "/lineitems/1"}]
    assert gradebook.scores == [{
        "userId": "user-42", "scoreGiven": 8, "scoreMaximum": 10, "activityProgress": "Completed",
        "gradingProgress": "FullyGraded", "timestamp": "2026-11-23T10:00:00.123456+00:00",
        "lineitem": "/lineitems/1/scores"}]


def test_scores_queued_while_the_platform_fails_arrive_once_and_the_token_is_reused(
    gradebook: AgsPlatform,
) -> None:
    start = datetime.now(UTC)
    gradebook.failures_left = 3
    for n in range(3):
        queue(n + 5, start + timedelta(seconds=n))
    outbox.deliver_due(db.session, FAST)
    waiting = db.session.scalars(select(OutboxItem)).all()
    assert [i.status for i in waiting] == [PENDING] * 3
    assert "HTTP 500" in (waiting[0].last_error or "")
    assert grades.pending_grade_syncs(db.session, waiting[0].platform_id or 0)[0].attempts == 1
    deliver_until_done()
    assert [s["scoreGiven"] for s in gradebook.scores] == [5, 6, 7]
    assert len(gradebook.token_requests) == 1
    assert grades.pending_grade_syncs(db.session, waiting[0].platform_id or 0) == []


def test_an_older_score_refused_with_409_counts_as_superseded(gradebook: AgsPlatform) -> None:
    when = datetime.now(UTC).replace(microsecond=100_000)  # +200 ms stays in this second
    queue(9, when)
    queue(4, when + timedelta(milliseconds=200))  # same whole second: Moodle says 409
    deliver_until_done()
    items = db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()
    assert [i.status for i in items] == [DELIVERED, DELIVERED]
    assert "superseded" in (items[1].last_error or "")
    assert [s["scoreGiven"] for s in gradebook.scores] == [9]


def test_a_score_for_a_non_student_fails_for_good_without_blocking_the_next(
    gradebook: AgsPlatform, client: FlaskClient, platform: TestPlatform,
) -> None:
    platform.launch(client, sub="teacher-9", role="Instructor")
    queue(3, datetime.now(UTC), sub="teacher-9")
    queue(7, datetime.now(UTC))
    deliver_until_done()
    items = db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()
    assert [i.status for i in items] == [FAILED, DELIVERED]
    assert "HTTP 400" in (items[0].last_error or "")
    failed = grades.pending_grade_syncs(db.session, items[0].platform_id or 0)
    assert [(s.status, s.score_given) for s in failed] == [(FAILED, 3)]
