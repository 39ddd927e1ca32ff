"""A school's admin sets up its LRS, sees refused statements with the reason, and retries them."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import LrsEndpoint
from lti_tool.models import OutboxItem
from lti_tool.models import Platform
from lti_tool.models.outbox import FAILED
from lti_tool.models.outbox import PENDING
from lti_tool.models.types import utcnow
from lti_tool.services import outbox
from lti_tool.services.crypto import decrypt_text
from lti_tool.services.outbox import DeliverySettings
from lti_tool.services.xapi import recording
from lti_tool.services.xapi.endpoints import SECRET_SALT
from lti_tool.services.xapi.endpoints import add_endpoint
from lti_tool.services.xapi.launch_statements import close_sessions
from tests.support.platform import TestPlatform
from tests.support.ralph_lrs import RalphLrs
from tests.support.servers import CountingLrs
from tests.support.servers import serve
from tests.test_xapi_delivery import connect_school_lrs
from tests.test_xapi_delivery import mentor_answers
from tests.test_xapi_delivery import registration


def admin_session(client: FlaskClient, platform: TestPlatform) -> str:
    response = platform.launch(client, role="Administrator")
    return parse_qs(urlsplit(response.headers["Location"]).query)["s"][0]


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_school_admin_adds_an_lrs_and_its_secret_is_stored_encrypted(
    app: Flask, client: FlaskClient, platform: TestPlatform
) -> None:
    token = admin_session(client, platform)
    school = db.session.scalars(select(Platform)).one()
    page = client.get(f"/admin/platforms/{school.id}/lrs", query_string={"s": token})
    assert page.status_code == 200
    assert b"PeerReady keeps this school's records itself" in page.data
    assert b"E-mail addresses are never sent to a record store" in page.data
    response = client.post(f"/admin/platforms/{school.id}/lrs/endpoints", data={
        "s": token, "csrf_token": csrf(page.get_data(as_text=True)), "name": "Trust LRS",
        "url": "https://lrs.trust.example/xAPI/", "auth": "basic", "username": "key-1",
        "secret": "s3cret-value"})
    assert response.status_code == 303
    endpoint = db.session.scalars(select(LrsEndpoint)).one()
    assert endpoint.url == "https://lrs.trust.example/xAPI/"
    assert "s3cret" not in endpoint.secret_encrypted
    assert decrypt_text(SECRET_SALT, endpoint.secret_encrypted) == "s3cret-value"


def test_plain_http_endpoint_is_refused(app: Flask, client: FlaskClient, platform: TestPlatform) -> None:
    token = admin_session(client, platform)
    school = db.session.scalars(select(Platform)).one()
    page = client.get(f"/admin/platforms/{school.id}/lrs", query_string={"s": token})
    client.post(f"/admin/platforms/{school.id}/lrs/endpoints", data={
        "s": token, "csrf_token": csrf(page.get_data(as_text=True)),
        "url": "http://lrs.example/xAPI/", "auth": "basic"})
    assert db.session.scalars(select(LrsEndpoint)).first() is None
    again = client.get(f"/admin/platforms/{school.id}/lrs", query_string={"s": token})
    assert b"must be an https:// URL" in again.data


def test_refused_statement_is_listed_with_the_lrs_reason_and_can_be_retried(
    app: Flask, client: FlaskClient, platform: TestPlatform
) -> None:
    token = admin_session(client, platform)
    school = db.session.scalars(select(Platform)).one()
    db.session.add(LrsEndpoint(platform_id=school.id, name="School LRS",
                               url="https://lrs.school.example/xAPI/"))
    db.session.commit()
    item = outbox.enqueue(db.session, kind="xapi", destination="lrs:1", item_id="stmt-1",
                          payload={"statement": {}}, platform_id=school.id)
    item.status, item.last_error = FAILED, "HTTP 400: object.id is not an IRI"
    db.session.commit()
    page = client.get(f"/admin/platforms/{school.id}/lrs", query_string={"s": token})
    text = page.get_data(as_text=True)
    assert "stmt-1" in text and "object.id is not an IRI" in text
    client.post(f"/admin/platforms/{school.id}/lrs/retry",
                data={"s": token, "csrf_token": csrf(text)})
    assert db.session.scalars(select(OutboxItem)).one().status == PENDING


def test_forms_without_csrf_token_are_refused(
    app: Flask, client: FlaskClient, platform: TestPlatform
) -> None:
    token = admin_session(client, platform)
    school = db.session.scalars(select(Platform)).one()
    response = client.post(f"/admin/platforms/{school.id}/lrs/names", data={"s": token, "send_names": "on"})
    assert response.status_code == 400
    db.session.refresh(school)
    assert not school.setting("xapi_send_names")


def test_learner_cannot_open_the_lrs_page(app: Flask, client: FlaskClient, platform: TestPlatform) -> None:
    response = platform.launch(client, role="Learner")
    token = parse_qs(urlsplit(response.headers["Location"]).query)["s"][0]
    school = db.session.scalars(select(Platform)).one()
    assert client.get(f"/admin/platforms/{school.id}/lrs", query_string={"s": token}).status_code == 403


SLOW_RETRY = DeliverySettings(backoff_base_seconds=600, backoff_cap_seconds=600)  # 5-10 min


def queue_rows(page: str) -> dict[str, tuple[int, int, int, str]]:
    """The delivery table: store name -> (waiting, failed, delivered, last error)."""
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>"
                      r"<td>([^<]*)</td></tr>", page)
    return {name: (int(w), int(f), int(d), error) for name, w, f, d, error in rows}


def test_queue_counts_each_store_and_retry_now_sends_what_waited_through_an_outage(
    app: Flask, client: FlaskClient, platform: TestPlatform, ralph: RalphLrs
) -> None:
    token = admin_session(client, platform)
    school = db.session.scalars(select(Platform)).one()
    counting = CountingLrs()
    with serve(counting) as base:
        connect_school_lrs(app, ralph.url)  # "School LRS" (Ralph)
        add_endpoint(db.session, school, {"name": "Trust LRS", "url": base + "/xAPI/",
                                          "auth": "basic"})
        ralph.stop()
        try:  # the school's LRS is down while a mentor works, a trainer resets, a session ends
            mentor_answers(3)
            recording.void(db.session, "attempt:1", recording.tool_authority())
            db.session.commit()
            assert close_sessions(db.session, utcnow() + timedelta(hours=2)) == 1
            outbox.deliver_due(db.session, SLOW_RETRY)
        finally:
            ralph.start()
        url = f"/admin/platforms/{school.id}/lrs"
        page = client.get(url, query_string={"s": token}).get_data(as_text=True)
        rows = queue_rows(page)
        assert rows["Trust LRS"] == (0, 0, 7, "none")  # 3 answers, 3 voids, 1 terminated
        waiting, failed, delivered, error = rows["School LRS"]
        assert (waiting, failed, delivered) == (7, 0, 0) and "LRS unreachable" in error
        assert outbox.deliver_due(db.session, SLOW_RETRY).handled == 0  # backing off
        response = client.post(f"{url}/retry", data={"s": token, "csrf_token": csrf(page)})
        assert response.status_code == 303
        assert outbox.deliver_due(db.session, DeliverySettings()).delivered == 7
        rows = queue_rows(client.get(url, query_string={"s": token}).get_data(as_text=True))
        assert rows["School LRS"] == (0, 0, 7, "none")
        assert len(counting.received) == 7 and max(counting.received.values()) == 1
    sent = {i.item_id for i in db.session.scalars(
        select(OutboxItem).where(OutboxItem.destination == "lrs:1"))}
    voids = ralph.statements(verb="http://adlnet.gov/expapi/verbs/voided")  # no registration
    assert sent <= {s["id"] for s in ralph.statements(registration=registration()) + voids}
