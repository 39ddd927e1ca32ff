"""Trainer pages for certification: who stands where, sign-off, supervised practice, revocation.

Everything is scoped to the trainer's launched course: another course's learner or certificate
is a 404, whatever id is posted.
"""

from __future__ import annotations

from datetime import date

from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import Platform
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services import dashboard
from lti_tool.services import programmes
from lti_tool.services.privacy import audit
from lti_tool.views.trainer import bp


@bp.get("/certification")
@requires_role(Role.TRAINER)
def certification_overview() -> ResponseReturnValue:
    """Certified, expiring within 60/30/7 days, close, in training, expired and revoked."""
    now = utcnow()
    mentors = dashboard.course_mentors(
        db.session, g.context,
        platform=db.session.get(Platform, g.launch.platform_id),
        memberships=dashboard.memberships_url(g.launch.launch_id),
        refresh=request.args.get("refresh") == "1",
    )
    board = certification.dashboard(
        db.session, g.context, now, mentors.members,
        dashboard.course_programme(db.session, g.context),
    )
    return render_template(
        "trainer/certification.html", board=board, now=now, context=g.context, mentors=mentors,
        titles={p.id: p.title for p in programmes.programmes()},
    )


@bp.get("/certification/learners/<int:user_id>")
@requires_role(Role.TRAINER)
def certification_learner(user_id: int) -> ResponseReturnValue:
    """One learner's certificates, history, practice records and the revoke form."""
    learner = certification.learner_in_course(db.session, g.context, user_id)
    audit.record_view(db.session, audit.Actor(audit.TRAINER, g.user.id), "certification record",
                      platform_id=learner.platform_id, subject_user_id=learner.id, context_id=g.context.id)
    now = utcnow()
    board = certification.dashboard(db.session, g.context, now)
    standings = [s for s in board.everyone if s.user is not None and s.user.id == learner.id]
    return render_template(
        "trainer/certification_learner.html",
        learner=learner,
        standings=standings,
        history=certification.history(db.session, learner.id, g.context.id),
        status_of=lambda c: certification.status_of(c, now).value,
        today=now.date(),
    )


@bp.post("/certification/sign-off")
@requires_role(Role.TRAINER)
def certification_sign_off() -> ResponseReturnValue:
    """Sign a learner off; certifies them at once if nothing else is missing."""
    learner = certification.learner_in_course(db.session, g.context, request.form.get("user_id", type=int) or 0)
    result = certification.sign_off(
        db.session, g.user, learner, g.context, request.form.get("programme_id", ""), utcnow(),
        note=request.form.get("note", ""),
    )
    _flash_result(result, "Signed off.")
    return redirect(url_for(".certification_learner", user_id=learner.id), 303)


@bp.post("/certification/practice")
@requires_role(Role.TRAINER)
def certification_practice() -> ResponseReturnValue:
    """Record a learner's supervised practice (dates and a short note)."""
    learner = certification.learner_in_course(db.session, g.context, request.form.get("user_id", type=int) or 0)
    started, ended = _date("practised_from"), _date("practised_until")
    result = certification.record_practice(
        db.session, g.user, learner, g.context, request.form.get("programme_id", ""),
        started, ended, request.form.get("note", ""), utcnow(),
    )
    _flash_result(result, "Supervised practice recorded.")
    return redirect(url_for(".certification_learner", user_id=learner.id), 303)


@bp.post("/certification/<int:certification_id>/revoke")
@requires_role(Role.TRAINER)
def certification_revoke(certification_id: int) -> ResponseReturnValue:
    """Revoke a certificate of this course, with a reason."""
    found = certification.in_course(db.session, g.context, certification_id)
    certification.revoke(db.session, found, g.user, request.form.get("reason", ""), utcnow())
    flash("Certificate revoked. Its verification page and badge now show it as revoked.", "ok")
    return redirect(url_for(".certification_learner", user_id=found.user_id), 303)


def _date(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise certification.CertificationError(
            f"bad date in {name}", message="Enter the practice dates as day, month and year."
        ) from None


def _flash_result(result: certification.CheckResult, done: str) -> None:
    if result.certification is not None:
        flash(f"{done} The learner is now certified.", "ok")
    elif result.decision.missing:
        left = ", ".join(r.label for r in result.decision.missing)
        flash(f"{done} Still needed before certification: {left}.", "warn")
    else:
        flash(done, "ok")
