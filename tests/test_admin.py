"""Who may open the admin pages, and what the add-deployment and remove forms do."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Deployment
from lti_tool.models import Platform
from lti_tool.services import admin_links
from tests.support.platform import TestPlatform

OTHER_ISSUER = "https://other-school.test"


def _link_path(runner: FlaskCliRunner) -> str:
    url = urlsplit(runner.invoke(args=["admin", "link"]).stdout.strip())
    return f"{url.path}?{url.query}"


def _use_link(client: FlaskClient, path: str) -> Any:
    """Open the link (a confirmation page), then press Sign in (which spends it)."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    form = page.get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', form)
    action = re.search(r'<form method="post" action="([^"]+)"', form)
    assert token and action
    return client.post(
        action.group(1).replace("&amp;", "&"),
        data={"token": token.group(1), "csrf_token": _csrf_token(form)},
    )


def _sign_in_as_tool_admin(client: FlaskClient, runner: FlaskCliRunner) -> None:
    response = _use_link(client, _link_path(runner))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin/?s=")


def _platform_id(issuer: str) -> int:
    return db.session.scalars(select(Platform.id).filter_by(issuer=issuer)).one()


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no CSRF token"
    return match.group(1)


@pytest.fixture
def other_platform(platform: TestPlatform) -> TestPlatform:
    other = TestPlatform(issuer=OTHER_ISSUER, client_id="other-client", deployment_id="99")
    other.register()
    return other


def test_tool_admin_link_signs_in_and_shows_every_platform_and_the_keys(
    client: FlaskClient, runner: FlaskCliRunner, platform: TestPlatform, other_platform: TestPlatform
) -> None:
    _sign_in_as_tool_admin(client, runner)
    page = client.get("/admin/").get_data(as_text=True)
    assert "PeerReady administration" in page
    assert platform.issuer in page
    assert OTHER_ISSUER in page
    assert "The tool&#39;s signing keys" in page or "The tool's signing keys" in page
    assert "http://tool.test/lti/register" in page
    assert "flask platform add --issuer" in page


def test_opening_an_admin_link_does_not_spend_it(
    client: FlaskClient, runner: FlaskCliRunner, app: Flask
) -> None:
    path = _link_path(runner)
    preview = app.test_client().get(path)  # e.g. a chat app previewing the link
    assert preview.status_code == 200
    assert b"Sign in" in preview.data
    assert _use_link(client, path).status_code == 303


def test_admin_link_works_once(client: FlaskClient, runner: FlaskCliRunner, app: Flask) -> None:
    path = _link_path(runner)
    assert _use_link(client, path).status_code == 303
    again = _use_link(app.test_client(), path)
    assert again.status_code == 401
    assert b"This admin link was already used." in again.data
    assert app.test_client().get("/admin/").status_code == 401


def test_forged_admin_link_is_refused(client: FlaskClient, runner: FlaskCliRunner) -> None:
    path = _link_path(runner)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = client.get(forged)
    assert response.status_code == 401
    assert b"not valid or has expired" in response.data
    other_secret = URLSafeTimedSerializer("guessed-secret", salt="peerready-admin-link").dumps("x")
    assert client.get(f"/admin/login?token={other_secret}").status_code == 401
    assert client.get("/admin/").status_code == 401


class _SixteenMinutesAgo(TimestampSigner):
    """Signs as if the link had been printed 16 minutes ago (time-travel, no sleeping)."""

    def get_timestamp(self) -> int:
        return super().get_timestamp() - admin_links.LINK_SECONDS - 60


def test_expired_admin_link_is_refused(client: FlaskClient, app: Flask) -> None:
    old = URLSafeTimedSerializer(app.secret_key, salt="peerready-admin-link", signer=_SixteenMinutesAgo)
    response = client.get(f"/admin/login?token={old.dumps('nonce-1')}")
    assert response.status_code == 401
    assert b"not valid or has expired" in response.data
    assert client.get("/admin/").status_code == 401


def test_school_admin_sees_only_their_own_platform(
    client: FlaskClient, platform: TestPlatform, other_platform: TestPlatform
) -> None:
    assert platform.launch(client, role="Administrator").status_code == 303
    page = client.get("/admin/").get_data(as_text=True)
    assert page.count(platform.issuer) >= 1
    assert OTHER_ISSUER not in page
    assert "signing keys" not in page
    assert "flask platform add" not in page  # a school admin cannot run the tool's commands
    assert "whoever runs PeerReady for your school" in page
    own = client.get(f"/admin/platforms/{_platform_id(platform.issuer)}")
    assert own.status_code == 200
    assert platform.client_id in own.get_data(as_text=True)
    assert "Remove this registration" not in own.get_data(as_text=True)

    foreign = client.get(f"/admin/platforms/{_platform_id(OTHER_ISSUER)}")
    assert foreign.status_code == 403
    assert OTHER_ISSUER.encode() not in foreign.data
    assert b"other-client" not in foreign.data
    assert client.get("/admin/platforms/99999").status_code == 403  # no probing for ids


def test_school_admin_cannot_add_deployments_to_another_platform(
    client: FlaskClient, platform: TestPlatform, other_platform: TestPlatform
) -> None:
    platform.launch(client, role="Administrator")
    own = client.get(f"/admin/platforms/{_platform_id(platform.issuer)}").get_data(as_text=True)
    other_id = _platform_id(OTHER_ISSUER)
    response = client.post(f"/admin/platforms/{other_id}/deployments",
                           data={"deployment_id": "666", "csrf_token": _csrf_token(own)})
    assert response.status_code == 403
    response = client.post(f"/admin/platforms/{other_id}/remove",
                           data={"confirm_issuer": OTHER_ISSUER, "csrf_token": _csrf_token(own)})
    assert response.status_code == 403
    assert db.session.scalars(select(Deployment.deployment_id).filter_by(platform_id=other_id)).all() == ["99"]


@pytest.mark.parametrize("role", ["Learner", "Instructor", "TeachingAssistant"])
def test_mentors_and_teachers_are_refused_the_admin_pages(
    client: FlaskClient, platform: TestPlatform, role: str
) -> None:
    platform.launch(client, role=role)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert b"This page isn" in response.data
    assert client.get(f"/admin/platforms/{_platform_id(platform.issuer)}").status_code == 403


def test_admin_page_without_a_session_asks_to_open_peerready_again(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 401
    assert b"Open PeerReady again from your course" in response.data


def _platform_page(client: FlaskClient, platform_id: int) -> str:
    response = client.get(f"/admin/platforms/{platform_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_add_deployment_form_adds_one_with_the_csrf_token(
    client: FlaskClient, platform: TestPlatform
) -> None:
    platform.launch(client, role="Administrator")
    platform_id = _platform_id(platform.issuer)
    token = _csrf_token(_platform_page(client, platform_id))
    response = client.post(f"/admin/platforms/{platform_id}/deployments",
                           data={"deployment_id": " 12 ", "csrf_token": token})
    assert response.status_code == 303
    assert "Deployment added." in _platform_page(client, platform_id)
    assert sorted(db.session.scalars(select(Deployment.deployment_id))) == ["1", "12"]


def test_add_deployment_without_the_csrf_token_is_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    platform.launch(client, role="Administrator")
    platform_id = _platform_id(platform.issuer)
    response = client.post(f"/admin/platforms/{platform_id}/deployments", data={"deployment_id": "12"})
    assert response.status_code == 400
    assert b"This form has expired" in response.data
    assert db.session.scalars(select(Deployment.deployment_id)).all() == ["1"]


def test_remove_needs_the_issuer_typed_exactly(
    client: FlaskClient, runner: FlaskCliRunner, platform: TestPlatform, other_platform: Any
) -> None:
    _sign_in_as_tool_admin(client, runner)
    platform_id = _platform_id(platform.issuer)
    token = _csrf_token(_platform_page(client, platform_id))
    refused = client.post(f"/admin/platforms/{platform_id}/remove",
                          data={"confirm_issuer": "moodle.school.test", "csrf_token": token})
    assert refused.status_code == 303
    assert "Type the issuer exactly" in _platform_page(client, platform_id)
    assert db.session.get(Platform, platform_id) is not None

    removed = client.post(f"/admin/platforms/{platform_id}/remove",
                          data={"confirm_issuer": platform.issuer, "csrf_token": token})
    assert removed.status_code == 303
    assert f"Removed {platform.issuer}." in client.get(removed.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Platform.issuer)).all() == [OTHER_ISSUER]


def test_remove_is_refused_until_the_school_data_is_erased_from_its_data_page(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, platform: TestPlatform,
    other_platform: Any,
) -> None:
    assert platform.launch(app.test_client(), sub="pupil-1").status_code == 303  # a pupil's data
    _sign_in_as_tool_admin(client, runner)
    platform_id = _platform_id(platform.issuer)
    page = _platform_page(client, platform_id)
    erase_url = f"/admin/platforms/{platform_id}/privacy/erase/school/{platform_id}"
    assert erase_url in page and "Remove registration</button>" not in page  # the way, not the button
    refused = client.post(f"/admin/platforms/{platform_id}/remove",
                          data={"confirm_issuer": platform.issuer, "csrf_token": _csrf_token(page)})
    assert refused.status_code == 303
    explained = _platform_page(client, platform_id)
    assert "still holds 1 person, 1 course and 2 learning records" in explained
    assert "Erase the school&#39;s data first" in explained
    assert db.session.get(Platform, platform_id) is not None

    erase_page = client.get(erase_url).get_data(as_text=True)
    erased = client.post(erase_url, data={"confirm": platform.issuer,
                                          "csrf_token": _csrf_token(erase_page)})
    assert erased.status_code == 303
    page = _platform_page(client, platform_id)
    assert "Remove registration</button>" in page
    removed = client.post(f"/admin/platforms/{platform_id}/remove",
                          data={"confirm_issuer": platform.issuer, "csrf_token": _csrf_token(page)})
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Platform.issuer)).all() == [OTHER_ISSUER]
