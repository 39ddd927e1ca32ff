"""The demo platform's pages: course page, OIDC authorize endpoint, token and deep-link return."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Blueprint
from flask import abort
from flask import jsonify
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from jwt import PyJWKSet

from lti_tool.demo import class_list
from lti_tool.demo import platform as demo
from lti_tool.extensions import csrf
from lti_tool.extensions import db
from lti_tool.services import keys
from lti_tool.store import get_store
from lti_tool.urls import external_url

bp = Blueprint("demo", __name__, url_prefix="/demo")
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    NRPS_SCOPE,
)
MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
PAGE_SIZE = 50  # members per page unless the tool asks for another ``limit``


@bp.get("/")
def index() -> ResponseReturnValue:
    """The demo school's landing page: pick who to launch as."""
    demo.ensure_registered(db.session)
    return render_template("demo/index.html", users=demo.USERS.values(), course=demo.COURSE)


@bp.get("/course")
def course() -> ResponseReturnValue:
    """A course page with PeerReady in an iframe, launched the way Moodle does it."""
    platform = demo.ensure_registered(db.session)
    user = demo.USERS.get(request.args.get("as", ""))
    if user is None:
        abort(404)
    resource = request.args.get("resource", "training")
    login = (
        external_url("lti.login")
        + "?"
        + urlencode(
            {
                "iss": platform.issuer,
                "client_id": platform.client_id,
                "lti_deployment_id": demo.DEPLOYMENT_ID,
                "login_hint": demo.login_hint_for(user, resource),
                "lti_message_hint": resource,
                "target_link_uri": external_url("lti.launch"),
                "lti_storage_target": "_parent",
            }
        )
    )
    return render_template(
        "demo/course.html", user=user, course=demo.COURSE, login_url=login, resource=resource
    )


@bp.route("/authorize", methods=["GET", "POST"])
@csrf.exempt
def authorize() -> ResponseReturnValue:
    """OIDC authorization endpoint: check the tool's request, then form_post an id_token."""
    params = request.values
    problems = [
        name
        for name, expected in (
            ("scope", "openid"),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("client_id", demo.CLIENT_ID),
            ("redirect_uri", external_url("lti.launch")),
            ("prompt", "none"),
        )
        if params.get(name) != expected
    ]
    if problems or not params.get("nonce") or not params.get("state"):
        return f"Demo platform refused the authentication request: {problems or 'nonce/state'}", 400
    user_key, _, resource = params.get("login_hint", "").partition("|")
    user = demo.USERS.get(user_key)
    if user is None:
        return "Demo platform: unknown login_hint", 400
    custom = {"audience": user.audience}
    if resource not in ("training", "deep-link"):
        custom["peerready_target"] = resource
    token = demo.id_token(user, resource, params["nonce"], custom)
    return render_template(
        "demo/autopost.html",
        action=params["redirect_uri"],
        fields={"id_token": token, "state": params["state"]},
    )


@bp.post("/token")
@csrf.exempt
def token() -> ResponseReturnValue:
    """OAuth 2 client-credentials with a JWT assertion signed by the tool (LTI Advantage)."""
    assertion = request.form.get("client_assertion", "")
    try:
        key_set = PyJWKSet.from_dict(keys.jwks(db.session))
        kid = jwt.get_unverified_header(assertion).get("kid")
        signing_key = next(key for key in key_set.keys if key.key_id == kid)
        jwt.decode(
            assertion,
            signing_key.key,
            algorithms=["RS256"],
            audience=external_url("demo.token"),
            issuer=demo.CLIENT_ID,
        )
    except (jwt.InvalidTokenError, StopIteration) as exc:
        return jsonify(error="invalid_client", error_description=str(exc)), 401
    scopes = [s for s in request.form.get("scope", "").split() if s in SCOPES]
    access_token = secrets.token_urlsafe(24)
    get_store().set(f"demo-token:{access_token}", {"scopes": scopes}, 3600)
    return jsonify(
        access_token=access_token, token_type="Bearer", expires_in=3600, scope=" ".join(scopes)
    )


@bp.get("/courses/<course_id>/memberships")
def memberships(course_id: str) -> ResponseReturnValue:
    """NRPS 2.0: the course's members, paged as Moodle does (``limit``, ``from``, ``rel="next"``).

    Needs a bearer token from ``/demo/token`` with the membership scope. ``role`` filters by a
    role's short name or full URI.
    """
    if course_id != demo.COURSE["id"]:
        abort(404)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    granted = get_store().get(f"demo-token:{token}") if scheme == "Bearer" and token else None
    if not granted or NRPS_SCOPE not in granted["scopes"]:
        response = jsonify(error="invalid_token",
                           error_description="a bearer token with the NRPS scope is needed")
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response, 401
    limit = min(max(request.args.get("limit", PAGE_SIZE, type=int), 1), 1000)
    start = max(request.args.get("from", 0, type=int), 0)
    role = request.args.get("role", "").rpartition("#")[2]
    everyone = [m for m in class_list.members() if not role or role in m["roles"]]
    body = {
        "id": request.url,
        "context": {key: demo.COURSE[key] for key in ("id", "label", "title")},
        "members": everyone[start:start + limit],
    }
    response = jsonify(body)
    response.mimetype = MEMBERSHIP_MEDIA_TYPE
    if start + limit < len(everyone):
        query = {"limit": limit, "from": start + limit, **({"role": role} if role else {})}
        following = external_url("demo.memberships", course_id=course_id) + "?" + urlencode(query)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@bp.post("/deep-link-return")
@csrf.exempt
def deep_link_return() -> ResponseReturnValue:
    """Where the tool's LtiDeepLinkingResponse lands: verify it and show the chosen items."""
    token = request.form.get("JWT", "")
    try:
        claims = _verify_signed_by_tool(token, audience=demo.issuer())
    except (jwt.InvalidTokenError, StopIteration) as exc:
        return f"Demo platform: the deep-linking response did not verify: {exc}", 400
    items = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/content_items", [])
    return render_template("demo/deep_link_return.html", items=items, received_at=time.time())


def _verify_signed_by_tool(token: str, **expected: Any) -> dict[str, Any]:
    """Verify a JWT the tool signed, with the keys it publishes (as a real platform would)."""
    key_set = PyJWKSet.from_dict(keys.jwks(db.session))
    kid = jwt.get_unverified_header(token).get("kid")
    signing_key = next(key for key in key_set.keys if key.key_id == kid)
    claims: dict[str, Any] = jwt.decode(token, signing_key.key, algorithms=["RS256"], **expected)
    return claims
