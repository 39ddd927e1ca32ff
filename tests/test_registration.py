"""LTI Dynamic Registration as Moodle 4.1+ runs it ("Add tool by URL"), against a fake Moodle.

The fake Moodle (tests/support/moodle.py) is a real HTTP server on 127.0.0.1 standing in for a
school's Moodle, which can't run here; the tool talks to it over HTTP exactly as it would to
Moodle's ``mod/lti/openid-configuration.php`` and ``openid-registration.php``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Deployment
from lti_tool.models import Platform
from tests.support.moodle import PLATFORM_CONFIG
from tests.support.moodle import TOOL_CONFIG
from tests.support.moodle import FakeMoodle
from tests.support.platform import TestPlatform

STATIC = Path(__file__).resolve().parent.parent / "lti_tool" / "static"


def _register_url(moodle: FakeMoodle, **extra: str) -> str:
    query = {"openid_configuration": moodle.configuration_url,
             "registration_token": moodle.registration_token, **extra}
    return "/lti/register?" + urlencode(query)


def _confirm(client: FlaskClient, moodle: FakeMoodle, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/lti/register", data={
        "openid_configuration": moodle.configuration_url,
        "registration_token": moodle.registration_token,
        **extra,
    })


def _platform_count() -> int:
    return db.session.scalar(select(func.count(Platform.id))) or 0


def test_register_page_names_the_platform_and_the_claims_asked(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    response = client.get(_register_url(moodle))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert moodle.base_url in page
    assert "moodle 4.1.9" in page
    assert "name, given_name, family_name" in page
    assert "does not ask for e-mail" in page
    assert f'value="{moodle.registration_token}"' in page
    assert _platform_count() == 0  # looking is not registering
    assert moodle.registrations == []


def test_confirming_stores_the_platform_with_its_urls_client_and_deployment(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    response = _confirm(client, moodle)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "PeerReady is registered" in page
    assert moodle.client_id in page
    stored = db.session.scalars(select(Platform)).one()
    assert stored.issuer == moodle.base_url
    assert stored.client_id == moodle.client_id
    assert stored.auth_login_url == f"{moodle.base_url}/mod/lti/auth.php"
    assert stored.auth_token_url == f"{moodle.base_url}/mod/lti/token.php"
    assert stored.key_set_url == f"{moodle.base_url}/mod/lti/certs.php"
    assert stored.key_set is None
    assert stored.registered_via == "dynamic"
    assert stored.product_family_code == "moodle"
    assert [d.deployment_id for d in stored.deployments] == ["7"]


def test_platform_receives_a_complete_registration_request_without_email(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    _confirm(client, moodle)
    (sent,) = moodle.registrations
    assert sent["initiate_login_uri"] == "http://tool.test/lti/login"
    assert sent["redirect_uris"] == ["http://tool.test/lti/launch"]
    assert sent["jwks_uri"] == "http://tool.test/lti/jwks"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert sent["response_types"] == ["id_token"]
    assert set(sent["grant_types"]) == {"implicit", "client_credentials"}
    assert set(sent["scope"].split()) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }
    tool = sent[TOOL_CONFIG]
    assert tool["domain"] == "tool.test"
    assert tool["target_link_uri"] == "http://tool.test/lti/launch"
    assert "email" not in tool["claims"]
    assert {"iss", "sub"} <= set(tool["claims"])
    assert {m["type"] for m in tool["messages"]} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}


def test_done_page_tells_the_platform_window_to_close(client: FlaskClient, moodle: FakeMoodle) -> None:
    page = _confirm(client, moodle).get_data(as_text=True)
    assert '<script src="/static/registration-done.js" defer></script>' in page
    script = (STATIC / "registration-done.js").read_text(encoding="utf-8")
    assert 'postMessage({subject: "org.imsglobal.lti.close"}, "*")' in script
    with client.get("/static/registration-done.js") as served:
        assert served.status_code == 200


def test_registering_platform_may_show_the_pages_in_its_iframe(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    # Moodle's "Add LTI Advantage" opens the registration URL in an iframe on its admin page.
    for response in (client.get(_register_url(moodle)), _confirm(client, moodle)):
        policy = response.headers["Content-Security-Policy"]
        assert policy.endswith(f"frame-ancestors 'self' {moodle.base_url}")
        assert "script-src 'self';" in policy
    assert _platform_count() == 1
    elsewhere = client.get("/lti/register?openid_configuration=https://elsewhere.test/x")
    assert "127.0.0.1" not in elsewhere.headers["Content-Security-Policy"]


def test_newly_registered_platform_launches_with_keys_fetched_from_its_jwks_uri(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    _confirm(client, moodle)
    school = TestPlatform(issuer=moodle.base_url, client_id=moodle.client_id,
                          deployment_id=moodle.deployment_id, key=moodle.key,
                          key_set_url=f"{moodle.base_url}/mod/lti/certs.php")
    response = school.launch(client, role="Learner")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/mentor/")
    assert b"Your peer mentor training" in client.get(response.headers["Location"]).data
    assert "GET /mod/lti/certs.php" in moodle.requests


@pytest.mark.parametrize(
    ("knob", "value", "problem"),
    [
        ("config_overrides", {"issuer": "https://elsewhere.test"}, "does not match"),
        ("config_overrides", {"registration_endpoint": None}, "lacks registration_endpoint"),
        ("config_overrides", {"jwks_uri": ""}, "lacks jwks_uri"),
        ("config_body", "<html>Moodle maintenance</html>", "its answer is not JSON"),
        ("config_overrides", {"issuer": None}, "lacks issuer"),
        ("config_body", "[1, 2]", "not a JSON object"),
        ("config_overrides", {PLATFORM_CONFIG: "moodle"}, "lti-platform-configuration"),
        ("config_overrides", {"scopes_supported": "openid"}, "scopes_supported"),
        ("registration_status", 500, "refused the registration (500)"),
        ("registration_token", "stolen-token", "refused the registration (401)"),
        ("registration_body", "<html>ok</html>", "not JSON"),
        ("registration_body", json.dumps({"client_name": "PeerReady"}), "no client_id"),
        ("registration_body", json.dumps(["client-1"]), "not a JSON object"),
    ],
)
def test_registration_failure_shows_a_clear_400_page_and_stores_nothing(
    client: FlaskClient, moodle: FakeMoodle, knob: str, value: object, problem: str
) -> None:
    token = moodle.registration_token
    setattr(moodle, knob, value)
    response = client.post("/lti/register", data={
        "openid_configuration": moodle.configuration_url, "registration_token": token,
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Registration didn&#39;t work" in page or "Registration didn't work" in page
    assert problem in page.replace("&#39;", "'")
    assert _platform_count() == 0
    assert db.session.scalar(select(func.count(Deployment.id))) == 0


def test_issuer_that_is_only_a_text_prefix_of_the_configuration_host_is_refused(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    # http://127.0.0.1:4123 is a prefix of http://127.0.0.1:41234/...: another origin all the same.
    moodle.config_overrides = {"issuer": moodle.base_url[:-1]}
    response = _confirm(client, moodle)
    assert response.status_code == 400
    assert b"does not match" in response.data
    assert _platform_count() == 0
    assert moodle.registrations == []


def test_registration_with_an_unreachable_platform_shows_a_400_page(client: FlaskClient) -> None:
    with _closed_port() as port:
        response = client.get(f"/lti/register?openid_configuration=http://127.0.0.1:{port}/x")
    assert response.status_code == 400
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert f"could not read the platform's configuration at http://127.0.0.1:{port}/x" in page
    assert "nothing answered at that address" in page
    assert "HTTPConnectionPool" not in page  # no library internals on the page
    assert _platform_count() == 0


def test_registration_page_without_configuration_url_explains_itself(client: FlaskClient) -> None:
    response = client.get("/lti/register")
    assert response.status_code == 400
    assert b"openid_configuration" in response.data


def test_same_platform_registering_twice_is_refused_and_keeps_the_first(
    client: FlaskClient, moodle: FakeMoodle
) -> None:
    _confirm(client, moodle)
    response = _confirm(client, moodle)
    assert response.status_code == 400
    assert b"already registered" in response.data
    assert _platform_count() == 1


@pytest.fixture
def keyed_client(make_app) -> FlaskClient:  # type: ignore[no-untyped-def]
    app: Flask = make_app(REGISTRATION_KEY="s3cret-school-key")
    return app.test_client()


def test_registration_key_refuses_a_link_without_it(
    keyed_client: FlaskClient, moodle: FakeMoodle
) -> None:
    assert keyed_client.get(_register_url(moodle)).status_code == 403
    assert _confirm(keyed_client, moodle, key="wrong").status_code == 403
    assert _platform_count() == 0
    assert moodle.registrations == []


def test_registration_key_in_the_link_lets_registration_through(
    keyed_client: FlaskClient, moodle: FakeMoodle
) -> None:
    page = keyed_client.get(_register_url(moodle, key="s3cret-school-key"))
    assert page.status_code == 200
    assert b'name="key" value="s3cret-school-key"' in page.data
    assert _confirm(keyed_client, moodle, key="s3cret-school-key").status_code == 200
    assert _platform_count() == 1


class _closed_port:
    """A 127.0.0.1 port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        sock.close()
        return self.port

    def __exit__(self, *_: object) -> None:
        return None
