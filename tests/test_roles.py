"""Each LTI role lands on the right page; pages refuse the wrong role."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.platform import TestPlatform

DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("Learner", "/mentor/"),
        ("Instructor", "/trainer/"),
        ("TeachingAssistant", "/trainer/"),
        ("ContentDeveloper", "/trainer/"),
        ("Administrator", "/trainer/"),
        # Google Classroom's teacher role, and Moodle NRPS's short names.
        ("teacher", "/trainer/"),
        ("Instructor", "/trainer/"),
    ],
)
def test_role_lands_on_its_home(
    client: FlaskClient, platform: TestPlatform, role: str, home: str
) -> None:
    response = platform.launch(client, role=role)
    assert response.status_code == 303
    assert response.headers["Location"].split("?")[0] == home


def test_mentor_cannot_open_trainer_pages(client: FlaskClient, platform: TestPlatform) -> None:
    location = platform.launch(client, role="Learner").headers["Location"]
    token = location.split("s=", 1)[1]
    response = client.get(f"/trainer/?s={token}")
    assert response.status_code == 403
    assert b"isn" in response.data  # "This page isn't for you"


def test_trainer_cannot_open_mentor_pages(client: FlaskClient, platform: TestPlatform) -> None:
    location = platform.launch(client, role="Instructor").headers["Location"]
    token = location.split("s=", 1)[1]
    assert client.get(f"/mentor/?s={token}").status_code == 403


def deep_link_claims() -> dict[str, object]:
    return {
        "message_type": "LtiDeepLinkingRequest",
        "resource_link": None,
        DEEP_LINKING: {
            "deep_link_return_url": "https://moodle.school.test/mod/lti/contentitem_return.php",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
        },
    }


def test_teacher_deep_linking_launch_opens_the_picker(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, role="Instructor", **deep_link_claims())
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/trainer/deep-link?s=")


def test_learner_deep_linking_launch_is_refused(
    client: FlaskClient, platform: TestPlatform
) -> None:
    response = platform.launch(client, role="Learner", **deep_link_claims())
    assert response.status_code == 403
