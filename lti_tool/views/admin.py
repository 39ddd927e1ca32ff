"""Admin pages: registrations, the values for manual registration, and the tool's keys.

Two kinds of admin: the tool's own admin (who runs PeerReady; signs in with a one-time link
from ``flask admin link``) sees every platform; a school's admin (institution Administrator
role in an LTI launch) sees only their own platform.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.access import Launch
from lti_tool.errors import NotAllowed
from lti_tool.errors import SessionExpired
from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.services import admin_links
from lti_tool.services import keys
from lti_tool.services import platforms
from lti_tool.services.platforms import RegistrationProblem
from lti_tool.sessions import ServerSession
from lti_tool.sessions import ensure_saved

bp = Blueprint("admin", __name__, url_prefix="/admin")


def requires_admin(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Tool admins see everything; school admins only their platform (``g.admin_platform_id``)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if session.get("tool_admin"):
            g.admin_platform_id = None
            return view(*args, **kwargs)
        launch = Launch.from_session()
        if launch is None:
            raise SessionExpired()
        if not launch.is_school_admin:
            raise NotAllowed("admin page without an administrator role")
        g.admin_platform_id = launch.platform_id
        return view(*args, **kwargs)

    return guarded


def visible_platform(platform_id: int) -> Platform:
    if g.admin_platform_id not in (None, platform_id):
        raise NotAllowed("school admin opening another school's platform")
    try:
        return platforms.get_platform(db.session, platform_id)
    except RegistrationProblem as exc:
        from lti_tool.errors import NotFound

        raise NotFound(str(exc)) from exc


@bp.get("/login")
def confirm_login() -> ResponseReturnValue:
    """Ask before using a one-time admin link, so a link preview can't spend it."""
    admin_links.check(request.args.get("token", ""))
    return render_template("admin/login.html", token=request.args["token"])


@bp.post("/login")
def login() -> ResponseReturnValue:
    """Redeem a one-time admin link from ``flask admin link``."""
    admin_links.redeem(request.form.get("token", ""))
    assert isinstance(session, ServerSession)
    session.regenerate()
    session["tool_admin"] = True
    ensure_saved()
    return redirect(url_for("admin.index"), 303)


@bp.get("/")
@requires_admin
def index() -> ResponseReturnValue:
    """Registrations and the values for registering by hand."""
    shown = [
        p for p in platforms.list_platforms(db.session)
        if g.admin_platform_id in (None, p.id)
    ]
    return render_template(
        "admin/index.html",
        platforms=shown,
        urls=platforms.tool_urls(),
        keys=keys.published_keys(db.session) if g.admin_platform_id is None else [],
        is_tool_admin=g.admin_platform_id is None,
    )


@bp.get("/platforms/<int:platform_id>")
@requires_admin
def platform(platform_id: int) -> ResponseReturnValue:
    """One registration with its deployments (and, for the tool's admin, what removal needs)."""
    found = visible_platform(platform_id)
    is_tool_admin = g.admin_platform_id is None
    held = platforms.held_data(db.session, found) if is_tool_admin else None
    return render_template("admin/platform.html", platform=found, is_tool_admin=is_tool_admin,
                           held=held)


@bp.post("/platforms/<int:platform_id>/deployments")
@requires_admin
def add_deployment(platform_id: int) -> ResponseReturnValue:
    """Register another deployment id."""
    found = visible_platform(platform_id)
    try:
        platforms.add_deployment(db.session, found, request.form.get("deployment_id", "").strip())
        flash("Deployment added.", "ok")
    except RegistrationProblem as exc:
        db.session.rollback()
        flash(str(exc), "problem")
    return redirect(url_for("admin.platform", platform_id=platform_id), 303)


@bp.post("/platforms/<int:platform_id>/remove")
@requires_admin
def remove(platform_id: int) -> ResponseReturnValue:
    """Remove a registration whose data was erased first (tool admins only)."""
    if g.admin_platform_id is not None:
        raise NotAllowed("only the tool's admin removes registrations")
    found = visible_platform(platform_id)
    if request.form.get("confirm_issuer") != found.issuer:
        flash("Type the issuer exactly to confirm removal.", "problem")
        return redirect(url_for("admin.platform", platform_id=platform_id), 303)
    try:
        platforms.remove_platform(db.session, found,
                                  drop_undelivered=bool(request.form.get("drop_undelivered")))
    except platforms.RemovalRefused as exc:
        db.session.rollback()
        flash(str(exc), "problem")
        return redirect(url_for("admin.platform", platform_id=platform_id, _anchor="remove"), 303)
    flash(f"Removed {found.issuer}.", "ok")
    return redirect(url_for("admin.index"), 303)
