"""The school's data page: the data map, retention, subject access, erasure and the audit log."""

from __future__ import annotations

from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from lti_tool.access import Launch
from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Deployment
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import erasure
from lti_tool.services.privacy import export
from lti_tool.services.privacy import policy
from lti_tool.services.privacy import retention
from lti_tool.services.privacy.registry import REGISTRY
from lti_tool.services.privacy.registry import personal_tables
from lti_tool.services.xapi.endpoints import endpoints_for_any_deployment
from lti_tool.views.admin import visible_platform
from lti_tool.views.admin import bp
from lti_tool.views.admin import requires_admin
from lti_tool.views.privacy import export_download

SCOPES = ("person", "course", "deployment", "school")


def _actor() -> audit.Actor:
    if g.admin_platform_id is None:
        return audit.Actor(audit.TOOL_ADMIN)
    launch = Launch.from_session()
    return audit.Actor(audit.SCHOOL_ADMIN, launch.user_id if launch else None)


def _person(platform: Platform, user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person.platform_id != platform.id:
        raise NotFound("no such person at this school")
    return person


@bp.get("/platforms/<int:platform_id>/privacy")
@requires_admin
def privacy(platform_id: int) -> ResponseReturnValue:
    """What is held about pupils and staff, why and where; retention; the actions."""
    platform = visible_platform(platform_id)
    found = {t.name: t for t in personal_tables(db.metadata)}
    found |= {n: db.metadata.tables[n] for n, i in REGISTRY.items() if i.person_key and n in db.metadata.tables}
    tables = [(name, info, found[name]) for name, info in REGISTRY.items() if name in found]
    preview = retention.enforce(db.session, db.metadata, utcnow(), dry_run=True, platform_ids=[platform.id])
    courses = db.session.execute(
        select(Context, Deployment).join(Deployment).where(Deployment.platform_id == platform.id)
        .order_by(Context.title, Context.id)
    ).all()
    return render_template(
        "admin/privacy.html", platform=platform, tables=tables, kv=REGISTRY["kv_entry"],
        policy=policy.policy_of(platform), preview=preview[0], courses=courses,
        lrs_endpoints=endpoints_for_any_deployment(db.session, platform.id),
        is_tool_admin=g.admin_platform_id is None, actions=policy.ACTIONS,
    )


@bp.post("/platforms/<int:platform_id>/privacy/settings")
@requires_admin
def privacy_settings(platform_id: int) -> ResponseReturnValue:
    """Save how long activity and the audit log are kept, and whether names are stored."""
    platform = visible_platform(platform_id)
    try:
        policy.set_policy(
            db.session, platform, request.form.get("retention_months", ""),
            request.form.get("retention_action", ""), request.form.get("audit_months", ""),
            request.form.get("store_names") == "on",
        )
        audit.record(db.session, _actor(), audit.SETTINGS, "privacy settings changed", platform_id=platform.id)
        db.session.commit()
        flash("Privacy settings saved.", "ok")
    except policy.PolicyProblem as exc:
        db.session.rollback()
        flash(str(exc), "problem")
    return redirect(url_for("admin.privacy", platform_id=platform_id) + "#retention", 303)


@bp.get("/platforms/<int:platform_id>/privacy/find")
@requires_admin
def privacy_find(platform_id: int) -> ResponseReturnValue:
    """Find a person by the platform's user id (what Moodle shows as the user's id)."""
    platform = visible_platform(platform_id)
    sub = request.args.get("platform_user_id", "").strip()
    person = db.session.scalars(select(User).filter_by(platform_id=platform.id, sub=sub)).first()
    if person is None:
        flash("PeerReady holds nothing for that platform user id at this school.", "problem")
        return redirect(url_for("admin.privacy", platform_id=platform_id) + "#people", 303)
    return redirect(url_for("admin.privacy_person", platform_id=platform_id, user_id=person.id), 303)


@bp.get("/platforms/<int:platform_id>/privacy/people/<int:user_id>")
@requires_admin
def privacy_person(platform_id: int, user_id: int) -> ResponseReturnValue:
    """Everything held about one person, as a page to read, print or save as PDF."""
    platform = visible_platform(platform_id)
    person = _person(platform, user_id)
    found = export.export_person(db.session, db.metadata, person,
                                 shows_names=policy.policy_of(platform).stores_names)
    audit.record_view(db.session, _actor(), "everything held (page)", platform_id=platform.id,
                      subject_user_id=person.id, action=audit.EXPORT)
    return render_template(
        "privacy/export.html", export=found,
        json_url=url_for("admin.privacy_person_download", platform_id=platform.id, user_id=person.id,
                         kind="json"),
        pdf_url=url_for("admin.privacy_person_download", platform_id=platform.id, user_id=person.id,
                        kind="pdf"),
        erase_url=url_for("admin.privacy_erase", platform_id=platform.id, scope="person", item_id=person.id),
        back_url=url_for("admin.privacy", platform_id=platform.id),
    )


@bp.get("/platforms/<int:platform_id>/privacy/people/<int:user_id>.<any(pdf, json):kind>")
@requires_admin
def privacy_person_download(platform_id: int, user_id: int, kind: str) -> ResponseReturnValue:
    """The same export as a PDF or JSON file, to keep or hand over."""
    platform = visible_platform(platform_id)
    person = _person(platform, user_id)
    found = export.export_person(db.session, db.metadata, person,
                                 shows_names=policy.policy_of(platform).stores_names)
    audit.record_view(db.session, _actor(), f"everything held ({kind.upper()})", platform_id=platform.id,
                      subject_user_id=person.id, action=audit.EXPORT)
    return export_download(found, kind, f"peerready-person-{person.id}")


def _erase_target(platform: Platform, scope: str, item_id: int) -> tuple[str, str]:
    """What the confirmation page says is about to go, and what to type to confirm."""
    if scope == "person":
        person = _person(platform, item_id)
        return f"everything held about the person with platform user id {person.sub}", person.sub
    if scope == "course":
        course = db.session.get(Context, item_id)
        if course is None or course.deployment.platform_id != platform.id:
            raise NotFound("no such course at this school")
        return f"the course {course.title or course.lti_context_id!r} and everything in it", "ERASE"
    if scope == "deployment":
        deployment = db.session.get(Deployment, item_id)
        if deployment is None or deployment.platform_id != platform.id:
            raise NotFound("no such deployment at this school")
        return f"every course of deployment {deployment.deployment_id}", "ERASE"
    if scope == "school":
        return "every pupil, member of staff, course and record of this school", platform.issuer
    raise NotFound("unknown kind of erasure")


@bp.get("/platforms/<int:platform_id>/privacy/erase/<scope>/<int:item_id>")
@requires_admin
def privacy_erase(platform_id: int, scope: str, item_id: int) -> ResponseReturnValue:
    """Ask for confirmation before erasing."""
    platform = visible_platform(platform_id)
    what, confirm_text = _erase_target(platform, scope, item_id)
    return render_template("admin/privacy_erase.html", platform=platform, scope=scope, item_id=item_id,
                           what=what, confirm_text=confirm_text,
                           has_lrs=bool(endpoints_for_any_deployment(db.session, platform.id)))


@bp.post("/platforms/<int:platform_id>/privacy/erase/<scope>/<int:item_id>")
@requires_admin
def privacy_erase_confirmed(platform_id: int, scope: str, item_id: int) -> ResponseReturnValue:
    """Erase, once the admin typed the confirmation."""
    platform = visible_platform(platform_id)
    _, confirm_text = _erase_target(platform, scope, item_id)
    if request.form.get("confirm", "").strip() != confirm_text:
        flash("The confirmation did not match, so nothing was erased.", "problem")
        return redirect(url_for("admin.privacy_erase", platform_id=platform_id, scope=scope, item_id=item_id), 303)
    now, actor = utcnow(), _actor()
    if scope == "person":
        report = erasure.erase_people(db.session, db.metadata, platform, [item_id], actor, now)
    elif scope == "course":
        report = erasure.erase_course(db.session, db.metadata, platform, item_id, actor, now)
    elif scope == "deployment":
        report = erasure.erase_deployment(db.session, db.metadata, platform, item_id, actor, now)
    else:
        report = erasure.erase_school(db.session, db.metadata, platform, actor, now)
    flash(f"Erased {report.summary()}.", "ok")
    return redirect(url_for("admin.privacy", platform_id=platform_id), 303)


@bp.get("/platforms/<int:platform_id>/privacy/audit")
@requires_admin
def privacy_audit(platform_id: int) -> ResponseReturnValue:
    """Who viewed, exported or erased people's data, newest first."""
    platform = visible_platform(platform_id)
    entries = audit.entries(db.session, platform.id)
    ids = {e.actor_user_id for e in entries} | {e.subject_user_id for e in entries}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids - {None})))}
    return render_template("admin/privacy_audit.html", platform=platform, entries=entries, people=people,
                           policy=policy.policy_of(platform))
