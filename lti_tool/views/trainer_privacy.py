"""A trainer's view of what PeerReady holds about one pupil of their course (subject access).

Only rows that belong to the trainer's launched course are shown; a pupil who is not in that
course is refused (403), whatever id is asked for. Every view is written to the audit log.
"""

from __future__ import annotations

from flask import g
from flask import render_template
from flask import url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from lti_tool.access import requires_role
from lti_tool.errors import NotAllowed
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import Enrollment
from lti_tool.models import User
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import export
from lti_tool.services.privacy.policy import policy_of
from lti_tool.views.privacy import export_download
from lti_tool.views.trainer import bp


def _pupil_of_course(user_id: int) -> User:
    enrolled = db.session.scalar(
        select(Enrollment.id).where(Enrollment.user_id == user_id, Enrollment.context_id == g.context.id)
    )
    pupil = db.session.get(User, user_id) if enrolled else None
    if pupil is None:
        raise NotAllowed("trainer asking for the data of someone outside their course")
    return pupil


def _export(user_id: int, what: str) -> export.Export:
    pupil = _pupil_of_course(user_id)
    found = export.export_person(db.session, db.metadata, pupil, course=g.context,
                                 shows_names=policy_of(pupil.platform).stores_names)
    audit.record_view(db.session, audit.Actor(audit.TRAINER, g.user.id), what,
                      platform_id=pupil.platform_id, subject_user_id=pupil.id,
                      context_id=g.context.id, action=audit.EXPORT)
    return found


@bp.get("/learners/<int:user_id>/data")
@requires_role(Role.TRAINER)
def learner_data(user_id: int) -> ResponseReturnValue:
    """Everything held about a pupil in this course, as a page to read or print."""
    found = _export(user_id, "a pupil's data in the course (page)")
    return render_template("privacy/export.html", export=found, back_url=None, erase_url=None,
                           json_url=url_for(".learner_data_download", user_id=user_id, kind="json"),
                           pdf_url=url_for(".learner_data_download", user_id=user_id, kind="pdf"))


@bp.get("/learners/<int:user_id>/data.<any(pdf, json):kind>")
@requires_role(Role.TRAINER)
def learner_data_download(user_id: int, kind: str) -> ResponseReturnValue:
    """The same, as a PDF or JSON file."""
    found = _export(user_id, f"a pupil's data in the course ({kind.upper()})")
    return export_download(found, kind, f"peerready-pupil-{user_id}")
