"""Small HTTP servers on 127.0.0.1 for what can't run here: a counting LRS and an AGS platform.

Each runs a werkzeug app in a thread (``serve``); state lives on the object so tests can read
what arrived and switch failures on and off.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import jwt
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from tests.support.http_server import running


@contextmanager
def serve(app: Any, ssl_context: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve a WSGI app on a free 127.0.0.1 port (HTTPS with ``ssl_context``); yield its URL."""
    with running(app, ssl_context) as served:
        yield served.base_url


class CountingLrs:
    """Accepts every statement POST and counts how often each statement id arrived."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: Counter[str] = Counter()
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        statements = request.get_json()
        time.sleep(self.delay)  # widen the window in which two workers could collide
        with self._lock:
            self.received.update(s["id"] for s in statements)
        return Response("[]", 200, content_type="application/json")(environ, start_response)


class AgsPlatform:
    """A Moodle-like gradebook: token endpoint, line items and scores, with Moodle's 409 rule.

    The token endpoint verifies the client assertion against the tool's JWKS (given, as a
    platform would fetch it from the tool's JWKS URL).
    """

    def __init__(self, tool_jwks: dict[str, Any], client_id: str) -> None:
        self.tool_jwks = tool_jwks
        self.client_id = client_id
        self.base = ""  # set by the test once served
        self.failures_left = 0  # answer this many score posts with 500
        self.token_requests: list[dict[str, Any]] = []
        self.lineitems: list[dict[str, Any]] = []
        self.scores: list[dict[str, Any]] = []  # accepted ones
        self.refused: list[tuple[int, dict[str, Any]]] = []
        self.students = {"user-42", "user-43"}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        if request.path == "/token":
            return self.token(request)
        if request.headers.get("Authorization") != "Bearer token-1":
            return Response("no token", 401)
        if request.path == "/lineitems" and request.method == "GET":
            found = [i for i in self.lineitems
                     if i["resourceLinkId"] == request.args.get("resource_link_id")]
            return _json(found)
        if request.path == "/lineitems" and request.method == "POST":
            item = {**request.get_json(force=True), "id": f"{self.base}/lineitems/{len(self.lineitems) + 1}"}
            self.lineitems.append(item)
            return _json(item)
        if request.path.endswith("/scores"):
            return self.score(request)
        return Response("not found", 404)

    def token(self, request: Request) -> Response:
        assertion = request.form["client_assertion"]
        kid = jwt.get_unverified_header(assertion)["kid"]
        jwk = next(k for k in self.tool_jwks["keys"] if k["kid"] == kid)
        claims = jwt.decode(assertion, jwt.PyJWK(jwk).key, algorithms=["RS256"],
                            audience=f"{self.base}/token")
        assert claims["iss"] == claims["sub"] == self.client_id
        assert request.form["grant_type"] == "client_credentials"
        self.token_requests.append({"claims": claims, "scope": request.form["scope"]})
        return _json({"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})

    def score(self, request: Request) -> Response:
        assert request.content_type == "application/vnd.ims.lis.v1.score+json"
        body = request.get_json(force=True)
        if self.failures_left > 0:
            self.failures_left -= 1
            return Response("database busy", 500)
        if body["userId"] not in self.students:
            self.refused.append((400, body))
            return Response("not a student", 400)
        second = int(datetime.fromisoformat(body["timestamp"]).timestamp())
        earlier = [s for s in self.scores if s["userId"] == body["userId"]
                   and s["lineitem"] == request.path]
        if earlier and int(datetime.fromisoformat(earlier[-1]["timestamp"]).timestamp()) >= second:
            self.refused.append((409, body))
            return Response("score is older than the stored one", 409)
        self.scores.append({**body, "lineitem": request.path})
        return Response("", 200)


def _json(data: Any) -> Response:
    import json

    return Response(json.dumps(data), 200, content_type="application/json")


@contextmanager
def served_gradebook(platform: Any) -> Iterator[AgsPlatform]:
    """The registered platform's gradebook (``AgsPlatform``), served; its token URL points here."""
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.models import Platform
    from lti_tool.services import keys

    fake = AgsPlatform(keys.jwks(db.session), platform.client_id)
    with serve(fake) as base:
        fake.base = base
        school = db.session.scalars(select(Platform)).one()
        school.auth_token_url = base + "/token"
        db.session.commit()
        yield fake
