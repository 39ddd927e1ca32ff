"""The end of a launch's session: the pagehide beacon and the "Finish" button.

The beacon (``session.presence``) only notes that the page is going away; the delivery worker's
sweep records ``terminated`` if no PeerReady page opens soon after (see
``services.xapi.launch_statements``). "Finish" records it at once.
"""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.errors import SessionExpired
from lti_tool.extensions import csrf
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.services.xapi import launch_statements
from lti_tool.sessions import TOKEN_HEADER
from lti_tool.sessions import TOKEN_PARAM

bp = Blueprint("session", __name__, url_prefix="/session")


@bp.post("/presence")
@csrf.exempt  # sendBeacon can't send a CSRF token: the session token in the URL stands for it
@requires_role(Role.MENTOR, Role.TRAINER)
def presence() -> ResponseReturnValue:
    """A page was hidden for good ("left <ms>", pagehide) or shown ("shown <ms>", pageshow).

    ``<ms>`` is the browser's clock. 204 for a beacon (it reads no answer); 400 for a body that
    is neither.
    """
    if not (request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)):
        raise SessionExpired("beacon without the session token")
    state, _, client_ms = request.get_data(as_text=True).strip().partition(" ")
    if state not in ("left", "shown") or not client_ms.isdigit() or len(client_ms) > 15:
        return "Send 'left <ms>' or 'shown <ms>'.", 400
    launch_statements.record_presence(db.session, g.launch.launch_id, state == "left",
                                      int(client_ms))
    return "", 204


@bp.post("/finish")
@requires_role(Role.MENTOR, Role.TRAINER)
def finish() -> ResponseReturnValue:
    """End the session now (CSRF-checked form): record ``terminated``; pages now need a launch.

    The server session itself stays a moment longer: the page being left still sends its last
    beacons (the player's final progress report) as it unloads, after this request. Every page
    asked for from now on says to open PeerReady again (``access.requires_role``).
    """
    launch_statements.finish(db.session, g.launch.launch_id)
    g.pop("launch")  # the page below belongs to no launch: no Finish button, no beacon
    return render_template("session/finished.html")
