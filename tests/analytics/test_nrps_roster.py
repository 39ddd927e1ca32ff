"""The roster client against a stand-in for Moodle's NRPS on 127.0.0.1.

``MoodleNrps`` plays the far side, which can't run here: Moodle's token endpoint (it checks the
client-credentials assertion's signature against the tool's published JWKS, as Moodle does)
and its membership service, with Moodle's habits: short role names, a mixed-case service path
and paging by ``Link: <…>; rel="next"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from lti_tool.analytics.nrps import MEMBERSHIP_MEDIA_TYPE
from lti_tool.analytics.nrps import NRPS_SCOPE
from lti_tool.analytics.nrps import RosterUnavailable
from lti_tool.analytics.nrps import fetch_roster
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import Platform
from lti_tool.services import keys
from tests.support.http_server import FakeServer
from tests.support.platform import TestPlatform

TOKEN_PATH = "/mod/lti/token.php"
MEMBERS_PATH = "/mod/lti/services.php/CourseSection/2/bindings/1/memberships"
TOKEN = "moodle-access-token-1"

PAGE_1 = [
    {"user_id": "u-1", "name": "Ava Teacher", "roles": ["Instructor"], "status": "Active"},
    {"user_id": "u-2", "name": "Ben Pupil", "roles": ["Learner"], "status": "Active"},
]
PAGE_2 = [
    {"user_id": "u-3", "roles": ["Learner"], "status": "Inactive"},  # name withheld
    {"user_id": "u-4", "name": "Cat Assistant",
     "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]},
]


@dataclass
class MoodleNrps:
    """Moodle's token endpoint and NRPS for one course, served by ``FakeServer``."""

    server: FakeServer
    client_id: str
    jwks: dict[str, Any]
    assertions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def token_url(self) -> str:
        return self.server.base_url + TOKEN_PATH

    @property
    def members_url(self) -> str:
        return self.server.base_url + MEMBERS_PATH

    def install(self) -> None:
        self.server.route("POST", TOKEN_PATH, self.token)
        self.server.route("GET", MEMBERS_PATH, self.members)

    def token(self, request: Request) -> Response:
        form = request.form
        try:
            assertion = form["client_assertion"]
            kid = jwt.get_unverified_header(assertion)["kid"]
            jwk = next(k for k in self.jwks["keys"] if k["kid"] == kid)
            claims = jwt.decode(
                assertion, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=self.token_url
            )
        except (KeyError, StopIteration, jwt.PyJWTError):
            return _json({"error": "invalid_client"}, 401)
        ok = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_assertion_type")
            == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            and claims["iss"] == claims["sub"] == self.client_id
            and NRPS_SCOPE in form.get("scope", "").split()
        )
        if not ok:
            return _json({"error": "invalid_request"}, 400)
        self.assertions.append(claims)
        return _json({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})

    def members(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json({"error": "invalid_token"}, 401)
        page_2 = request.args.get("page") == "2"
        members = PAGE_2 if page_2 else PAGE_1
        role = request.args.get("role")
        if role:  # Moodle filters on the role given as a URI, and sends short names back
            members = [m for m in members if role.rsplit("#", 1)[-1] in m["roles"]]
        body = {"id": self.members_url, "context": {"id": "2"}, "members": members}
        response = _json(body, media_type=MEMBERSHIP_MEDIA_TYPE)
        if not page_2:
            query = urlencode({"page": 2, **({"role": role} if role else {})})
            response.headers["Link"] = f'<{self.members_url}?{query}>; rel="next"'
        return response


def _json(body: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(json.dumps(body), status, mimetype=media_type)


@pytest.fixture
def moodle(app: Flask, platform: TestPlatform, fake_server: FakeServer) -> MoodleNrps:
    row = registered(platform)
    row.auth_token_url = fake_server.base_url + TOKEN_PATH
    db.session.commit()
    nrps = MoodleNrps(fake_server, platform.client_id, keys.jwks(db.session))
    nrps.install()
    return nrps


def registered(platform: TestPlatform) -> Platform:
    return db.session.scalars(select(Platform).where(Platform.issuer == platform.issuer)).one()


def test_roster_follows_next_links_and_maps_roles(
    moodle: MoodleNrps, platform: TestPlatform
) -> None:
    roster = fetch_roster(registered(platform), moodle.members_url)
    assert [(m.user_id, m.name, m.status, m.role) for m in roster.members] == [
        ("u-1", "Ava Teacher", "Active", Role.TRAINER),
        ("u-2", "Ben Pupil", "Active", Role.MENTOR),
        ("u-3", None, "Inactive", Role.MENTOR),
        ("u-4", "Cat Assistant", "Active", Role.TRAINER),  # TA: "Active" when status is absent
    ]
    assert roster.from_cache is False
    # Both pages were fetched, the second by the mixed-case URL from the Link header.
    assert moodle.server.hits(MEMBERS_PATH) == 2
    # One signed assertion, for this tool's client id, whose signature the JWKS verified.
    assert [a["iss"] for a in moodle.assertions] == [platform.client_id]


def test_role_filter_is_sent_to_the_platform(moodle: MoodleNrps, platform: TestPlatform) -> None:
    roster = fetch_roster(registered(platform), moodle.members_url, role="Learner")
    assert [m.user_id for m in roster.members] == ["u-2", "u-3"]
    sent = [r.args.get("role") for r in moodle.server.received if r.path == MEMBERS_PATH]
    assert sent == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"] * 2


def test_role_filter_also_applies_when_the_platform_ignores_it(
    moodle: MoodleNrps, platform: TestPlatform
) -> None:
    ignore_role = moodle.members

    def members_without_filter(request: Request) -> Response:
        request.args = request.args.copy()  # type: ignore[misc]
        request.args.pop("role", None)
        return ignore_role(request)

    moodle.server.route("GET", MEMBERS_PATH, members_without_filter)
    roster = fetch_roster(registered(platform), moodle.members_url, role="Instructor")
    assert [m.user_id for m in roster.members] == ["u-1"]


def test_second_call_uses_the_cache_and_refresh_fetches_again(
    moodle: MoodleNrps, platform: TestPlatform
) -> None:
    first = fetch_roster(registered(platform), moodle.members_url)
    requests_so_far = len(moodle.server.received)
    again = fetch_roster(registered(platform), moodle.members_url)
    assert len(moodle.server.received) == requests_so_far  # no request at all
    assert again.from_cache and again.members == first.members
    assert again.fetched_at == first.fetched_at
    fresh = fetch_roster(registered(platform), moodle.members_url, refresh=True)
    assert not fresh.from_cache
    assert moodle.server.hits(MEMBERS_PATH) == 4 and moodle.server.hits(TOKEN_PATH) == 2
    # A filtered roster is cached separately from the whole one.
    assert not fetch_roster(registered(platform), moodle.members_url, role="Learner").from_cache


def fail_with(status: int, body: str = "") -> Callable[[Request], Response]:
    return lambda _: Response(body or f"error {status}", status)


@pytest.mark.parametrize(
    ("path", "handler"),
    [
        (MEMBERS_PATH, fail_with(401, '{"error": "invalid_token"}')),
        (MEMBERS_PATH, fail_with(500)),
        (MEMBERS_PATH, lambda _: Response("<html>Moodle is upgrading</html>", 200)),
        (MEMBERS_PATH, lambda _: _json({"context": {"id": "2"}})),  # no members list
        (TOKEN_PATH, fail_with(401, '{"error": "invalid_client"}')),
        (TOKEN_PATH, lambda _: _json({"token_type": "Bearer"})),  # no access token
    ],
    ids=["members-401", "members-500", "not-json", "no-members", "token-401", "no-token"],
)
def test_platform_errors_give_the_roster_unavailable_error(
    moodle: MoodleNrps, platform: TestPlatform, path: str, handler: Callable[[Request], Response]
) -> None:
    method = "POST" if path == TOKEN_PATH else "GET"
    moodle.server.route(method, path, handler)
    with pytest.raises(RosterUnavailable) as caught:
        fetch_roster(registered(platform), moodle.members_url)
    assert caught.value.message == "The roster couldn't be fetched from your platform just now."


def test_a_tool_key_the_platform_does_not_know_is_refused(
    moodle: MoodleNrps, platform: TestPlatform
) -> None:
    moodle.jwks = {"keys": []}  # the platform has not (yet) fetched the tool's current key
    with pytest.raises(RosterUnavailable, match="refused"):
        fetch_roster(registered(platform), moodle.members_url)


def test_platform_down_gives_the_roster_unavailable_error(
    moodle: MoodleNrps, platform: TestPlatform
) -> None:
    row = registered(platform)
    row.auth_token_url = "http://127.0.0.1:9/mod/lti/token.php"  # discard port: nothing listens
    db.session.commit()
    with pytest.raises(RosterUnavailable, match="unreachable"):
        fetch_roster(row, "http://127.0.0.1:9" + MEMBERS_PATH)


def test_roster_error_is_a_plain_page_not_a_500(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    def dashboard() -> str:
        raise RosterUnavailable("platform 1 refused NRPS: HTTP-STATUS-UNAUTHORISED")

    app.add_url_rule("/trainer/roster-test", view_func=dashboard)
    response = app.test_client().get("/trainer/roster-test")
    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert "The roster couldn&#39;t be fetched from your platform just now." in page
    assert "UNAUTHORISED" not in page  # the detail goes to the log, not to the trainer
