"""Web attacks refused: CSRF on every state-changing route, XSS through what platforms send,
open redirects in the OIDC flow, cross-platform data, and the headers every response carries.

The CSRF test enumerates the app's POST routes from ``app.url_map``: a new route is checked (or
must be added to EXEMPT with its reason) without anyone remembering to write a test for it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask import current_app
from flask import url_for
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Deployment
from lti_tool.models import ModuleProgress
from lti_tool.models import Platform
from lti_tool.models import User
from tests.support.platform import TestPlatform

MODULE = "secondary-listening-well"
SCRIPT = "<script>alert('pwned')</script>"

# POST routes without Flask-WTF's token, and what protects each instead.
EXEMPT = {
    "lti.login": "OIDC login initiation: the platform posts it cross-site; it changes nothing but "
                 "a one-use state, and is rate-limited",
    "lti.launch": "the platform's form_post: the signed id_token, its one-use state and nonce",
    "lti.verify_state": "second half of a cookie-less launch: a one-use ticket bound to the state",
    "registration.finish": "dynamic registration: the platform's one-time registration_token",
    "mentor.record_progress": "the player's JSON: needs the session token in a header or the URL, "
                              "which a cross-site form cannot know",
    "session.presence": "the pagehide beacon: needs the session token in the URL, which a "
                        "cross-site form cannot know; it only marks the page as left",
}
# The role whose session could otherwise use each checked route.
ROLE_FOR = {"mentor": "Learner", "trainer": "Instructor", "admin": "Administrator",
            "classroom": "Instructor", "session": "Learner"}


def post_routes(app: Flask) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def url_of(endpoint: str, platform_id: int) -> str:
    args = {"platform_id": platform_id, "endpoint_id": 1, "module_id": MODULE,
            "checkpoint_id": "check-1", "attempt_id": 1, "quiz_id": "boundaries", "user_id": 1,
            "certification_id": 1, "number": 1, "programme_id": "peer-support-in-your-school",
            "code": "no-such-code", "scope": "person", "item_id": 1}
    rule = next(iter(current_app.url_map.iter_rules(endpoint=endpoint)))
    with current_app.test_request_context():
        return url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})


def test_every_post_route_is_either_csrf_checked_or_exempt_with_a_reason(app: Flask) -> None:
    routes = post_routes(app)
    assert set(EXEMPT) <= set(routes), "an exemption names a route that no longer exists"
    unchecked = [r for r in routes if r not in EXEMPT and r.split(".")[0] not in ROLE_FOR]
    assert unchecked == [], f"POST routes with no CSRF check here: {unchecked}"


def test_state_changing_posts_without_a_csrf_token_are_refused_even_with_a_session(
    app: Flask, platform: TestPlatform
) -> None:
    platform_id = db.session.scalar(select(Platform.id))
    checked = [r for r in post_routes(app) if r not in EXEMPT]
    assert len(checked) >= 8
    form = {"deployment_id": "evil-deployment", "confirm": "yes", "name": "x", "url": "https://x.test/",
            "choice": "a", "send_names": "on", "token": "x", "content": MODULE}
    for endpoint in checked:
        client = app.test_client()  # a victim's browser: it holds a real session cookie
        launched = platform.launch(client, role=ROLE_FOR[endpoint.split(".")[0]])
        assert launched.status_code == 303
        response = client.post(url_of(endpoint, platform_id), data=form)
        assert response.status_code == 400, endpoint
        assert b"This form has expired" in response.data, endpoint
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Platform.id))) == 1  # admin.remove did nothing
    assert db.session.scalar(select(Deployment.id).filter_by(deployment_id="evil-deployment")) is None


def test_progress_post_with_only_the_session_cookie_is_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    assert platform.launch(client).status_code == 303  # the cookie is now in this "browser"
    response = client.post(f"/mentor/modules/{MODULE}/progress",
                           json={"player_session": "p1", "segments": [[0, 50]], "events": []})
    assert response.status_code == 401
    assert db.session.scalar(select(func.count(ModuleProgress.id))) == 0


# --- XSS --------------------------------------------------------------------------------------


def test_script_in_names_titles_and_custom_parameters_is_shown_as_text(
    client: FlaskClient, platform: TestPlatform
) -> None:
    launched = platform.launch(
        client, name=SCRIPT, given_name=SCRIPT,
        context={"id": "course-1", "label": SCRIPT, "title": SCRIPT},
        resource_link={"id": "resource-7", "title": SCRIPT},
        custom={"module": SCRIPT, "programme": SCRIPT},
    )
    assert launched.status_code == 303
    page = client.get(launched.headers["Location"], follow_redirects=True)
    assert page.status_code in (200, 404)
    assert SCRIPT.encode() not in page.data
    stored = db.session.scalar(select(User.display_name))
    assert stored == SCRIPT  # kept as the platform sent it: escaping happens when it is shown
    trainer = app_client_launch(client, platform, "Instructor", SCRIPT)
    assert SCRIPT.encode() not in trainer.data
    assert b"&lt;script&gt;" in trainer.data


def app_client_launch(client: FlaskClient, platform: TestPlatform, role: str, text: str) -> Any:
    launched = platform.launch(client, role=role, name=text, sub="teacher-1",
                               context={"id": "course-1", "label": text, "title": text})
    assert launched.status_code == 303
    page = client.get(launched.headers["Location"])
    assert page.status_code == 200
    return page


def test_script_in_login_parameters_is_not_reflected(client: FlaskClient, platform: TestPlatform) -> None:
    for params in ({"iss": SCRIPT}, {"client_id": SCRIPT}, {"target_link_uri": SCRIPT}):
        response = platform.login(client, **params).response
        assert response.status_code in (400, 401, 404)
        assert SCRIPT.encode() not in response.data
        assert b"<script" not in response.data.replace(b'<script src="', b"")


def test_script_in_a_module_id_is_not_reflected(client: FlaskClient, platform: TestPlatform) -> None:
    launched = platform.launch(client)
    token = launched.headers["Location"].split("s=", 1)[1]
    response = client.get(f"/mentor/modules/{SCRIPT}?s={token}")
    assert response.status_code == 404
    assert SCRIPT.encode() not in response.data


# --- open redirects --------------------------------------------------------------------------


def test_login_redirects_only_to_the_registered_platform_and_back_to_this_tool(
    client: FlaskClient, platform: TestPlatform
) -> None:
    login = platform.login(client, redirect_uri="https://evil.test/steal",
                           auth_login_url="https://evil.test/auth", lti_message_hint="x")
    location = urlsplit(login.response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == platform.issuer + "/mod/lti/auth.php"
    assert parse_qs(location.query)["redirect_uri"] == ["http://tool.test/lti/launch"]


@pytest.mark.parametrize("target", [
    "https://evil.test/lti/launch", "//evil.test/lti/launch", "http://tool.test.evil.test/lti/launch",
    "javascript:alert(1)",
])
def test_login_with_a_target_elsewhere_is_refused(
    client: FlaskClient, platform: TestPlatform, target: str
) -> None:
    response = platform.login(client, target_link_uri=target).response
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_new_window_link_offered_for_blocked_cookies_stays_on_this_tool(
    app: Flask, platform: TestPlatform
) -> None:
    client = app.test_client(use_cookies=False)  # cookies blocked, no platform storage
    login = platform.login(client, lti_storage_target=None)
    token = platform.sign(platform.claims(login.nonce))
    response = client.post("/lti/launch", data={"id_token": token, "state": login.state})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    links = [part.split('"', 1)[0] for part in page.split('href="')[1:]]
    assert links and all(link.startswith(("/", "#", "http://tool.test/")) for link in links), links


# --- one platform cannot reach another's data ----------------------------------------------


def test_the_same_user_and_course_ids_on_two_platforms_are_different_people(
    app: Flask, platform: TestPlatform
) -> None:
    other = TestPlatform(issuer="https://other-trust.test", client_id="client-xyz")
    other.register()
    first, second = app.test_client(), app.test_client()
    token_x = platform.launch(first).headers["Location"].split("s=", 1)[1]
    token_y = other.launch(second).headers["Location"].split("s=", 1)[1]  # same sub, same course id
    posted = first.post(f"/mentor/modules/{MODULE}/progress?s={token_x}",
                        json={"player_session": "p1", "segments": [[0, 60]], "events": []})
    assert posted.status_code == 200
    seen_by_y = second.post(f"/mentor/modules/{MODULE}/progress?s={token_y}",
                            json={"player_session": "p1", "segments": [], "events": []})
    assert seen_by_y.get_json()["seconds"] == 0
    assert db.session.scalar(select(func.count(User.id))) == 2
    assert db.session.scalar(select(func.count(Context.id))) == 2
    # A session token of platform X used with platform Y's session cookie still means X's user.
    mixed = second.post(f"/mentor/modules/{MODULE}/progress?s={token_x}",
                        json={"player_session": "p1", "segments": [], "events": []})
    assert mixed.get_json()["seconds"] == 60


# --- headers ---------------------------------------------------------------------------------


def test_every_kind_of_response_carries_the_security_headers(
    client: FlaskClient, platform: TestPlatform
) -> None:
    launched = platform.launch(client)
    token = launched.headers["Location"].split("s=", 1)[1]
    responses = {
        "page": client.get(launched.headers["Location"]),
        "json": client.post(f"/mentor/modules/{MODULE}/progress?s={token}",
                            json={"player_session": "p1", "segments": [], "events": []}),
        "error page": client.get("/mentor/"),  # no session: 401 page
        "not found": client.get("/no-such-page"),
        "launch refusal": client.post("/lti/launch", data={"id_token": "x", "state": "y"}),
    }
    for kind, response in responses.items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        assert headers["Referrer-Policy"] == "same-origin", kind
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'self' https://moodle.school.test" in csp, kind
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, kind
        assert "Strict-Transport-Security" not in headers, kind  # plain HTTP here
    assert responses["page"].headers["Cache-Control"] == "no-store"
