"""A school's learning platform for the browser tests: it stands in for a school's Moodle.

It runs on ``127.0.0.1`` while PeerReady runs on ``localhost``, so the iframe that embeds
PeerReady is genuinely cross-site and the browser treats PeerReady's cookies as third-party.
Like Moodle it shows a course page with activity links, embeds the tool's login initiation in
an iframe with ``lti_storage_target=_parent``, answers the tool's OIDC authentication request
with an id_token signed by its own RSA key (``tests/support/platform.py``'s helpers, not
PeerReady's code), offers LTI Platform Storage through postMessage (it serves the repo's
``lti_tool/static/demo-platform.js``, which speaks the platform's side of that protocol) and
verifies the tool's deep-linking response against the tool's published JWKS.

Its gradebook is ``tests/support/servers.py``'s ``AgsPlatform`` (Moodle's token check, line
items, scores and 409 rule) behind ``/token`` and ``/lineitems``: each activity (``LINKS``) has a
line item, and launches carry the AGS claim and the link's custom parameters as Moodle's do.

Everything it received is kept in ``received`` (and ``gradebook``) so tests can assert on it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from dataclasses import field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from tests.support.platform import CLAIM
from tests.support.platform import MEMBERSHIP
from tests.support.platform import SigningKey
from tests.support.platform import TestPlatform
from tests.support.servers import AgsPlatform

REPO = Path(__file__).resolve().parents[2]
PLATFORM_STORAGE_JS = REPO / "lti_tool" / "static" / "demo-platform.js"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
COURSE = {"id": "e2e-course-7", "label": "PEER-7", "title": "Year 9 Peer Mentors"}


@dataclass(frozen=True)
class Person:
    """Someone who can sign in to the school's platform."""

    key: str
    name: str
    role: str  # a TestPlatform role name: Learner, Instructor, Administrator


PEOPLE = {
    "mentor": Person("mentor", "Sam Taylor", "Learner"),
    "trainer": Person("trainer", "Ms Patel", "Instructor"),
    "teacher": Person("teacher", "Mr Jones", "Instructor"),
    "admin": Person("admin", "Mrs Okafor", "Administrator"),
    "intruder": Person("intruder", "Jo Bloggs", "Learner"),
    # One pupil per journey, so each test starts from a pupil with no training done.
    "player": Person("player", "Ruby Green", "Learner"),
    "quizzer": Person("quizzer", "Priya Shah", "Learner"),
    "finisher": Person("finisher", "Alex Morgan", "Learner"),
    "keyboard": Person("keyboard", "Kai Evans", "Learner"),
    "windowed": Person("windowed", "Noor Ali", "Learner"),
    "watched": Person("watched", "Ellis Reid", "Learner"),
}


@dataclass(frozen=True)
class Link:
    """An activity in the course: a resource link, its custom parameters and its line item."""

    id: str
    title: str
    custom: dict[str, str]
    lineitem: str  # a path on the LMS: the gradebook column scores for this link go to


# The course's activities: the whole training (grades the programme: certification) and a link
# a teacher made for one quiz (grades that quiz), as deep linking would have created it.
LINKS = {
    "training": Link("e2e-link-1", "PeerReady training", {}, "/lineitems/1"),
    "boundaries-quiz": Link(
        "e2e-link-quiz", "Boundaries quiz", {"peerready_target": "quiz:boundaries"},
        "/lineitems/2",
    ),
}
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
# What a launch asks the platform to send: a resource link, the content picker, or a launch
# whose id_token someone altered after the platform signed it.
KINDS = ("resource", "deep-link", "tampered")


def sub_for(person: str) -> str:
    """The platform's opaque user id for ``person`` (what PeerReady stores as ``sub``)."""
    return f"e2e-user-{person}"


@dataclass
class Received:
    """What the platform was sent: OIDC authentication requests and deep-linking responses."""

    auth_requests: list[dict[str, str]] = field(default_factory=list)
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SchoolLMS:
    """The platform's state and pages: a WSGI app for ``tests.support.http_server.running``."""

    tool_url: str = ""  # set once PeerReady is running
    base_url: str = ""  # set by tests.support.http_server.running
    client_id: str = "peerready-e2e"
    deployment_id: str = "e2e-deployment-1"
    key: SigningKey = field(default_factory=SigningKey)
    received: Received = field(default_factory=Received)
    gradebook: AgsPlatform = field(
        default_factory=lambda: AgsPlatform({"keys": []}, "peerready-e2e")
    )

    # --- what tests use --------------------------------------------------------------------

    def course_url(self, person: str) -> str:
        return f"{self.base_url}/course?{urlencode({'as': person})}"

    def activity_url(
        self, person: str, kind: str = "resource", storage: bool = True, link: str = "training"
    ) -> str:
        """The page embedding PeerReady; ``storage=False`` offers no Platform Storage."""
        query = {"as": person, "kind": kind}
        if not storage:
            query["storage"] = "off"
        if link != "training":
            query["link"] = link
        return f"{self.base_url}/activity?{urlencode(query)}"

    def scores_for(self, person: str, link: str) -> list[dict[str, Any]]:
        """The scores the gradebook accepted for ``person`` in ``link``'s column, in order."""
        path = f"{LINKS[link].lineitem}/scores"
        return [s for s in self.gradebook.scores
                if s["userId"] == sub_for(person) and s["lineitem"] == path]

    def start_gradebook(self) -> None:
        """Trust the tool's published keys for client assertions (once PeerReady runs)."""
        self.gradebook.base = self.base_url
        self.gradebook.tool_jwks = requests.get(
            f"{self.tool_url}/.well-known/jwks.json", timeout=5
        ).json()
        self.gradebook.students = {sub_for(k) for k, p in PEOPLE.items() if p.role == "Learner"}

    def registration_args(self) -> list[str]:
        """Arguments for ``flask platform add``, as a school's admin would type them."""
        return [
            "--issuer", self.base_url, "--client-id", self.client_id,
            "--auth-login-url", f"{self.base_url}/auth",
            "--auth-token-url", f"{self.base_url}/token",
            "--key-set-url", f"{self.base_url}/jwks",
            "--deployment-id", self.deployment_id,
            "--name", "Test School Moodle",
        ]

    # --- the platform's pages --------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        routes = {
            "/course": self._course,
            "/activity": self._activity,
            "/auth": self._authenticate,
            "/jwks": lambda _: _json({"keys": [self.key.public_jwk()]}),
            "/deep-link-return": self._deep_link_return,
            "/token": self.gradebook.route,
            "/static/demo-platform.js": lambda _: Response(
                PLATFORM_STORAGE_JS.read_bytes(), mimetype="text/javascript"
            ),
            "/static/lms-recorder.js": lambda _: Response(RECORDER_JS, mimetype="text/javascript"),
        }
        handler = routes.get(request.path)
        if handler is None and request.path.startswith("/lineitems"):
            handler = self.gradebook.route
        response = handler(request) if handler else _page("Not found", "<p>No such page.</p>", 404)
        return response(environ, start_response)

    def _person(self, request: Request) -> Person:
        return PEOPLE[request.args.get("as", "mentor")]

    def _course(self, request: Request) -> Response:
        person = self._person(request)
        activity = escape(self.activity_url(person.key))
        links = [f'<li><a href="{activity}">PeerReady training</a></li>']
        if person.role != "Learner":
            links.append(
                f'<li><a href="{escape(self.activity_url(person.key, "deep-link"))}">'
                "Add an activity: PeerReady content</a></li>"
            )
        body = (
            f"<p>Signed in as {escape(person.name)}.</p>"
            f'<h2>Activities</h2><ul>{"".join(links)}</ul>'
        )
        return _page(COURSE["title"], body)

    def _activity(self, request: Request) -> Response:
        person = self._person(request)
        kind = request.args.get("kind", "resource")
        if kind not in KINDS:
            return _page("Not found", "<p>No such activity.</p>", 404)
        storage = request.args.get("storage") != "off"
        link = request.args.get("link", "training")
        if link not in LINKS:
            return _page("Not found", "<p>No such activity.</p>", 404)
        params = {
            "iss": self.base_url,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
            "login_hint": f"{person.key}|{kind}|{link}",
            "lti_message_hint": kind,
            "target_link_uri": f"{self.tool_url}/lti/launch",
        }
        if storage:
            params["lti_storage_target"] = "_parent"
        login = f"{self.tool_url}/lti/login?{urlencode(params)}"
        scripts = (
            '<script src="/static/lms-recorder.js"></script>'
            '<script src="/static/demo-platform.js" defer></script>' if storage else ""
        )
        body = (
            f'<p><a href="{escape(self.course_url(person.key))}">Back to the course</a></p>'
            f'<iframe id="tool-frame" title="PeerReady" src="{escape(login)}" '
            'style="width:100%;height:70vh;border:1px solid #888" '
            'allow="fullscreen; autoplay; clipboard-write"></iframe>'
        )
        return _page(f"PeerReady training · {COURSE['title']}", body, scripts=scripts)

    def _authenticate(self, request: Request) -> Response:
        """OIDC authentication endpoint: check the tool's request, then form_post an id_token."""
        params = {k: v for k, v in request.values.items()}
        self.received.auth_requests.append(params)
        expected = {
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
            "client_id": self.client_id, "redirect_uri": f"{self.tool_url}/lti/launch",
            "prompt": "none",
        }
        wrong = [name for name, value in expected.items() if params.get(name) != value]
        if wrong or not params.get("nonce") or not params.get("state"):
            return _page("Sign-in refused", f"<p>Bad authentication request: {wrong}</p>", 400)
        person_key, kind, link = (params.get("login_hint", "") + "||").split("|")[:3]
        token = self.id_token(PEOPLE[person_key], kind, params["nonce"], LINKS[link or "training"])
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{escape(value)}">'
            for name, value in (("id_token", token), ("state", params["state"]))
        )
        body = (
            f'<form method="post" action="{escape(params["redirect_uri"])}" id="autopost">{fields}'
            '<button type="submit">Continue</button></form>'
            "<script>document.getElementById('autopost').submit();</script>"
        )
        return _page("Signing you in", body)

    def id_token(
        self, person: Person, kind: str, nonce: str, link: Link = LINKS["training"]
    ) -> str:
        """Sign the launch as a platform does; a ``tampered`` one is altered after signing."""
        platform = TestPlatform(
            issuer=self.base_url, client_id=self.client_id, deployment_id=self.deployment_id,
            key=self.key,
        )
        claims = platform.claims(
            nonce,
            role=person.role,
            sub=sub_for(person.key),
            name=person.name,
            given_name=None,
            family_name=None,
            email=None,
            context=COURSE,
            target_link_uri=f"{self.tool_url}/lti/launch",
            resource_link={"id": link.id, "title": link.title},
            custom=link.custom,
            launch_presentation={"document_target": "iframe", "locale": "en-GB"},
        )
        claims[AGS_CLAIM] = {
            "scope": AGS_SCOPES, "lineitems": f"{self.base_url}/lineitems",
            "lineitem": f"{self.base_url}{link.lineitem}",
        }
        if kind == "deep-link":
            claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
            del claims[CLAIM + "resource_link"]
            del claims[AGS_CLAIM]["lineitem"]
            claims[DEEP_LINKING + "deep_linking_settings"] = {
                "deep_link_return_url": f"{self.base_url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
            }
        token = platform.sign(claims)
        if kind == "tampered":  # a pupil makes themselves a teacher; the signature no longer fits
            header, _, signature = token.split(".")
            claims[CLAIM + "roles"] = [MEMBERSHIP + "Instructor"]
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            token = ".".join((header, body, signature))
        return token

    def _deep_link_return(self, request: Request) -> Response:
        """Verify the tool's LtiDeepLinkingResponse against its published keys; keep the claims."""
        token = request.form.get("JWT", "")
        keys = requests.get(f"{self.tool_url}/.well-known/jwks.json", timeout=5).json()
        kid = jwt.get_unverified_header(token).get("kid")
        key = next(jwt.PyJWK(k) for k in keys["keys"] if k.get("kid") == kid)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=self.base_url)
        self.received.deep_link_responses.append(claims)
        items = claims.get(DEEP_LINKING + "content_items", [])
        listed = "".join(f"<li>{escape(str(item.get('title', '')))}</li>" for item in items)
        listed = listed or "<li>Nothing chosen.</li>"
        return _page("Content added to the course", f"<ul>{listed}</ul>")


# Records the Platform Storage messages the tool's frame sends, for tests to read back.
RECORDER_JS = """
window.lmsStorageMessages = [];
window.addEventListener("message", function (event) {
  var data = event.data || {};
  if (typeof data.subject === "string" && data.subject.indexOf("lti.") === 0) {
    window.lmsStorageMessages.push({origin: event.origin, subject: data.subject,
                                    key: data.key || null, value: data.value || null});
  }
});
"""


def _page(title: str, body: str, status: int = 200, scripts: str = "") -> Response:
    """An accessible page in the platform's own look (so screenshots show which is which)."""
    html = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Test School Moodle</title>
<style>
body {{ margin: 0; font-family: Georgia, serif; background: #f4efe6; color: #222; }}
header {{ background: #6b2d0f; color: #fff; padding: .5rem 1rem; }}
main {{ padding: .5rem 1rem; }} a {{ color: #6b2d0f; }}
.skip {{ position: absolute; left: -999px; }}
.skip:focus {{ left: .5rem; top: .5rem; background: #fff; }}
</style>{scripts}</head>
<body><a class="skip" href="#main">Skip to main content</a>
<header><p>Test School Moodle (stands in for a school's learning platform)</p></header>
<main id="main" tabindex="-1"><h1>{escape(title)}</h1>{body}</main></body></html>"""
    return Response(html, status, mimetype="text/html")


def _json(body: Any) -> Response:
    return Response(json.dumps(body), mimetype="application/json")
