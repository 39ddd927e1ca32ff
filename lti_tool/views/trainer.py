"""Pages for trainers (peer-support leads and teachers)."""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.lti.roles import Role

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


@bp.get("/")
@requires_role(Role.TRAINER)
def home() -> ResponseReturnValue:
    """The trainer's home for this course."""
    return render_template("trainer/home.html", user=g.user, context=g.context)


@bp.get("/deep-link")
@requires_role(Role.TRAINER)
def deep_link() -> ResponseReturnValue:
    """The content picker a teacher sees when adding PeerReady to a course."""
    return render_template("trainer/deep_link.html", context=g.context)
