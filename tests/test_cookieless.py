"""Launches and sessions when the browser blocks PeerReady's cookies inside the LMS iframe.

The state is kept in the platform's frame through LTI Platform Storage (client-side
postMessage); afterwards a signed session token travels in links and forms.
"""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Enrollment
from tests.support.platform import TestPlatform


def cookieless(app: Flask) -> FlaskClient:
    return app.test_client(use_cookies=False)


def storage_launch(app: Flask, platform: TestPlatform) -> tuple[FlaskClient, str, str]:
    """Login asking for platform storage, then the launch POST; returns the ticket page."""
    browser = cookieless(app)
    login = platform.login(browser, lti_storage_target="_parent")
    assert login.response.status_code == 200  # a page that stores the state in the platform
    page = login.response.get_data(as_text=True)
    assert 'data-action="put"' in page and 'data-target="_parent"' in page
    assert 'data-origin="https://moodle.school.test"' in page
    token = platform.sign(platform.claims(login.nonce))
    launch = browser.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert launch.status_code == 200  # asks the platform's storage before trusting the state
    ticket = re.search(r'name="ticket" value="([^"]+)"', launch.get_data(as_text=True))
    assert ticket is not None
    return browser, ticket.group(1), login.state


def test_launch_without_cookies_completes_through_platform_storage(
    app: Flask, platform: TestPlatform
) -> None:
    browser, ticket, state = storage_launch(app, platform)
    verified = browser.post("/lti/launch/verify", data={"ticket": ticket, "stored_state": state})
    assert verified.status_code == 303
    home = browser.get(verified.headers["Location"])  # no cookie: the token in the URL carries it
    assert home.status_code == 200
    assert b"Your peer mentor training" in home.data
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1


def test_platform_storage_with_another_state_is_refused(app: Flask, platform: TestPlatform) -> None:
    browser, ticket, _ = storage_launch(app, platform)
    response = browser.post(
        "/lti/launch/verify", data={"ticket": ticket, "stored_state": "state-x"}
    )
    assert response.status_code == 401
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0


def test_storage_ticket_works_once(app: Flask, platform: TestPlatform) -> None:
    browser, ticket, state = storage_launch(app, platform)
    assert (
        browser.post(
            "/lti/launch/verify", data={"ticket": ticket, "stored_state": state}
        ).status_code
        == 303
    )
    again = browser.post("/lti/launch/verify", data={"ticket": ticket, "stored_state": state})
    assert again.status_code == 401


def test_blocked_cookies_without_platform_storage_offer_a_new_window(
    app: Flask, platform: TestPlatform
) -> None:
    browser = cookieless(app)
    login = platform.login(browser)
    token = platform.sign(platform.claims(login.nonce))
    response = browser.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Open PeerReady in a new window" in page
    new_window = re.search(r'href="(http://tool.test/lti/login\?[^"]+)" target="_blank"', page)
    assert new_window is not None
    # In the new (top-level) window cookies work: the login starts again from there.
    restart = app.test_client().get(new_window.group(1).replace("&amp;", "&"))
    assert restart.status_code == 302


def test_links_and_forms_carry_the_session_token(app: Flask, platform: TestPlatform) -> None:
    browser = app.test_client()
    response = platform.launch(browser)
    token = response.headers["Location"].split("s=", 1)[1]
    assert token
    assert cookieless(app).get(f"/mentor/?s={token}").status_code == 200
    assert (
        cookieless(app).get("/mentor/", headers={"X-PeerReady-Session": token}).status_code == 200
    )


def test_forged_session_token_is_refused(app: Flask, platform: TestPlatform) -> None:
    platform.launch(app.test_client())
    response = cookieless(app).get("/mentor/?s=forged.token.value")
    assert response.status_code == 401
    assert b"open PeerReady again" in response.data or b"Open PeerReady again" in response.data


def test_expired_session_token_is_refused(app: Flask, platform: TestPlatform) -> None:
    browser = app.test_client()
    location = platform.launch(browser).headers["Location"]
    token = location.split("s=", 1)[1]
    sid = URLSafeTimedSerializer(app.secret_key, salt="peerready-session").loads(token)

    class YesterdaySigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 24 * 3600

    old = URLSafeTimedSerializer(app.secret_key, salt="peerready-session", signer=YesterdaySigner)
    response = cookieless(app).get(f"/mentor/?s={old.dumps(sid)}")
    assert response.status_code == 401


def test_session_cookie_is_partitioned_and_cross_site_over_https(
    app: Flask, platform: TestPlatform
) -> None:
    browser = app.test_client()
    login = platform.login(browser)
    token = platform.sign(platform.claims(login.nonce))
    response = browser.post(
        "/lti/launch", data={"id_token": token, "state": login.state}, base_url="https://tool.test"
    )
    assert response.status_code in (303, 401)  # the state cookie was set over http
    secure_login = browser.post(
        "/lti/login",
        data={"iss": platform.issuer, "login_hint": "42", "client_id": platform.client_id},
        base_url="https://tool.test",
    )
    cookie = secure_login.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie
