"""Pages for trainers (peer-support leads and teachers)."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from lti_tool.access import requires_role
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import User
from lti_tool.services import deep_linking
from lti_tool.services import grades

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


@bp.get("/")
@requires_role(Role.TRAINER)
def home() -> ResponseReturnValue:
    """The trainer's home for this course: its sections and grades not yet in the gradebook."""
    syncs = grades.pending_grade_syncs(db.session, g.user.platform_id, g.context.id)
    names = {
        user.id: user.display_name
        for user in db.session.scalars(select(User).where(User.id.in_({s.user_id for s in syncs})))
    }
    return render_template(
        "trainer/home.html", user=g.user, context=g.context, grade_syncs=syncs,
        learner_names=names, platform_name=g.user.platform.name or "the platform",
        view_functions=current_app.view_functions,
    )


@bp.get("/deep-link")
@requires_role(Role.TRAINER)
def deep_link() -> ResponseReturnValue:
    """The content picker a teacher sees when adding PeerReady to a course."""
    link_settings = deep_linking.settings(g.launch.launch_id)
    multiple = str(link_settings.get("accept_multiple", True)).lower() != "false"
    items = deep_linking.items()
    groups = [(kind, [item for item in items if item.kind == kind]) for kind in ("programme", "module", "quiz")]
    return render_template("trainer/deep_link.html", context=g.context, groups=groups, multiple=multiple)


@bp.post("/deep-link")
@requires_role(Role.TRAINER)
def choose_content() -> ResponseReturnValue:
    """Sign the chosen items and send them back to the platform (a self-submitting form)."""
    return_url, token = deep_linking.response_jwt(g.launch.launch_id, request.form.getlist("item"))
    return render_template("trainer/deep_link_return.html", return_url=return_url, token=token)
