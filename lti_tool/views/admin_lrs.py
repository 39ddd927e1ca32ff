"""Admin pages for a school's xAPI delivery: LRS endpoints, privacy switch, queue and retries."""

from __future__ import annotations

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.extensions import db
from lti_tool.services import outbox
from lti_tool.services.xapi import endpoints
from lti_tool.services.xapi.actors import sends_names
from lti_tool.views.admin import visible_platform
from lti_tool.views.admin import bp
from lti_tool.views.admin import requires_admin


def _back(platform_id: int) -> ResponseReturnValue:
    return redirect(url_for("admin.lrs", platform_id=platform_id), 303)


@bp.get("/platforms/<int:platform_id>/lrs")
@requires_admin
def lrs(platform_id: int) -> ResponseReturnValue:
    """Where the school's statements go, and how delivery is doing."""
    platform = visible_platform(platform_id)
    destinations = endpoints.school_destinations(db.session, platform)
    names = {endpoints.destination_of(e): e.name or e.url
             for e in endpoints.endpoints_for_any_deployment(db.session, platform.id)}
    names[endpoints.ENV_DESTINATION] = "Default LRS (set by the tool's admin)"
    return render_template(
        "admin/lrs.html", platform=platform,
        endpoints=endpoints.endpoints_for_any_deployment(db.session, platform.id),
        queues=outbox.queue_summary(db.session, destinations, platform.id),
        failed=outbox.failed_items(db.session, destinations, platform.id),
        names=names, sends_names=sends_names(platform),
        has_env_lrs=endpoints.env_target() is not None,
        allow_http=current_app.config.get("LRS_ALLOW_HTTP", False),
    )


@bp.post("/platforms/<int:platform_id>/lrs/endpoints")
@requires_admin
def add_lrs_endpoint(platform_id: int) -> ResponseReturnValue:
    """Add an LRS endpoint for the school."""
    try:
        endpoints.add_endpoint(db.session, visible_platform(platform_id), request.form.to_dict())
        flash("LRS endpoint added. New statements will go there.", "ok")
    except endpoints.EndpointProblem as exc:
        db.session.rollback()
        flash(str(exc), "problem")
    return _back(platform_id)


@bp.post("/platforms/<int:platform_id>/lrs/endpoints/<int:endpoint_id>/remove")
@requires_admin
def remove_lrs_endpoint(platform_id: int, endpoint_id: int) -> ResponseReturnValue:
    """Remove an LRS endpoint."""
    try:
        endpoints.remove_endpoint(db.session, visible_platform(platform_id), endpoint_id)
        flash("LRS endpoint removed.", "ok")
    except endpoints.EndpointProblem as exc:
        flash(str(exc), "problem")
    return _back(platform_id)


@bp.post("/platforms/<int:platform_id>/lrs/names")
@requires_admin
def set_lrs_names(platform_id: int) -> ResponseReturnValue:
    """Turn sending display names on or off."""
    on = request.form.get("send_names") == "on"
    endpoints.set_send_names(db.session, visible_platform(platform_id), on)
    flash("Display names will be sent." if on else "Only pseudonyms will be sent.", "ok")
    return _back(platform_id)


@bp.post("/platforms/<int:platform_id>/lrs/retry")
@requires_admin
def retry_lrs(platform_id: int) -> ResponseReturnValue:
    """Make failed and waiting statements due now."""
    platform = visible_platform(platform_id)
    count = outbox.retry_now(db.session, endpoints.school_destinations(db.session, platform),
                             platform.id)
    flash(f"{count} statements will be sent again now.", "ok")
    return _back(platform_id)
