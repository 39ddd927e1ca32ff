"""Pages for mentors (pupils and staff in training)."""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models.types import utcnow
from lti_tool.services import certification

bp = Blueprint("mentor", __name__, url_prefix="/mentor")


@bp.get("/")
@requires_role(Role.MENTOR)
def home() -> ResponseReturnValue:
    """The mentor's training home."""
    certificates = certification.for_mentor(db.session, g.user, g.context, utcnow())
    return render_template("mentor/home.html", user=g.user, context=g.context, certificates=certificates)
