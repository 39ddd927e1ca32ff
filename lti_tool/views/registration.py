"""LTI Dynamic Registration: Moodle's "Add tool by URL" opens these pages."""

from __future__ import annotations

import secrets

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue

from lti_tool.errors import NotAllowed
from lti_tool.extensions import csrf
from lti_tool.extensions import db
from lti_tool.extensions import limiter
from lti_tool.security import content_security_policy
from lti_tool.security import origin_of
from lti_tool.services import registration
from lti_tool.services.platforms import RegistrationProblem

bp = Blueprint("registration", __name__)


@bp.after_request
def let_the_registering_platform_frame_us(response: Response) -> Response:
    """Allow the platform that is registering to show these pages in its iframe.

    Moodle opens the registration URL in an iframe on its own admin page. The app-wide policy
    lets only registered platforms frame PeerReady, and this one is not registered yet, so
    Moodle showed an empty frame. The registration pages need no more than their own script,
    so they get a small policy of their own (the app-wide hook keeps a header already set).
    """
    registering = origin_of(request.values.get("openid_configuration"))
    response.headers["Content-Security-Policy"] = content_security_policy(
        frame_ancestors=(registering,) if registering else (), form_targets=()
    )
    return response


def _check_key() -> None:
    expected = current_app.config.get("REGISTRATION_KEY")
    given = request.values.get("key", "")
    if expected and not secrets.compare_digest(str(expected), given):
        raise NotAllowed("registration without the right REGISTRATION_KEY",
                         message="This registration link is incomplete. Copy the whole link from PeerReady's admin page.")


@bp.get("/lti/register")
@limiter.limit("30 per minute")
def start() -> ResponseReturnValue:
    """Show the platform that asks to register PeerReady, and what PeerReady will receive."""
    _check_key()
    url = request.args.get("openid_configuration", "")
    if not url:
        return render_template("registration/problem.html",
                               problem="This page is opened by your learning platform during registration, with an openid_configuration parameter."), 400
    try:
        config = registration.fetch_configuration(url)
    except RegistrationProblem as exc:
        return render_template("registration/problem.html", problem=str(exc)), 400
    return render_template(
        "registration/confirm.html",
        config=config,
        openid_configuration=url,
        registration_token=request.args.get("registration_token", ""),
        key=request.args.get("key", ""),
        claims=registration.CLAIMS,
    )


@bp.post("/lti/register")
@csrf.exempt  # the platform's one-time registration_token authorises this post
@limiter.limit("30 per minute")
def finish() -> ResponseReturnValue:
    """Register, then tell the platform's window that we are done."""
    _check_key()
    try:
        platform = registration.register(
            db.session,
            request.form.get("openid_configuration", ""),
            request.form.get("registration_token") or None,
        )
    except RegistrationProblem as exc:
        db.session.rollback()
        return render_template("registration/problem.html", problem=str(exc)), 400
    return render_template("registration/done.html", platform=platform)
