"""A fake Google (OAuth 2.0 + OpenID, Classroom API) on 127.0.0.1: exactly what PeerReady uses.

It follows Google's published references, in the shapes the official client expects:

- OAuth 2.0 for web server apps (developers.google.com/identity/protocols/oauth2/web-server):
  the authorization endpoint (``response_type=code``, ``state``, PKCE ``code_challenge`` S256,
  ``access_type=offline``, ``include_granted_scopes``, ``login_hint``), the token endpoint
  (``authorization_code`` and ``refresh_token`` grants; ``invalid_grant`` once consent is
  revoked), and OpenID Connect id_tokens (``iss``, ``aud``, ``sub``, ``hd``) signed with keys
  published as a JWK set (the v3 certs endpoint).
- Classroom REST v1 (developers.google.com/workspace/classroom/reference/rest):
  ``courses.{courseWork,courseWorkMaterials,announcements}.getAddOnContext``,
  ``….addOnAttachments.create`` (needs a valid ``addOnToken``), ``….addOnAttachments.get``
  (with ``copyHistory``, oldest first: ``copy_attachment`` plays a teacher copying a course or
  reusing a post, as in the "Handle copied content" add-on guide),
  ``courses.courseWork.addOnAttachments.studentSubmissions.patch`` (``updateMask=pointsEarned``,
  teachers only) and ``courses.students.list`` (``pageSize``/``pageToken``/``nextPageToken``).
  Errors use Google's JSON error body (``{"error": {"code", "message", "status"}}``).

Tests drive the "browser" side: ``browser_user`` is who is signed in to Google.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

CLIENT_ID = "peerready-test.apps.googleusercontent.com"
CLIENT_SECRET = "test-client-secret"
ISSUER = "https://accounts.google.com"
TEACHER_SCOPE = "https://www.googleapis.com/auth/classroom.addons.teacher"
STUDENT_SCOPE = "https://www.googleapis.com/auth/classroom.addons.student"
ROSTER_SCOPE = "https://www.googleapis.com/auth/classroom.rosters.readonly"
COLLECTIONS = ("courseWork", "courseWorkMaterials", "announcements")


@dataclass
class Course:
    teachers: set[str] = field(default_factory=set)
    students: dict[str, str] = field(default_factory=dict)  # user id -> full name
    items: set[str] = field(default_factory=set)


@dataclass
class Grant:
    user: str
    scopes: set[str]


class FakeGoogle:
    """OAuth server and Classroom API in one WSGI app; records what PeerReady did."""

    def __init__(self) -> None:
        self.base_url = ""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-google-1"
        self.browser_user: str | None = None
        self.domains: dict[str, str] = {}  # user id -> Workspace domain (hd)
        self.courses: dict[str, Course] = {}
        self.add_on_tokens: set[str] = set()
        self.attachments: dict[str, dict[str, Any]] = {}  # attachment id -> body
        self.points: dict[tuple[str, str], float] = {}  # (attachment, submission) -> pointsEarned
        self.patches: list[dict[str, Any]] = []  # successful grade patches, in order
        self.outage = 0  # answer this many Classroom calls with 503 first
        self.refreshes = 0
        self.access_token_lifetime = 3600
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, tuple[Grant, float]] = {}
        self._refresh: dict[str, Grant] = {}
        self._granted: dict[str, set[str]] = {}
        self.revoked: set[str] = set()
        self._urls = Map([
            Rule("/o/oauth2/v2/auth", endpoint="authorize", methods=["GET"]),
            Rule("/token", endpoint="token", methods=["POST"]),
            Rule("/oauth2/v3/certs", endpoint="certs", methods=["GET"]),
            Rule("/v1/courses/<course>/<collection>/<item>/addOnContext", endpoint="context", methods=["GET"]),
            Rule("/v1/courses/<course>/<collection>/<item>/addOnAttachments", endpoint="attach", methods=["POST"]),
            Rule("/v1/courses/<course>/<collection>/<item>/addOnAttachments/<attachment>",
                 endpoint="attachment", methods=["GET"]),
            Rule("/v1/courses/<course>/courseWork/<item>/addOnAttachments/<attachment>/studentSubmissions/<submission>",
                 endpoint="grade", methods=["PATCH", "GET"]),
            Rule("/v1/courses/<course>/students", endpoint="students", methods=["GET"]),
        ])

    # --- set-up helpers -----------------------------------------------------------------------

    def course(self, course_id: str, teachers: tuple[str, ...] = (), students: dict[str, str] | None = None,
               items: tuple[str, ...] = ()) -> Course:
        found = self.courses.setdefault(course_id, Course())
        found.teachers.update(teachers)
        found.students.update(students or {})
        found.items.update(items)
        return found

    def add_on_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.add_on_tokens.add(token)
        return token

    def submission_id(self, attachment_id: str, user: str) -> str:
        return f"sub-{attachment_id}-{user}"

    def copy_attachment(self, attachment_id: str, course_id: str, item_id: str) -> str:
        """A teacher copied the item holding ``attachment_id`` to ``course_id``/``item_id``."""
        original = self.attachments[attachment_id]
        copy_id = f"att-{len(self.attachments) + 1}"
        source = {"courseId": original["courseId"], "itemId": original["itemId"],
                  "attachmentId": attachment_id}
        history = [*original.get("copyHistory", []), source]
        self.attachments[copy_id] = {**original, "id": copy_id, "courseId": course_id,
                                     "itemId": item_id, "copyHistory": history}
        self.courses[course_id].items.add(item_id)
        return copy_id

    def revoke(self, user: str) -> None:
        """The user removed PeerReady's access in their Google account."""
        self.revoked.add(user)
        self._access = {t: v for t, v in self._access.items() if v[0].user != user}

    def expire_access_tokens(self) -> None:
        self._access = {t: (grant, 0.0) for t, (grant, _) in self._access.items()}

    def config(self) -> dict[str, Any]:
        """PeerReady settings that point at this fake."""
        return {
            "GOOGLE_CLIENT_ID": CLIENT_ID, "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_AUTH_URI": f"{self.base_url}/o/oauth2/v2/auth",
            "GOOGLE_TOKEN_URI": f"{self.base_url}/token",
            "GOOGLE_CERTS_URI": f"{self.base_url}/oauth2/v3/certs",
            "CLASSROOM_API_ENDPOINT": f"{self.base_url}/",
        }

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self._urls.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request, **args)
        except HTTPException as exc:
            response = exc.get_response()
        return response(environ, start_response)

    # --- OAuth and OpenID -------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        args = request.args
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        assert args["code_challenge_method"] == "S256" and args["access_type"] == "offline"
        user = self.browser_user
        assert user is not None, "the test must say who is signed in to Google"
        scopes = set(args["scope"].split())
        if args.get("include_granted_scopes") == "true":
            scopes |= self._granted.get(user, set())
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"user": user, "scopes": scopes, "challenge": args["code_challenge"],
                             "redirect_uri": args["redirect_uri"]}
        query = urlencode({"code": code, "state": args["state"], "scope": " ".join(sorted(scopes))})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        basic = request.authorization  # client_secret_basic or client_secret_post: Google takes both
        client = (basic.username, basic.password) if basic else (form.get("client_id"), form.get("client_secret"))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return _oauth_error("invalid_client")
        if form.get("grant_type") == "authorization_code":
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or pending["redirect_uri"] != form.get("redirect_uri"):
                return _oauth_error("invalid_grant")
            verifier = form.get("code_verifier", "").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if challenge != pending["challenge"]:
                return _oauth_error("invalid_grant", "PKCE verification failed")
            grant = Grant(pending["user"], pending["scopes"])
            self.revoked.discard(grant.user)
            self._granted[grant.user] = set(grant.scopes)
            refresh = secrets.token_urlsafe(24)
            self._refresh[refresh] = grant
            body = self._access_token(grant) | {"refresh_token": refresh, "id_token": self._id_token(grant.user)}
            return _json(body)
        if form.get("grant_type") == "refresh_token":
            grant = self._refresh.get(form.get("refresh_token", ""))
            if grant is None or grant.user in self.revoked:
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            self.refreshes += 1
            return _json(self._access_token(grant))
        return _oauth_error("unsupported_grant_type")

    def _access_token(self, grant: Grant) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        self._access[token] = (grant, time.time() + self.access_token_lifetime)
        return {"access_token": token, "expires_in": self.access_token_lifetime,
                "token_type": "Bearer", "scope": " ".join(sorted(grant.scopes))}

    def _id_token(self, user: str) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "azp": CLIENT_ID, "sub": user, "iat": now,
                  "exp": now + 3600}
        if user in self.domains:
            claims["hd"] = self.domains[user]
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def _certs(self, request: Request) -> Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return _json({"keys": [jwk | {"kid": self.kid, "alg": "RS256", "use": "sig"}]})

    # --- Classroom ----------------------------------------------------------------------------

    def _caller(self, request: Request, scope: str) -> str:
        auth = request.headers.get("Authorization", "")
        found = self._access.get(auth.removeprefix("Bearer "))
        if found is None or found[1] < time.time():
            raise _GoogleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        grant = found[0]
        if scope not in grant.scopes:
            raise _GoogleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
        if self.outage > 0:
            self.outage -= 1
            raise _GoogleError(503, "UNAVAILABLE", "The service is currently unavailable.")
        return grant.user

    def _addon_caller(self, request: Request) -> str:
        """A caller with either add-on scope (the methods that take both)."""
        try:
            return self._caller(request, STUDENT_SCOPE)
        except _GoogleError as exc:
            if exc.code != 403:
                raise
            return self._caller(request, TEACHER_SCOPE)

    def _item(self, course_id: str, collection: str, item: str) -> Course:
        course = self.courses.get(course_id)
        if course is None or collection not in COLLECTIONS or item not in course.items:
            raise _GoogleError(404, "NOT_FOUND", "Requested entity was not found.")
        return course

    def _context(self, request: Request, course: str, collection: str, item: str) -> Response:
        try:
            user = self._addon_caller(request)
        except _GoogleError as exc:
            return exc.response()
        try:
            found = self._item(course, collection, item)
        except _GoogleError as exc:
            return exc.response()
        body: dict[str, Any] = {"courseId": course, "itemId": item, "supportsStudentWork": collection == "courseWork"}
        if user in found.teachers:
            body["teacherContext"] = {}
        elif user in found.students:
            attachment = request.args.get("attachmentId")
            body["studentContext"] = ({"submissionId": self.submission_id(attachment, user)}
                                      if attachment and collection == "courseWork" else {})
        else:
            return _GoogleError(403, "PERMISSION_DENIED", "The caller does not have permission").response()
        return _json(body)

    def _attach(self, request: Request, course: str, collection: str, item: str) -> Response:
        try:
            user = self._caller(request, TEACHER_SCOPE)
            found = self._item(course, collection, item)
            if user not in found.teachers:
                raise _GoogleError(403, "PERMISSION_DENIED", "The caller does not have permission")
            if request.args.get("addOnToken") not in self.add_on_tokens:
                raise _GoogleError(403, "PERMISSION_DENIED", "InvalidAddOnToken")
        except _GoogleError as exc:
            return exc.response()
        body = request.get_json()
        attachment_id = f"att-{len(self.attachments) + 1}"
        stored = {**body, "id": attachment_id, "courseId": course, "itemId": item}
        self.attachments[attachment_id] = stored
        return _json(stored)

    def _attachment(self, request: Request, course: str, collection: str, item: str,
                    attachment: str) -> Response:
        try:
            user = self._addon_caller(request)
            found = self._item(course, collection, item)
            stored = self.attachments.get(attachment)
            if user not in found.teachers and user not in found.students:
                raise _GoogleError(403, "PERMISSION_DENIED", "The caller does not have permission")
            if stored is None or (stored["courseId"], stored["itemId"]) != (course, item):
                raise _GoogleError(404, "NOT_FOUND", "Requested entity was not found.")
        except _GoogleError as exc:
            return exc.response()
        return _json(stored)

    def _grade(self, request: Request, course: str, item: str, attachment: str, submission: str) -> Response:
        try:
            user = self._caller(request, TEACHER_SCOPE)
            found = self._item(course, "courseWork", item)
            if user not in found.teachers:
                raise _GoogleError(403, "PERMISSION_DENIED", "The caller does not have permission")
            if attachment not in self.attachments:
                raise _GoogleError(404, "NOT_FOUND", "Requested entity was not found.")
        except _GoogleError as exc:
            return exc.response()
        key = (attachment, submission)
        if request.method == "PATCH":
            if request.args.get("updateMask") != "pointsEarned":
                return _GoogleError(400, "INVALID_ARGUMENT", "updateMask must be pointsEarned").response()
            self.points[key] = float(request.get_json()["pointsEarned"])
            self.patches.append({"attachment": attachment, "submission": submission, "points": self.points[key]})
        return _json({"id": submission, "pointsEarned": self.points.get(key)})

    def _students(self, request: Request, course: str) -> Response:
        try:
            self._caller(request, ROSTER_SCOPE)
        except _GoogleError as exc:
            return exc.response()
        found = self.courses.get(course)
        if found is None:
            return _GoogleError(404, "NOT_FOUND", "Requested entity was not found.").response()
        size = int(request.args.get("pageSize") or 30)
        start = int(request.args.get("pageToken") or 0)
        people = sorted(found.students.items())
        page = people[start:start + size]
        body: dict[str, Any] = {"students": [
            {"courseId": course, "userId": user, "profile": {"id": user, "name": {"fullName": name}}}
            for user, name in page
        ]}
        if start + size < len(people):
            body["nextPageToken"] = str(start + size)
        return _json(body)


class _GoogleError(Exception):
    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message

    def response(self) -> Response:
        return _json({"error": {"code": self.code, "message": self.message, "status": self.status}}, self.code)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _oauth_error(error: str, description: str = "") -> Response:
    return _json({"error": error, "error_description": description}, 400)
