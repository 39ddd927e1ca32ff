"""Deep Linking: a teacher picks content, PeerReady returns a signed LtiDeepLinkingResponse."""

from __future__ import annotations

import re
from typing import Any

import jwt
from flask.testing import FlaskClient
from jwt import PyJWKSet

from tests.support.platform import TestPlatform
from tests.test_roles import DEEP_LINKING

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
RETURN_URL = "https://moodle.school.test/mod/lti/contentitem_return.php"


def deep_link_launch(client: FlaskClient, platform: TestPlatform, role: str = "Instructor",
                     accept_multiple: bool = True) -> Any:
    return platform.launch(
        client, role=role, message_type="LtiDeepLinkingRequest", resource_link=None,
        **{DEEP_LINKING: {
            "deep_link_return_url": RETURN_URL,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": accept_multiple,
            "data": "moodle-opaque-42",
        }},
    )


def picker(client: FlaskClient, platform: TestPlatform, **kwargs: Any) -> tuple[str, str]:
    response = deep_link_launch(client, platform, **kwargs)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return response.headers["Location"].split("s=", 1)[1], page.get_data(as_text=True)


def test_deep_linking_round_trip_returns_signed_items_with_custom_params_and_line_items(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token, page = picker(client, platform)
    for value in ("programme:becoming-a-peer-mentor-secondary", "module:secondary-listening-well",
                  "quiz:confidentiality"):
        assert f'value="{value}"' in page
    assert 'type="checkbox"' in page and "Primary" in page and "Staff" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    chosen = ["module:secondary-listening-well", "quiz:confidentiality",
              "programme:becoming-a-peer-mentor-secondary", "module:not-a-module"]
    response = client.post(f"/trainer/deep-link?s={token}", data={"csrf_token": csrf, "item": chosen})
    assert response.status_code == 200
    form = response.get_data(as_text=True)
    assert f'action="{RETURN_URL}"' in form and "autopost.js" in form and "<button" in form
    signed = re.search(r'name="JWT" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]

    key_set = PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json)
    kid = jwt.get_unverified_header(signed)["kid"]
    key = next(k for k in key_set.keys if k.key_id == kid)
    claims = jwt.decode(signed, key.key, algorithms=["RS256"], audience=platform.issuer)
    assert claims["iss"] == platform.client_id
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "moodle-opaque-42"
    items = {item["custom"]["peerready_target"]: item for item in claims[DL + "content_items"]}
    assert list(items) == chosen[:3]  # the unknown module is left out
    module = items["module:secondary-listening-well"]
    assert module["type"] == "ltiResourceLink" and module["title"] == "Listening well"
    assert module["text"].startswith("Good listening is the main skill")
    assert module["custom"] == {"peerready_target": "module:secondary-listening-well", "audience": "secondary"}
    assert "lineItem" not in module
    quiz = items["quiz:confidentiality"]
    assert quiz["lineItem"]["resourceId"] == "quiz:confidentiality"
    assert quiz["lineItem"]["scoreMaximum"] > 0 and quiz["lineItem"]["tag"] == "peerready-quiz"
    assert quiz["custom"]["audience"] == "primary"
    programme = items["programme:becoming-a-peer-mentor-secondary"]
    assert programme["lineItem"] == {"scoreMaximum": 100, "label": "Becoming a peer mentor",
                                     "resourceId": "programme:becoming-a-peer-mentor-secondary",
                                     "tag": "peerready-programme"}


def test_single_choice_platform_gets_radio_buttons_and_refuses_several(
    client: FlaskClient, platform: TestPlatform
) -> None:
    token, page = picker(client, platform, accept_multiple=False)
    assert 'type="radio"' in page and 'type="checkbox"' not in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(f"/trainer/deep-link?s={token}", data={
        "csrf_token": csrf, "item": ["quiz:confidentiality", "quiz:boundaries"]})
    assert response.status_code == 400
    assert b"JWT" not in response.data


def test_choosing_nothing_is_refused(client: FlaskClient, platform: TestPlatform) -> None:
    token, page = picker(client, platform)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(f"/trainer/deep-link?s={token}", data={"csrf_token": csrf}).status_code == 400


def test_a_mentor_cannot_open_the_picker(client: FlaskClient, platform: TestPlatform) -> None:
    location = platform.launch(client, role="Learner").headers["Location"]
    token = location.split("s=", 1)[1]
    assert client.get(f"/trainer/deep-link?s={token}").status_code == 403
    assert client.post(f"/trainer/deep-link?s={token}", data={"item": "quiz:confidentiality"}).status_code in (400, 403)


def test_picker_from_an_ordinary_launch_says_to_start_again(client: FlaskClient, platform: TestPlatform) -> None:
    token = platform.launch(client, role="Instructor").headers["Location"].split("s=", 1)[1]
    response = client.get(f"/trainer/deep-link?s={token}")
    assert response.status_code == 400
    assert b"Please start again from your course" in response.data
