"""The development demo platform launches PeerReady through the real OIDC flow, and exists only
in development."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Enrollment

FIELD = r'name="{}" value="([^"]+)"'


def field(page: str, name: str) -> str:
    found = re.search(FIELD.format(name), page)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def demo_launch(client: FlaskClient, person: str, resource: str = "training") -> str:
    """Follow the demo exactly as a browser does; return the page PeerReady lands on."""
    course = client.get(f"/demo/course?as={person}&resource={resource}").get_data(as_text=True)
    login_url = html.unescape(re.search(r'<iframe id="tool-frame" src="([^"]+)"', course).group(1))
    # The platform offers Platform Storage; the browser's script stores the state, then goes on.
    stored = client.get(login_url).get_data(as_text=True)
    auth_url = html.unescape(re.search(r'data-continue="([^"]+)"', stored).group(1))
    autopost = client.get(auth_url).get_data(as_text=True)
    launch = client.post(
        "/lti/launch",
        data={"id_token": field(autopost, "id_token"), "state": field(autopost, "state")},
    )
    assert launch.status_code == 303, launch.get_data(as_text=True)
    return client.get(launch.headers["Location"]).get_data(as_text=True)


def test_demo_launches_each_person_to_their_page(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    demo_app = make_app(ENVIRONMENT="development", DEMO_PLATFORM=True)
    client = demo_app.test_client()
    with demo_app.app_context():
        index = client.get("/demo/").get_data(as_text=True)
        assert "Open PeerReady as Sam Taylor" in index
        assert "Your peer mentor training" in demo_launch(client, "pupil-secondary")
        primary = demo_launch(client, "pupil-primary")
        assert "Becoming a peer supporter" in primary  # the primary programme's wording
        assert "Trainer home" in demo_launch(client, "trainer")
        roles = sorted(db.session.scalars(select(Enrollment.role)))
    assert roles == ["mentor", "mentor", "trainer"]


def test_demo_deep_linking_round_trip_is_verified_by_the_demo(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    demo_app = make_app(ENVIRONMENT="development", DEMO_PLATFORM=True)
    client = demo_app.test_client()
    with demo_app.app_context():
        picker = demo_launch(client, "trainer", resource="deep-link")
        assert "Add PeerReady training to your course" in picker
        action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', picker).group(1))
        choice = html.unescape(re.search(r'name="item" value="([^"]+)"', picker).group(1))
        response = client.post(
            action, data={"csrf_token": field(picker, "csrf_token"), "item": choice}
        )
        page = response.get_data(as_text=True)
        returned = client.post(
            html.unescape(re.search(r'<form[^>]+action="([^"]+)"', page).group(1)),
            data={"JWT": field(page, "JWT")},
        )
    assert returned.status_code == 200
    assert "Content added to the course" in returned.get_data(as_text=True)


def test_no_demo_outside_development(make_app: Callable[..., Flask], app: Flask) -> None:
    production_like = make_app(ENVIRONMENT="production", DEMO_PLATFORM=True)
    assert production_like.test_client().get("/demo/").status_code == 404
