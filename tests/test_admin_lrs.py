"""A school's admin sets up its LRS, sees refused statements with the reason, and retries them."""

from __future__ import annotations

import re
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
from lti_tool.services import outbox
from lti_tool.services.crypto import decrypt_text
from lti_tool.services.xapi.endpoints import SECRET_SALT
from tests.support.platform import TestPlatform


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
    assert b"never stores or sends e-mail" in page.data
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
