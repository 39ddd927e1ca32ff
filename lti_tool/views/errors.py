"""Error pages: a heading, one plain sentence, the next step, and a correlation id in the log."""

from __future__ import annotations

import logging
import uuid

from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lti_tool.errors import PeerReadyError
from lti_tool.extensions import db
from lti_tool.lti.errors import CookiesBlocked
from modules.errors import ModuleError
from modules.errors import ModuleNotFound
from modules.errors import ProgrammeNotFound

log = logging.getLogger("lti_tool.errors")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(
    status: int,
    heading: str,
    message: str,
    next_step: str,
    *,
    admin_hint: str = "",
    correlation_id: str = "",
    login_url: str | None = None,
) -> ResponseReturnValue:
    if status >= 500:
        # The database may be what failed, and the rollback expired g.context: the page's
        # header would reload the course title from it and crash the error page itself.
        g.pop("context", None)
    if _wants_json():
        body = {"error": heading, "message": message, "correlation_id": correlation_id}
        return jsonify(body), status
    page = render_template(
        "errors/problem.html",
        heading=heading,
        message=message,
        next_step=next_step,
        admin_hint=admin_hint,
        correlation_id=correlation_id,
        login_url=login_url,
    )
    return page, status


def handle_peerready_error(error: PeerReadyError) -> ResponseReturnValue:
    """Log the detail with a correlation id; show the user what to do next."""
    db.session.rollback()  # nothing half-done is kept
    correlation_id = uuid.uuid4().hex[:12]
    log.warning(
        "%s [%s] %s %s: %s",
        type(error).__name__,
        correlation_id,
        request.method,
        request.path,
        error.detail or error.message,
    )
    return _render(
        error.status,
        error.heading,
        error.message,
        error.next_step,
        admin_hint=error.admin_hint,
        correlation_id=correlation_id,
        login_url=error.login_url if isinstance(error, CookiesBlocked) else None,
    )


def handle_module_error(error: ModuleError) -> ResponseReturnValue:
    """A training video refused something: 404 for a missing video, else 400 with the detail."""
    db.session.rollback()
    status = 404 if isinstance(error, ModuleNotFound | ProgrammeNotFound) else 400
    detail = str(getattr(error, "detail", "") or "")
    log.info("%s %s %s: %s", type(error).__name__, request.method, request.path, detail or error)
    if request.is_json or _wants_json():
        return jsonify({"error": type(error).__name__, "message": error.message, "detail": detail}), status
    heading = "Not found" if status == 404 else "That didn't work"
    return _render(status, heading, error.message, "Go back to your training and try again.")


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    log.warning("CSRF refused %s %s: %s", request.method, request.path, error.description)
    return _render(
        400,
        "This form has expired",
        "For your safety, PeerReady only accepts forms it has just shown you.",
        "Go back, reload the page and try again.",
    )


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    headings = {
        404: ("Not found", "We couldn't find that page."),
        405: ("That didn't work", "This page can't be used that way."),
        413: ("That was too large", "PeerReady refused a request that was too large."),
        429: ("Please slow down", "Too many requests came from your network just now."),
    }
    heading, message = headings.get(status, ("Something went wrong", error.description or ""))
    response = _render(status, heading, message, "Go back to your course and open PeerReady again.")
    return response


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    db.session.rollback()
    correlation_id = uuid.uuid4().hex[:12]
    log.exception("Unexpected error [%s] %s %s", correlation_id, request.method, request.path)
    return _render(
        500,
        "Something went wrong on our side",
        "PeerReady hit a problem it didn't expect. Nothing you did caused it.",
        "Try again in a minute. If it keeps happening, tell your teacher and quote the code below.",
        correlation_id=correlation_id,
    )


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(PeerReadyError, handle_peerready_error)
    app.register_error_handler(ModuleError, handle_module_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing or app.config.get("HANDLE_UNEXPECTED_ERRORS"):
        app.register_error_handler(Exception, handle_unexpected)
