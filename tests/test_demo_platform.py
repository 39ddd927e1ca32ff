"""The development demo platform launches PeerReady through the real OIDC flow, and exists only
in development."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urlencode
from urllib.parse import urljoin

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.demo.class_list import NEVER_LAUNCHED
from lti_tool.demo.platform import ROLES
from lti_tool.demo.views import NRPS_SCOPE
from lti_tool.extensions import db
from lti_tool.models import Enrollment
from lti_tool.store import get_store
from tests.support.http_server import running

FIELD = r'name="{}" value="([^"]+)"'


def field(page: str, name: str) -> str:
    found = re.search(FIELD.format(name), page)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def demo_launch(
    client: FlaskClient, person: str, resource: str = "training", base: str = ""
) -> str:
    """Follow the demo exactly as a browser does; return the page PeerReady lands on.

    ``base`` is the app's address when it has one (PUBLIC_BASE_URL), so cookies stay on one host.
    """
    course = client.get(f"{base}/demo/course?as={person}&resource={resource}").get_data(
        as_text=True
    )
    login_url = html.unescape(re.search(r'<iframe id="tool-frame" src="([^"]+)"', course).group(1))
    # The platform offers Platform Storage; the browser's script stores the state, then goes on.
    stored = client.get(login_url).get_data(as_text=True)
    auth_url = html.unescape(re.search(r'data-continue="([^"]+)"', stored).group(1))
    autopost = client.get(auth_url).get_data(as_text=True)
    launch = client.post(
        f"{base}/lti/launch",
        data={"id_token": field(autopost, "id_token"), "state": field(autopost, "state")},
    )
    assert launch.status_code == 303, launch.get_data(as_text=True)
    return client.get(urljoin(f"{base}/", launch.headers["Location"])).get_data(as_text=True)


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


# --- the demo platform's class list (NRPS) ---------------------------------------------------

MEMBERS_URL = "/demo/courses/demo-course/memberships"


def test_demo_memberships_need_a_token_and_page_like_moodle(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    demo_app = make_app(ENVIRONMENT="development", DEMO_PLATFORM=True)
    client = demo_app.test_client()
    with demo_app.app_context():
        assert client.get(MEMBERS_URL).status_code == 401
        get_store().set("demo-token:ags-only", {"scopes": []}, 60)
        refused = client.get(MEMBERS_URL, headers={"Authorization": "Bearer ags-only"})
        assert refused.status_code == 401 and "invalid_token" in refused.headers["WWW-Authenticate"]
        get_store().set("demo-token:t1", {"scopes": [NRPS_SCOPE]}, 60)
        auth = {"Authorization": "Bearer t1"}
        first = client.get(f"{MEMBERS_URL}?limit=4", headers=auth)
        assert first.mimetype == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        assert [m["user_id"] for m in first.json["members"]] == [
            "demo-pupil-secondary", "demo-pupil-primary", "demo-staff-trainee", "demo-trainer"]
        following = requests.utils.parse_header_links(first.headers["Link"])[0]
        assert following["rel"] == "next" and following["url"].endswith("?limit=4&from=4")
        query = urlencode({"limit": 100, "role": ROLES + "Learner"})
        learners = client.get(f"{MEMBERS_URL}?{query}", headers=auth)
        names = [m.get("name") for m in learners.json["members"]]
        assert "Aisha Begum" in names and "Ms Patel" not in names  # never launched; a trainer
        assert "Link" not in learners.headers  # everything on one page: no next link
        assert client.get("/demo/courses/other/memberships", headers=auth).status_code == 404


def test_demo_trainer_dashboard_lists_the_class_with_pupils_who_never_launched(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    """The tool fetches the roster over real HTTP from the demo platform it serves itself.

    The app runs on a threaded server on 127.0.0.1 (as ``bin/serve`` runs it); the browser is
    the test client. On SQLite this also shows the dashboard holds no database transaction
    while it waits for the platform (the platform needs the same database to answer).
    """
    demo_app = make_app(ENVIRONMENT="development", DEMO_PLATFORM=True)
    with running(demo_app), demo_app.app_context():
        demo_app.config["PUBLIC_BASE_URL"] = demo_app.base_url  # type: ignore[attr-defined]
        result = demo_app.test_cli_runner().invoke(args=[
            "seed", "demo-course", "--learners", "60", "--seed", "5",
        ])
        assert result.exit_code == 0, result.output
        client = demo_app.test_client()
        base = demo_app.base_url  # type: ignore[attr-defined]
        home = demo_launch(client, "trainer", base=base)
        found = re.search(r'href="([^"]*/trainer/dashboard[^"]*)"', home)
        dashboard_url = html.unescape(found.group(1))
        page = client.get(urljoin(f"{base}/", dashboard_url)).get_data(as_text=True)
        assert "Class list from your platform" in page, page[:2000]
        rows = re.findall(
            r'<th scope="row">(?:<a [^>]*>)?([^<]+).*?</th>\s*'
            r'<td><span class="status status-([a-z-]+)',
            page,
        )
        statuses = dict(rows)
        assert statuses["Aisha Begum"] == "not-started"  # on the class list, never launched
        # Every seeded mentor is listed, those without an enrolment here too (second page on).
        assert sum(1 for n in statuses if n not in {name for _, name in NEVER_LAUNCHED}) >= 60
        assert "Ms Patel" not in statuses and "Mrs Okafor" not in statuses
