"""Privacy notices for pupils (primary and secondary wording) and staff; public, no sign-in.

Every page built on ``base.html`` links here from its footer, to the notice worded for the
course's audience and filled in with the school's own settings.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint
from flask import Response
from flask import g
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.services.audience import course_audience
from lti_tool.services.privacy.export import Export
from lti_tool.services.privacy.policy import policy_of
from lti_tool.services.xapi.endpoints import destinations_for

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

AUDIENCES = ("primary", "secondary", "staff")


@bp.app_context_processor
def notice_link() -> dict[str, Any]:
    """``privacy_notice_url``: the notice for the current course's audience and school."""

    def privacy_notice_url() -> str:
        context, user = g.get("context"), g.get("user")
        enrollment = g.get("enrollment")
        if enrollment is not None and enrollment.role == "trainer":
            audience: str | None = "staff"
        else:
            audience = course_audience(db.session, context) if context is not None else None
        school = user.platform_id if user is not None else None
        if audience is None:
            return url_for("privacy.notice", school=school)
        return url_for("privacy.notice_for", audience=audience, school=school)

    return {"privacy_notice_url": privacy_notice_url}


def _school() -> Platform | None:
    school_id = request.args.get("school", type=int)
    return db.session.get(Platform, school_id) if school_id else None


def _facts(school: Platform | None) -> dict[str, Any]:
    if school is None:
        return {"school": None, "school_name": None, "policy": None, "has_lrs": None}
    return {"school": school, "school_name": school.setting("school_name"), "policy": policy_of(school),
            "has_lrs": bool(destinations_for(db.session, school.id))}


@bp.get("/")
def notice() -> ResponseReturnValue:
    """Choose the notice: primary pupils, secondary pupils or staff."""
    return render_template("privacy/index.html", **_facts(_school()))


@bp.get("/<audience>")
def notice_for(audience: str) -> ResponseReturnValue:
    """The notice in words for primary pupils, secondary pupils or staff."""
    if audience not in AUDIENCES:
        raise NotFound("no such privacy notice")
    return render_template(f"privacy/{audience}.html", audience=audience, **_facts(_school()))


def export_download(found: Export, kind: str, filename: str) -> Response:
    """A subject access export as a PDF or JSON attachment that no cache keeps."""
    if kind == "pdf":
        # Imported here: only the PDF routes need reportlab, so web workers start without it.
        from lti_tool.services.privacy import pdf

        response = Response(pdf.export_pdf(found), mimetype="application/pdf")
    else:
        response = Response(json.dumps(found.as_json(), indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response
