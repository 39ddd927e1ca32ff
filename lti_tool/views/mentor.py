"""Pages for mentors (pupils and staff in training): the programme home and the video player."""

from __future__ import annotations

import mimetypes
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.errors import SessionExpired
from lti_tool.extensions import csrf
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import ResourceLink
from lti_tool.models.types import utcnow
from lti_tool.security import allow_embed
from lti_tool.services import certification
from lti_tool.services import programmes
from lti_tool.services import progress
from lti_tool.services.audience import audience_for
from lti_tool.sessions import TOKEN_HEADER
from lti_tool.sessions import TOKEN_PARAM
from modules.errors import InvalidProgress
from modules.model import VideoKind

bp = Blueprint("mentor", __name__, url_prefix="/mentor")

MEDIA_TYPES = {".vtt": "text/vtt", ".md": "text/markdown", ".mp4": "video/mp4", ".webm": "video/webm"}


def _resource_link() -> ResourceLink | None:
    link_id = g.launch.resource_link_id
    return db.session.get(ResourceLink, link_id) if link_id else None


def _require_session_token() -> None:
    """Scripts must name the session (header or URL): a cookie alone could be a forged post."""
    if not (request.headers.get(TOKEN_HEADER) or request.args.get(TOKEN_PARAM)):
        raise SessionExpired("script post without the session token")


@bp.get("/")
@requires_role(Role.MENTOR)
def home() -> ResponseReturnValue:
    """The mentor's training home: the programme's modules in order, with progress."""
    link = _resource_link()
    programme = programmes.programme_for(link, g.context, audience_for(db.session, link, g.context))
    modules = [programmes.module(module_id) for module_id in programme.modules] if programme else []
    rows = progress.progress_by_module(db.session, g.user.id, g.context.id, programme.modules) if programme else {}
    statuses = {module.id: progress.status_of(rows.get(module.id), module) for module in modules}
    next_module = next((m for m in modules if not statuses[m.id].complete), None)
    quizzes_url = url_for("mentor.quizzes")
    certificates = certification.for_mentor(db.session, g.user, g.context, utcnow())
    return render_template(
        "mentor/home.html", user=g.user, context=g.context, programme=programme, modules=modules,
        statuses=statuses, next_module=next_module, quizzes_url=quizzes_url,
        completed=sum(status.complete for status in statuses.values()), certificates=certificates,
    )


@bp.get("/start")
@requires_role(Role.MENTOR)
def start() -> ResponseReturnValue:
    """Open what the launched link selects (a module, a quiz or a programme).

    A link to one module or quiz skips the home page, so an expiry notice comes along with it.
    """
    target = programmes.target_of(_resource_link())
    if target is not None and target.kind in ("module", "quiz"):
        mine = certification.for_mentor(db.session, g.user, g.context, utcnow())
        for notice in certification.expiry_notices(mine):
            flash(notice, "warn")
    if target is not None and target.kind == "module":
        programmes.module(target.id)  # ModuleNotFound: a page saying to check the link
        return redirect(url_for(".module", module_id=target.id), 303)
    if target is not None and target.kind == "quiz":
        return redirect(url_for("mentor.quizzes", _anchor=f"quiz-{target.id}"), 303)
    return redirect(url_for(".home"), 303)


@bp.get("/modules/<module_id>")
@requires_role(Role.MENTOR)
def module(module_id: str) -> ResponseReturnValue:
    """The player: video with captions on, the interactive transcript and checkpoints."""
    found = programmes.module(module_id)
    row = progress.find(db.session, g.user.id, g.context.id, module_id)
    rewatch = progress.open_rewatch(db.session, g.user.id, g.context.id, module_id)
    if found.video.kind is not VideoKind.FILE:
        allow_embed(found.video.kind.value)
    return render_template(
        "mentor/module.html", module=found, status=progress.status_of(row, found, rewatch),
        rewatch=rewatch, first_completed_at=row.completed_at if row else None,
        cues=programmes.transcript_cues(module_id), session_token_header=TOKEN_HEADER,
    )


@bp.post("/modules/<module_id>/watch-again")
@requires_role(Role.MENTOR)
def watch_again(module_id: str) -> ResponseReturnValue:
    """Start watching a completed module again; completing it counts again (for a refresher)."""
    found = programmes.module(module_id)
    progress.start_rewatch(db.session, g.user.id, g.context.id, found)
    flash("Watching again: this viewing counts once you have watched enough of it again.", "ok")
    return redirect(url_for(".module", module_id=module_id), 303)


@bp.get("/programmes/<programme_id>/handbook.pdf")
@requires_role(Role.MENTOR, Role.TRAINER)
def handbook(programme_id: str) -> ResponseReturnValue:
    """The programme's handbook as a PDF, generated from its modules."""
    # Imported here: only the PDF routes need reportlab, so web workers start without it.
    from lti_tool.services.handbook import handbook_pdf

    found = programmes.programme(programme_id)
    pdf = handbook_pdf(
        found, [programmes.module(m) for m in found.modules],
        str(g.user.platform.setting("school_name") or current_app.config["SCHOOL_NAME"]),
    )
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{programme_id}-handbook.pdf"'
    return response


@bp.get("/modules/<module_id>/media/<filename>")
@requires_role(Role.MENTOR, Role.TRAINER)
def media(module_id: str, filename: str) -> ResponseReturnValue:
    """A file the module declares, with Range support so browsers can seek in the video."""
    path = programmes.media_path(module_id, filename)
    mimetype = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=3600)
    response.cache_control.private = True  # the URL carries the learner's session token
    return response


@bp.post("/modules/<module_id>/progress")
@csrf.exempt  # scripts and sendBeacon name the session in the header or URL instead
@requires_role(Role.MENTOR)
def record_progress(module_id: str) -> ResponseReturnValue:
    """The player's report: played segments and events (see services.progress.parse_report)."""
    _require_session_token()
    found = programmes.module(module_id)
    report = progress.parse_report(_json_body())
    status = progress.record_report(
        db.session, g.user.id, g.context.id, found, report, g.launch.resource_link_id
    )
    return jsonify(status.to_json())


@bp.post("/modules/<module_id>/checkpoints/<checkpoint_id>")
@csrf.exempt  # protected below: CSRF token for forms, the session token for scripts
@requires_role(Role.MENTOR)
def answer_checkpoint(module_id: str, checkpoint_id: str) -> ResponseReturnValue:
    """Check an answer on the server; JSON for the player, a page reload without scripts."""
    found = programmes.module(module_id)
    if request.is_json:
        _require_session_token()
        choice = _json_body().get("choice")
        if choice is not None and not isinstance(choice, str):
            raise InvalidProgress("choice must be a choice id or null")
    else:
        csrf.protect()
        choice = request.form.get("choice") or None
    result, status = progress.answer(
        db.session, g.user.id, g.context.id, found, checkpoint_id, choice, g.launch.resource_link_id
    )
    if request.is_json:
        return jsonify({"correct": result.correct, "feedback": result.feedback, "status": status.to_json()})
    flash(result.feedback or "Thanks for stopping to think about that.", "ok" if result.correct is not False else "warn")
    return redirect(url_for(".module", module_id=module_id, _anchor=f"checkpoint-{checkpoint_id}"), 303)


def _json_body() -> dict[str, Any]:
    # sendBeacon posts text/plain (a CORS-safelisted type), so parse whatever the type says.
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise InvalidProgress("the body must be a JSON object")
    return body
