"""LTI 1.3 entry points: OIDC login initiation, launch, platform-storage check and JWKS."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.access import Launch
from lti_tool.errors import NotAllowed
from lti_tool.extensions import csrf
from lti_tool.extensions import db
from lti_tool.extensions import limiter
from lti_tool.lti import errors
from lti_tool.lti import launch as lti_launch
from lti_tool.lti.roles import Role
from lti_tool.services import keys
from lti_tool.services import launches
from lti_tool.services import programmes
from lti_tool.sessions import ServerSession
from lti_tool.sessions import ensure_saved

bp = Blueprint("lti", __name__)


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def login() -> ResponseReturnValue:
    """Third-party initiated login: send the browser to the platform's auth endpoint."""
    params = {key: value for key, value in request.values.items() if isinstance(value, str)}
    start = lti_launch.start_login(params)
    if start.storage_target and not params.get("new_window"):
        response = make_response(render_template("lti/store_state.html", start=start))
    else:
        response = redirect(start.auth_url, 302)
    return start.apply_cookies(response)


@bp.post("/lti/launch")
@csrf.exempt
@limiter.limit(lambda: current_app.config["RATELIMIT_LAUNCH"])
def launch() -> ResponseReturnValue:
    """The platform's form_post of the id_token."""
    if request.form.get("error"):
        raise errors.LaunchError(
            f"platform returned {request.form.get('error')}: {request.form.get('error_description')}"
        )
    id_token, state = request.form.get("id_token"), request.form.get("state")
    record = lti_launch.find_state(state)
    assert state is not None
    if lti_launch.state_cookie_matches(state):
        return _finish(id_token, state)
    if record.storage_target:
        ticket = lti_launch.stash_for_storage_check(id_token or "", state)
        return render_template(
            "lti/check_state.html",
            record=record,
            state=state,
            ticket=ticket,
            new_window_url=lti_launch.new_window_login_url(record),
        )
    raise errors.CookiesBlocked(
        "no state cookie and no platform storage",
        login_url=lti_launch.new_window_login_url(record),
    )


@bp.post("/lti/launch/verify")
@csrf.exempt
@limiter.limit(lambda: current_app.config["RATELIMIT_LAUNCH"])
def verify_state() -> ResponseReturnValue:
    """Second half of a cookie-less launch: the browser read the state from platform storage."""
    id_token, state = lti_launch.redeem_ticket(
        request.form.get("ticket"), request.form.get("stored_state")
    )
    return _finish(id_token, state)


def _finish(id_token: str | None, state: str) -> ResponseReturnValue:
    message_launch, platform = lti_launch.complete_launch(id_token, state)
    claims = message_launch.get_launch_data()
    result = launches.record_launch(db.session, platform, claims, message_launch.get_launch_id())
    assert isinstance(session, ServerSession)
    session.regenerate()
    session["launch"] = result.to_session()
    ensure_saved()
    destination = _destination(result, message_launch.is_deep_link_launch(), claims)
    return redirect(url_for(destination), 303)


def _destination(result: Launch, is_deep_link: bool, claims: dict[str, Any]) -> str:
    if is_deep_link:
        if result.role is not Role.TRAINER:
            raise NotAllowed("deep linking launch by a non-teaching role")
        return "trainer.deep_link"
    if result.role is Role.TRAINER:
        return "trainer.home"
    # A link whose custom parameters select a module, quiz or programme opens it. They were
    # just stored on the link from these claims (reading the link back would be a query).
    custom = claims.get(launches.CLAIM + "custom") if result.resource_link_id else None
    return "mentor.start" if programmes.target_in(custom) else "mentor.home"


@bp.get("/.well-known/jwks.json")
@bp.get("/lti/jwks")
def jwks() -> ResponseReturnValue:
    """The tool's public keys: platforms verify deep-linking responses and service tokens."""
    response = jsonify(keys.jwks(db.session))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/")
def index() -> ResponseReturnValue:
    """The tool's front page: the demo school in development, what PeerReady is otherwise."""
    if "demo" in current_app.blueprints:
        return redirect(url_for("demo.index"), 302)
    return render_template("lti/about.html")
