"""Pages for mentors (pupils and staff in training)."""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.lti.roles import Role

bp = Blueprint("mentor", __name__, url_prefix="/mentor")


@bp.get("/")
@requires_role(Role.MENTOR)
def home() -> ResponseReturnValue:
    """The mentor's training home."""
    return render_template("mentor/home.html", user=g.user, context=g.context)
