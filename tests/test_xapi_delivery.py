"""Statements reach a real LRS (Ralph on 127.0.0.1) exactly once, through outages and crashes.

The LRS is Ralph's own server (see tests/support/ralph_lrs.py for the two workarounds it needs).
The two-worker test uses a counting LRS of our own (tests/support/servers.py) because it counts
every arrival, where Ralph would hide a duplicate behind its 409.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models import XapiRegistration
from lti_tool.models.outbox import DELIVERED
from lti_tool.models.outbox import FAILED
from lti_tool.models.outbox import PENDING
from lti_tool.services import outbox
from lti_tool.services.outbox import DeliverySettings
from lti_tool.services.xapi import activities
from lti_tool.services.xapi import recording
from lti_tool.services.xapi import statements
from lti_tool.services.xapi.endpoints import add_endpoint
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import PASSWORD
from tests.support.ralph_lrs import USERNAME
from tests.support.ralph_lrs import RalphLrs
from tests.support.servers import CountingLrs
from tests.support.servers import serve

FAST = DeliverySettings(batch_size=20, backoff_base_seconds=0.05, backoff_cap_seconds=0.05)


def connect_school_lrs(app: Flask, url: str) -> None:
    app.config["LRS_ALLOW_HTTP"] = True
    school = db.session.scalars(select(Platform)).one()
    add_endpoint(db.session, school, {"name": "School LRS", "url": url, "auth": "basic",
                                      "username": USERNAME, "secret": PASSWORD})


def deliver_all(session: Any = None, rounds: int = 50) -> None:
    """Run the worker until nothing is pending (backoff here is 50 ms)."""
    for _ in range(rounds):
        outbox.deliver_due(session or db.session, FAST)
        if not db.session.scalars(select(OutboxItem).where(OutboxItem.status == PENDING)).first():
            return
        time.sleep(0.06)
    raise AssertionError("items still pending")


def registration() -> str:
    return str(db.session.scalars(select(XapiRegistration)).one().registration)


def mentor_answers(count: int) -> None:
    """A mentor's quiz work: each decision committed with its statement, as the quiz does."""
    user = db.session.scalars(select(User)).one()
    ctx = recording.context_for(db.session, user, db.session.scalars(select(Context)).one())
    quiz = activities.quiz("promise-not-to-tell", "Promise you won't tell?")
    for n in range(count):
        question = activities.question("promise-not-to-tell", f"step-{n}", "Sam says: promise?",
                                       [("promise", "I promise."), ("be-honest", "I can't promise.")])
        statement = statements.question_answered(
            ctx, quiz, question, "attempt-1", ["be-honest"], True, statements.Score(2, 2),
            ["ask", f"step-{n}"])
        recording.emit(db.session, ctx, statement, ref="attempt:1")
        db.session.commit()


def test_launch_statements_reach_the_lrs_without_name_or_email(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs
) -> None:
    connect_school_lrs(app, ralph.url)
    platform.launch(client)
    deliver_all()
    stored = ralph.statements(registration=registration())
    queued = db.session.scalars(select(OutboxItem)).all()
    assert sorted(s["id"] for s in stored) == sorted(i.item_id for i in queued)
    assert {s["verb"]["id"] for s in stored} == {
        "http://adlnet.gov/expapi/verbs/launched", "http://adlnet.gov/expapi/verbs/initialized"}
    for statement in stored:
        assert set(statement["actor"]) <= {"objectType", "account"}
        assert "Alex" not in str(statement) and "mbox" not in str(statement)


def test_display_name_reaches_the_lrs_when_the_school_turns_it_on(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs
) -> None:
    connect_school_lrs(app, ralph.url)
    school = db.session.scalars(select(Platform)).one()
    school.settings = {"xapi_send_names": True}
    db.session.commit()
    platform.launch(client)
    deliver_all()
    stored = ralph.statements(registration=registration())
    assert [s["actor"]["name"] for s in stored] == ["Alex Example", "Alex Example"]
    assert all("mbox" not in s["actor"] for s in stored)


def test_statements_made_while_the_lrs_is_down_arrive_once_after_it_returns(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs
) -> None:
    connect_school_lrs(app, ralph.url)
    ralph.stop()
    try:
        platform.launch(client)
        mentor_answers(8)
        report = outbox.deliver_due(db.session, FAST)
        assert report.delivered == 0 and report.retrying > 0
        waiting = db.session.scalars(select(OutboxItem)).all()
        assert all(i.status == PENDING for i in waiting)
        assert "LRS unreachable" in (waiting[0].last_error or "")
    finally:
        ralph.start()
    deliver_all()
    stored = ralph.statements(registration=registration())
    ids = [s["id"] for s in stored]
    assert len(ids) == len(set(ids)) == 10
    assert set(ids) == {i.item_id for i in db.session.scalars(select(OutboxItem))}


def test_work_committed_before_a_crash_is_delivered_by_the_next_worker(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs,
    make_app: Callable[..., Flask],
) -> None:
    connect_school_lrs(app, ralph.url)
    platform.launch(client)  # the launch and its statements commit; no worker runs: "crash"
    db.session.remove()
    restarted = make_app(LRS_ALLOW_HTTP=True)
    with restarted.app_context():
        deliver_all()
        ids = {i.item_id for i in db.session.scalars(select(OutboxItem))}
        assert {s["id"] for s in ralph.statements(registration=registration())} == ids
        assert len(ids) == 2


def test_a_refused_statement_is_marked_failed_and_does_not_block_the_rest(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs
) -> None:
    connect_school_lrs(app, ralph.url)
    platform.launch(client)
    school = db.session.scalars(select(Platform)).one()
    # A statement the LRS refuses (no verb: Ralph answers 422), queued between good ones.
    bad = {"id": "00000000-0000-4000-8000-000000000bad", "actor": {"account": {
        "homePage": school.issuer, "name": "x"}}, "object": {"id": "https://tool.test/x"}}
    outbox.enqueue(db.session, kind="xapi", destination=f"lrs:{school.id}", item_id=bad["id"],
                   payload={"statement": bad}, platform_id=school.id)
    db.session.commit()
    mentor_answers(2)
    deliver_all()
    items = db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()
    assert [i.status for i in items] == [DELIVERED, DELIVERED, FAILED, DELIVERED, DELIVERED]
    assert "HTTP 422" in (items[2].last_error or "")
    assert len(ralph.statements(registration=registration())) == 4


@pytest.mark.postgres
@pytest.mark.skipif(not __import__("os").environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="needs PostgreSQL: SQLite serialises writers, there is no race to test")
def test_two_workers_on_postgresql_never_send_a_statement_twice(
    app: Flask, client: FlaskClient, platform: TestPlatform, make_app: Callable[..., Flask]
) -> None:
    counting = CountingLrs(delay=0.01)
    with serve(counting) as base:
        connect_school_lrs(app, base + "/xAPI/")
        platform.launch(client)
        mentor_answers(118)
        db.session.remove()
        settings = DeliverySettings(batch_size=7, backoff_base_seconds=0.05, backoff_cap_seconds=0.05)

        def work(worker_app: Flask) -> None:
            with worker_app.app_context():
                for _ in range(200):
                    outbox.deliver_due(db.session, settings)
                    if not db.session.scalars(
                        select(OutboxItem).where(OutboxItem.status == PENDING)
                    ).first():
                        return
        threads = [threading.Thread(target=work, args=(make_app(LRS_ALLOW_HTTP=True),))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(counting.received) == 120
    assert max(counting.received.values()) == 1
    assert all(i.status == DELIVERED for i in db.session.scalars(select(OutboxItem)))


@pytest.mark.postgres
@pytest.mark.skipif(not __import__("os").environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="needs PostgreSQL: SQLite has no row locks to skip")
def test_a_batch_never_starts_after_a_head_another_worker_has_locked(app: Flask) -> None:
    """SKIP LOCKED passes over a locked row: the claim must see that the head was skipped."""
    destination = "lrs:order-test"
    for n in range(3):
        outbox.enqueue(db.session, kind=recording.KIND, destination=destination,
                       item_id=f"statement-{n}", payload={"statement": {"id": f"s{n}"}})
    db.session.commit()
    head, *rest = db.session.scalars(
        select(OutboxItem.id).where(OutboxItem.destination == destination).order_by(OutboxItem.id)
    ).all()

    with db.engine.connect() as other_worker:  # holds the head's row lock, as mid-claim
        other_worker.execute(select(OutboxItem.id).where(OutboxItem.id == head).with_for_update())
        assert outbox._claim(db.session, destination, "me", FAST) is None
        other_worker.rollback()

    claimed = outbox._claim(db.session, destination, "me", FAST)
    assert claimed is not None
    assert [parcel.id for parcel in claimed[1]] == [head, *rest]
