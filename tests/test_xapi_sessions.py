"""A launch's cmi5-style session ends with exactly one ``terminated``, carrying its duration.

Ways it ends: "Finish" (at once), the pagehide beacon followed by no further page (after a grace
period), or no activity for the idle timeout; the sweep runs in the delivery worker and as
``flask xapi close-sessions``. The LRS in the last test is Ralph's real server.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import LaunchSession
from lti_tool.models import OutboxItem
from lti_tool.models import StoredStatement
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services import outbox
from lti_tool.services.xapi import vocabulary as v
from lti_tool.services.xapi.launch_statements import close_sessions
from lti_tool.services.xapi.validation import validate
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import RalphLrs
from tests.test_xapi_delivery import connect_school_lrs
from tests.test_xapi_delivery import deliver_all
from tests.test_xapi_delivery import mentor_answers

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GRACE = timedelta(seconds=120)
IDLE = timedelta(seconds=1800)


def launched(client: FlaskClient, platform: TestPlatform) -> str:
    """Launch as a learner; return the session token the pages carry."""
    response = platform.launch(client)
    assert response.status_code == 303
    return str(response.headers["Location"].split("s=", 1)[1])


def terminated() -> list[StoredStatement]:
    return list(db.session.scalars(
        select(StoredStatement).where(StoredStatement.verb == v.TERMINATED.id)))


def session_row() -> LaunchSession:
    db.session.expire_all()
    return db.session.scalars(select(LaunchSession)).one()


def beacon(client: FlaskClient, token: str, state: str, at_ms: int | None = None) -> None:
    """What session.js's sendBeacon posts: text/plain "<state> <browser ms>", token in the URL."""
    at_ms = at_ms if at_ms is not None else int(time.time() * 1000)
    response = client.post(f"/session/presence?s={token}", data=f"{state} {at_ms}",
                           content_type="text/plain;charset=UTF-8")
    assert response.status_code == 204


def test_finish_records_one_valid_terminated_with_the_duration_and_ends_the_pages(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token = launched(client, platform)
    page = client.get(f"/mentor/?s={token}").get_data(as_text=True)
    assert "Finish" in page and 'data-session-presence-url="/session/presence?s=' in page
    csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
    done = client.post(f"/session/finish?s={token}", data={"csrf_token": csrf})
    assert done.status_code == 200 and b"finished for now" in done.data
    assert b"session.js" not in done.data
    [row] = terminated()
    validate(row.data)
    BaseXapiStatement(**row.data)
    assert re.fullmatch(r"PT[\d.]+S", row.data["result"]["duration"])
    launched_row = db.session.scalars(
        select(StoredStatement).where(StoredStatement.verb == v.LAUNCHED.id)).one()
    ids = v.CMI5_SESSION_ID
    assert row.data["context"]["extensions"][ids] == launched_row.data["context"]["extensions"][ids]
    assert row.data["object"]["id"] == launched_row.data["object"]["id"]
    assert row.timestamp >= max(s.timestamp for s in db.session.scalars(select(StoredStatement)))
    assert client.get(f"/mentor/?s={token}").status_code == 401  # launch again to go on
    last_report = client.post(  # the player's beacon as the page unloads still counts
        f"/mentor/modules/secondary-listening-well/progress?s={token}",
        json={"player_session": "p1", "segments": [[0, 5]], "events": []})
    assert last_report.status_code == 200 and last_report.json["seconds"] == 5
    assert close_sessions(db.session, utcnow() + IDLE * 2) == 0
    assert len(terminated()) == 1


def test_finish_without_the_csrf_token_is_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token = launched(client, platform)
    response = client.post(f"/session/finish?s={token}", data={})
    assert response.status_code == 400
    assert terminated() == [] and session_row().terminated_at is None


def test_beacon_without_the_session_token_is_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    launched(client, platform)  # the cookie alone could be a forged cross-site post
    assert client.post("/session/presence", data="left 1").status_code == 401
    assert session_row().left_at is None


def test_closed_page_ends_the_session_after_the_grace_period_with_its_duration(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token = launched(client, platform)
    beacon(client, token, "left")
    row = session_row()
    assert row.left_at is not None
    assert close_sessions(db.session, utcnow() + GRACE / 2) == 0  # it may be a page change
    assert close_sessions(db.session, as_utc(row.left_at) + GRACE * 1.5) == 1
    [statement] = terminated()
    spent = (as_utc(row.left_at) - as_utc(row.started_at)).total_seconds()
    assert float(statement.data["result"]["duration"][2:-1]) == pytest.approx(spent, abs=0.01)
    assert close_sessions(db.session, utcnow() + IDLE * 2) == 0
    assert len(terminated()) == 1


def test_moving_to_another_page_cancels_the_pending_end_whatever_order_beacons_arrive(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token = launched(client, platform)
    beacon(client, token, "left", 1_000)  # pagehide of the page being left...
    assert client.get(f"/mentor/?s={token}").status_code == 200  # ...for another PeerReady page
    assert session_row().left_at is None
    beacon(client, token, "left", 2_000)  # the old page's beacon can land after the new page
    beacon(client, token, "shown", 3_000)  # the new page's pageshow
    assert session_row().left_at is None
    beacon(client, token, "shown", 5_000)  # and the two beacons can swap places
    beacon(client, token, "left", 4_000)
    assert session_row().left_at is None
    assert close_sessions(db.session, utcnow() + GRACE * 2) == 0
    assert terminated() == []


def test_presence_beacon_with_a_bad_body_is_refused_and_changes_nothing(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token = launched(client, platform)
    for body in ("left", "gone 123", "left soon", "left " + "9" * 16, ""):
        response = client.post(f"/session/presence?s={token}", data=body,
                               content_type="text/plain")
        assert response.status_code == 400, body
    assert session_row().left_at is None and session_row().presence_ms is None


def test_idle_session_ends_at_its_last_activity_and_later_pages_ask_for_a_new_launch(
    client: FlaskClient, platform: TestPlatform, runner: Any, app: Flask
) -> None:
    token = launched(client, platform)
    row = session_row()
    app.config["XAPI_SESSION_IDLE_SECONDS"] = 0.5
    threading.Event().wait(0.6)
    result = runner.invoke(args=["xapi", "close-sessions"])
    assert result.exit_code == 0 and "ended 1 session" in result.output
    [statement] = terminated()
    spent = (as_utc(row.last_active_at) - as_utc(row.started_at)).total_seconds()
    assert float(statement.data["result"]["duration"][2:-1]) == pytest.approx(spent, abs=0.01)
    response = client.get(f"/mentor/?s={token}")
    assert response.status_code == 401 and b"Open PeerReady again" in response.data


def test_worker_sweeps_then_delivers_terminated_last_once_per_session_to_ralph(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs,
    make_app: Callable[..., Flask],
) -> None:
    connect_school_lrs(app, ralph.url)
    token = launched(client, platform)
    mentor_answers(3)
    beacon(client, token, "left")
    db.session.execute(LaunchSession.__table__.update().values(
        left_at=utcnow() - GRACE * 2))
    db.session.commit()
    db.session.remove()
    # Two workers sweep at once (each its own app, as separate processes would be).
    workers = [outbox.DeliveryWorker(make_app(LRS_ALLOW_HTTP=True)) for _ in range(2)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    deliver_all()
    items = db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()
    verbs = [i.payload["statement"]["verb"]["id"] for i in items]
    assert verbs.count(v.TERMINATED.id) == 1 and verbs[-1] == v.TERMINATED.id
    stored = ralph.statements(verb=v.TERMINATED.id)
    ours = [s for s in stored if s["id"] == items[-1].item_id]
    assert len(ours) == 1
    validate(ours[0])
    assert ours[0]["result"]["duration"].startswith("PT")
